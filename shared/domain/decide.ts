/**
 * The pure decision for one row (RULES §4–§6): which contact the row updates, whether it creates one,
 * whether contacts merge, and the new state of every contact it touches. No I/O: the processor resolves
 * the candidates, calls `decide`, and writes the plan with optimistic locking.
 */
import { applyRow } from './apply.js';
import { issue } from './codes.js';
import { identitiesOf, identityKey, keyIdentity } from './identities.js';
import {
  byCreation,
  conflictingChannelKey,
  foldContacts,
  LOCKED_EMAIL,
  LOCKED_PHONE,
  lockedPhoneOf,
  tombstoneOf,
} from './merge.js';
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
 *   created — except the holders of a phone several contacts share (SHARED_PHONE_NOT_MERGED), and nothing
 *   at all when several contacts share the key value **(decision)**. Contacts holding different values of
 *   one channel primary key are never merged; nor are contacts whose WhatsApp/SMS numbers differ, nor — with
 *   a phone or email key — a contact whose WhatsApp/SMS number or EDM address differs from the key value
 *   (the merged contact would lose the key) **(decision)**. Such a found contact stays apart
 *   (MERGE_CONFLICT_CHANNEL_KEY) and the row applies to the key's contact with the compatible ones; when no
 *   contact holds the key value and the found contacts conflict, the row fails CONTACTS_CONFLICT
 *   **(decision)**. A phone the resulting contact cannot take (its WhatsApp/SMS number is another) unifies
 *   nothing.
 *
 * Applying the same row again to the state a plan produced yields `unchanged` (or the same failure).
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
  let group: Contact[];
  if (keyContact !== undefined && byKey.length > 1) {
    // A key value several contacts share identifies nobody for sure: it never merges anything.
    warnings.push(
      issue('KEY_MATCHED_SEVERAL', {
        key: row.key.name,
        count: byKey.length,
        contactId: keyContact.contactId,
        holdsChannelKey: preferred.length > 0,
      }),
    );
    group = [keyContact];
  } else {
    const grouping = unify(row, candidates, keyContact, warnings);
    if ('conflict' in grouping) {
      const { contactIds, conflict: field } = grouping;
      return { outcome: 'failed', error: issue('CONTACTS_CONFLICT', { contactIds, field }), warnings };
    }
    group = grouping.group;
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

type Grouping = { readonly group: Contact[] } | { readonly conflict: string; readonly contactIds: string[] };

/**
 * The contacts the row is about (RULES §6), earliest created first: the key's contact, if any, and the
 * holders of the row's other identifiers that can join it. Holders are considered earliest created first;
 * one that would bring a second value of a channel primary key (or, with a phone or email key, a WhatsApp /
 * SMS / EDM lock that would replace the key value) stays apart. Without a key contact there is nobody to
 * side with, so any conflict fails the row.
 *
 * Phones are considered last and only when the group does not lock another phone: a phone the contact
 * cannot take unifies nothing, and a phone several contacts hold unifies nothing either. Both rules keep
 * the decision the same when the row is applied again to the state it produced.
 */
function unify(
  row: RowInput,
  candidates: Candidates,
  keyContact: Contact | undefined,
  warnings: Issue[],
): Grouping {
  const keyId = identityKey(keyIdentity(row));
  const entries = candidates.byIdentity.filter((entry) => identityKey(entry.identity) !== keyId);
  const required: Record<string, string> =
    keyContact === undefined
      ? {}
      : row.key.name === 'phone'
        ? { [LOCKED_PHONE]: row.key.value }
        : row.key.name === 'email'
          ? { [LOCKED_EMAIL]: row.key.value }
          : {};
  const group: Contact[] = keyContact === undefined ? [] : [keyContact];
  const apart = new Map<string, string>();
  const consider = (contact: Contact): void => {
    if (group.some((member) => member.contactId === contact.contactId)) return;
    const conflict = conflictingChannelKey([...group, contact], required);
    if (conflict === undefined) group.push(contact);
    else apart.set(contact.contactId, conflict);
  };

  const nonPhone = entries.filter((entry) => entry.identity.type !== 'phone');
  distinct(nonPhone.flatMap((entry) => entry.contacts))
    .sort(byCreation)
    .forEach(consider);
  for (const { identity, contacts } of entries.filter((entry) => entry.identity.type === 'phone')) {
    const holders = distinct(contacts);
    if (holders.length > 1) {
      warnings.push(issue('SHARED_PHONE_NOT_MERGED', { count: holders.length }));
      continue;
    }
    const lock = group.map(lockedPhoneOf).find((phone) => phone !== undefined);
    if (holders[0] !== undefined && (lock === undefined || lock === identity.value)) consider(holders[0]);
  }

  if (apart.size > 0) {
    const fields = [...new Set(apart.values())].join(' / ');
    if (keyContact === undefined) {
      const contactIds = [...group.map((member) => member.contactId), ...apart.keys()].sort();
      return { conflict: fields, contactIds };
    }
    warnings.push(issue('MERGE_CONFLICT_CHANNEL_KEY', { contactIds: [...apart.keys()], field: fields }));
  }
  return { group: group.sort(byCreation) };
}
