/**
 * The one list of stable issue codes: row errors, skips, warnings and file rejections. Reports, summaries,
 * notifications and the README table all come from here, so a code never changes its meaning.
 *
 * Messages name the column and the value as uploaded and say how to fix the file: they go into the
 * operator's own report. Loggers must not print them in clear; log the code, or mask values with
 * {@link maskValue}.
 */
import type { Issue } from './model.js';

/** `error` fails the row, `skip` skips it, `warning` rides along a row that succeeded, `rejection` rejects the file. */
export type IssueKind = 'error' | 'skip' | 'warning' | 'rejection';

interface Definition<P> {
  readonly kind: IssueKind;
  readonly description: string;
  readonly message: (params: P) => string;
}

function define<P = undefined>(kind: IssueKind, description: string, message: (params: P) => string) {
  return { kind, description, message } satisfies Definition<P>;
}

const quote = (value: string): string => `"${value}"`;
const list = (values: readonly string[]): string => values.map(quote).join(', ');
const orList = (values: readonly string[]): string =>
  values.length <= 1 ? values.join('') : `${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}`;

const DEFINITIONS = {
  // Row errors: the row fails and appears in failures.csv.
  KEY_EMPTY: define<{ column: string }>(
    'error',
    'The Key Value cell of the row is blank.',
    ({ column }) =>
      `The key value is empty: column "${column}" is the import's Key Value and must be filled in on every row.`,
  ),
  CUSTOMER_ID_NOT_FOUND: define<{ value: string; keys: readonly string[] }>(
    'error',
    'Key `customer_id` only updates: no contact has this customer_id.',
    ({ value, keys }) =>
      `customer_id not found: no contact has customer_id ${quote(value)}. An import keyed by customer_id only ` +
      `updates existing contacts; correct the id, or import new contacts with the ${orList(keys)} key.`,
  ),
  VALUE_REQUIRED: define<{ column: string }>(
    'error',
    'A cell the channel requires on every row (EDM `email`, WhatsApp `WhatsApp_mobile`) is blank.',
    ({ column }) => `Column "${column}" is required for this channel and is empty on this row: fill it in.`,
  ),
  INVALID_PHONE: define<{ column: string; value: string; region?: string; plusLost?: boolean }>(
    'error',
    'Not a valid phone number (E.164, or national format of the workspace region where allowed).',
    ({ column, value, region, plusLost }) =>
      region === undefined
        ? `${quote(value)} in column "${column}" is not a valid WhatsApp number: write it in E.164 format, ` +
          `a + and the country code followed by digits only, e.g. +886912345678${plusLost ? ' (the leading + is missing)' : ''}.`
        : `${quote(value)} in column "${column}" is not a valid phone number for region ${region}: write it as ` +
          `+<country code><number> (e.g. +886912345678) or in ${region} national format (e.g. 0912345678)` +
          `${plusLost ? '; if it is an international number, put a + in front of it' : ''}.`,
  ),
  EXCEL_NUMBER_DAMAGED: define<{ column: string; value: string }>(
    'error',
    'A spreadsheet turned the number into scientific notation (`8.86912E+11`): its digits are lost.',
    ({ column, value }) =>
      `${quote(value)} in column "${column}" was turned into scientific notation by a spreadsheet and its ` +
      'digits are lost, so it cannot be repaired. Re-export the data with the column formatted as Text ' +
      '(in Excel: select the column, Format Cells > Text, then paste the original numbers again).',
  ),
  INVALID_EMAIL: define<{ column: string; value: string }>(
    'error',
    'Not a valid email address.',
    ({ column, value }) =>
      `${quote(value)} in column "${column}" is not a valid email address (expected name@example.com).`,
  ),
  INVALID_DATE: define<{ column: string; value: string }>(
    'error',
    'Not a real date in `YYYY-MM-DD` format.',
    ({ column, value }) =>
      `${quote(value)} in column "${column}" is not a valid date: write a real date as YYYY-MM-DD, e.g. 1990-07-31.`,
  ),
  DATE_IN_FUTURE: define<{ column: string; value: string; today: string }>(
    'error',
    'A birthday after today (in the workspace time zone).',
    ({ column, value, today }) =>
      `${quote(value)} in column "${column}" is in the future (today is ${today}): correct the date.`,
  ),
  INVALID_DATETIME: define<{ column: string; value: string; timeZone: string; nonexistent?: boolean }>(
    'error',
    'Not a real local time in `YYYY-MM-DD hh:mm:ss` format in the workspace time zone.',
    ({ column, value, timeZone, nonexistent }) =>
      nonexistent
        ? `${quote(value)} in column "${column}" does not exist in time zone ${timeZone} (the clocks skip it ` +
          'when daylight saving time starts): correct the time.'
        : `${quote(value)} in column "${column}" is not a valid time: write YYYY-MM-DD hh:mm:ss ` +
          `(24-hour clock, time zone ${timeZone}), e.g. 2024-05-01 14:30:00.`,
  ),
  INVALID_LINE_UID: define<{ column: string; value: string }>(
    'error',
    'Not a LINE UID (`U` followed by 32 hexadecimal characters).',
    ({ column, value }) =>
      `${quote(value)} in column "${column}" is not a LINE UID: a LINE UID is U followed by 32 hexadecimal ` +
      'characters, e.g. U4af4980629a0b0c5e2f0e4c1d2b3a4f5.',
  ),
  STATUS_REQUIRED: define<{ column: string; allowed: readonly string[] }>(
    'error',
    'EDM rows need a `messaging_status`.',
    ({ column, allowed }) => `Column "${column}" is empty: EDM rows need one of ${list(allowed)}.`,
  ),
  INVALID_STATUS: define<{ column: string; value: string; allowed: readonly string[] }>(
    'error',
    'A `messaging_status` that is not one of the channel’s statuses.',
    ({ column, value, allowed }) =>
      `${quote(value)} in column "${column}" is not a valid status: use one of ${list(allowed)}.`,
  ),
  INVALID_GENDER: define<{ column: string; value: string; allowed: readonly string[] }>(
    'error',
    'A gender that is not `female`, `male` or `unknown`.',
    ({ column, value, allowed }) =>
      `${quote(value)} in column "${column}" is not a valid gender: use one of ${list(allowed)}.`,
  ),
  INVALID_CUSTOM_VALUE: define<{ column: string; value: string; expected: string; reason?: string }>(
    'error',
    'A custom field value that does not fit the field’s type.',
    ({ column, value, expected, reason }) =>
      `${quote(value)} in custom field "${column}" is ${reason ?? 'not valid'}: expected ${expected}.`,
  ),
  VALUE_TOO_LONG: define<{ column: string; length: number; max: number }>(
    'error',
    'A value longer than its field allows (255 characters for names, customer_id, consent_source).',
    ({ column, length, max }) =>
      `The value in column "${column}" has ${length} characters; at most ${max} are allowed: shorten it.`,
  ),
  CELL_TOO_LARGE: define<{ column: string; bytes: number; max: number }>(
    'error',
    'A cell larger than the configured cell limit (default 64 KiB).',
    ({ column, bytes, max }) =>
      `The cell in column "${column}" is ${bytes} bytes; cells may hold at most ${max} bytes: shorten it.`,
  ),
  INVALID_CHARACTER: define<{ column: string; codePoint: string; position: number }>(
    'error',
    'A cell holds NUL or another control character (tab, CR and LF inside a quoted cell aside).',
    ({ column, codePoint, position }) =>
      `The cell in column "${column}" holds an invisible control character (${codePoint}) at character ` +
      `${position}: delete it (it often comes from a copy from another system) and upload the file again.`,
  ),
  MALFORMED_ROW: define<{ detail: string }>(
    'error',
    'The CSV record could not be read (unclosed quote, more cells than the header).',
    ({ detail }) => `The row is not well-formed CSV: ${detail}. Fix the quoting or the number of cells.`,
  ),
  PROCESSING_FAILED: define<{ reason: string }>(
    'error',
    'The row could not be processed after retries (the batch was dead-lettered or crashed).',
    ({ reason }) => `The row could not be processed (${reason}). Upload the rows in failures.csv again.`,
  ),
  PROCESSING_TIMEOUT: define<{ minutes: number; cellsLost?: string }>(
    'error',
    'The import made no progress for too long; rows not processed by then fail.',
    ({ minutes, cellsLost }) =>
      `The row was not processed: the import made no progress for ${minutes} minutes. ` +
      (cellsLost === undefined
        ? 'Upload the rows in failures.csv again.'
        : `Its cells could not be read back from the uploaded file (${cellsLost}), so they are blank here: ` +
          'upload this row again from your own copy of the file (row_number says which row it was).'),
  ),

  // Skips: the row is not applied and appears in failures.csv as skipped.
  STATUS_BLANK_SKIPPED: define<{ column: string }>(
    'skip',
    'WhatsApp row with a blank `messaging_status`: skipped, not failed.',
    ({ column }) =>
      `Column "${column}" is empty: WhatsApp rows without a status are skipped. Fill in opted_in, ` +
      'opted_out or not_subscribed to import the row.',
  ),

  CANCELLED: define<{ at: string }>(
    'skip',
    "The import was cancelled (`imports cancel`) before the row's batch was applied.",
    ({ at }) =>
      `The row was not applied: the import was cancelled at ${at}. Upload the rows in failures.csv again to ` +
      'apply them.',
  ),

  // Warnings: the row still applies; the warning appears in warnings.csv (in failures.csv after the errors
  // when the row failed or was skipped for another reason).
  KEY_MATCHED_SEVERAL: define<{ key: string; value: string; count: number }>(
    'warning',
    'The key value is held by several contacts: the one created latest was updated, nothing was merged.',
    ({ key, value, count }) =>
      `${count} contacts have ${key} ${quote(value)}; the one created latest was updated, the others were ` +
      'left as they are and nothing was merged. Use line_uid or customer_id as the key to choose the contact exactly.',
  ),
  CHANNEL_KEY_IGNORED: define<{ column: string; value: string; held: 'differs' | 'taken' | 'phone-locked' }>(
    'warning',
    'A channel primary key (LINE UID, EDM email, WhatsApp number) cannot be set: the field is ignored, the rest applies.',
    ({ column, value, held }) =>
      `${quote(value)} in column "${column}" was ignored: ${
        held === 'differs'
          ? 'the contact already has a different value, and a channel primary key never changes'
          : held === 'taken'
            ? 'another contact already holds it, and a channel primary key belongs to one contact only'
            : "the contact's phone is locked by its SMS channel"
      }. The row's other fields were applied.`,
  ),
  EMAIL_LOCKED: define<{ value: string }>(
    'warning',
    'The contact has the EDM channel, whose address is its email: the email was not changed.',
    ({ value }) =>
      `Email ${quote(value)} was ignored: the contact is an EDM contact, whose email is its EDM address and cannot be changed by an import.`,
  ),
  PHONE_LOCKED: define<{ column: string; value: string; channel: string }>(
    'warning',
    'The contact has a WhatsApp or SMS channel, whose number is its phone: the phone was not changed.',
    ({ column, value, channel }) =>
      `${quote(value)} in column "${column}" was ignored: the contact's phone is its ${channel} number and cannot be changed by an import.`,
  ),
  STATUS_IRREVERSIBLE: define<{ current: string; requested: string }>(
    'warning',
    'EDM status unsubscribed / hard_bounce / spam_report is never moved back to subscribed; the rest applied.',
    ({ current, requested }) =>
      `The EDM status stays "${current}": an import never changes ${quote(current)} to ${quote(requested)} ` +
      '(anti-spam rules). The row’s other fields were applied.',
  ),
  LEADING_ZERO_RECOVERED: define<{ column: string; value: string; normalised: string }>(
    'warning',
    'A national number that lost its leading zero (spreadsheet) was recovered.',
    ({ column, value, normalised }) =>
      `${quote(value)} in column "${column}" had lost its leading 0 (a spreadsheet treats it as a number) ` +
      `and was read as ${normalised}. Format the column as Text to keep the 0.`,
  ),
  SHARED_IDENTIFIER_NOT_MERGED: define<{ column: string; value: string; count: number }>(
    'warning',
    'A value of the row (a family phone, a shared email, a reused customer_id) is held by several contacts: it merged none of them.',
    ({ column, value, count }) =>
      `${quote(value)} in column "${column}" is shared by ${count} contacts (for example a family); a shared ` +
      'value never merges contacts, so it did not decide which contact this row is.',
  ),
  MERGE_CONFLICT_CHANNEL_KEY: define<{
    found: readonly { column: string; value: string }[];
    field: string;
    created: boolean;
  }>(
    'warning',
    'Contacts the row’s other identifiers point to hold a different channel primary key: they were kept apart.',
    ({ found, field, created }) =>
      `The row's ${found.map(({ column, value }) => `${column} ${quote(value)}`).join(', ')} also ` +
      `${found.length > 1 ? 'belong to other contacts' : 'belongs to another contact'} with a different ${field}; ` +
      `two people are never made one, so ${found.length > 1 ? 'they were' : 'it was'} left as ${found.length > 1 ? 'they are' : 'it is'}` +
      `${created ? ', and the row created a new contact that shares the value' : ''}.`,
  ),
  CONTACTS_MERGED: define<{ count: number; found: readonly { column: string; value: string }[] }>(
    'warning',
    'The row’s identifiers pointed to several compatible contacts: they were merged into the earliest created.',
    ({ count, found }) =>
      `Profile unification: ${count} contacts found through ${found.map(({ column, value }) => `${column} ${quote(value)}`).join(', ')} ` +
      "were merged into one (the earliest created keeps its history; the row's values win, then the key's contact's).",
  ),

  // File rejections: the whole file is rejected and no contact is touched.
  INVALID_OBJECT_KEY: define<{ key: string; reason: string }>(
    'rejection',
    'The S3 key is not `incoming/<workspace>/<channel>/<key>/<file>.csv`.',
    ({ key, reason }) =>
      `The object key ${quote(key)} is not valid: ${reason}. Upload to incoming/<workspace>/<channel>/<key>/<file>.csv.`,
  ),
  UNKNOWN_WORKSPACE: define<{ workspace: string }>(
    'rejection',
    'The workspace is not registered (`workspace set`): nothing is created; only the operators are told.',
    ({ workspace }) =>
      `Workspace ${quote(workspace)} is not registered: check the workspace segment of the key for a typo, ` +
      `or register it first (npm run cli -- workspace set -w ${workspace} --region <region>).`,
  ),
  UNKNOWN_CHANNEL: define<{ channel: string; allowed: readonly string[] }>(
    'rejection',
    'The channel segment of the key is not `line`, `edm` or `whatsapp`.',
    ({ channel, allowed }) => `Unknown channel ${quote(channel)}: use one of ${list(allowed)}.`,
  ),
  UNKNOWN_KEY: define<{ key: string; allowed: readonly string[] }>(
    'rejection',
    'The key segment is not `line_uid`, `phone`, `email` or `customer_id`.',
    ({ key, allowed }) => `Unknown Key Value ${quote(key)}: use one of ${list(allowed)}.`,
  ),
  KEY_NOT_ALLOWED: define<{ channel: string; key: string; allowed: readonly string[] }>(
    'rejection',
    'The Key Value is not allowed for the channel (e.g. `line_uid` for `edm`).',
    ({ channel, key, allowed }) =>
      `Key Value ${quote(key)} is not allowed for channel ${quote(channel)}: use one of ${list(allowed)}.`,
  ),
  NOT_CSV: define<{ key: string }>(
    'rejection',
    'The object name does not end in `.csv`.',
    ({ key }) => `${quote(key)} is not a .csv file: save the sheet as CSV and upload it with a .csv name.`,
  ),
  EMPTY_FILE: define(
    'rejection',
    'The file has zero bytes.',
    () => 'The file is empty: upload a CSV with a header row and at least one data row.',
  ),
  UNDECODABLE_BYTES: define<{ offset: number; encoding: string; truncated?: boolean }>(
    'rejection',
    'Bytes that no supported encoding decodes, or a file that ends in the middle of a character.',
    ({ offset, encoding, truncated }) =>
      truncated
        ? `The file ends in the middle of a ${encoding} character at byte ${offset}: the upload was probably ` +
          'cut short; upload the whole file again (saved as CSV UTF-8).'
        : `The file cannot be decoded as ${encoding} at byte ${offset}: save it as CSV UTF-8 and upload it again.`,
  ),
  ENCODING_UNCERTAIN: define<{ candidates: readonly string[] }>(
    'rejection',
    'The bytes read as valid text in several encodings and nothing settles which one is right.',
    ({ candidates }) =>
      `The file's encoding cannot be told for certain: it reads as ${candidates.join(' or as ')}, with different ` +
      'text. Save it as UTF-8 and upload it again (Excel: File › Save As › "CSV UTF-8 (Comma delimited)"; ' +
      'Numbers or Google Sheets export CSV as UTF-8).',
  ),
  MISSING_HEADER: define(
    'rejection',
    'The file has no header row.',
    () => 'The file has no header row: the first line must name the columns (download the template).',
  ),
  DUPLICATE_HEADER: define<{ name: string; columns: readonly number[] }>(
    'rejection',
    'Two header cells have the same name.',
    ({ name, columns }) =>
      `Column name ${quote(name)} appears more than once (columns ${columns.join(', ')}): keep one of them.`,
  ),
  MISSING_REQUIRED_COLUMN: define<{ columns: readonly string[]; channel: string; hints: readonly string[] }>(
    'rejection',
    'A column the channel or the Key Value requires is missing from the header.',
    ({ columns, channel, hints }) =>
      `Required column${columns.length > 1 ? 's' : ''} ${list(columns)} missing for channel ${channel}` +
      `${hints.length > 0 ? ` (${hints.join('; ')})` : ''}: header names must match exactly.`,
  ),
  FILE_TOO_LARGE: define<{ bytes: number; max: number }>(
    'rejection',
    'The file is larger than the configured limit (default 2 GiB).',
    ({ bytes, max }) =>
      `The file is ${bytes} bytes; at most ${max} bytes are accepted: split it into several files.`,
  ),
  TOO_MANY_ROWS: define<{ max: number }>(
    'rejection',
    'The file has more data rows than the configured limit (default 10 million).',
    ({ max }) => `The file has more than ${max} data rows: split it into several files.`,
  ),
} as const;

export type IssueCode = keyof typeof DEFINITIONS;
type ParamsOf<C extends IssueCode> = Parameters<(typeof DEFINITIONS)[C]['message']>[0];

/** An issue whose code is known at compile time. */
export interface CodedIssue<C extends IssueCode = IssueCode> extends Issue {
  readonly code: C;
}

/**
 * Builds an issue with its stable code and a message naming the column and value.
 *
 * @example
 * issue('INVALID_EMAIL', { column: 'email', value: 'jane@' });
 * // { code: 'INVALID_EMAIL', message: '"jane@" in column "email" is not a valid email address (...)' }
 * issue('EMPTY_FILE');
 */
export function issue<C extends IssueCode>(
  code: C,
  ...params: ParamsOf<C> extends undefined ? [] : [ParamsOf<C>]
): CodedIssue<C> {
  const message = (DEFINITIONS[code].message as (p: ParamsOf<C> | undefined) => string)(params[0]);
  return { code, message };
}

/** The kind of a code: what it does to the row or the file. */
export function kindOf(code: string): IssueKind | undefined {
  return Object.hasOwn(DEFINITIONS, code) ? DEFINITIONS[code as IssueCode].kind : undefined;
}

export interface CodeDescription {
  readonly code: IssueCode;
  readonly kind: IssueKind;
  readonly description: string;
}

/** Every code with its kind and description, in a stable order (the README table is rendered from it). */
export const ISSUE_CODES: readonly CodeDescription[] = (Object.keys(DEFINITIONS) as IssueCode[]).map(
  (code) => ({ code, kind: DEFINITIONS[code].kind, description: DEFINITIONS[code].description }),
);

const EMAIL_SHAPE = /^([^@\s])[^@\s]*@(\S+)$/;

/**
 * Masks a value before it goes to a log: emails keep their first character and domain, anything with six
 * or more digits keeps its last three digits, other text keeps only its first character.
 *
 * @example
 * maskValue('jane.doe@example.com'); // 'j***@example.com'
 * maskValue('+886912345678');        // '+*********678'
 * maskValue('王小明');                 // '王***'
 */
export function maskValue(value: string): string {
  const email = EMAIL_SHAPE.exec(value);
  if (email) return `${email[1]}***@${email[2]}`;
  const digits = value.replace(/\D/g, '').length;
  if (digits >= 6) {
    let seen = 0;
    return value.replace(/\d/g, (digit) => (++seen > digits - 3 ? digit : '*'));
  }
  return value.length === 0 ? '' : `${[...value][0]}***`;
}
