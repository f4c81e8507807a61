/**
 * What `export` writes for a contact: a JSON object (jsonl), or a row of a channel's import file (csv)
 * that imports back as `unchanged`: every cell is the stored value in the form the importer reads, with
 * the formula-injection guard of the reports where a spreadsheet would run it.
 */
import { CHANNEL_COLUMNS, type FieldId, keyColumn } from '../shared/domain/channels.js';
import { neutralise } from '../shared/domain/formula-guard.js';
import type {
  Channel,
  Contact,
  CustomFieldDefinition,
  CustomValue,
  KeyName,
} from '../shared/domain/model.js';

/**
 * The jsonl object of a contact: profile fields (null when never provided), then the channels it has.
 *
 * @example
 * contactJson(contact);
 * // { contactId: 'c-…', createdAt: '…', name: '王小明', …, tags: ['VIP'], custom: {}, line: { uid: 'U…' } }
 */
export function contactJson(contact: Contact): Record<string, unknown> {
  return {
    contactId: contact.contactId,
    createdAt: contact.createdAt,
    name: contact.name ?? null,
    email: contact.email ?? null,
    phone: contact.phone ?? null,
    customerId: contact.customerId ?? null,
    note: contact.note ?? null,
    tags: contact.tags,
    gender: contact.gender ?? null,
    birthday: contact.birthday ?? null,
    custom: contact.custom,
    ...(contact.line ? { line: { uid: contact.line.uid } } : {}),
    ...(contact.edm
      ? {
          edm: {
            email: contact.edm.email,
            status: contact.edm.status,
            consentSource: contact.edm.consentSource ?? null,
            consentAt: contact.edm.consentAt ?? null,
          },
        }
      : {}),
    ...(contact.whatsapp
      ? { whatsapp: { mobile: contact.whatsapp.mobile, status: contact.whatsapp.status } }
      : {}),
  };
}

/**
 * An instant as the wall clock `YYYY-MM-DD hh:mm:ss` of a time zone: the form `consent_at` is imported in.
 *
 * @example
 * wallClock('2024-05-01T06:30:00.000Z', 'Asia/Taipei'); // '2024-05-01 14:30:00'
 */
export function wallClock(iso: string, timeZone: string): string {
  const parts: Record<string, string> = {};
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  for (const part of format.formatToParts(new Date(iso))) parts[part.type] = part.value;
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
}

function systemValue(contact: Contact, field: FieldId, timeZone: string): string | undefined {
  switch (field) {
    case 'line_uid':
      return contact.line?.uid;
    case 'phone':
      return contact.phone;
    case 'customer_id':
      return contact.customerId;
    case 'name':
      return contact.name;
    case 'email':
      return contact.email;
    case 'note':
      return contact.note;
    case 'tags':
      return contact.tags.join(',');
    case 'gender':
      return contact.gender;
    case 'birthday':
      return contact.birthday;
    case 'edm_email':
      return contact.edm?.email;
    case 'edm_status':
      return contact.edm?.status;
    case 'consent_source':
      return contact.edm?.consentSource;
    case 'consent_at':
      return contact.edm?.consentAt && wallClock(contact.edm.consentAt, timeZone);
    case 'whatsapp_mobile':
      return contact.whatsapp?.mobile;
    case 'whatsapp_status':
      return contact.whatsapp?.status;
  }
}

function customCell(value: CustomValue | undefined): string {
  return value === undefined ? '' : String(value);
}

/** A channel file's layout for export: its header and each contact's row. */
export interface CsvLayout {
  readonly header: readonly string[];
  /** The key value of a contact (what the importer looks the row up by), or undefined when it has none. */
  keyOf(contact: Contact): string | undefined;
  /** The row of a contact, or undefined when the file cannot carry it (no key value, not on the channel). */
  row(contact: Contact): string[] | undefined;
}

/** The channel a contact must have to appear in that channel's file (its status column is required). */
const CHANNEL_FIELD: Readonly<Record<Channel, FieldId | undefined>> = {
  line: undefined,
  edm: 'edm_status',
  whatsapp: 'whatsapp_status',
};

/**
 * The export layout of a channel's file and Key Value: system columns in template order, then the
 * workspace's custom fields.
 *
 * @example
 * const layout = csvLayout('line', 'phone', fields, 'Asia/Taipei');
 * layout.header; // ['line_uid', 'phone', 'customer_id', 'name', 'email', 'note', 'tags', 'member_tier']
 */
export function csvLayout(
  channel: Channel,
  key: KeyName,
  fields: readonly CustomFieldDefinition[],
  timeZone: string,
): CsvLayout {
  const specs = CHANNEL_COLUMNS[channel];
  const keySpec = specs.find((spec) => spec.column === keyColumn(channel, key));
  if (!keySpec) throw new Error(`Key ${key} is not allowed for channel ${channel}`);
  const required = CHANNEL_FIELD[channel];
  const keyOf = (contact: Contact) => systemValue(contact, keySpec.field, timeZone) || undefined;
  return {
    header: [...specs.map((spec) => spec.column), ...fields.map((field) => field.name)],
    keyOf,
    row(contact) {
      if (!keyOf(contact)) return undefined;
      if (required && !systemValue(contact, required, timeZone)) return undefined;
      // Guarded like the reports (RULES §7); the importer takes the guard off, so the row is `unchanged`.
      return [
        ...specs.map((spec) => systemValue(contact, spec.field, timeZone) ?? ''),
        ...fields.map((field) => customCell(contact.custom[field.name])),
      ].map(neutralise);
    },
  };
}
