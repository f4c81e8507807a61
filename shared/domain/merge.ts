/**
 * Profile unification (RULES §6): contacts that are one person become one. Only compatible contacts merge
 * (no channel primary key with two values); the earliest created keeps its id, the others become tombstones
 * pointing at it.
 */
import type { Contact, Mutable, RowInput } from './model.js';
import { mostRestrictiveEdm, mostRestrictiveWhatsapp } from './status.js';

/** Who created a contact: the import id of `importId#rowNumber`, or `createdBy` as it is. */
function creator(createdBy: string): string {
  const hash = createdBy.lastIndexOf('#');
  return hash < 0 ? createdBy : createdBy.slice(0, hash);
}

/** The row number in `createdBy` (`importId#rowNumber`), or -1 for contacts created outside an import. */
function creationRow(createdBy: string): number {
  const hash = createdBy.lastIndexOf('#');
  const row = hash < 0 ? Number.NaN : Number(createdBy.slice(hash + 1));
  return Number.isInteger(row) ? row : -1;
}

/**
 * Earliest created first, in logical creation order (RULES §9): creation time (an import's contacts all
 * carry the import's creation time), then the import id, then the row that created the contact, then the
 * contact id, so every processor orders them alike whatever order the rows were processed in.
 */
export function byCreation(a: Contact, b: Contact): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1;
  const [importA, importB] = [creator(a.createdBy), creator(b.createdBy)];
  if (importA !== importB) return importA < importB ? -1 : 1;
  const rows = creationRow(a.createdBy) - creationRow(b.createdBy);
  if (rows !== 0) return rows;
  return a.contactId < b.contactId ? -1 : a.contactId > b.contactId ? 1 : 0;
}

/** The latest created first: what "the one created latest" of RULES §4 picks. */
export const latestFirst = (a: Contact, b: Contact): number => byCreation(b, a);

/** The phone a WhatsApp or SMS channel locks, and the email an EDM channel locks, as warnings name them. */
export const LOCKED_PHONE = 'phone (locked by a WhatsApp channel)';
export const LOCKED_EMAIL = 'EDM email';

/** The phone a contact's WhatsApp or SMS channel locks, if any. */
export function lockedPhoneOf(contact: Contact): string | undefined {
  return contact.whatsapp?.mobile ?? contact.sms?.phone;
}

/** Values no two merged contacts may hold differently, keyed by the column name warnings use. */
export type ExclusiveValues = Readonly<Record<string, string | undefined>>;

/** The channel primary keys a contact holds, and the phone its WhatsApp channel locks. */
function exclusiveValuesOf(contact: Contact): ExclusiveValues {
  return {
    line_uid: contact.line?.uid,
    [LOCKED_EMAIL]: contact.edm?.email,
    WhatsApp_mobile: contact.whatsapp?.mobile,
    'SMS phone': contact.sms?.phone,
    [LOCKED_PHONE]: lockedPhoneOf(contact),
  };
}

/** The channel primary keys a row carries: a contact is compatible with the row when it holds none differently. */
export function rowChannelKeys(row: RowInput): ExclusiveValues {
  return {
    line_uid: row.line?.uid,
    [LOCKED_EMAIL]: row.edm?.email,
    WhatsApp_mobile: row.whatsapp?.mobile,
  };
}

/**
 * The first exclusive value (a channel primary key, or the locked phone) that two of the contacts — or a
 * contact and `required` — hold differently; undefined when they are compatible (RULES §6) and may merge.
 *
 * @example
 * conflictingChannelKey([withLine('U1…'), withLine('U2…')]); // 'line_uid'
 * conflictingChannelKey([withWhatsapp('+886912…')], { [LOCKED_PHONE]: '+886922…' }); // LOCKED_PHONE
 */
export function conflictingChannelKey(
  contacts: readonly Contact[],
  required: ExclusiveValues = {},
): string | undefined {
  const values = new Map<string, string>();
  for (const [field, value] of Object.entries(required)) if (value !== undefined) values.set(field, value);
  for (const contact of contacts) {
    for (const [field, value] of Object.entries(exclusiveValuesOf(contact))) {
      if (value === undefined) continue;
      const seen = values.get(field);
      if (seen !== undefined && seen !== value) return field;
      values.set(field, value);
    }
  }
  return undefined;
}

const PROFILE_FIELDS = [
  'name',
  'email',
  'phone',
  'customerId',
  'note',
  'gender',
  'birthday',
  'fbId',
  'igId',
] as const;

/**
 * One contact from compatible contacts (RULES §6). `survivor` (the earliest created) keeps its id, creation
 * and version; field values come from the contacts in `precedence` order, the first that has one winning
 * (the key's contact first, then the others latest created first); tags are unioned in that order; channels
 * keep the most restrictive status.
 *
 * @example
 * mergeContacts(earliest, [keyContact, later, earliest]).name; // keyContact.name ?? later.name ?? earliest.name
 */
export function mergeContacts(survivor: Contact, precedence: readonly Contact[]): Contact {
  const merged: Mutable<Contact> = {
    ...survivor,
    tags: [],
    custom: {},
  };
  for (const field of PROFILE_FIELDS) delete merged[field];
  delete merged.line;
  delete merged.edm;
  delete merged.whatsapp;
  delete merged.sms;
  for (const contact of precedence) {
    for (const field of PROFILE_FIELDS) {
      if (merged[field] === undefined && contact[field] !== undefined)
        Object.assign(merged, { [field]: contact[field] });
    }
    for (const tag of contact.tags) if (!merged.tags.includes(tag)) merged.tags.push(tag);
    for (const [name, value] of Object.entries(contact.custom))
      if (!Object.hasOwn(merged.custom, name)) merged.custom[name] = value;
    merged.line ??= contact.line;
    merged.sms ??= contact.sms;
  }
  const edms = precedence.flatMap((contact) => (contact.edm ? [contact.edm] : []));
  const [firstEdm, ...moreEdm] = edms;
  if (firstEdm) {
    const status = mostRestrictiveEdm([firstEdm.status, ...moreEdm.map((edm) => edm.status)]);
    const consentSource = edms.find((edm) => edm.consentSource !== undefined)?.consentSource;
    const consentAt = edms.find((edm) => edm.consentAt !== undefined)?.consentAt;
    merged.edm = {
      email: firstEdm.email,
      status,
      ...(consentSource === undefined ? {} : { consentSource }),
      ...(consentAt === undefined ? {} : { consentAt }),
    };
    merged.email = firstEdm.email;
  }
  const whatsapps = precedence.flatMap((contact) => (contact.whatsapp ? [contact.whatsapp] : []));
  const [firstWhatsapp, ...moreWhatsapp] = whatsapps;
  if (firstWhatsapp) {
    const status = mostRestrictiveWhatsapp([firstWhatsapp.status, ...moreWhatsapp.map((w) => w.status)]);
    merged.whatsapp = { mobile: firstWhatsapp.mobile, status };
  }
  // A WhatsApp channel locks the phone to its number.
  const locked = lockedPhoneOf(merged);
  if (locked !== undefined) merged.phone = locked;
  return merged;
}

/**
 * What is left of a merged contact: its id, creation and version, no identities, and `mergedInto`. Its
 * identities now belong to the survivor, so the store releases them from the tombstone.
 */
export function tombstoneOf(contact: Contact, survivorId: string): Contact {
  return {
    workspace: contact.workspace,
    contactId: contact.contactId,
    createdAt: contact.createdAt,
    createdBy: contact.createdBy,
    version: contact.version,
    tags: [],
    custom: {},
    mergedInto: survivorId,
    ...(contact.writtenBy === undefined ? {} : { writtenBy: contact.writtenBy }),
  };
}
