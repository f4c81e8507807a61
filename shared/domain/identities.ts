/**
 * Identities: the normalised identifiers that find contacts (RULES §6). A stored contact holds some; a row
 * carries some; the row's Key Value resolves through exactly one.
 */
import type { Contact, Identity, IdentityType, RowInput } from './model.js';

/** The index key of an identity, `${type}#${value}` (the map key of `ContactStore.resolve`). */
export function identityKey(identity: Identity): string {
  return `${identity.type}#${identity.value}`;
}

class IdentityList {
  readonly items: Identity[] = [];
  private readonly seen = new Set<string>();

  add(type: IdentityType, value: string | undefined): void {
    if (value === undefined) return;
    const identity = { type, value };
    const key = identityKey(identity);
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.items.push(identity);
  }
}

/**
 * Every identity a stored contact holds, for the identity index. A tombstone holds none: its identities
 * moved to the contact it was merged into.
 *
 * @example
 * identitiesOf({ ...contact, email: 'jane@example.com', line: { uid: 'U4af4…' } });
 * // [{ type: 'email', value: 'jane@example.com' }, { type: 'line_uid', value: 'U4af4…' }]
 */
export function identitiesOf(contact: Contact): Identity[] {
  const list = new IdentityList();
  if (contact.mergedInto !== undefined) return list.items;
  list.add('email', contact.email?.toLowerCase());
  list.add('phone', contact.phone);
  list.add('customer_id', contact.customerId);
  list.add('line_uid', contact.line?.uid);
  list.add('edm_email', contact.edm?.email.toLowerCase());
  list.add('whatsapp', contact.whatsapp?.mobile);
  list.add('sms', contact.sms?.phone);
  list.add('fb_id', contact.fbId);
  list.add('ig_id', contact.igId);
  return list.items;
}

/**
 * The row's unifying identifiers (RULES §6: email, phone, customer_id, line_uid, WhatsApp_mobile), the
 * key's own included. An EDM address is an email and a WhatsApp number is also a phone. The processor
 * resolves all of them and passes the holders of every one except the key's in `Candidates.byIdentity`.
 *
 * @example
 * rowIdentities(whatsappRow);
 * // [{ type: 'phone', value: '+886912345678' }, { type: 'whatsapp', value: '+886912345678' }, ...]
 */
export function rowIdentities(row: RowInput): Identity[] {
  const list = new IdentityList();
  list.add('email', row.edm?.email);
  list.add('email', row.profile.email);
  list.add('phone', row.whatsapp?.mobile);
  list.add('phone', row.profile.phone);
  list.add('customer_id', row.profile.customerId);
  list.add('line_uid', row.line?.uid);
  list.add('whatsapp', row.whatsapp?.mobile);
  return list.items;
}

/**
 * The identity the row's Key Value resolves through (line_uid → line_uid, phone → phone, email → email,
 * customer_id → customer_id).
 *
 * @example
 * keyIdentity(row); // { type: 'phone', value: '+886912345678' }
 */
export function keyIdentity(row: RowInput): Identity {
  return { type: row.key.name, value: row.key.value };
}
