import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoContactStore, workspaceIndexKey } from '../../../shared/adapters/contact-store.js';
import { identityKey } from '../../../shared/domain/identities.js';
import type { Contact, Identity } from '../../../shared/domain/model.js';
import {
  ConcurrentModificationError,
  IdentityTakenError,
  WriteTooLargeError,
} from '../../../shared/pipeline/ports.js';
import { useEmulator } from '../../helpers/emulator.js';
import { aContact, change, creation } from '../../helpers/stores/contacts.js';
import {
  countCalls,
  crash,
  emulatorDynamoClient,
  holdNext,
  injectFaults,
  recordPartitionKeys,
  throttled,
  throughputExceeded,
  transactionConflict,
} from '../../helpers/stores/faults.js';

const env = useEmulator();
const FAST_RETRY = { baseDelayMs: 1, maxDelayMs: 5 };
const ownClients: DynamoDBClient[] = [];

let workspaceSequence = 0;
/** A workspace of its own for each test, so tests never see each other's contacts. */
function newWorkspace(): string {
  workspaceSequence += 1;
  return `ws-${workspaceSequence}`;
}

function store(options: ConstructorParameters<typeof DynamoContactStore>[2] = {}) {
  return new DynamoContactStore(env.clients.dynamodb, env.provisioned.tables.contacts, {
    retry: FAST_RETRY,
    ...options,
  });
}

/** A store over a client of its own, for fault injection. */
function storeWithOwnClient(options: ConstructorParameters<typeof DynamoContactStore>[2] = {}) {
  const client = emulatorDynamoClient(env.config.aws);
  ownClients.push(client);
  return {
    client,
    store: new DynamoContactStore(client, env.provisioned.tables.contacts, { retry: FAST_RETRY, ...options }),
  };
}

afterEach(() => {
  for (const client of ownClients.splice(0)) client.destroy();
});

async function holdersOf(workspace: string, identity: Identity): Promise<string[]> {
  const found = await store().resolve(workspace, [identity]);
  return (found.get(identityKey(identity)) ?? []).map((h) => h.contactId);
}

async function read(workspace: string, contactId: string): Promise<Contact | undefined> {
  return (await store().getContacts(workspace, [contactId])).get(contactId);
}

async function listAll(workspace: string, pageSize = 100): Promise<Contact[][]> {
  const pages: Contact[][] = [];
  for await (const page of store({ pageSize }).list(workspace)) pages.push(page);
  return pages;
}

/**
 * Creates `contact`, then two writers read it and give it the same `changes`: the slow one claims and adds
 * first and is held before its profile write, the fast one finds the index made and writes the profile
 * (`name: 'Fast'`), then the slow one's profile write is refused. Returns the slow one's error.
 */
async function slowWriterOvertaken(
  ws: string,
  contact: Contact,
  changes: Partial<Contact>,
): Promise<unknown> {
  await store().write(ws, [creation(contact)]);
  const seen = (await read(ws, contact.contactId)) as Contact;
  const { client, store: slow } = storeWithOwnClient();
  const put = holdNext(client, 'PutItemCommand');
  const refused = slow.write(ws, [change(seen, { ...changes, name: 'Slow' })]).catch((err: unknown) => err);
  await put.reached;
  await store().write(ws, [change(seen, { ...changes, name: 'Fast' })]);
  put.release();
  return refused;
}

describe('Class: DynamoContactStore', () => {
  describe('Method: resolve', () => {
    it('finds a new contact by each of its identities', async () => {
      // Prepare
      const ws = newWorkspace();
      const ann = aContact(ws, {
        email: 'ann@example.com',
        phone: '+886912345678',
        line: { uid: 'U-ann' },
        edm: { email: 'ann@example.com', status: 'subscribed' },
      });

      // Act
      await store().write(ws, [creation(ann)]);
      const found = await store().resolve(ws, [
        { type: 'email', value: 'ann@example.com' },
        { type: 'phone', value: '+886912345678' },
        { type: 'line_uid', value: 'U-ann' },
        { type: 'edm_email', value: 'ann@example.com' },
        { type: 'customer_id', value: 'nobody' },
      ]);

      // Assess
      const holder = [{ contactId: ann.contactId, createdAt: ann.createdAt }];
      expect(Object.fromEntries(found)).toEqual({
        'email#ann@example.com': holder,
        'phone#+886912345678': holder,
        'line_uid#U-ann': holder,
        'edm_email#ann@example.com': holder,
      });
      expect(await read(ws, ann.contactId)).toEqual({ ...ann, version: 1 });
    });

    it('returns every holder of a shared phone with its creation time, newest first', async () => {
      // Prepare
      const ws = newWorkspace();
      const parent = aContact(ws, { phone: '+886911111111' });
      const child = aContact(ws, { phone: '+886911111111' });
      await store().write(ws, [creation(parent)]);
      await store().write(ws, [creation(child)]);

      // Act
      const found = await store().resolve(ws, [{ type: 'phone', value: '+886911111111' }]);

      // Assess
      expect(found.get('phone#+886911111111')).toEqual([
        { contactId: child.contactId, createdAt: child.createdAt },
        { contactId: parent.contactId, createdAt: parent.createdAt },
      ]);
    });

    it('resolves more identities than one BatchGetItem call takes', async () => {
      // Prepare
      const ws = newWorkspace();
      const known = [aContact(ws, { customerId: 'K-1' }), aContact(ws, { customerId: 'K-2' })];
      for (const contact of known) await store().write(ws, [creation(contact)]);
      const identities: Identity[] = Array.from({ length: 250 }, (_v, i) => ({
        type: 'customer_id',
        value: `K-${i}`,
      }));
      const { client, store: counted } = storeWithOwnClient();
      const log = countCalls(client);

      // Act
      const found = await counted.resolve(ws, identities);

      // Assess
      expect([...found.keys()].sort()).toEqual(['customer_id#K-1', 'customer_id#K-2']);
      expect(log.calls.get('BatchGetItemCommand')).toBe(3);
    });

    it('retries UnprocessedKeys until every identity is resolved', async () => {
      // Prepare
      const ws = newWorkspace();
      const contacts = [1, 2, 3, 4].map((n) => aContact(ws, { fbId: `fb-${n}` }));
      for (const contact of contacts) await store().write(ws, [creation(contact)]);
      const { client, store: faulty } = storeWithOwnClient();
      const log = injectFaults(client, 'BatchGetItemCommand', [
        { process: 1 },
        { process: 1 },
        { process: 0 },
      ]);

      // Act
      const found = await faulty.resolve(
        ws,
        contacts.map((c) => ({ type: 'fb_id', value: c.fbId ?? '' })),
      );

      // Assess
      expect(found.size).toBe(4);
      expect(log.calls.get('BatchGetItemCommand')).toBe(4);
    });

    it('keeps the work of one workspace out of another that holds the same identities', async () => {
      // Prepare
      const [a, b] = [newWorkspace(), newWorkspace()];
      const inB = aContact(b, { email: 'same@example.com', line: { uid: 'U-same' } });
      await store().write(b, [creation(inB)]);
      const { client, store: recorded } = storeWithOwnClient();
      const keys = recordPartitionKeys(client);
      const inA = aContact(a, { email: 'same@example.com', line: { uid: 'U-same' } });

      // Act
      const before = await recorded.resolve(a, [{ type: 'line_uid', value: 'U-same' }]);
      await recorded.write(a, [creation(inA)]);
      const contacts = await recorded.getContacts(a, [inA.contactId, inB.contactId]);
      const pages: Contact[][] = [];
      for await (const page of recorded.list(a)) pages.push(page);

      // Assess
      expect(before.size).toBe(0);
      expect([...contacts.keys()]).toEqual([inA.contactId]);
      expect(pages.flat().map((c) => c.contactId)).toEqual([inA.contactId]);
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.filter((k) => k !== a && !k.startsWith(`${a}#`))).toEqual([]);
      expect(await holdersOf(b, { type: 'line_uid', value: 'U-same' })).toEqual([inB.contactId]);
    });
  });

  describe('Method: write', () => {
    it('lets only one of two writers of the same version through, never overwriting it', async () => {
      // Prepare
      const ws = newWorkspace();
      const created = aContact(ws, { name: 'Ann' });
      await store().write(ws, [creation(created)]);
      const read1 = (await read(ws, created.contactId)) as Contact;

      // Act
      const results = await Promise.allSettled([
        store().write(ws, [change(read1, { name: 'Writer one' })]),
        store().write(ws, [change(read1, { name: 'Writer two' })]),
      ]);

      // Assess
      const rejected = results.filter((r) => r.status === 'rejected');
      expect(rejected).toHaveLength(1);
      expect((rejected[0] as PromiseRejectedResult).reason).toBeInstanceOf(ConcurrentModificationError);
      const winner = results[0]?.status === 'fulfilled' ? 'Writer one' : 'Writer two';
      expect(await read(ws, created.contactId)).toMatchObject({ name: winner, version: 2 });
    });

    it('refuses to create a contact whose id another row already created', async () => {
      // Prepare
      const ws = newWorkspace();
      const first = aContact(ws, { name: 'First' });
      await store().write(ws, [creation(first)]);

      // Act
      const second = store().write(ws, [creation({ ...first, name: 'Second', createdBy: 'other#3' })]);

      // Assess
      await expect(second).rejects.toBeInstanceOf(ConcurrentModificationError);
      expect(await read(ws, first.contactId)).toMatchObject({ name: 'First', version: 1 });
    });

    it('treats the same creation written twice as one contact', async () => {
      // Prepare
      const ws = newWorkspace();
      const ann = aContact(ws, { email: 'twice@example.com', createdBy: 'acme.0123#2' });

      // Act
      await store().write(ws, [creation(ann)]);
      await store().write(ws, [creation(ann)]);

      // Assess
      expect(await read(ws, ann.contactId)).toEqual({ ...ann, version: 1 });
      expect(await holdersOf(ws, { type: 'email', value: 'twice@example.com' })).toEqual([ann.contactId]);
    });

    it('gives a LINE UID to exactly one of two contacts racing for it, 50 rounds in a row', async () => {
      const ws = newWorkspace();
      for (let round = 0; round < 50; round++) {
        // Prepare
        const uid = { type: 'line_uid', value: `U-race-${round}` } as const;
        const racers = [
          aContact(ws, { line: { uid: uid.value } }),
          aContact(ws, { line: { uid: uid.value } }),
        ];

        // Act
        const results = await Promise.allSettled(racers.map((c) => store().write(ws, [creation(c)])));

        // Assess
        const winners = racers.filter((_c, i) => results[i]?.status === 'fulfilled');
        const losers = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
        expect(winners).toHaveLength(1);
        expect(losers).toHaveLength(1);
        expect(losers[0]).toBeInstanceOf(IdentityTakenError);
        expect(losers[0]).toMatchObject({ identity: uid, owner: winners[0]?.contactId });
        expect(await holdersOf(ws, uid)).toEqual([winners[0]?.contactId]);
        const stored = await store().getContacts(
          ws,
          racers.map((c) => c.contactId),
        );
        expect([...stored.values()].filter((c) => c.line?.uid === uid.value)).toHaveLength(1);
      }
    });

    it('lets a replay of the same row re-use the LINE UID a crashed writer claimed', async () => {
      // Prepare
      const ws = newWorkspace();
      const ann = aContact(ws, { line: { uid: 'U-crash' }, createdBy: 'acme.0123#7' });
      const { client, store: crashing } = storeWithOwnClient();
      injectFaults(client, 'PutItemCommand', [{ throw: crash() }]);
      await expect(crashing.write(ws, [creation(ann)])).rejects.toThrow('crashed');

      // Act
      await store().write(ws, [creation(ann)]);

      // Assess
      expect(await read(ws, ann.contactId)).toEqual({ ...ann, version: 1 });
      expect(await holdersOf(ws, { type: 'line_uid', value: 'U-crash' })).toEqual([ann.contactId]);
    });

    it('refuses a replay whose entry a crash left when another contact took the shared value since (RULES §9)', async () => {
      // Prepare: a writer crashed after adding Ann's email entry; Bob then took the email, counting it.
      const ws = newWorkspace();
      const email = 'family@example.com';
      const ann = aContact(ws, { email, createdBy: 'acme.0123#7' });
      const bob = aContact(ws, { email });
      const sawNobody = { [`email#${email}`]: 0 };
      const { client, store: crashing } = storeWithOwnClient();
      injectFaults(client, 'PutItemCommand', [{ throw: crash() }]);
      const crashed = crashing.write(ws, [{ ...creation(ann), expectedHolders: sawNobody }]);
      await expect(crashed).rejects.toThrow('crashed');
      await store().write(ws, [{ ...creation(bob), expectedHolders: { [`email#${email}`]: 1 } }]);

      // Act: the replay of Ann's row, decided when nobody held the email.
      const replay = store().write(ws, [{ ...creation(ann), expectedHolders: sawNobody }]);

      // Assess: refused (the row is decided again and finds Bob), Bob keeps the email.
      await expect(replay).rejects.toBeInstanceOf(ConcurrentModificationError);
      expect(await read(ws, ann.contactId)).toBeUndefined();
      expect(await read(ws, bob.contactId)).toMatchObject({ email });
    });

    it('keeps a fresh claim of a crashed writer but takes over one left stale', async () => {
      // Prepare
      const ws = newWorkspace();
      const crashed = aContact(ws, { line: { uid: 'U-stale' } });
      const { client, store: crashing } = storeWithOwnClient();
      injectFaults(client, 'PutItemCommand', [{ throw: crash() }]);
      await expect(crashing.write(ws, [creation(crashed)])).rejects.toThrow('crashed');
      const next = aContact(ws, { line: { uid: 'U-stale' } });
      const anHourLater = () => new Date(Date.now() + 3_600_000);

      // Act
      const whileFresh = store().write(ws, [creation(next)]);
      await expect(whileFresh).rejects.toBeInstanceOf(IdentityTakenError);
      await store({ now: anHourLater }).write(ws, [creation(next)]);

      // Assess
      expect(await holdersOf(ws, { type: 'line_uid', value: 'U-stale' })).toEqual([next.contactId]);
    });

    it('gives back the channel keys it claimed when another one is taken', async () => {
      // Prepare
      const ws = newWorkspace();
      const owner = aContact(ws, { line: { uid: 'U-owned' } });
      await store().write(ws, [creation(owner)]);
      const loser = aContact(ws, {
        line: { uid: 'U-owned' },
        whatsapp: { mobile: '+886922222222', status: 'opted_in' },
      });

      // Act
      const write = store().write(ws, [creation(loser)]);

      // Assess
      await expect(write).rejects.toMatchObject({ owner: owner.contactId });
      expect(await holdersOf(ws, { type: 'whatsapp', value: '+886922222222' })).toEqual([]);
      expect(await read(ws, loser.contactId)).toBeUndefined();
    });

    it('takes back the shared-identity entries of a write refused for a changed index (RULES §6)', async () => {
      // Prepare: the second row saw the first contact's phone but decided before it took the email.
      const ws = newWorkspace();
      const fields = { email: 'shared@example.com', phone: '+886911111111' };
      const first = aContact(ws, fields);
      const second = aContact(ws, fields);
      await store().write(ws, [creation(first)]);
      const sawPhoneOnly = { 'email#shared@example.com': 0, 'phone#+886911111111': 1 };

      // Act
      const refused = store().write(ws, [{ ...creation(second), expectedHolders: sawPhoneOnly }]);

      // Assess: refused, and no entry of the contact that was never written stays to refuse the next writer.
      await expect(refused).rejects.toBeInstanceOf(ConcurrentModificationError);
      expect(await read(ws, second.contactId)).toBeUndefined();
      expect(await holdersOf(ws, { type: 'phone', value: '+886911111111' })).toEqual([first.contactId]);
      expect(await holdersOf(ws, { type: 'email', value: 'shared@example.com' })).toEqual([first.contactId]);
      const sawFirst = { 'email#shared@example.com': 1, 'phone#+886911111111': 1 };
      await store().write(ws, [{ ...creation(second), expectedHolders: sawFirst }]);
      expect(await read(ws, second.contactId)).toMatchObject(fields);
    });

    it('writes two new contacts sharing a value in one write, each counting only the holders it saw (RULES §6)', async () => {
      // Prepare: one batch decides two people (different LINE UIDs) who share an email nobody held.
      const ws = newWorkspace();
      const a = aContact(ws, { email: 'family@example.com', line: { uid: 'U-fam-a' } });
      const b = aContact(ws, { email: 'family@example.com', line: { uid: 'U-fam-b' } });
      const sawNobody = { 'email#family@example.com': 0 };

      // Act
      await store().write(ws, [
        { ...creation(a), expectedHolders: sawNobody },
        { ...creation(b), expectedHolders: sawNobody },
      ]);

      // Assess
      expect((await holdersOf(ws, { type: 'email', value: 'family@example.com' })).sort()).toEqual(
        [a.contactId, b.contactId].sort(),
      );
    });

    it('gives back the channel key it claimed when the profile write is refused (RULES §6)', async () => {
      // Prepare: Ann read at version 1, then changed by someone else before the write that gives her U-late.
      const ws = newWorkspace();
      const ann = aContact(ws, { email: 'ann@example.com' });
      await store().write(ws, [creation(ann)]);
      const seen = (await read(ws, ann.contactId)) as Contact;
      await store().write(ws, [change(seen, { name: 'Ann B' })]);

      // Act
      const refused = store().write(ws, [change(seen, { line: { uid: 'U-late' } })]);

      // Assess: refused, and the key is free for the contact the row is decided for next.
      await expect(refused).rejects.toBeInstanceOf(ConcurrentModificationError);
      expect(await holdersOf(ws, { type: 'line_uid', value: 'U-late' })).toEqual([]);
      const other = aContact(ws, { line: { uid: 'U-late' } });
      await store().write(ws, [creation(other)]);
      expect(await holdersOf(ws, { type: 'line_uid', value: 'U-late' })).toEqual([other.contactId]);
    });

    it('keeps the email entry a concurrent writer of the same contact relies on when its own write is refused (RULES §6)', async () => {
      // Prepare: two writers read Ann at version 1 and both give her c@example.com.
      const ws = newWorkspace();
      const ann = aContact(ws, { email: 'a@example.com' });

      // Act
      const refused = await slowWriterOvertaken(ws, ann, { email: 'c@example.com' });

      // Assess: Ann holds the email, so the index still finds her by it.
      expect(refused).toBeInstanceOf(ConcurrentModificationError);
      expect(await read(ws, ann.contactId)).toMatchObject({ email: 'c@example.com', name: 'Fast' });
      expect(await holdersOf(ws, { type: 'email', value: 'c@example.com' })).toEqual([ann.contactId]);
    });

    it('keeps the channel key a concurrent writer of the same contact relies on when its own write is refused (RULES §6)', async () => {
      // Prepare: two writers read Ann at version 1 and both give her the EDM channel of her email.
      const ws = newWorkspace();
      const ann = aContact(ws, { email: 'b@example.com' });
      const edm = { email: 'b@example.com', status: 'subscribed' } as const;

      // Act
      const refused = await slowWriterOvertaken(ws, ann, { edm });

      // Assess: the key stays Ann's, and another contact cannot take it.
      expect(refused).toBeInstanceOf(ConcurrentModificationError);
      expect(await holdersOf(ws, { type: 'edm_email', value: 'b@example.com' })).toEqual([ann.contactId]);
      const other = aContact(ws, { edm, email: 'b@example.com' });
      await expect(store().write(ws, [creation(other)])).rejects.toBeInstanceOf(IdentityTakenError);
    });

    it('keeps the identity index in step when identities change', async () => {
      // Prepare
      const ws = newWorkspace();
      const ann = aContact(ws, { email: 'old@example.com', sms: { phone: '+886933333333' } });
      await store().write(ws, [creation(ann)]);
      const stored = (await read(ws, ann.contactId)) as Contact;

      // Act
      await store().write(ws, [change(stored, { email: 'new@example.com', sms: undefined, igId: 'ig-ann' })]);

      // Assess
      expect(await holdersOf(ws, { type: 'email', value: 'old@example.com' })).toEqual([]);
      expect(await holdersOf(ws, { type: 'sms', value: '+886933333333' })).toEqual([]);
      expect(await holdersOf(ws, { type: 'email', value: 'new@example.com' })).toEqual([ann.contactId]);
      expect(await holdersOf(ws, { type: 'ig_id', value: 'ig-ann' })).toEqual([ann.contactId]);
      expect(await read(ws, ann.contactId)).toMatchObject({ email: 'new@example.com', version: 2 });
    });

    it('applies a merge at once: survivor, tombstone and channel keys moved', async () => {
      // Prepare
      const ws = newWorkspace();
      const survivor = aContact(ws, { line: { uid: 'U-keep' }, tags: ['a'] });
      const merged = aContact(ws, {
        email: 'merged@example.com',
        whatsapp: { mobile: '+886944444444', status: 'opted_in' },
        tags: ['b'],
      });
      await store().write(ws, [creation(survivor)]);
      await store().write(ws, [creation(merged)]);
      const [s, m] = [await read(ws, survivor.contactId), await read(ws, merged.contactId)] as Contact[];
      const { client, store: counted } = storeWithOwnClient();
      const log = countCalls(client);

      // Act
      await counted.write(ws, [
        change(s as Contact, {
          email: 'merged@example.com',
          whatsapp: { mobile: '+886944444444', status: 'opted_in' },
          tags: ['a', 'b'],
        }),
        change(m as Contact, { mergedInto: survivor.contactId }),
      ]);

      // Assess
      expect(log.calls.get('TransactWriteItemsCommand')).toBe(1);
      expect(await holdersOf(ws, { type: 'whatsapp', value: '+886944444444' })).toEqual([survivor.contactId]);
      // The tombstone gives its entry up in the same transaction: an identity's entries are its live
      // holders, the count later writers' expectations are checked against (RULES §6).
      expect(await holdersOf(ws, { type: 'email', value: 'merged@example.com' })).toEqual([
        survivor.contactId,
      ]);
      expect(await read(ws, merged.contactId)).toMatchObject({ mergedInto: survivor.contactId, version: 2 });
      expect((await listAll(ws)).flat().map((c) => c.contactId)).toEqual([survivor.contactId]);
    });

    it('changes nothing when one contact of a merge moved since it was read', async () => {
      // Prepare
      const ws = newWorkspace();
      const survivor = aContact(ws, { name: 'Survivor' });
      const merged = aContact(ws, { whatsapp: { mobile: '+886955555555', status: 'opted_in' } });
      await store().write(ws, [creation(survivor)]);
      await store().write(ws, [creation(merged)]);
      const [s, m] = [await read(ws, survivor.contactId), await read(ws, merged.contactId)] as Contact[];
      await store().write(ws, [change(m as Contact, { name: 'Moved on' })]);

      // Act
      const write = store().write(ws, [
        change(s as Contact, { whatsapp: { mobile: '+886955555555', status: 'opted_in' } }),
        change(m as Contact, { mergedInto: survivor.contactId }),
      ]);

      // Assess
      await expect(write).rejects.toMatchObject({
        name: 'ConcurrentModificationError',
        contactId: merged.contactId,
      });
      expect(await read(ws, survivor.contactId)).toMatchObject({ version: 1 });
      expect(await read(ws, merged.contactId)).toMatchObject({ name: 'Moved on', version: 2 });
      expect(await holdersOf(ws, { type: 'whatsapp', value: '+886955555555' })).toEqual([merged.contactId]);
    });

    it('refuses a merge of more than 100 actions before writing anything', async () => {
      // Prepare
      const ws = newWorkspace();
      const survivor = aContact(ws);
      const tombstones = Array.from({ length: 100 }, () => aContact(ws, { version: 1 }));

      // Act
      const write = store().write(ws, [
        change({ ...survivor, version: 1 }, {}),
        ...tombstones.map((t) => change(t, { mergedInto: survivor.contactId })),
      ]);

      // Assess
      await expect(write).rejects.toBeInstanceOf(WriteTooLargeError);
      await expect(write).rejects.toThrow('transaction actions is 101, the limit is 100');
    });

    it('refuses a contact over 400 KB and claims nothing for it', async () => {
      // Prepare
      const ws = newWorkspace();
      const huge = aContact(ws, { line: { uid: 'U-huge' }, note: 'x'.repeat(410 * 1024) });

      // Act
      const write = store().write(ws, [creation(huge)]);

      // Assess
      await expect(write).rejects.toBeInstanceOf(WriteTooLargeError);
      expect(await holdersOf(ws, { type: 'line_uid', value: 'U-huge' })).toEqual([]);
      expect(await read(ws, huge.contactId)).toBeUndefined();
    });

    it('retries throttled writes and transaction conflicts', async () => {
      // Prepare
      const ws = newWorkspace();
      const { client, store: throttledStore } = storeWithOwnClient();
      injectFaults(client, 'PutItemCommand', [{ throw: throughputExceeded() }, { throw: throttled() }]);
      injectFaults(client, 'UpdateItemCommand', [{ throw: throttled() }]);
      injectFaults(client, 'TransactWriteItemsCommand', [{ throw: transactionConflict(2) }]);
      const ann = aContact(ws, { line: { uid: 'U-throttled' } });
      const bob = aContact(ws, { fbId: 'fb-bob' });

      // Act
      await throttledStore.write(ws, [creation(ann)]);
      await throttledStore.write(ws, [creation(bob)]);
      const [a, b] = [await read(ws, ann.contactId), await read(ws, bob.contactId)] as Contact[];
      await throttledStore.write(ws, [
        change(a as Contact, { fbId: 'fb-bob' }),
        change(b as Contact, { mergedInto: ann.contactId }),
      ]);

      // Assess
      expect(await read(ws, ann.contactId)).toMatchObject({ fbId: 'fb-bob', version: 2 });
      expect(await read(ws, bob.contactId)).toMatchObject({ mergedInto: ann.contactId });
      expect(await holdersOf(ws, { type: 'line_uid', value: 'U-throttled' })).toEqual([ann.contactId]);
    });
  });

  describe('Method: list', () => {
    it('lists every contact once in contact id order, though the index spreads them over partition keys', async () => {
      // Prepare: enough contacts to land on most of the index's shards
      const ws = newWorkspace();
      const contacts = Array.from({ length: 40 }, () => aContact(ws));
      for (const contact of contacts) await store().write(ws, [creation(contact)]);

      // Act
      const pages = await listAll(ws, 7);

      // Assess: pages of 7 (the last shorter), ids ascending across the shards
      const ids = pages.flat().map((c) => c.contactId);
      expect(ids).toEqual(contacts.map((c) => c.contactId).sort());
      expect(pages.slice(0, -1).every((p) => p.length === 7)).toBe(true);
      expect(new Set(contacts.map((c) => workspaceIndexKey(ws, c.contactId))).size).toBeGreaterThan(8);
    });

    it('pages through the live contacts of a workspace, leaving tombstones out', async () => {
      // Prepare
      const ws = newWorkspace();
      const contacts = [1, 2, 3, 4, 5].map(() => aContact(ws));
      for (const contact of contacts) await store().write(ws, [creation(contact)]);
      const [first, second] = [
        await read(ws, contacts[0]?.contactId ?? ''),
        await read(ws, contacts[1]?.contactId ?? ''),
      ];
      await store().write(ws, [
        change(first as Contact, {}),
        change(second as Contact, { mergedInto: first?.contactId }),
      ]);

      // Act
      const pages = await listAll(ws, 2);

      // Assess
      expect(pages.length).toBeGreaterThanOrEqual(2);
      expect(pages.every((p) => p.length <= 2)).toBe(true);
      expect(
        pages
          .flat()
          .map((c) => c.contactId)
          .sort(),
      ).toEqual(
        contacts
          .filter((c) => c.contactId !== second?.contactId)
          .map((c) => c.contactId)
          .sort(),
      );
    });
  });
});
