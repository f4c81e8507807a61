/**
 * The pure decision for one row (RULES §4–§6): which contact the row updates, whether it creates one,
 * whether contacts merge, and the new state of every contact it touches. No I/O: the processor resolves
 * the candidates, calls `decide`, and writes the plan with optimistic locking.
 */
import { applyRow } from './apply.js';
import { issue } from './codes.js';
import { identitiesOf, identityKey, keyIdentity } from './identities.js';
import { byCreation, conflictingChannelKey, foldContacts, tombstoneOf } from './merge.js';
import type { Channel, Contact, Identity, Issue, RowInput } from './model.js';

export interface Candidates {
  /** Live contacts holding the row's key value (tombstones already followed), any order. */
  readonly byKey: readonly Contact[];
  /**
   * For each other unifying identity of the row (`rowIdentities(row)`), the live contacts holding it. An
   * entry for the key's own identity is ignored. Pass every identity, held or not held: decide also learns
   * from it who holds the row's channel primary keys.
   */
  readonly byIdentity: readonly { readonly identity: Identity; readonly contacts: readonly Contact[] }[];
}

export interface DecideContext {
  readonly workspace: string;
  readonly importId: string;
  readonly channel: Channel;
  /** ISO 8601 timestamp: `createdAt` of a contact the row creates. */
  readonly now: string;
  /** The id a created contact gets (`contactIdFor(importId, rowNumber)`, so a replay creates the same one). */
  readonly newContactId: string;
}

/**
 * What to do with a row.
 *
 * - `failed` / `skipped`: write nothing.
 * - `unchanged`: the row's values are already stored; write nothing.
 * - `created`: `contact` is new, `previous` is undefined and `contact.version` is **0** (the version "read"
 *   of a contact that did not exist); the store writes it as version 1, on condition that it does not exist.
 * - `updated`: `contact` is the full new state with `version` as read (the store writes version + 1, on
 *   condition that the stored version is still `previous.version`). `merged` holds the tombstones of a
 *   merge, each with its state as read; the survivor and the tombstones must be written atomically.
 *
 * `warnings` start with the row's own validation warnings.
 */
export type Plan =
  | { outcome: 'failed' | 'skipped'; error: Issue; warnings: Issue[] }
  | { outcome: 'unchanged'; contactId: string; warnings: Issue[] }
  | {
      outcome: 'created' | 'updated';
      contact: Contact;
      previous?: Contact;
      merged: { contact: Contact; previous: Contact }[];
      warnings: Issue[];
    };

const latestFirst = (a: Contact, b: Contact): number => byCreation(b, a);

/** Whether a contact holds one of the channel primary keys the row carries. */
function holdsRowChannelKey(contact: Contact, row: RowInput): boolean {
  return (
    (row.line !== undefined && contact.line?.uid === row.line.uid) ||
    (row.edm !== undefined && contact.edm?.email === row.edm.email) ||
    (row.whatsapp !== undefined && contact.whatsapp?.mobile === row.whatsapp.mobile)
  );
}

function distinct(contacts: readonly Contact[]): Contact[] {
  return [...new Map(contacts.map((contact) => [contact.contactId, contact])).values()];
}

/**
 * Decides what one row does, given the contacts its identifiers resolve to.
 *
 * - The key selects the contact; of several, the one holding the row's channel primary key if any
 *   **(decision)**, else the latest created (ties: the greater contact id), with KEY_MATCHED_SEVERAL.
 * - No key match: key `customer_id` fails CUSTOMER_ID_NOT_FOUND; otherwise the row's other identifiers are
 *   followed (profile unification) and only when they find nobody is a contact created.
 * - The key's contact and every contact found through the other identifiers are merged into the earliest
 *   created — except contacts that share the key value with it, and contacts that share the row's phone
 *   with others (SHARED_PHONE_NOT_MERGED). Contacts holding different values of one channel primary key
 *   are never merged: the row applies to the key's contact only (MERGE_CONFLICT_CHANNEL_KEY), or fails
 *   CONTACTS_CONFLICT when no contact holds the key value **(decision)**.
 *
 * @example
 * const plan = decide(row, { byKey: [jane], byIdentity: [] }, ctx);
 * if (plan.outcome === 'updated') await store.write(ctx.workspace, [plan, ...plan.merged]);
 */
export function decide(row: RowInput, candidates: Candidates, ctx: DecideContext): Plan {
  const warnings: Issue[] = [...row.warnings];
  const byKey = distinct(candidates.byKey).sort(latestFirst);
  const preferred = byKey.filter((contact) => holdsRowChannelKey(contact, row));
  const keyContact = preferred[0] ?? byKey[0];
  if (keyContact === undefined && row.key.name === 'customer_id') {
    return { outcome: 'failed', error: issue('CUSTOMER_ID_NOT_FOUND', { value: row.key.value }), warnings };
  }
  if (keyContact !== undefined && byKey.length > 1) {
    warnings.push(
      issue('KEY_MATCHED_SEVERAL', {
        key: row.key.name,
        count: byKey.length,
        contactId: keyContact.contactId,
        holdsChannelKey: preferred.length > 0,
      }),
    );
  }

  const group = unificationGroup(row, candidates, byKey, keyContact, warnings);
  const conflict = group.length > 1 ? conflictingChannelKey(group) : undefined;
  if (conflict !== undefined) {
    const contactIds = group.map((contact) => contact.contactId);
    if (keyContact === undefined) {
      return {
        outcome: 'failed',
        error: issue('CONTACTS_CONFLICT', { contactIds, field: conflict }),
        warnings,
      };
    }
    warnings.push(issue('MERGE_CONFLICT_CHANNEL_KEY', { contactIds, field: conflict }));
    group.splice(0, group.length, keyContact);
  }

  const writing = new Set(group.map((contact) => contact.contactId));
  const outside = distinct([...byKey, ...candidates.byIdentity.flatMap((entry) => entry.contacts)]).filter(
    (contact) => !writing.has(contact.contactId),
  );
  const heldElsewhere = (identity: Identity): boolean => {
    const wanted = identityKey(identity);
    return outside.some((contact) => identitiesOf(contact).some((held) => identityKey(held) === wanted));
  };

  const [survivor, ...others] = group;
  if (survivor === undefined) {
    const fresh: Contact = {
      workspace: ctx.workspace,
      contactId: ctx.newContactId,
      createdAt: ctx.now,
      createdBy: `${ctx.importId}#${row.rowNumber}`,
      version: 0,
      tags: [],
      custom: {},
    };
    const applied = applyRow(fresh, row, ctx.channel, heldElsewhere);
    return {
      outcome: 'created',
      contact: applied.contact,
      merged: [],
      warnings: [...warnings, ...applied.warnings],
    };
  }

  const applied = applyRow(foldContacts(survivor, others), row, ctx.channel, heldElsewhere);
  const allWarnings = [...warnings, ...applied.warnings];
  if (others.length === 0 && !applied.changed) {
    return { outcome: 'unchanged', contactId: survivor.contactId, warnings: allWarnings };
  }
  if (others.length > 0) {
    allWarnings.push(
      issue('CONTACTS_MERGED', {
        survivor: survivor.contactId,
        merged: others.map((other) => other.contactId),
      }),
    );
  }
  return {
    outcome: 'updated',
    contact: applied.contact,
    previous: survivor,
    merged: others.map((other) => ({ contact: tombstoneOf(other, survivor.contactId), previous: other })),
    warnings: allWarnings,
  };
}

/**
 * The contacts the row is about, earliest created first: the key's contact and the holders of the row's
 * other identifiers, minus the contacts that merely share the key value and the holders of a shared phone.
 */
function unificationGroup(
  row: RowInput,
  candidates: Candidates,
  byKey: readonly Contact[],
  keyContact: Contact | undefined,
  warnings: Issue[],
): Contact[] {
  const keyId = identityKey(keyIdentity(row));
  const sharingKey = new Set(byKey.map((contact) => contact.contactId));
  const group = new Map<string, Contact>();
  if (keyContact) group.set(keyContact.contactId, keyContact);
  for (const { identity, contacts } of candidates.byIdentity) {
    if (identityKey(identity) === keyId) continue;
    const holders = distinct(contacts);
    if (identity.type === 'phone' && holders.length > 1) {
      warnings.push(issue('SHARED_PHONE_NOT_MERGED', { count: holders.length }));
      continue;
    }
    for (const holder of holders) {
      if (!sharingKey.has(holder.contactId)) group.set(holder.contactId, holder);
    }
  }
  return [...group.values()].sort(byCreation);
}
