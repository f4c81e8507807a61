/**
 * The ContactStore port over the contacts table.
 *
 * Items (every partition key starts with the workspace, for `dynamodb:LeadingKeys`):
 * | item | pk | sk | attributes |
 * | --- | --- | --- | --- |
 * | profile | `<ws>#C#<contactId>` | `PROFILE` | the Contact fields; `gsi1pk = <ws>#<shard>`, `gsi1sk = <contactId>` while live |
 * | shared identity (email, phone, customer_id, fb_id, ig_id) | `<ws>#ID#<type>#<value>` | `ID` | `holders`: string set of `<createdAt>\|<contactId>` |
 * | channel primary key (line_uid, edm_email, whatsapp, sms) | `<ws>#ID#<type>#<value>` | `ID` | `owner`, `ownerCreatedAt`, `claimedAt` |
 *
 * Writes go index first, profile last: identities a contact gains are claimed or added before its profile
 * is written (the profile is the commit point), identities it loses are removed after. A crash leaves at
 * worst an index entry naming a contact that does not hold the identity: readers check holders against
 * the profiles, a replay of the same row re-uses its own claims, and a claim whose owner does not hold
 * the identity is taken over once it is older than `staleClaimAfterMs`. Two writers of one contact make the
 * same entries and claims: a refused write gives back only those the stored profile does not hold (checked
 * with its version, in one transaction), and a writer that found them made makes them again after its profile.
 *
 * The workspace index (byWorkspace) spreads a workspace's contacts over `WORKSPACE_INDEX_SHARDS` partition
 * keys (`<ws>#<hash32(contactId) mod shards>`): one partition takes at most 1,000 writes a second, and every
 * contact an import creates writes an entry, so one key per workspace would cap imports at 1,000 new
 * contacts a second. `list` reads the shards and merges them back into contact id order.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { canonicalJson } from '../domain/apply.js';
import { identitiesOf, identityKey } from '../domain/identities.js';
import { type Contact, type Holder, type Identity, UNIQUE_IDENTITY_TYPES } from '../domain/model.js';
import { hash32 } from '../ids.js';
import {
  ConcurrentModificationError,
  type ContactStore,
  type ContactWrite,
  IdentityTakenError,
  type ReadOptions,
} from '../pipeline/ports.js';
import { Expression } from './dynamo/expression.js';
import { assertItemSize } from './dynamo/limits.js';
import type { RetryPolicy } from './dynamo/retry.js';
import { cancellationCodes } from './dynamo/retry.js';
import { DynamoTable, type Item, isConditionFailed, type Key, type TransactAction } from './dynamo/table.js';

export interface ContactStoreOptions {
  readonly retry?: Partial<RetryPolicy>;
  /** Clock for claim times. @default () => new Date() */
  readonly now?: () => Date;
  /**
   * A channel-key claim older than this whose owner does not hold the key (a writer crashed between claim
   * and profile) may be taken over. Must exceed the longest time between a claim and its profile write.
   * @default 900_000 (15 minutes; the processor runs at most 2)
   */
  readonly staleClaimAfterMs?: number;
  /** Contacts per page of `list`. @default 100 */
  readonly pageSize?: number;
  /** The GSI that lists a workspace's live contacts. @default 'byWorkspace' */
  readonly workspaceIndex?: string;
}

/** A write the store refuses before touching the table: it would break tenancy or the identity index. */
export class InvalidContactWriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidContactWriteError';
  }
}

/**
 * Partition keys a workspace's entries in the workspace index are spread over: 16 × 1,000 writes a second
 * (DynamoDB's per-partition limit), above what the processors' maximum concurrency can create.
 */
export const WORKSPACE_INDEX_SHARDS = 16;

/** The workspace index partition key of a contact. */
export function workspaceIndexKey(workspace: string, contactId: string): string {
  return `${workspace}#${hash32(contactId) % WORKSPACE_INDEX_SHARDS}`;
}

const PROFILE = 'PROFILE';
const IDENTITY = 'ID';
/** Claim attempts when the owner keeps changing under us. */
const CLAIM_ATTEMPTS = 3;
/** Attempts to give back a refused write's claims and entries while the contact's profile keeps changing. */
const GIVE_BACK_ATTEMPTS = 5;

function profileKey(workspace: string, contactId: string): Key {
  return { pk: `${workspace}#C#${contactId}`, sk: PROFILE };
}

function identityItemKey(workspace: string, identity: Identity): Key {
  return { pk: `${workspace}#ID#${identity.type}#${identity.value}`, sk: IDENTITY };
}

function holderEntry(contact: Contact): string {
  return `${contact.createdAt}|${contact.contactId}`;
}

function parseHolder(entry: string): Holder {
  const bar = entry.indexOf('|');
  return { createdAt: entry.slice(0, bar), contactId: entry.slice(bar + 1) };
}

function holdersOf(item: Item): Holder[] {
  if (typeof item.owner === 'string') {
    return [{ contactId: item.owner, createdAt: String(item.ownerCreatedAt) }];
  }
  const entries = item.holders instanceof Set ? [...(item.holders as Set<string>)] : [];
  return entries
    .map(parseHolder)
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.contactId.localeCompare(b.contactId));
}

/** Stamps of the last writes a contact keeps: enough to recognise a replay after a few writes by others. */
const STAMPS_KEPT = 4;

/**
 * Merges sorted pages of several sources into one sorted sequence, yielded `size` values at a time. Each
 * source is read one page ahead, so at most a page per source is held.
 *
 * @example
 * for await (const ids of mergeSorted(shardQueries, (item) => String(item.gsi1sk), 100)) { ... }
 */
async function* mergeSorted<T>(
  sources: readonly AsyncIterable<T[]>[],
  sortKeyOf: (item: T) => string,
  size: number,
): AsyncIterable<string[]> {
  const heads = sources.map((source) => ({
    pages: source[Symbol.asyncIterator](),
    page: [] as string[],
    at: 0,
  }));
  const fill = async (head: (typeof heads)[number]) => {
    while (head.at >= head.page.length) {
      const next = await head.pages.next();
      if (next.done) return false;
      head.page = next.value.map(sortKeyOf);
      head.at = 0;
    }
    return true;
  };
  let live = (await Promise.all(heads.map(async (head) => ((await fill(head)) ? head : undefined)))).filter(
    (head) => head !== undefined,
  );
  let out: string[] = [];
  while (live.length > 0) {
    let least = live[0] as (typeof live)[number];
    for (const head of live)
      if ((head.page[head.at] as string) < (least.page[least.at] as string)) least = head;
    out.push(least.page[least.at++] as string);
    if (out.length === size) {
      yield out;
      out = [];
    }
    if (!(await fill(least))) live = live.filter((head) => head !== least);
  }
  if (out.length > 0) yield out;
}

function toItem(workspace: string, contact: Contact, stamp?: string): Item {
  const live = contact.mergedInto
    ? {}
    : { gsi1pk: workspaceIndexKey(workspace, contact.contactId), gsi1sk: contact.contactId };
  const kept = (contact.writtenBy ?? []).filter((s) => s !== stamp);
  const writtenBy = stamp === undefined ? contact.writtenBy : [stamp, ...kept].slice(0, STAMPS_KEPT);
  return {
    ...contact,
    ...profileKey(workspace, contact.contactId),
    ...live,
    ...(writtenBy ? { writtenBy } : {}),
  };
}

function fromItem(item: Item): Contact {
  const { pk: _pk, sk: _sk, gsi1pk: _gpk, gsi1sk: _gsk, ...contact } = item;
  return contact as Contact;
}

interface Claim {
  readonly identity: Identity;
  readonly owner: Contact;
  /** Contacts of this write that held it before (a merge moves their claims). */
  readonly from: readonly string[];
}

interface Release {
  readonly identity: Identity;
  readonly from: readonly string[];
}

interface HolderChange {
  readonly identity: Identity;
  readonly entry: string;
  /** For an add: the entries of other contacts the writer saw (ContactWrite.expectedHolders). */
  readonly expected?: number;
}

/** How the identity index changes when the writes apply. */
interface IndexPlan {
  readonly claims: Claim[];
  readonly releases: Release[];
  readonly holderAdds: HolderChange[];
  readonly holderRemovals: HolderChange[];
}

function added(from: readonly Identity[], to: readonly Identity[]): Identity[] {
  const before = new Set(from.map(identityKey));
  return to.filter((i) => !before.has(identityKey(i)));
}

/**
 * Compares the identities before and after. Channel primary keys follow the live contact holding them
 * (a merge moves a tombstone's keys to the survivor); a tombstone gives up its shared-identity entries
 * and the survivor adds its own, so an identity's entries count exactly its live holders — the count a
 * writer's `expectedHolders` is checked against.
 */
function planIndex(writes: readonly ContactWrite[]): IndexPlan {
  const unique = new Map<string, { identity: Identity; from: Set<string>; to?: Contact }>();
  const plan: IndexPlan = { claims: [], releases: [], holderAdds: [], holderRemovals: [] };
  const entryOf = (identity: Identity) => {
    const ref = identityKey(identity);
    const entry = unique.get(ref) ?? { identity, from: new Set<string>() };
    unique.set(ref, entry);
    return entry;
  };
  for (const { contact, previous, expectedHolders } of writes) {
    const before = previous ? identitiesOf(previous) : [];
    const after = identitiesOf(contact);
    for (const identity of before.filter((i) => UNIQUE_IDENTITY_TYPES.has(i.type))) {
      entryOf(identity).from.add(contact.contactId);
    }
    for (const identity of after.filter((i) => UNIQUE_IDENTITY_TYPES.has(i.type))) {
      const entry = entryOf(identity);
      if (entry.to) {
        throw new InvalidContactWriteError(
          `Contacts ${entry.to.contactId} and ${contact.contactId} would both hold ${identity.type} ${identity.value}`,
        );
      }
      entry.to = contact;
    }
    const shared = (list: Identity[]) => list.filter((i) => !UNIQUE_IDENTITY_TYPES.has(i.type));
    if (contact.mergedInto) {
      for (const identity of shared(before)) {
        plan.holderRemovals.push({ identity, entry: holderEntry(previous ?? contact) });
      }
      continue;
    }
    for (const identity of added(shared(before), shared(after))) {
      const expected = expectedHolders?.[identityKey(identity)];
      plan.holderAdds.push({
        identity,
        entry: holderEntry(contact),
        ...(expected === undefined ? {} : { expected }),
      });
    }
    for (const identity of added(shared(after), shared(before))) {
      plan.holderRemovals.push({ identity, entry: holderEntry(previous ?? contact) });
    }
  }
  for (const { identity, from, to } of unique.values()) {
    if (to && !from.has(to.contactId)) plan.claims.push({ identity, owner: to, from: [...from] });
    if (!to && from.size > 0) plan.releases.push({ identity, from: [...from] });
  }
  return plan;
}

/**
 * @example
 * const store = new DynamoContactStore(clients.dynamodb, config.resources.tables.contacts.name);
 * const holders = await store.resolve('acme', [{ type: 'line_uid', value: 'U1' }]);
 */
export class DynamoContactStore implements ContactStore {
  private readonly table: DynamoTable;
  private readonly now: () => Date;
  private readonly staleClaimAfterMs: number;
  private readonly pageSize: number;
  private readonly workspaceIndex: string;

  constructor(client: DynamoDBClient, tableName: string, options: ContactStoreOptions = {}) {
    this.table = new DynamoTable(client, tableName, options.retry);
    this.now = options.now ?? (() => new Date());
    this.staleClaimAfterMs = options.staleClaimAfterMs ?? 15 * 60_000;
    this.pageSize = options.pageSize ?? 100;
    this.workspaceIndex = options.workspaceIndex ?? 'byWorkspace';
  }

  /**
   * Holders of each identity; a shared identity's holders come newest first. Index entries are returned
   * as stored: a holder may be a tombstone (follow `mergedInto`) or, after a crash, a contact that no
   * longer holds the identity or does not exist (check against the profiles).
   */
  async resolve(
    workspace: string,
    identities: readonly Identity[],
    options: ReadOptions = {},
  ): Promise<Map<string, Holder[]>> {
    const byPk = new Map(identities.map((i) => [identityItemKey(workspace, i).pk, i]));
    const keys = [...byPk.keys()].map((pk) => ({ pk, sk: IDENTITY }));
    const items = await this.table.batchGet(keys, options.consistent ?? true);
    const result = new Map<string, Holder[]>();
    for (const item of items) {
      const identity = byPk.get(String(item.pk));
      const holders = holdersOf(item);
      if (identity && holders.length > 0) result.set(identityKey(identity), holders);
    }
    return result;
  }

  async getContacts(
    workspace: string,
    contactIds: readonly string[],
    options: ReadOptions = {},
  ): Promise<Map<string, Contact>> {
    const keys = contactIds.map((id) => profileKey(workspace, id));
    const items = await this.table.batchGet(keys, options.consistent ?? true);
    return new Map(items.map((item) => [String(item.contactId), fromItem(item)]));
  }

  /**
   * Writes with optimistic locking. One write: claims, then shared-identity entries, then the profile
   * (`version` must still be the one read; a new contact must not exist), then removals. Several writes
   * (a merge) go in one transaction. Writing a new contact again is a no-op when the stored contact is
   * exactly the new state (same `createdBy`, i.e. the same row of the same import created it): a replay.
   */
  async write(workspace: string, writes: readonly ContactWrite[]): Promise<void> {
    this.validate(workspace, writes);
    const plan = planIndex(writes);
    const [single] = writes;
    if (writes.length === 1 && single) await this.writeOne(workspace, single, plan);
    else if (writes.length > 1) await this.writeMany(workspace, writes, plan);
  }

  /** Pages of live contacts (tombstones left out), in contact id order. */
  async *list(workspace: string): AsyncIterable<Contact[]> {
    const shards = Array.from({ length: WORKSPACE_INDEX_SHARDS }, (_, shard) => {
      const x = new Expression();
      return this.table.query({
        IndexName: this.workspaceIndex,
        KeyConditionExpression: `${x.name('gsi1pk')} = ${x.value(`${workspace}#${shard}`)}`,
        Limit: this.pageSize,
        ...x.build(),
      });
    });
    for await (const ids of mergeSorted(shards, (key) => String(key.gsi1sk), this.pageSize)) {
      const contacts = await this.getContacts(workspace, ids);
      const live = ids.flatMap((id) => {
        const contact = contacts.get(id);
        return contact && !contact.mergedInto ? [contact] : [];
      });
      if (live.length > 0) yield live;
    }
  }

  private validate(workspace: string, writes: readonly ContactWrite[]): void {
    const ids = new Set<string>();
    for (const { contact, previous } of writes) {
      if (contact.workspace !== workspace || (previous && previous.workspace !== workspace)) {
        throw new InvalidContactWriteError(
          `Contact ${contact.contactId} belongs to workspace ${contact.workspace}, not ${workspace}`,
        );
      }
      if (previous && previous.contactId !== contact.contactId) {
        throw new InvalidContactWriteError(
          `Contact ${contact.contactId} was written over a different contact (${previous.contactId})`,
        );
      }
      if (ids.has(contact.contactId)) {
        throw new InvalidContactWriteError(`Contact ${contact.contactId} appears twice in one write`);
      }
      ids.add(contact.contactId);
    }
  }

  private async writeOne(workspace: string, write: ContactWrite, plan: IndexPlan): Promise<void> {
    const put = this.profilePut(workspace, write);
    // Checked before any claim, so a contact too large to store leaves nothing behind.
    assertItemSize(put.Item, `Contact ${write.contact.contactId}`);
    // Shared identities first: their conditions refuse a write decided on an index that changed since.
    const added = await this.addHolders(workspace, write.contact.contactId, plan.holderAdds);
    const outcomes = await Promise.allSettled(plan.claims.map((claim) => this.claim(workspace, claim)));
    // Only claims this call made are given back when the write is refused: a claim that was already ours
    // may be a concurrent writer's of the same contact. Kept, a claim whose profile was never written
    // would refuse the key to everyone (the row decided again among them) until it is stale.
    const fresh = plan.claims.filter((_c, i) => {
      const outcome = outcomes[i];
      return outcome?.status === 'fulfilled' && outcome.value;
    });
    const takeBack = () => this.giveBack(workspace, write.contact.contactId, fresh, added);
    const failure = outcomes.find((o) => o.status === 'rejected');
    if (failure) {
      await takeBack();
      throw failure.reason;
    }
    try {
      await this.putProfile(workspace, write, put);
    } catch (err) {
      // Only a refusal is certain to have written nothing; after any other error the profile may have
      // landed, and its claims and entries must stay (a stale claim is checked against its profile).
      if (err instanceof ConcurrentModificationError) await takeBack();
      throw err;
    }
    // Entries and claims this call found made were made by another writer of the same contact, which may
    // give them back (its write refused) after reading a profile without them: made again while this
    // profile is current.
    const found = plan.holderAdds.filter((c) => !added.includes(c));
    await this.reassert(
      workspace,
      put.Item,
      plan.claims.filter((c) => !fresh.includes(c)),
      found,
    );
    await Promise.all([
      ...plan.releases.map((r) => this.release(workspace, r.identity, r.from)),
      ...plan.holderRemovals.map((change) => this.deleteHolder(workspace, change)),
    ]);
  }

  private async writeMany(
    workspace: string,
    writes: readonly ContactWrite[],
    plan: IndexPlan,
  ): Promise<void> {
    const added = await this.addHolders(workspace, writes[0]?.contact.contactId ?? '', plan.holderAdds);
    // Entries given up go in the transaction (one update per identity), so no crash leaves a merged
    // contact's entry behind to be counted by later writers.
    const removals = new Map<string, { identity: Identity; entries: Set<string> }>();
    for (const { identity, entry } of plan.holderRemovals) {
      const key = identityKey(identity);
      const removal = removals.get(key) ?? { identity, entries: new Set<string>() };
      removals.set(key, removal);
      removal.entries.add(entry);
    }
    const actions: TransactAction[] = [
      ...writes.map((w) => ({ Put: this.profilePut(workspace, w) })),
      ...plan.claims.map((c) => ({ Update: this.claimUpdate(workspace, c) })),
      ...plan.releases.map((r) => ({ Update: this.releaseUpdate(workspace, r.identity, r.from) })),
      ...[...removals.values()].map(({ identity, entries }) => ({
        Update: {
          Key: identityItemKey(workspace, identity),
          ...new Expression().delete('holders', entries).buildUpdate(),
        },
      })),
    ];
    const label = `Merge of ${writes.map((w) => w.contact.contactId).join(', ')}`;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.table.transact(actions, label);
        break;
      } catch (err) {
        const failed = cancellationCodes(err).indexOf('ConditionalCheckFailed');
        if (failed < 0) throw err;
        const claim = plan.claims[failed - writes.length];
        const contactId = writes[failed]?.contact.contactId ?? writes[0]?.contact.contactId ?? '';
        if (!claim && (await this.allLanded(workspace, writes))) break;
        try {
          if (!claim) throw new ConcurrentModificationError(workspace, contactId);
          await this.settleConflict(workspace, claim, attempt);
        } catch (refused) {
          await this.giveBackEntries(workspace, added);
          throw refused;
        }
      }
    }
  }

  private profilePut(workspace: string, { contact, previous, stamp }: ContactWrite) {
    const item = toItem(workspace, { ...contact, version: (previous?.version ?? 0) + 1 }, stamp);
    const x = new Expression();
    const condition = previous
      ? `${x.name('version')} = ${x.value(previous.version)}`
      : `attribute_not_exists(${x.name('pk')})`;
    return { Item: item, ...x.build(condition) };
  }

  private async putProfile(
    workspace: string,
    write: ContactWrite,
    put: ReturnType<DynamoContactStore['profilePut']>,
  ): Promise<void> {
    try {
      await this.table.put(put);
    } catch (err) {
      if (!isConditionFailed(err)) throw err;
      if (await this.landed(workspace, write, put.Item)) return;
      throw new ConcurrentModificationError(workspace, write.contact.contactId);
    }
  }

  /**
   * The write was applied before (a replay): the stored profile carries its stamp, or — for an unstamped
   * create — is exactly the new contact.
   */
  private async landed(workspace: string, write: ContactWrite, item?: Item): Promise<boolean> {
    const stored = await this.table.get(profileKey(workspace, write.contact.contactId));
    if (stored === undefined) return false;
    if (write.stamp !== undefined)
      return Array.isArray(stored.writtenBy) && stored.writtenBy.includes(write.stamp);
    return !write.previous && item !== undefined && canonicalJson(stored) === canonicalJson(item);
  }

  private async allLanded(workspace: string, writes: readonly ContactWrite[]): Promise<boolean> {
    if (writes.some((w) => w.stamp === undefined)) return false;
    const landed = await Promise.all(writes.map((w) => this.landed(workspace, w)));
    return landed.every(Boolean);
  }

  private claimUpdate(workspace: string, { identity, owner, from }: Claim) {
    const x = new Expression()
      .set('owner', owner.contactId)
      .set('ownerCreatedAt', owner.createdAt)
      .set('claimedAt', this.now().toISOString());
    const allowed = [owner.contactId, ...from].map((id) => x.value(id)).join(', ');
    const condition = `attribute_not_exists(${x.name('owner')}) OR ${x.name('owner')} IN (${allowed})`;
    return { Key: identityItemKey(workspace, identity), ...x.buildUpdate(condition) };
  }

  private releaseUpdate(workspace: string, identity: Identity, from: readonly string[]) {
    const x = new Expression().remove('owner').remove('ownerCreatedAt').remove('claimedAt');
    const condition = `${x.name('owner')} IN (${from.map((id) => x.value(id)).join(', ')})`;
    return { Key: identityItemKey(workspace, identity), ...x.buildUpdate(condition) };
  }

  /** Claims a channel primary key; true when this call took it (it had no owner before). */
  private async claim(workspace: string, claim: Claim): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      try {
        const old = await this.table.update({
          ...this.claimUpdate(workspace, claim),
          ReturnValues: 'UPDATED_OLD',
        });
        return old?.owner === undefined;
      } catch (err) {
        if (!isConditionFailed(err)) throw err;
        await this.settleConflict(workspace, claim, attempt);
      }
    }
  }

  /**
   * After a claim failed: returns when it is worth claiming again (the owner let go, or its claim was stale
   * and is now ours); throws IdentityTakenError when another contact really holds the key.
   */
  private async settleConflict(workspace: string, claim: Claim, attempt: number): Promise<void> {
    const key = identityItemKey(workspace, claim.identity);
    const item = await this.table.get(key);
    const owner = typeof item?.owner === 'string' ? item.owner : undefined;
    if (!owner) {
      if (attempt < CLAIM_ATTEMPTS) return;
      throw new IdentityTakenError(claim.identity, 'unknown (the claim kept changing)');
    }
    const claimedAt = String(item?.claimedAt);
    const age = this.now().getTime() - Date.parse(claimedAt);
    if (
      attempt >= CLAIM_ATTEMPTS ||
      !(age >= this.staleClaimAfterMs) ||
      (await this.holds(workspace, owner, claim))
    ) {
      throw new IdentityTakenError(claim.identity, owner);
    }
    const x = new Expression()
      .set('owner', claim.owner.contactId)
      .set('ownerCreatedAt', claim.owner.createdAt)
      .set('claimedAt', this.now().toISOString());
    const condition = `${x.name('owner')} = ${x.value(owner)} AND ${x.name('claimedAt')} = ${x.value(claimedAt)}`;
    try {
      await this.table.update({ Key: key, ...x.buildUpdate(condition) });
    } catch (err) {
      if (!isConditionFailed(err)) throw err;
    }
  }

  /** Whether a contact's stored profile is live and holds the identity. */
  private async holds(workspace: string, contactId: string, { identity }: Claim): Promise<boolean> {
    const item = await this.table.get(profileKey(workspace, contactId));
    if (!item || item.mergedInto) return false;
    return identitiesOf(fromItem(item)).some((i) => identityKey(i) === identityKey(identity));
  }

  /**
   * Gives back the claims and entries a refused write made, except those the contact's stored profile holds:
   * a concurrent writer of the same contact that found them made may have written a profile relying on them
   * (given back, that contact would no longer be found by them, and its channel key could go to another).
   * Conditional on the profile as read, so a profile written meanwhile is read again.
   */
  private async giveBack(
    workspace: string,
    contactId: string,
    claims: readonly Claim[],
    entries: readonly HolderChange[],
  ): Promise<void> {
    let releases = [...claims];
    for (let attempt = 1; releases.length + entries.length > 0; attempt++) {
      const key = profileKey(workspace, contactId);
      const stored = await this.table.get(key);
      const held = new Set(
        stored && !stored.mergedInto ? identitiesOf(fromItem(stored)).map(identityKey) : [],
      );
      const giving = releases.filter((c) => !held.has(identityKey(c.identity)));
      const removing = entries.filter((c) => !held.has(identityKey(c.identity)));
      if (giving.length + removing.length === 0) return;
      const x = new Expression();
      const condition = stored
        ? `${x.name('version')} = ${x.value(stored.version)}`
        : `attribute_not_exists(${x.name('pk')})`;
      const actions: TransactAction[] = [
        { ConditionCheck: { Key: key, ...x.build(condition), ConditionExpression: condition } },
        ...giving.map((c) => ({ Update: this.releaseUpdate(workspace, c.identity, [c.owner.contactId]) })),
        ...removing.map((c) => ({ Update: this.deleteHolderUpdate(workspace, c) })),
      ];
      try {
        await this.table.transact(actions, `Give-back of ${contactId}`);
        return;
      } catch (err) {
        const codes = cancellationCodes(err);
        if (!codes.includes('ConditionalCheckFailed') || attempt >= GIVE_BACK_ATTEMPTS) throw err;
        // A claim someone else holds by now is not ours to give back; a moved profile is read again.
        const lost = new Set(giving.filter((_c, i) => codes[i + 1] === 'ConditionalCheckFailed'));
        releases = releases.filter((c) => !lost.has(c));
      }
    }
  }

  /** Gives back the entries a refused write added, each contact's against its own profile (see giveBack). */
  private async giveBackEntries(workspace: string, entries: readonly HolderChange[]): Promise<void> {
    const owners = [...new Set(entries.map((c) => parseHolder(c.entry).contactId))];
    await Promise.all(
      owners.map((id) =>
        this.giveBack(
          workspace,
          id,
          [],
          entries.filter((c) => parseHolder(c.entry).contactId === id),
        ),
      ),
    );
  }

  /**
   * Makes the entries and claims of a written profile again while it is the stored one (its version), for
   * those another writer of the same contact made first and may have given back. A claim someone else took
   * meanwhile, or a profile written over since, is left as it is.
   */
  private async reassert(
    workspace: string,
    written: Item,
    claims: readonly Claim[],
    entries: readonly HolderChange[],
  ): Promise<void> {
    if (claims.length + entries.length === 0) return;
    const contactId = String(written.contactId);
    const x = new Expression();
    const current = `${x.name('version')} = ${x.value(written.version)}`;
    const actions: TransactAction[] = [
      {
        ConditionCheck: {
          Key: profileKey(workspace, contactId),
          ...x.build(current),
          ConditionExpression: current,
        },
      },
      ...claims.map((c) => ({ Update: this.claimUpdate(workspace, c) })),
      ...entries.map((c) => ({
        Update: {
          Key: identityItemKey(workspace, c.identity),
          ...new Expression().add('holders', new Set([c.entry])).buildUpdate(),
        },
      })),
    ];
    try {
      await this.table.transact(actions, `Entries of ${contactId}`);
    } catch (err) {
      if (!cancellationCodes(err).includes('ConditionalCheckFailed')) throw err;
    }
  }

  /** Gives a channel primary key up, unless someone else holds it by now. */
  private async release(workspace: string, identity: Identity, from: readonly string[]): Promise<void> {
    try {
      await this.table.update(this.releaseUpdate(workspace, identity, from));
    } catch (err) {
      if (!isConditionFailed(err)) throw err;
    }
  }

  /**
   * Adds holder entries; one whose index changed since the writer read it refuses the write. The entries a
   * write's contacts add to one identity go in one update, checked against the entries of *other* contacts
   * the writer saw (two new contacts of a merge-free unit sharing a value must not count each other).
   * Returns the entries this call added (not there before), which a refused write takes back: left behind,
   * an entry of a contact that was never written would refuse every later writer counting the holders it saw.
   */
  private async addHolders(
    workspace: string,
    contactId: string,
    changes: readonly HolderChange[],
  ): Promise<HolderChange[]> {
    const groups = new Map<string, HolderChange[]>();
    for (const change of changes) {
      const key = identityKey(change.identity);
      groups.set(key, [...(groups.get(key) ?? []), change]);
    }
    const outcomes = await Promise.allSettled(
      [...groups.values()].map((group) => this.addToIdentity(workspace, group)),
    );
    const added = outcomes.flatMap((o) => (o.status === 'fulfilled' ? o.value : []));
    const failure = outcomes.find((o) => o.status === 'rejected');
    if (!failure) return added;
    await this.giveBackEntries(workspace, added);
    if (!isConditionFailed(failure.reason)) throw failure.reason;
    throw new ConcurrentModificationError(workspace, contactId);
  }

  /** Adds the entries of one identity at once; returns those that were absent. */
  private async addToIdentity(workspace: string, group: readonly HolderChange[]): Promise<HolderChange[]> {
    const [first] = group;
    if (!first) return [];
    const x = new Expression();
    x.add('holders', new Set(group.map((c) => c.entry)));
    // All of one write's contacts gaining the identity saw the same others (the writer's one read).
    const expected = group.find((c) => c.expected !== undefined)?.expected;
    let condition: string | undefined;
    if (expected !== undefined) {
      // Unchanged since read (`expected` others), or already holding these entries beside them (a replay:
      // one ADD of a set lands whole or not at all). Others are counted in both cases: a replay must not
      // miss an entry another writer added since the read.
      const holders = x.name('holders');
      const mine = `contains(${holders}, ${x.value(first.entry)}) AND size(${holders}) = ${x.value(expected + group.length)}`;
      condition =
        expected === 0
          ? `attribute_not_exists(${holders}) OR (${mine})`
          : `size(${holders}) = ${x.value(expected)} OR (${mine})`;
    }
    const old = await this.table.update({
      Key: identityItemKey(workspace, first.identity),
      ...x.buildUpdate(condition),
      ReturnValues: 'UPDATED_OLD',
    });
    const had = old?.holders instanceof Set ? (old.holders as Set<string>) : new Set<string>();
    return group.filter((c) => !had.has(c.entry));
  }

  /** Deletes one holder entry. */
  private async deleteHolder(workspace: string, change: HolderChange): Promise<void> {
    await this.table.update(this.deleteHolderUpdate(workspace, change));
  }

  private deleteHolderUpdate(workspace: string, change: HolderChange) {
    const x = new Expression();
    x.delete('holders', new Set([change.entry]));
    return { Key: identityItemKey(workspace, change.identity), ...x.buildUpdate() };
  }
}
