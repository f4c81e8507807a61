/**
 * What each channel's CSV looks like (RULES §1, §3): its columns and the profile field each fills, the Key
 * Values it allows and the column that carries each, the columns it requires. Also reads the S3 object key
 * that names an import's workspace, channel and key.
 */
import { type CodedIssue, issue } from './codes.js';
import { CHANNELS, type Channel, KEYS, type KeyName } from './model.js';

/** What a column fills. One field may be named differently per channel (`name` / `display_name`). */
export type FieldId =
  | 'line_uid'
  | 'phone'
  | 'customer_id'
  | 'name'
  | 'email'
  | 'note'
  | 'tags'
  | 'gender'
  | 'birthday'
  | 'edm_email'
  | 'edm_status'
  | 'consent_source'
  | 'consent_at'
  | 'whatsapp_mobile'
  | 'whatsapp_status';

export interface ColumnSpec {
  /** The header name, exactly. */
  readonly column: string;
  readonly field: FieldId;
  /** Longest value in characters, where RULES sets one. */
  readonly maxLength?: number;
}

/** Names, customer ids and consent sources are limited to 255 characters (RULES §3). */
export const MAX_TEXT_LENGTH = 255;

const column = (name: string, field: FieldId, maxLength?: number): ColumnSpec =>
  maxLength === undefined ? { column: name, field } : { column: name, field, maxLength };

/** The system columns of each channel, in template order (RULES §3 tables). */
export const CHANNEL_COLUMNS: Readonly<Record<Channel, readonly ColumnSpec[]>> = {
  line: [
    column('line_uid', 'line_uid'),
    column('phone', 'phone'),
    column('customer_id', 'customer_id', MAX_TEXT_LENGTH),
    column('name', 'name', MAX_TEXT_LENGTH),
    column('email', 'email'),
    column('note', 'note'),
    column('tags', 'tags'),
  ],
  edm: [
    column('email', 'edm_email'),
    column('messaging_status', 'edm_status'),
    column('display_name', 'name', MAX_TEXT_LENGTH),
    column('gender', 'gender'),
    column('customer_id', 'customer_id', MAX_TEXT_LENGTH),
    column('mobile', 'phone'),
    column('birthday', 'birthday'),
    column('tag', 'tags'),
    column('consent_source', 'consent_source', MAX_TEXT_LENGTH),
    column('consent_at', 'consent_at'),
  ],
  whatsapp: [
    column('WhatsApp_mobile', 'whatsapp_mobile'),
    column('messaging_status', 'whatsapp_status'),
    column('display_name', 'name', MAX_TEXT_LENGTH),
    column('gender', 'gender'),
    column('customer_id', 'customer_id', MAX_TEXT_LENGTH),
    column('email', 'email'),
    column('birthday', 'birthday'),
    column('tag', 'tags'),
  ],
};

/** The column that carries each allowed Key Value, per channel (RULES §1). */
export const KEY_COLUMNS: Readonly<Record<Channel, Readonly<Partial<Record<KeyName, string>>>>> = {
  line: { line_uid: 'line_uid', phone: 'phone', email: 'email', customer_id: 'customer_id' },
  edm: { email: 'email', customer_id: 'customer_id', phone: 'mobile' },
  whatsapp: { phone: 'WhatsApp_mobile', customer_id: 'customer_id', email: 'email' },
};

/** Columns every file of the channel must have, whatever its key (RULES §2). */
export const REQUIRED_COLUMNS: Readonly<Record<Channel, readonly string[]>> = {
  line: [],
  edm: ['email', 'messaging_status'],
  whatsapp: ['WhatsApp_mobile', 'messaging_status'],
};

/** Columns of different channels that are the same profile field (RULES §3). */
export const PROFILE_ALIASES: readonly (readonly string[])[] = [
  ['name', 'display_name'],
  ['tags', 'tag'],
  ['phone', 'mobile'],
];

/**
 * Names operators write for a column of a channel that are too far from it for an edit-distance guess: a
 * skipped column with one of these names (any letter case) is suggested the channel's column.
 */
export const COLUMN_HINTS: ReadonlyMap<string, string> = new Map([['status', 'messaging_status']]);

/** The columns the failure report appends; a fixed `failures.csv` re-imports with them silently ignored. */
export const REPORT_COLUMNS: readonly string[] = ['row_number', 'error_code', 'error_message'];

/** The Key Values a channel allows, in template order. */
export function allowedKeys(channel: Channel): KeyName[] {
  return KEYS.filter((key) => KEY_COLUMNS[channel][key] !== undefined);
}

/**
 * The column that carries a Key Value in a channel's file, or undefined when the channel does not allow it.
 *
 * @example
 * keyColumn('edm', 'phone');      // 'mobile'
 * keyColumn('whatsapp', 'phone'); // 'WhatsApp_mobile'
 */
export function keyColumn(channel: Channel, key: KeyName): string | undefined {
  return KEY_COLUMNS[channel][key];
}

/** The columns a file of this channel and key must have: the channel's required columns and the key's. */
export function requiredColumns(channel: Channel, key: KeyName): string[] {
  const columns = [...REQUIRED_COLUMNS[channel]];
  const keyCol = keyColumn(channel, key);
  if (keyCol !== undefined && !columns.includes(keyCol)) columns.push(keyCol);
  return columns;
}

/** Where an import comes from, read from its S3 object key. */
export interface ObjectKeyParts {
  readonly workspace: string;
  readonly channel: Channel;
  readonly key: KeyName;
  /** Everything after the key segment (the uploaded file's name, with any sub-folders). */
  readonly fileName: string;
  /** The file sits in a `dry-run/` folder after the key: decide every row, write no contact (RULES §1). */
  readonly dryRun: boolean;
}

/** The folder after the key segment that asks for a dry run: `incoming/acme/line/phone/dry-run/list.csv`. */
export const DRY_RUN_FOLDER = 'dry-run/';

export const WORKSPACE_PATTERN = /^[a-z0-9][a-z0-9-]{1,62}$/;
const INCOMING = 'incoming';

const isChannel = (value: string): value is Channel => (CHANNELS as readonly string[]).includes(value);
const isKey = (value: string): value is KeyName => (KEYS as readonly string[]).includes(value);

/**
 * Reads `incoming/<workspace>/<channel>/<key>/<anything>.csv` (RULES §1). The key must already be decoded
 * from the S3 event's URL encoding. Anything else is a file rejection.
 *
 * @example
 * parseObjectKey('incoming/acme/edm/email/2024-05 list.csv');
 * // { workspace: 'acme', channel: 'edm', key: 'email', fileName: '2024-05 list.csv', dryRun: false }
 * parseObjectKey('incoming/acme/edm/email/dry-run/list.csv').dryRun; // true
 * parseObjectKey('incoming/acme/edm/line_uid/a.csv').code; // 'KEY_NOT_ALLOWED'
 */
export function parseObjectKey(objectKey: string): ObjectKeyParts | CodedIssue {
  const segments = objectKey.split('/');
  const fileName = segments.slice(4).join('/');
  if (segments[0] !== INCOMING || fileName === '') {
    return issue('INVALID_OBJECT_KEY', {
      key: objectKey,
      reason: 'it must have the form incoming/<workspace>/<channel>/<key>/<file>.csv',
    });
  }
  const [workspace, channel, key] = segments.slice(1, 4) as [string, string, string];
  if (!WORKSPACE_PATTERN.test(workspace)) {
    return issue('INVALID_OBJECT_KEY', {
      key: objectKey,
      reason: `workspace "${workspace}" must be 2 to 63 lower-case letters, digits or hyphens, not starting with a hyphen`,
    });
  }
  if (!isChannel(channel)) return issue('UNKNOWN_CHANNEL', { channel, allowed: CHANNELS });
  if (!isKey(key)) return issue('UNKNOWN_KEY', { key, allowed: KEYS });
  if (keyColumn(channel, key) === undefined) {
    return issue('KEY_NOT_ALLOWED', { channel, key, allowed: allowedKeys(channel) });
  }
  if (!fileName.toLowerCase().endsWith('.csv')) return issue('NOT_CSV', { key: objectKey });
  return { workspace, channel, key, fileName, dryRun: fileName.startsWith(DRY_RUN_FOLDER) };
}

/** Whether a value returned by a parser is an issue rather than a result. */
export function isIssue(value: unknown): value is CodedIssue {
  return typeof value === 'object' && value !== null && 'code' in value && 'message' in value;
}
