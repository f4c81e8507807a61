/**
 * Profile unification (RULES §6): several contacts that are one person become one. The earliest created
 * survives; the others become tombstones pointing at it.
 */
import type { Contact } from './model.js';
import { mostRestrictiveEdm, mostRestrictiveWhatsapp } from './status.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Earliest created first; ties broken by contact id so every processor orders them alike. */
export function byCreation(a: Contact, b: Contact): number {
  const left = `${a.createdAt}\u0000${a.contactId}`;
  const right = `${b.createdAt}\u0000${b.contactId}`;
  return left < right ? -1 : left > right ? 1 : 0;
}

/** The phone a WhatsApp or SMS channel locks, and the email an EDM channel locks, as warnings name them. */
export const LOCKED_PHONE = 'phone (locked by a WhatsApp or SMS channel)';
export const LOCKED_EMAIL = 'EDM email';

/** The phone a contact's WhatsApp or SMS channel locks, if any. */
export function lockedPhoneOf(contact: Contact): string | undefined {
  return contact.whatsapp?.mobile ?? contact.sms?.phone;
}

/**
 * The values a contact holds that no contact merged with it may hold differently: the channel primary keys
 * and the phone its WhatsApp or SMS channel locks. Keyed by the name warnings use.
 */
function exclusiveValuesOf(contact: Contact): Record<string, string | undefined> {
  return {
    line_uid: contact.line?.uid,
    [LOCKED_EMAIL]: contact.edm?.email,
    WhatsApp_mobile: contact.whatsapp?.mobile,
    'SMS phone': contact.sms?.phone,
    [LOCKED_PHONE]: lockedPhoneOf(contact),
  };
}

/**
 * The first exclusive value (a channel primary key, or the locked phone) that two of the contacts — or a
 * contact and `required` — hold differently; undefined when they may be merged.
 *
 * @example
 * conflictingChannelKey([withLine('U1…'), withLine('U2…')]); // 'line_uid'
 * conflictingChannelKey([withWhatsapp('+886912…')], { [LOCKED_PHONE]: '+886922…' }); // LOCKED_PHONE
 */
export function conflictingChannelKey(
  contacts: readonly Contact[],
  required: Readonly<Record<string, string>> = {},
): string | undefined {
  const values = new Map<string, string>(Object.entries(required));
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
 * The survivor with everything the merged contacts add: blank fields filled (earlier created first), tags
 * unioned in order, custom fields filled, channels moved over with the most restrictive status when two
 * hold the same channel. The survivor's id, creation and version are kept.
 *
 * @example
 * foldContacts(earliest, [later]).tags; // earliest.tags, then later's new tags
 */
export function foldContacts(survivor: Contact, others: readonly Contact[]): Contact {
  const all = [survivor, ...others];
  const folded: Mutable<Contact> = { ...survivor, tags: [...survivor.tags], custom: { ...survivor.custom } };
  for (const other of others) {
    for (const field of PROFILE_FIELDS) {
      if (folded[field] === undefined && other[field] !== undefined)
        Object.assign(folded, { [field]: other[field] });
    }
    for (const tag of other.tags) if (!folded.tags.includes(tag)) folded.tags.push(tag);
    for (const [name, value] of Object.entries(other.custom))
      if (!Object.hasOwn(folded.custom, name)) folded.custom[name] = value;
    folded.line ??= other.line;
    folded.sms ??= other.sms;
  }
  const edms = all.flatMap((contact) => (contact.edm ? [contact.edm] : []));
  const [firstEdm, ...moreEdm] = edms;
  if (firstEdm) {
    const status = mostRestrictiveEdm([firstEdm.status, ...moreEdm.map((edm) => edm.status)]);
    const consentSource = edms.find((edm) => edm.consentSource !== undefined)?.consentSource;
    const consentAt = edms.find((edm) => edm.consentAt !== undefined)?.consentAt;
    folded.edm = {
      email: firstEdm.email,
      status,
      ...(consentSource === undefined ? {} : { consentSource }),
      ...(consentAt === undefined ? {} : { consentAt }),
    };
    folded.email = firstEdm.email;
  }
  const whatsapps = all.flatMap((contact) => (contact.whatsapp ? [contact.whatsapp] : []));
  const [firstWhatsapp, ...moreWhatsapp] = whatsapps;
  if (firstWhatsapp) {
    const status = mostRestrictiveWhatsapp([firstWhatsapp.status, ...moreWhatsapp.map((w) => w.status)]);
    folded.whatsapp = { mobile: firstWhatsapp.mobile, status };
  }
  // A WhatsApp or SMS channel locks the phone to its number.
  folded.phone = lockedPhoneOf(folded) ?? folded.phone;
  return folded;
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
  };
}
