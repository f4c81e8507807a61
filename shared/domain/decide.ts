/**
 * The pure decision for one row (RULES §4–§6): which contact the row updates, whether it creates one,
 * whether contacts merge, and the new state of every contact it touches. No I/O: the processor resolves
 * the candidates, calls `decide`, and writes the plan with optimistic locking.
 */
import { applyRow } from './apply.js';
import { allowedKeys } from './channels.js';
import { issue } from './codes.js';
import { identitiesOf, identityKey } from './identities.js';
import {
  byCreation,
  conflictingChannelKey,
  type ExclusiveValues,
  LOCKED_EMAIL,
  LOCKED_PHONE,
  latestFirst,
  lockedPhoneOf,
  mergeContacts,
  rowChannelKeys,
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
  /**
   * ISO 8601 timestamp: `createdAt` of a contact the row creates — the import's creation time, so that
   * creation order is logical (RULES §9: import, then row number) whatever order rows are processed in.
   */
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

function distinct(contacts: readonly Contact[]): Contact[] {
  return [...new Map(contacts.map((contact) => [contact.contactId, contact])).values()];
}

/** The column that carries an identity in files of this channel, as messages name it. */
function columnOf(identity: Identity, channel: Channel): string {
  if (identity.type === 'whatsapp') return 'WhatsApp_mobile';
  if (identity.type !== 'phone') return identity.type;
  return channel === 'edm' ? 'mobile' : channel === 'whatsapp' ? 'WhatsApp_mobile' : 'phone';
}

/**
 * The contact the Key Value selects (RULES §4): the one created latest of those holding the value. When the
 * Key Value column is the channel's own primary key (an EDM file keyed by `email`, a WhatsApp file keyed by
 * `phone`), the contact holding it as that channel's key is the one **(decision)**: it is unique, and any
 * other holder of the same value could never take the row's channel.
 */
function selectByKey(row: RowInput, byKey: readonly Contact[]): { contact?: Contact; exact: boolean } {
  const own = byKey.find(
    (contact) =>
      (row.edm !== undefined && row.key.value === row.edm.email && contact.edm?.email === row.edm.email) ||
      (row.whatsapp !== undefined &&
        row.key.value === row.whatsapp.mobile &&
        contact.whatsapp?.mobile === row.whatsapp.mobile),
  );
  return own === undefined ? { contact: byKey[0], exact: byKey.length <= 1 } : { contact: own, exact: true };
}

/** A contact found through one of the row's other identifiers, and the identifier that found it. */
interface Found {
  readonly contact: Contact;
  readonly via: Identity;
}

/** The columns and values that found the contacts, once each: what messages name (never contact ids). */
function throughWhat(found: readonly Found[], channel: Channel): { column: string; value: string }[] {
  const named = new Map(
    found.map((f) => [identityKey(f.via), { column: columnOf(f.via, channel), value: f.via.value }]),
  );
  return [...named.values()];
}

/**
 * The contacts the row's other identifiers lead to (RULES §6), earliest created first. A value several
 * contacts hold already — a family phone, a shared email, a reused customer_id — leads nowhere, with a
 * warning **(decision: RULES says so of phones; the same reason holds for every shared value, and it keeps
 * a re-import of the same row from merging what its first import kept apart)**. So does a phone the anchor
 * cannot take because its WhatsApp channel locks another number.
 */
function findOthers(
  row: RowInput,
  candidates: Candidates,
  keyHolders: ReadonlySet<string>,
  anchor: Contact | undefined,
  channel: Channel,
  warnings: Issue[],
): Found[] {
  const keyId = identityKey({ type: row.key.name, value: row.key.value });
  const found = new Map<string, Found>();
  const lock = anchor === undefined ? undefined : lockedPhoneOf(anchor);
  for (const { identity, contacts } of candidates.byIdentity) {
    if (identityKey(identity) === keyId) continue;
    const holders = distinct(contacts);
    if (holders.length > 1) {
      warnings.push(
        issue('SHARED_IDENTIFIER_NOT_MERGED', {
          column: columnOf(identity, channel),
          value: identity.value,
          count: holders.length,
        }),
      );
      continue;
    }
    if (identity.type === 'phone' && lock !== undefined && lock !== identity.value) continue;
    for (const contact of holders) {
      if (keyHolders.has(contact.contactId) || contact === anchor || found.has(contact.contactId)) continue;
      found.set(contact.contactId, { contact, via: identity });
    }
  }
  return [...found.values()].sort((a, b) => byCreation(a.contact, b.contact));
}

/** The value of the Key Value a merge must keep: a contact merged in may not lock another phone / EDM email. */
function keyLock(row: RowInput): ExclusiveValues {
  if (row.key.name === 'phone') return { [LOCKED_PHONE]: row.key.value };
  if (row.key.name === 'email') return { [LOCKED_EMAIL]: row.key.value };
  return {};
}

interface Grouping {
  /** The contact whose values come right after the row's: the key's contact, or the one the row attaches to. */
  readonly target: Contact | undefined;
  /** Every contact that becomes one (the target included), earliest created first. */
  readonly group: Contact[];
  /** Contacts found but kept apart: incompatible with the group or the row. */
  readonly apart: { readonly found: Found; readonly field: string }[];
}

/**
 * Who the row is about (RULES §6).
 *
 * - Key matched: its contact, plus the contacts found that are compatible with it, with the row and with
 *   the ones taken before them (earliest created first).
 * - No key match: the contact found holding the row's channel primary key, if any, plays the same part.
 *   Otherwise the compatible contacts found are the row's contact when they can all be one (exactly one,
 *   or several compatible with each other, which merge); in every other case the row creates a contact.
 */
function group(
  row: RowInput,
  anchor: Contact | undefined,
  keyMatched: boolean,
  found: readonly Found[],
): Grouping {
  const rowKeys = rowChannelKeys(row);
  const apart: Grouping['apart'] = [];
  if (anchor !== undefined) {
    const members = [anchor];
    // The key's contact holds the key value: nothing merged into it may lock another phone / EDM email.
    const required = keyMatched ? { ...rowKeys, ...keyLock(row) } : rowKeys;
    for (const candidate of found) {
      // Compatible with the contacts taken so far, and with the row (whatever the target holds).
      const field =
        conflictingChannelKey([...members, candidate.contact]) ??
        conflictingChannelKey([candidate.contact], required);
      if (field === undefined) members.push(candidate.contact);
      else apart.push({ found: candidate, field });
    }
    return { target: anchor, group: members.sort(byCreation), apart };
  }
  const compatible: Found[] = [];
  for (const candidate of found) {
    const field = conflictingChannelKey([candidate.contact], rowKeys);
    if (field === undefined) compatible.push(candidate);
    else apart.push({ found: candidate, field });
  }
  const contacts = compatible.map((candidate) => candidate.contact);
  const field = conflictingChannelKey(contacts, rowKeys);
  if (field !== undefined) {
    // Compatible with the row one by one, not with each other: nothing says which one the row is.
    return {
      target: undefined,
      group: [],
      apart: [...apart, ...compatible.map((f) => ({ found: f, field }))],
    };
  }
  return { target: [...contacts].sort(latestFirst)[0], group: contacts.sort(byCreation), apart };
}

/**
 * Decides what one row does, given the contacts its identifiers resolve to (RULES §4, §6).
 *
 * - The key selects: of several holders of the key value, the one created latest (logical creation
 *   order, RULES §9), with KEY_MATCHED_SEVERAL. The other holders are left alone and nothing merges.
 * - Key matched none: key `customer_id` fails CUSTOMER_ID_NOT_FOUND; otherwise the row's other identifiers
 *   may lead to the one contact the row is about (see `group`); else a contact is created, and identifiers
 *   it shares with contacts kept apart stay shared (MERGE_CONFLICT_CHANNEL_KEY).
 * - Contacts that become one merge into the earliest created; the row's filled cells win, then the key's
 *   contact's values, then the others' latest created first (CONTACTS_MERGED).
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
  const selected = selectByKey(row, byKey);
  const keyContact = selected.contact;
  if (keyContact === undefined && row.key.name === 'customer_id') {
    return {
      outcome: 'failed',
      error: issue('CUSTOMER_ID_NOT_FOUND', {
        value: row.key.value,
        keys: allowedKeys(ctx.channel).filter((key) => key !== 'customer_id'),
      }),
      warnings,
    };
  }
  if (!selected.exact) {
    warnings.push(
      issue('KEY_MATCHED_SEVERAL', { key: row.key.name, value: row.key.value, count: byKey.length }),
    );
  }
  const keyHolders = new Set(byKey.map((contact) => contact.contactId));
  const anchor =
    keyContact ??
    candidates.byIdentity
      .flatMap((entry) => entry.contacts)
      .find((contact) => holdsRowChannelKey(contact, row));
  // A key value several contacts hold identifies one of them only by creation order: merging into it
  // would give the merge the earliest creation time and let another holder be "latest" next time, so
  // nothing merges then **(decision)**.
  const found =
    byKey.length > 1 ? [] : findOthers(row, candidates, keyHolders, anchor, ctx.channel, warnings);
  const { target, group: members, apart } = group(row, anchor, keyContact !== undefined, found);
  if (apart.length > 0) {
    warnings.push(
      issue('MERGE_CONFLICT_CHANNEL_KEY', {
        found: throughWhat(
          apart.map((a) => a.found),
          ctx.channel,
        ),
        field: [...new Set(apart.map((a) => a.field))].join(' / '),
        created: target === undefined,
      }),
    );
  }

  const writing = new Set(members.map((contact) => contact.contactId));
  const outside = distinct([...byKey, ...candidates.byIdentity.flatMap((entry) => entry.contacts)]).filter(
    (contact) => !writing.has(contact.contactId),
  );
  const heldElsewhere = (identity: Identity): boolean => {
    const wanted = identityKey(identity);
    return outside.some((contact) => identitiesOf(contact).some((held) => identityKey(held) === wanted));
  };

  const [survivor, ...others] = members;
  if (survivor === undefined || target === undefined) {
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

  const precedence = [target, ...members.filter((m) => m !== target).sort(latestFirst)];
  const base = others.length === 0 ? survivor : mergeContacts(survivor, precedence);
  const applied = applyRow(base, row, ctx.channel, heldElsewhere);
  const allWarnings = [...warnings, ...applied.warnings];
  if (others.length === 0 && !applied.changed) {
    return { outcome: 'unchanged', contactId: survivor.contactId, warnings: allWarnings };
  }
  if (others.length > 0) {
    const via = found.filter((f) => writing.has(f.contact.contactId));
    allWarnings.push(
      issue('CONTACTS_MERGED', { count: members.length, found: throughWhat(via, ctx.channel) }),
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

/** Whether a contact holds one of the channel primary keys the row carries. */
function holdsRowChannelKey(contact: Contact, row: RowInput): boolean {
  return (
    (row.line !== undefined && contact.line?.uid === row.line.uid) ||
    (row.edm !== undefined && contact.edm?.email === row.edm.email) ||
    (row.whatsapp !== undefined && contact.whatsapp?.mobile === row.whatsapp.mobile)
  );
}
