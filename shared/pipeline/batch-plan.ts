/**
 * The plan of one batch: every row decided in file order against the contacts as the rows before it left
 * them, and the contact writes that carry the decisions out, cut so that the writes can run in parallel
 * without changing the order the rows were decided in (RULES §9).
 *
 * - A *chain* is a set of rows of the batch that share a component (rows the file links, maybe through rows
 *   of other batches), an identifier value or a contact (read or written): only rows of one chain can
 *   influence each other's decisions, and only rows of one component must keep their file order. Chains are
 *   written in parallel.
 * - A chain's rows are cut into *units*, in file order: every contact a row writes is written once, with the
 *   final state of the batch, in the unit that covers all the rows writing it; when the rows writing two
 *   contacts interleave (A, B, A), both go in one unit, written atomically. Units of a chain are written one
 *   after the other, so a write lost to a concurrent writer leaves a prefix of the chain applied and only the
 *   rest is decided again.
 */
import { sameValues } from '../domain/apply.js';
import { type Candidates, decide, type Plan } from '../domain/decide.js';
import { identitiesOf, identityKey, keyIdentity, rowIdentities } from '../domain/identities.js';
import {
  type Channel,
  type Contact,
  type Identity,
  type Issue,
  type Outcome,
  UNIQUE_IDENTITY_TYPES,
} from '../domain/model.js';
import { contactIdFor } from '../ids.js';
import type { BatchRow } from './messages.js';
import type { ContactStore, ContactWrite, ReadOptions } from './ports.js';

/** The outcome of one row, as the part file and the counts report it. */
export interface RowResult {
  readonly outcome: Outcome;
  readonly error?: Issue;
  readonly warnings: readonly Issue[];
}

/** What rows read: for each identity (by `identityKey`), its live holders as `contactId@version`. */
export type Reads = Record<string, { readonly identity: Identity; readonly holders: readonly string[] }>;

/**
 * What a unit's rows read, with the versions the store holds once the chain's earlier units landed, leaving
 * out the contacts the unit writes (`ignoring`: its own conditions guard them, and a row after the unit's
 * first write saw them half done). The rows' decisions stand only if the store still says so when the unit
 * is carried out.
 */
export interface ReadExpectation {
  readonly reads: Reads;
  readonly ignoring: readonly string[];
}

/** Rows written together: `writes` applied atomically (one write, or one transaction). */
export interface WriteUnit {
  /** Row numbers, ascending. */
  readonly rows: readonly number[];
  readonly writes: readonly ContactWrite[];
  readonly expects?: ReadExpectation;
}

/** Units of one chain, in file order: written one after the other. */
export type Chain = readonly WriteUnit[];

export interface BatchPlan {
  readonly results: ReadonlyMap<number, RowResult>;
  readonly chains: readonly Chain[];
}

export interface PlanContext {
  readonly workspace: string;
  readonly importId: string;
  readonly channel: Channel;
  /** `createdAt` of the contacts the import creates (the import's creation time). */
  readonly now: string;
}

/**
 * The contacts a batch works on: as stored (for optimistic locking and the identity index diff) and as
 * the rows processed so far leave them, with an identity index over the live ones.
 */
class WorkingSet {
  /** The index entries each resolved identity had when the batch read it (`identityKey` → contact ids). */
  readonly indexed = new Map<string, readonly string[]>();
  private readonly stored = new Map<string, Contact>();
  private readonly current = new Map<string, Contact>();
  private readonly holders = new Map<string, Set<string>>();
  private readonly changed = new Set<string>();
  /** Union-find over contacts that must be written together (a merge). */
  private readonly parent = new Map<string, string>();

  constructor(loaded: Iterable<Contact>) {
    for (const contact of loaded) {
      this.stored.set(contact.contactId, contact);
      this.put(contact);
    }
  }

  /** Loads the holders of the identities, following tombstones to the contacts they were merged into. */
  static async load(
    contacts: ContactStore,
    workspace: string,
    identities: Identity[],
    options: ReadOptions = {},
  ): Promise<WorkingSet> {
    const resolved = await contacts.resolve(workspace, identities, options);
    const loaded = new Map<string, Contact>();
    const indexed = new Map<string, readonly string[]>();
    for (const identity of identities) {
      const key = identityKey(identity);
      indexed.set(
        key,
        (resolved.get(key) ?? []).map((holder) => holder.contactId),
      );
    }
    let wanted = [...new Set([...resolved.values()].flat().map((holder) => holder.contactId))];
    // A chain of merges is short; the bound only guards against a cycle written by a bug.
    for (let depth = 0; depth < 8 && wanted.length > 0; depth++) {
      const found = await contacts.getContacts(workspace, wanted, options);
      for (const contact of found.values()) loaded.set(contact.contactId, contact);
      wanted = [...found.values()].flatMap((c) =>
        c.mergedInto && !loaded.has(c.mergedInto) ? [c.mergedInto] : [],
      );
    }
    const working = new WorkingSet(loaded.values());
    for (const [key, ids] of indexed) working.indexed.set(key, ids);
    return working;
  }

  /** Live contacts holding the identity now. */
  holdersOf(identity: Identity): Contact[] {
    const ids = this.holders.get(identityKey(identity)) ?? new Set<string>();
    return [...ids].flatMap((id) => this.current.get(id) ?? []);
  }

  /** Takes in a plan's new states; a merge ties its contacts into one write. */
  apply(plan: Extract<Plan, { contact: Contact }>): void {
    for (const { contact } of [plan, ...plan.merged]) {
      this.put(contact);
      this.changed.add(contact.contactId);
      this.union(plan.contact.contactId, contact.contactId);
    }
  }

  /** What the store holds for the identity once this batch's writes so far landed: `contactId@version`. */
  expectedHolders(identity: Identity): string[] {
    return this.holdersOf(identity)
      .map((c) => {
        const stored = this.stored.get(c.contactId)?.version ?? 0;
        return `${c.contactId}@${this.changed.has(c.contactId) ? stored + 1 : stored}`;
      })
      .sort();
  }

  /**
   * Forgets the changes that came to nothing: groups whose every contact ends as stored (rows that set a
   * value and set it back, or a re-import). Returns the contacts it forgot, as stored.
   */
  dropUnchanged(): Contact[] {
    const groups = new Map<string, string[]>();
    for (const id of this.changed) {
      const group = this.find(id);
      const ids = groups.get(group);
      if (ids) ids.push(id);
      else groups.set(group, [id]);
    }
    const dropped: Contact[] = [];
    for (const ids of groups.values()) {
      const stored = ids.map((id) => this.stored.get(id));
      const same = stored.every(
        (contact) =>
          contact !== undefined && sameValues(contact, this.current.get(contact.contactId) as Contact),
      );
      if (!same) continue;
      for (const id of ids) this.changed.delete(id);
      dropped.push(...(stored as Contact[]));
    }
    return dropped;
  }

  /** The write group a contact belongs to, when it changed. */
  groupOf(contactId: string): string | undefined {
    return this.changed.has(contactId) ? this.find(contactId) : undefined;
  }

  /** One write per group: each changed contact's final state over its stored state. */
  writes(): Map<string, ContactWrite[]> {
    const groups = new Map<string, ContactWrite[]>();
    for (const id of this.changed) {
      const previous = this.stored.get(id);
      const contact = { ...(this.current.get(id) as Contact), version: previous?.version ?? 0 };
      const group = this.find(id);
      groups.set(group, [...(groups.get(group) ?? []), previous ? { contact, previous } : { contact }]);
    }
    return groups;
  }

  private put(contact: Contact): void {
    const before = this.current.get(contact.contactId);
    for (const identity of before ? identitiesOf(before) : []) {
      this.holders.get(identityKey(identity))?.delete(contact.contactId);
    }
    for (const identity of identitiesOf(contact)) {
      const key = identityKey(identity);
      this.holders.set(key, (this.holders.get(key) ?? new Set()).add(contact.contactId));
    }
    this.current.set(contact.contactId, contact);
  }

  private find(id: string): string {
    const up = this.parent.get(id);
    if (up === undefined || up === id) return id;
    const root = this.find(up);
    this.parent.set(id, root);
    return root;
  }

  private union(a: string, b: string): void {
    const [ra, rb] = [this.find(a), this.find(b)];
    if (ra !== rb) this.parent.set(rb, ra);
  }
}

/**
 * Whether the store still holds what a unit's rows that write nothing read (see ReadExpectation).
 *
 * @example
 * if (unit.expects && !(await stillHolds(contacts, workspace, unit.expects))) { ... decide again ... }
 */
export async function stillHolds(
  contacts: ContactStore,
  workspace: string,
  { reads, ignoring }: ReadExpectation,
): Promise<boolean> {
  const seen = Object.values(reads);
  const working = await WorkingSet.load(
    contacts,
    workspace,
    seen.map((s) => s.identity),
  );
  return seen.every(
    ({ identity, holders }) =>
      JSON.stringify(without(working.expectedHolders(identity), ignoring)) === JSON.stringify(holders),
  );
}

/** Union-find over the positions 0..n-1. */
class Partition {
  private readonly parent: number[];

  constructor(size: number) {
    this.parent = Array.from({ length: size }, (_, i) => i);
  }

  find(i: number): number {
    let root = i;
    while (this.parent[root] !== root) root = this.parent[root] as number;
    this.parent[i] = root;
    return root;
  }

  union(a: number, b: number): void {
    const [ra, rb] = [this.find(a), this.find(b)];
    if (ra !== rb) this.parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
}

function resultOf(plan: Plan): RowResult {
  return 'error' in plan
    ? { outcome: plan.outcome, error: plan.error, warnings: plan.warnings }
    : { outcome: plan.outcome, warnings: plan.warnings };
}

/** What one row decided, read and wrote. */
interface Decided {
  readonly row: BatchRow;
  readonly plan: Plan;
  /** Identity keys and contact ids the decision depended on or changed. */
  readonly links: readonly string[];
  /** What its decision read: the holders of every identity it looked up. */
  readonly reads: Reads;
}

/**
 * Decides the rows (in file order, each seeing the effect of the ones before it) and cuts the writes into
 * chains of units (see the module comment).
 *
 * `reads` may be eventually consistent: nothing is written on what the plan read unless a strongly
 * consistent check or the write's own condition confirms it first. A unit is checked before its writes
 * (`stillHolds`, strongly consistent: the holders and versions its rows read) unless its writes' conditions
 * re-check every identity it read (`notGuarded`); the contacts it writes are checked by their writes
 * (the version read, or that a new one does not exist). A stale read thus fails a check or a condition
 * and the rows are decided again, never written on.
 *
 * @example
 * const { results, chains } = await planBatch(rows, contacts, { workspace, importId, channel, now });
 */
export async function planBatch(
  rows: readonly BatchRow[],
  contacts: ContactStore,
  ctx: PlanContext,
  reads: ReadOptions = {},
): Promise<BatchPlan> {
  // The key's identity too: a row always resolves through its key, whatever other cells it fills.
  const all = rows.flatMap((r) => [keyIdentity(r.input), ...rowIdentities(r.input)]);
  const identities = [...new Map(all.map((i) => [identityKey(i), i])).values()];
  const working = await WorkingSet.load(contacts, ctx.workspace, identities, reads);
  const decided: Decided[] = rows.map((row) => {
    const input = row.input;
    const key = keyIdentity(input);
    const candidates: Candidates = {
      byKey: working.holdersOf(key),
      byIdentity: rowIdentities(input)
        .filter((identity) => identityKey(identity) !== identityKey(key))
        .map((identity) => ({ identity, contacts: working.holdersOf(identity) })),
    };
    const plan = decide(input, candidates, {
      ...ctx,
      newContactId: contactIdFor(ctx.importId, input.rowNumber),
    });
    const seen = [...candidates.byKey, ...candidates.byIdentity.flatMap((entry) => entry.contacts)];
    const wrote = 'contact' in plan ? [plan.contact, ...plan.merged.map((m) => m.contact)] : [];
    const links = [
      // Rows of one component are applied in file order even when nothing else in the batch links them.
      ...(row.component === undefined ? [] : [`component#${row.component}`]),
      identityKey(key),
      ...candidates.byIdentity.map((entry) => identityKey(entry.identity)),
      ...[...seen, ...wrote].map((contact) => contact.contactId),
      // Identities a write adds or removes: a later row reading one depends on this row.
      ...changedIdentities(seen, wrote),
    ];
    const read = [key, ...candidates.byIdentity.map((entry) => entry.identity)];
    const reads: Reads = Object.fromEntries(
      read.map((identity) => [
        identityKey(identity),
        { identity, holders: working.expectedHolders(identity) },
      ]),
    );
    if (plan.outcome === 'created' || plan.outcome === 'updated') working.apply(plan);
    return { row, plan, links, reads };
  });
  // A contact the rows leave as stored is not written: what the rows read is then checked against it as
  // stored (RULES §9: a re-import writes nothing).
  const dropped = working.dropUnchanged();
  const settled =
    dropped.length === 0 ? decided : decided.map((d) => ({ ...d, reads: asStored(d.reads, dropped) }));
  return {
    results: new Map(decided.map(({ row, plan }) => [row.input.rowNumber, resultOf(plan)])),
    chains: chainsOf(settled, working),
  };
}

/**
 * Reads as the store holds them when the given contacts are not written: a row may have seen one of them
 * in a state the batch passed through (holding an identity it held neither before nor after); the store
 * keeps it as stored, so each identity's holders are those it has as stored, at its stored version. The
 * rows' decisions stand if the store still holds that: their view follows from it and the rows before them.
 */
function asStored(reads: Reads, unwritten: readonly Contact[]): Reads {
  const ids = new Set(unwritten.map((c) => c.contactId));
  const held = new Map<string, string[]>();
  for (const contact of unwritten) {
    for (const identity of identitiesOf(contact)) {
      const key = identityKey(identity);
      held.set(key, [...(held.get(key) ?? []), `${contact.contactId}@${contact.version}`]);
    }
  }
  return Object.fromEntries(
    Object.entries(reads).map(([key, { identity, holders }]) => {
      const written = holders.filter((h) => !ids.has(h.slice(0, h.lastIndexOf('@'))));
      return [key, { identity, holders: [...written, ...(held.get(key) ?? [])].sort() }];
    }),
  );
}

/** Identity keys of the written contacts, before and after the write. */
function changedIdentities(seen: readonly Contact[], wrote: readonly Contact[]): string[] {
  const ids = new Set(wrote.map((c) => c.contactId));
  const before = seen.filter((c) => ids.has(c.contactId));
  return [...before, ...wrote].flatMap((c) => identitiesOf(c).map(identityKey));
}

/** The batch's rows as chains of units (see the module comment). */
function chainsOf(decided: readonly Decided[], working: WorkingSet): Chain[] {
  const partition = new Partition(decided.length);
  const firstWith = new Map<string, number>();
  decided.forEach(({ links }, i) => {
    for (const link of links) {
      const first = firstWith.get(link);
      if (first === undefined) firstWith.set(link, i);
      else partition.union(first, i);
    }
  });
  const members = new Map<number, number[]>();
  decided.forEach((_, i) => {
    const root = partition.find(i);
    members.set(root, [...(members.get(root) ?? []), i]);
  });
  const writes = working.writes();
  return [...members.values()].map((positions) =>
    unitsOf(
      positions.map((i) => decided[i] as Decided),
      working,
      writes,
    ),
  );
}

/** A chain's rows cut into units: each write group inside one unit, interleaved groups together. */
function unitsOf(
  chain: readonly Decided[],
  working: WorkingSet,
  writes: ReadonlyMap<string, ContactWrite[]>,
): WriteUnit[] {
  const span = new Map<string, { first: number; last: number }>();
  chain.forEach(({ plan }, at) => {
    const contactId =
      plan.outcome === 'created' || plan.outcome === 'updated' ? plan.contact.contactId : undefined;
    const group = contactId === undefined ? undefined : working.groupOf(contactId);
    if (group === undefined) return;
    const seen = span.get(group);
    span.set(group, { first: seen?.first ?? at, last: at });
  });
  const spans = [...span.entries()].sort((a, b) => a[1].first - b[1].first);
  const units: WriteUnit[] = [];
  let at = 0;
  let next = 0;
  while (at < chain.length) {
    const [group, first] = spans[next] ?? [];
    if (group === undefined || first === undefined || first.first > at) {
      const alone = chain[at] as Decided;
      units.push({ rows: [alone.row.input.rowNumber], writes: [], ...expectationOf([alone], []) });
      at++;
      continue;
    }
    const groups = [group];
    let end = first.last;
    next++;
    for (; next < spans.length && (spans[next]?.[1].first ?? Number.POSITIVE_INFINITY) <= end; next++) {
      const [other, otherSpan] = spans[next] as [string, { first: number; last: number }];
      groups.push(other);
      end = Math.max(end, otherSpan.last);
    }
    const covered = chain.slice(at, end + 1);
    const unitWrites = groups.flatMap((g) => writes.get(g) ?? []);
    units.push({
      rows: covered.map((d) => d.row.input.rowNumber),
      writes: unitWrites,
      ...expectationOf(covered, unitWrites),
    });
    at = end + 1;
  }
  return expectingHolders(units, working);
}

/**
 * The reads of a unit's rows, checked before the unit's writes, without the contacts the unit writes (see
 * ReadExpectation). Of several rows' views of one identity, the first.
 */
function expectationOf(
  rows: readonly Decided[],
  writes: readonly ContactWrite[],
): { expects?: ReadExpectation } {
  const ignoring = writes.map((w) => w.contact.contactId);
  const reads: Reads = {};
  for (const row of rows) {
    for (const [key, seen] of Object.entries(row.reads)) {
      reads[key] ??= { identity: seen.identity, holders: without(seen.holders, ignoring) };
    }
  }
  return Object.keys(reads).length === 0 ? {} : { expects: { reads, ignoring } };
}

/** Holders (`contactId@version`) except the given contacts. */
function without(holders: readonly string[], ignoring: readonly string[]): string[] {
  return holders.filter((h) => !ignoring.includes(h.slice(0, h.lastIndexOf('@'))));
}

/**
 * Each write with the index entries of other contacts it expects on the shared identities it gains: those
 * the batch read, plus those the chain's earlier units added. Identities the batch did not read (brought
 * by a merge) carry no expectation.
 */
function expectingHolders(units: WriteUnit[], working: WorkingSet): WriteUnit[] {
  const added = new Map<string, number>();
  return units.map((unit) => {
    const gained: string[] = [];
    const writes = unit.writes.map((write) => {
      if (write.contact.mergedInto !== undefined) return write;
      const before = new Set((write.previous ? identitiesOf(write.previous) : []).map(identityKey));
      const expected: Record<string, number> = {};
      for (const identity of identitiesOf(write.contact)) {
        const key = identityKey(identity);
        const seen = working.indexed.get(key);
        if (UNIQUE_IDENTITY_TYPES.has(identity.type) || before.has(key) || seen === undefined) continue;
        const decided = unit.expects?.reads[key];
        // What the rows saw when they decided (other writers' contacts; the unit's own that already held
        // it count too), else what the batch read plus what the chain's earlier units added.
        expected[key] =
          decided === undefined
            ? seen.filter((id) => id !== write.contact.contactId).length + (added.get(key) ?? 0)
            : decided.holders.length +
              unit.writes.filter(
                (other) =>
                  other !== write &&
                  other.previous !== undefined &&
                  identitiesOf(other.previous).some((i) => identityKey(i) === key),
              ).length;
        gained.push(key);
      }
      return Object.keys(expected).length === 0 ? write : { ...write, expectedHolders: expected };
    });
    for (const key of gained) added.set(key, (added.get(key) ?? 0) + 1);
    const { expects, ...rest } = unit;
    const checked = expects && notGuarded(expects, writes);
    return checked ? { ...rest, writes, expects: checked } : { ...rest, writes };
  });
}

/**
 * The reads of a unit its own writes do not re-check; undefined when they re-check them all. A read is
 * re-checked when the identity had no holder besides the unit's contacts and one of its writes gains it on
 * a condition that it still has none — a channel primary key's claim (no other owner), a shared identity's
 * entry (`expectedHolders`: as many entries of others as read, here none). Only the rest is read again
 * before the writes (`stillHolds`): a read that found another contact, or an identity no write gains.
 *
 * This is what makes the typical created row cost one read of its identities, not two. A stale read can
 * only make such a write fail its condition: the rows are then decided again (ConcurrentModificationError
 * or IdentityTakenError), never written on.
 */
function notGuarded(expects: ReadExpectation, writes: readonly ContactWrite[]): ReadExpectation | undefined {
  const guarded = (key: string, identity: Identity) =>
    writes.some((write) => {
      if (write.contact.mergedInto !== undefined) return false;
      if (write.previous && identitiesOf(write.previous).some((i) => identityKey(i) === key)) return false;
      if (!identitiesOf(write.contact).some((i) => identityKey(i) === key)) return false;
      return UNIQUE_IDENTITY_TYPES.has(identity.type) || write.expectedHolders?.[key] === 0;
    });
  const left = Object.entries(expects.reads).filter(
    ([key, { identity, holders }]) => holders.length > 0 || !guarded(key, identity),
  );
  return left.length === 0 ? undefined : { ...expects, reads: Object.fromEntries(left) };
}
