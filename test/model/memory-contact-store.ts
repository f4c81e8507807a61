/**
 * The ContactStore port in memory, with the semantics the processor relies on from DynamoContactStore:
 * version-conditioned writes, channel primary keys (line_uid, edm_email, whatsapp, sms) held by one live
 * contact at most, shared identities with several holders (newest first), tombstones (`mergedInto`), a
 * write of several contacts applied all or nothing, a write whose contacts carry its stamp already (a
 * replay) accepted as a no-op, and the expected holders of the shared identities a write adds checked.
 *
 * Every method does its work synchronously before its first await, so each call is atomic; concurrency
 * comes from how callers interleave calls (see the harness). The identity index is derived from the
 * profiles, so it is never stale: crash leftovers in the index are the emulator run's business.
 */
import { canonicalJson } from '../../shared/domain/apply.js';
import { identitiesOf, identityKey } from '../../shared/domain/identities.js';
import {
  type Contact,
  type Holder,
  type Identity,
  UNIQUE_IDENTITY_TYPES,
} from '../../shared/domain/model.js';
import {
  ConcurrentModificationError,
  type ContactStore,
  type ContactWrite,
  IdentityTakenError,
} from '../../shared/pipeline/ports.js';

/** A write the store refuses outright: it would break tenancy or give one channel key to two contacts. */
export class InvalidMemoryWriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidMemoryWriteError';
  }
}

/** A crash injected by a test: the process running the call dies there. */
export class InjectedCrashError extends Error {
  constructor(where: string) {
    super(`Injected crash ${where}`);
    this.name = 'InjectedCrashError';
  }
}

export class MemoryContactStore implements ContactStore {
  /** Per workspace: contact id → stored contact (tombstones included). */
  private readonly workspaces = new Map<string, Map<string, Contact>>();
  /** Calls to `write`, successful or not. */
  writes = 0;

  private contactsOf(workspace: string): Map<string, Contact> {
    let contacts = this.workspaces.get(workspace);
    if (!contacts) {
      contacts = new Map();
      this.workspaces.set(workspace, contacts);
    }
    return contacts;
  }

  async resolve(workspace: string, identities: readonly Identity[]): Promise<Map<string, Holder[]>> {
    const wanted = new Set(identities.map(identityKey));
    const result = new Map<string, Holder[]>();
    for (const contact of this.contactsOf(workspace).values()) {
      for (const identity of identitiesOf(contact)) {
        const key = identityKey(identity);
        if (!wanted.has(key)) continue;
        result.set(key, [
          ...(result.get(key) ?? []),
          { contactId: contact.contactId, createdAt: contact.createdAt },
        ]);
      }
    }
    for (const holders of result.values()) {
      holders.sort(
        (a, b) => b.createdAt.localeCompare(a.createdAt) || a.contactId.localeCompare(b.contactId),
      );
    }
    return result;
  }

  async getContacts(workspace: string, contactIds: readonly string[]): Promise<Map<string, Contact>> {
    const contacts = this.contactsOf(workspace);
    const found = new Map<string, Contact>();
    for (const id of contactIds) {
      const contact = contacts.get(id);
      if (contact) found.set(id, structuredClone(contact));
    }
    return found;
  }

  async write(workspace: string, writes: readonly ContactWrite[]): Promise<void> {
    this.writes++;
    const contacts = this.contactsOf(workspace);
    const ids = new Set(writes.map((w) => w.contact.contactId));
    if (ids.size !== writes.length) throw new InvalidMemoryWriteError('a contact appears twice in one write');
    for (const { contact } of writes) {
      if (contact.workspace !== workspace) {
        throw new InvalidMemoryWriteError(`contact ${contact.contactId} is not of workspace ${workspace}`);
      }
    }
    const landed = (w: ContactWrite) =>
      w.stamp !== undefined && (contacts.get(w.contact.contactId)?.writtenBy ?? []).includes(w.stamp);
    if (writes.every(landed)) return;
    if (process.env.MODEL_DEBUG)
      console.log(
        'WRITE',
        writes
          .map(
            (w) =>
              `${w.contact.contactId.slice(-4)} v${w.contact.version} stored v${contacts.get(w.contact.contactId)?.version} ${w.stamp} name=${w.contact.name} cid=${w.contact.customerId}`,
          )
          .join(' ; '),
      );
    const replays = new Set<string>();
    for (const { contact, previous, stamp } of writes) {
      const stored = contacts.get(contact.contactId);
      if (previous) {
        if (stored?.version !== previous.version)
          throw new ConcurrentModificationError(workspace, contact.contactId);
      } else if (stored) {
        if (
          stamp === undefined &&
          writes.length === 1 &&
          canonicalJson(stored) === canonicalJson({ ...contact, version: 1 })
        ) {
          replays.add(contact.contactId);
        } else throw new ConcurrentModificationError(workspace, contact.contactId);
      }
    }
    this.checkExpectedHolders(contacts, workspace, writes);
    this.checkChannelKeys(contacts, writes, ids);
    for (const { contact, previous, stamp } of writes) {
      if (replays.has(contact.contactId)) continue;
      const writtenBy =
        stamp === undefined
          ? contact.writtenBy
          : [stamp, ...(contact.writtenBy ?? []).filter((s) => s !== stamp)].slice(0, 4);
      contacts.set(
        contact.contactId,
        structuredClone({
          ...contact,
          version: (previous?.version ?? 0) + 1,
          ...(writtenBy ? { writtenBy } : {}),
        }),
      );
    }
  }

  /** The shared identities a write adds are held by as many other contacts as its writer saw. */
  private checkExpectedHolders(
    contacts: Map<string, Contact>,
    workspace: string,
    writes: readonly ContactWrite[],
  ): void {
    for (const { contact, expectedHolders } of writes) {
      for (const [key, expected] of Object.entries(expectedHolders ?? {})) {
        const others = [...contacts.values()].filter(
          (c) => c.contactId !== contact.contactId && identitiesOf(c).some((i) => identityKey(i) === key),
        );
        if (others.length !== expected) throw new ConcurrentModificationError(workspace, contact.contactId);
      }
    }
  }

  /** A channel primary key of a new state may be held only by contacts of this write. */
  private checkChannelKeys(
    contacts: Map<string, Contact>,
    writes: readonly ContactWrite[],
    ids: ReadonlySet<string>,
  ): void {
    const claimed = new Map<string, string>();
    for (const { contact } of writes) {
      for (const identity of identitiesOf(contact).filter((i) => UNIQUE_IDENTITY_TYPES.has(i.type))) {
        const key = identityKey(identity);
        const other = claimed.get(key);
        if (other !== undefined) {
          throw new InvalidMemoryWriteError(`${other} and ${contact.contactId} would both hold ${key}`);
        }
        claimed.set(key, contact.contactId);
        for (const holder of contacts.values()) {
          if (ids.has(holder.contactId)) continue;
          if (identitiesOf(holder).some((i) => identityKey(i) === key)) {
            throw new IdentityTakenError(identity, holder.contactId);
          }
        }
      }
    }
  }

  async *list(workspace: string): AsyncIterable<Contact[]> {
    const live = [...this.contactsOf(workspace).values()]
      .filter((c) => c.mergedInto === undefined)
      .sort((a, b) => a.contactId.localeCompare(b.contactId))
      .map((c) => structuredClone(c));
    for (let i = 0; i < live.length; i += 100) yield live.slice(i, i + 100);
  }
}

/** Where injected crashes happen: the Nth call (1-based, counted over the whole run) of a port method. */
export interface CrashPlan {
  /** `contacts.write` calls that crash before reaching the store. */
  readonly beforeWrite: ReadonlySet<number>;
  /** `contacts.write` calls that crash after the store applied them (the process dies before it learns). */
  readonly afterWrite: ReadonlySet<number>;
  /** `ledger.recordBatch` calls that crash before reaching the ledger. */
  readonly beforeRecord: ReadonlySet<number>;
}

export const NO_CRASHES: CrashPlan = {
  beforeWrite: new Set(),
  afterWrite: new Set(),
  beforeRecord: new Set(),
};

/** Counts port calls across a run, to place the crashes of a CrashPlan (the harness crashes the ledger). */
export class CrashCounter {
  writes = 0;
  records = 0;
  /** Crashes injected so far. */
  crashes = 0;
  constructor(readonly plan: CrashPlan) {}
}

/**
 * A contact store that crashes as planned: a write numbered in `beforeWrite` throws without writing, one
 * in `afterWrite` writes and then throws. Works over any ContactStore (memory or DynamoDB).
 *
 * @example
 * const store = crashingContactStore(new MemoryContactStore(), new CrashCounter({ ...NO_CRASHES, afterWrite: new Set([3]) }));
 */
export function crashingContactStore(inner: ContactStore, counter: CrashCounter): ContactStore {
  return {
    resolve: (workspace, identities, options) => inner.resolve(workspace, identities, options),
    getContacts: (workspace, ids, options) => inner.getContacts(workspace, ids, options),
    list: (workspace) => inner.list(workspace),
    write: async (workspace, writes) => {
      const n = ++counter.writes;
      if (counter.plan.beforeWrite.has(n)) {
        counter.crashes++;
        throw new InjectedCrashError(`before write ${n}`);
      }
      await inner.write(workspace, writes);
      if (counter.plan.afterWrite.has(n)) {
        counter.crashes++;
        throw new InjectedCrashError(`after write ${n}`);
      }
    },
  };
}
