import { describe, expect, it } from 'vitest';
import { DynamoContactStore } from '../../shared/adapters/contact-store.js';
import { DynamoImportLedger } from '../../shared/adapters/import-ledger.js';
import { S3ObjectStore } from '../../shared/adapters/s3-object-store.js';
import { DynamoWorkspaceStore } from '../../shared/adapters/workspace-store.js';
import type { Contact, RowCounts } from '../../shared/domain/model.js';
import { contactIdFor } from '../../shared/ids.js';
import { parsePart } from '../../shared/pipeline/aggregate/part-file.js';
import { partKey } from '../../shared/pipeline/messages.js';
import type { ContactStore } from '../../shared/pipeline/ports.js';
import { type ProcessBatchDeps, processBatch } from '../../shared/pipeline/process-batch.js';
import { useEmulator } from '../helpers/emulator.js';
import { aBatch, batchRow, quietLogger } from '../helpers/stores/batches.js';
import { aContact, creation } from '../helpers/stores/contacts.js';

const env = useEmulator();

let sequence = 0;
/** A fresh import (with its job) for each test, in a fresh workspace unless one is given. */
async function anImport(options: { workspace?: string; splitInto?: number } = {}) {
  sequence += 1;
  const workspace = options.workspace ?? `proc-${sequence}`;
  const importId = `${workspace}.${String(sequence).padStart(24, '0')}`;
  const deps = depsFor();
  await deps.ledger.createJob({
    workspace,
    importId,
    channel: 'line',
    key: 'line_uid',
    source: {
      bucket: env.provisioned.bucket,
      key: `incoming/${workspace}/line/line_uid/a.csv`,
      versionId: 'v1',
      size: 1,
    },
  });
  if (options.splitInto !== undefined)
    await deps.ledger.finishSplitting(workspace, importId, options.splitInto, 10);
  return { workspace, importId, deps };
}

/** A contact store that runs `meanwhile` once, just before the first write: a concurrent writer's turn. */
function storeWithRival(meanwhile: () => Promise<unknown>, behind?: ContactStore): ContactStore {
  const real = behind ?? depsFor().contacts;
  let done = false;
  return {
    resolve: (ws, ids, options) => real.resolve(ws, ids, options),
    getContacts: (ws, ids, options) => real.getContacts(ws, ids, options),
    list: (ws) => real.list(ws),
    write: async (ws, writes) => {
      if (!done) {
        done = true;
        await meanwhile();
      }
      return real.write(ws, writes);
    },
  };
}

function depsFor(contacts?: ContactStore): ProcessBatchDeps & {
  contacts: ContactStore;
  ledger: DynamoImportLedger;
  workspaces: DynamoWorkspaceStore;
  store: S3ObjectStore;
} {
  const { dynamodb, s3 } = env.clients;
  return {
    contacts: contacts ?? new DynamoContactStore(dynamodb, env.provisioned.tables.contacts),
    workspaces: new DynamoWorkspaceStore(dynamodb, env.provisioned.tables.contacts),
    ledger: new DynamoImportLedger(dynamodb, env.provisioned.tables.imports),
    store: new S3ObjectStore(s3, env.provisioned.bucket),
    logger: quietLogger(),
    now: () => new Date('2024-06-01T04:00:00.000Z'),
  };
}

const uid = (n: number) => `U${String(n).padStart(32, '0')}`;
const lineKey = (n: number) => ({ name: 'line_uid', value: uid(n) }) as const;

function counts(partial: Partial<RowCounts>): RowCounts {
  return { created: 0, updated: 0, unchanged: 0, skipped: 0, failed: 0, ...partial };
}

async function contactsOf(workspace: string): Promise<Contact[]> {
  const all: Contact[] = [];
  for await (const page of depsFor().contacts.list(workspace)) all.push(...page);
  return all;
}

describe('Function: processBatch', () => {
  it('creates, updates and leaves unchanged within one batch, writing each contact once', async () => {
    // Prepare
    const { workspace, importId, deps } = await anImport();
    const ann = aContact(workspace, { name: 'Ann', line: { uid: uid(1) } });
    await deps.contacts.write(workspace, [creation(ann)]);
    const message = aBatch(workspace, importId, 'line', 'line_uid', 1, [
      batchRow({ rowNumber: 2, key: lineKey(1), line: { uid: uid(1) }, profile: { name: 'Ann' } }),
      batchRow({ rowNumber: 3, key: lineKey(2), line: { uid: uid(2) }, profile: { name: 'Bob' } }),
      batchRow({ rowNumber: 4, key: lineKey(1), line: { uid: uid(1) }, tags: ['vip'] }),
      batchRow({ rowNumber: 5, key: lineKey(2), line: { uid: uid(2) }, profile: { note: 'called' } }),
    ]);

    // Act
    const result = await processBatch(message, deps);

    // Assess
    expect(result).toEqual({
      recorded: true,
      aggregate: false,
      counts: counts({ created: 1, updated: 2, unchanged: 1 }),
    });
    const stored = await deps.contacts.getContacts(workspace, [ann.contactId, contactIdFor(importId, 3)]);
    expect(stored.get(ann.contactId)).toMatchObject({ name: 'Ann', tags: ['vip'], version: 2 });
    expect(stored.get(contactIdFor(importId, 3))).toMatchObject({
      name: 'Bob',
      note: 'called',
      createdBy: `${importId}#3`,
      version: 1,
    });
    expect(await deps.ledger.getJob(workspace, importId)).toMatchObject({
      batchesDone: 1,
      counts: result.counts,
    });
  });

  it('writes nothing for rows whose net effect on their contact is nothing (RULES §9)', async () => {
    // Prepare
    const { workspace, importId, deps } = await anImport();
    const ann = aContact(workspace, { name: 'Ann', email: 'ann@example.com', line: { uid: uid(1) } });
    await deps.contacts.write(workspace, [creation(ann)]);
    const writes: number[] = [];
    const contacts = deps.contacts;
    const counted: ContactStore = {
      resolve: (ws, ids, options) => contacts.resolve(ws, ids, options),
      getContacts: (ws, ids, options) => contacts.getContacts(ws, ids, options),
      list: (ws) => contacts.list(ws),
      write: (ws, batch) => {
        writes.push(batch.length);
        return contacts.write(ws, batch);
      },
    };
    const message = aBatch(workspace, importId, 'line', 'line_uid', 1, [
      batchRow({
        rowNumber: 2,
        key: lineKey(1),
        line: { uid: uid(1) },
        profile: { name: 'Annie', email: 'annie@example.com' },
      }),
      // Reads the address row 2 gave Ann, which the store never holds.
      batchRow({ rowNumber: 3, key: lineKey(1), profile: { email: 'annie@example.com' } }),
      batchRow({
        rowNumber: 4,
        key: lineKey(1),
        line: { uid: uid(1) },
        profile: { name: 'Ann', email: 'ann@example.com' },
      }),
    ]);

    // Act
    const result = await processBatch(message, { ...deps, contacts: counted });

    // Assess
    expect(result.counts).toEqual(counts({ updated: 2, unchanged: 1 }));
    expect(writes).toEqual([]);
    const stored = await deps.contacts.getContacts(workspace, [ann.contactId]);
    expect(stored.get(ann.contactId)).toMatchObject({ name: 'Ann', version: 1 });
  });

  it.each([
    ['a LINE UID (a claim)', { line: { uid: uid(7) } }, lineKey(7), {}],
    [
      'a phone (a shared entry)',
      { phone: '+886912345678' },
      { name: 'phone', value: '+886912345678' } as const,
      { phone: '+886912345678' },
    ],
  ])(
    'decides again, never writing on it, a row planned on an eventually consistent read that missed %s',
    async (_what, held, key, profile) => {
      // Prepare: Ann holds the value; the plan's eventually consistent reads answer as if she did not yet.
      const { workspace, importId, deps } = await anImport();
      const ann = aContact(workspace, { name: 'Ann', ...held });
      await deps.contacts.write(workspace, [creation(ann)]);
      const real = deps.contacts;
      const stale: ContactStore = {
        resolve: async (ws, ids, options) =>
          options?.consistent === false ? new Map() : real.resolve(ws, ids, options),
        getContacts: async (ws, ids, options) =>
          options?.consistent === false ? new Map() : real.getContacts(ws, ids, options),
        list: (ws) => real.list(ws),
        write: (ws, writes) => real.write(ws, writes),
      };
      const message = aBatch(workspace, importId, 'line', key.name, 1, [
        batchRow({ rowNumber: 2, key, profile: { ...profile, name: 'Ann B' } }),
      ]);

      // Act
      const result = await processBatch(message, { ...deps, contacts: stale });

      // Assess: the write the stale plan decided (a new contact) was refused by its condition.
      expect(result.counts).toEqual(counts({ updated: 1 }));
      expect(await contactsOf(workspace)).toEqual([
        expect.objectContaining({ contactId: ann.contactId, name: 'Ann B' }),
      ]);
    },
  );

  it('writes the part file with the counts and the rows the report must show', async () => {
    // Prepare
    const { workspace, importId, deps } = await anImport();
    const warning = { code: 'LEADING_ZERO_RECOVERED', message: 'recovered' };
    const message = aBatch(workspace, importId, 'line', 'customer_id', 4, [
      batchRow({ rowNumber: 12, key: { name: 'customer_id', value: 'nobody' }, profile: { name: 'X' } }),
      batchRow({ rowNumber: 13, key: lineKey(3), line: { uid: uid(3) }, warnings: [warning] }),
      batchRow({ rowNumber: 14, key: lineKey(4), line: { uid: uid(4) } }),
    ]);

    // Act
    await processBatch(message, deps);

    // Assess
    const part = parsePart('part', (await deps.store.getText(partKey(workspace, importId, 12, 4))) ?? '');
    expect(part.header).toEqual({
      batchNo: 4,
      firstRow: 12,
      counts: counts({ created: 2, failed: 1 }),
      writer: 'processor',
    });
    expect(part.rows).toMatchObject([
      { rowNumber: 12, outcome: 'failed', error: { code: 'CUSTOMER_ID_NOT_FOUND' }, cells: ['nobody', 'X'] },
      { rowNumber: 13, outcome: 'created', warnings: [warning] },
    ]);
  });

  it('replays a batch that crashed between its part file and its contacts with the same contacts and counts', async () => {
    // Prepare
    const { workspace, importId, deps } = await anImport();
    const message = aBatch(workspace, importId, 'line', 'line_uid', 1, [
      batchRow({ rowNumber: 2, key: lineKey(5), line: { uid: uid(5) }, profile: { name: 'Eve' } }),
      batchRow({ rowNumber: 3, key: lineKey(6), line: { uid: uid(6) } }),
    ]);
    const crashing = storeWithRival(() => Promise.reject(new Error('the processor crashed')));
    await expect(processBatch(message, { ...deps, contacts: crashing })).rejects.toThrow('crashed');
    const afterCrash = await contactsOf(workspace);

    // Act
    const replay = await processBatch(message, deps);

    // Assess
    expect(afterCrash).toEqual([]);
    expect(replay.counts).toEqual(counts({ created: 2 }));
    expect((await contactsOf(workspace)).map((c) => c.contactId).sort()).toEqual(
      [contactIdFor(importId, 2), contactIdFor(importId, 3)].sort(),
    );
    expect(await deps.ledger.getJob(workspace, importId)).toMatchObject({ counts: counts({ created: 2 }) });
  });

  it('reports the outcomes of the first attempt when a replay finds its contacts already written', async () => {
    // Prepare
    const { workspace, importId, deps } = await anImport();
    const message = aBatch(workspace, importId, 'line', 'line_uid', 2, [
      batchRow({ rowNumber: 20, key: lineKey(7), line: { uid: uid(7) }, profile: { name: 'Fay' } }),
    ]);
    const ledgerDown = {
      ...depsFor(),
      ledger: Object.assign(Object.create(deps.ledger) as DynamoImportLedger, {
        recordBatch: () => Promise.reject(new Error('the ledger was unreachable')),
      }),
    };
    await expect(processBatch(message, ledgerDown)).rejects.toThrow('unreachable');

    // Act
    const replay = await processBatch(message, deps);

    // Assess
    expect(replay).toMatchObject({ recorded: true, counts: counts({ created: 1 }) });
    expect(await contactsOf(workspace)).toHaveLength(1);
  });

  it('writes nothing for a batch the ledger has recorded already', async () => {
    // Prepare
    const { workspace, importId, deps } = await anImport();
    await deps.ledger.recordBatch(workspace, importId, 1, counts({ created: 1 }));
    const message = aBatch(workspace, importId, 'line', 'line_uid', 1, [
      batchRow({ rowNumber: 2, key: lineKey(8), line: { uid: uid(8) } }),
    ]);

    // Act
    const result = await processBatch(message, deps);

    // Assess
    expect(result).toEqual({ recorded: false, aggregate: false, counts: undefined });
    expect(await contactsOf(workspace)).toEqual([]);
    expect(await deps.store.getText(partKey(workspace, importId, 2, 1))).toBeUndefined();
    expect(await deps.ledger.getJob(workspace, importId)).toMatchObject({ counts: counts({ created: 1 }) });
  });

  it('claims the aggregation when its batch is the last of the import', async () => {
    // Prepare
    const { workspace, importId, deps } = await anImport({ splitInto: 1 });
    const message = aBatch(workspace, importId, 'line', 'line_uid', 1, [
      batchRow({ rowNumber: 2, key: lineKey(9), line: { uid: uid(9) } }),
    ]);

    // Act
    const first = await processBatch(message, deps);
    const redelivered = await processBatch(message, deps);

    // Assess
    expect(first.aggregate).toBe(true);
    expect(redelivered.aggregate).toBe(false);
    expect(await deps.ledger.getJob(workspace, importId)).toMatchObject({ status: 'aggregating' });
  });

  it('flags the workspace when a WhatsApp contact it wrote is opted out', async () => {
    // Prepare
    const { workspace, importId, deps } = await anImport();
    const mobile = '+886912000111';
    const message = aBatch(workspace, importId, 'whatsapp', 'phone', 1, [
      batchRow({
        rowNumber: 2,
        key: { name: 'phone', value: mobile },
        profile: { phone: mobile },
        whatsapp: { mobile, status: 'opted_out' },
      }),
    ]);

    // Act
    await processBatch(message, deps);

    // Assess
    expect((await deps.workspaces.getSettings(workspace)).flags).toEqual({
      whatsappRiskAcceptanceRequired: true,
    });
  });

  it('re-decides a row whose LINE UID another import took meanwhile, leaving one contact', async () => {
    // Prepare
    const mine = await anImport();
    const rival = await anImport({ workspace: mine.workspace });
    const rowOf = (name: string) =>
      batchRow({ rowNumber: 2, key: lineKey(10), line: { uid: uid(10) }, profile: { name } });
    let rivalResult: Awaited<ReturnType<typeof processBatch>> | undefined;
    const racing = storeWithRival(async () => {
      rivalResult = await processBatch(
        aBatch(mine.workspace, rival.importId, 'line', 'line_uid', 1, [rowOf('Rival')]),
        rival.deps,
      );
    });
    const logger = quietLogger();

    // Act
    const result = await processBatch(
      aBatch(mine.workspace, mine.importId, 'line', 'line_uid', 1, [rowOf('Mine')]),
      {
        ...mine.deps,
        contacts: racing,
        logger,
      },
    );

    // Assess
    expect(rivalResult?.counts).toEqual(counts({ created: 1 }));
    expect(result.counts).toEqual(counts({ updated: 1 }));
    expect(logger.lines).toContain('contact writes lost a race; deciding their rows again');
    const contacts = await contactsOf(mine.workspace);
    expect(contacts).toMatchObject([
      { contactId: contactIdFor(rival.importId, 2), name: 'Mine', line: { uid: uid(10) } },
    ]);
  });

  it('re-decides a row whose contact another writer changed meanwhile, keeping both changes', async () => {
    // Prepare
    const { workspace, importId, deps } = await anImport();
    const gus = aContact(workspace, { line: { uid: uid(11) }, tags: ['old'] });
    await deps.contacts.write(workspace, [creation(gus)]);
    const racing = storeWithRival(async () => {
      const read = (await deps.contacts.getContacts(workspace, [gus.contactId])).get(
        gus.contactId,
      ) as Contact;
      await deps.contacts.write(workspace, [
        { previous: read, contact: { ...read, note: 'from the rival' } },
      ]);
    });

    // Act
    const result = await processBatch(
      aBatch(workspace, importId, 'line', 'line_uid', 1, [
        batchRow({ rowNumber: 2, key: lineKey(11), tags: ['new'] }),
      ]),
      { ...deps, contacts: racing },
    );

    // Assess
    expect(result.counts).toEqual(counts({ updated: 1 }));
    expect((await deps.contacts.getContacts(workspace, [gus.contactId])).get(gus.contactId)).toMatchObject({
      note: 'from the rival',
      tags: ['old', 'new'],
      version: 3,
    });
  });

  it('fails a row with PROCESSING_FAILED once its contact changed before each of its nine tries (RULES §6, §7)', async () => {
    // Prepare: a rival rewrites Hal just before every write of the batch.
    const { workspace, importId, deps } = await anImport();
    const hal = aContact(workspace, { line: { uid: uid(21) } });
    await deps.contacts.write(workspace, [creation(hal)]);
    let tries = 0;
    const real = deps.contacts;
    const contested: ContactStore = {
      resolve: (ws, ids, options) => real.resolve(ws, ids, options),
      getContacts: (ws, ids, options) => real.getContacts(ws, ids, options),
      list: (ws) => real.list(ws),
      write: async (ws, writes) => {
        tries += 1;
        const read = (await real.getContacts(ws, [hal.contactId])).get(hal.contactId) as Contact;
        await real.write(ws, [{ previous: read, contact: { ...read, note: `rival ${tries}` } }]);
        return real.write(ws, writes);
      },
    };

    // Act
    const result = await processBatch(
      aBatch(workspace, importId, 'line', 'line_uid', 1, [
        batchRow({ rowNumber: 2, key: lineKey(21), tags: ['new'] }),
      ]),
      { ...deps, contacts: contested },
    );

    // Assess: the first plan and eight more, then the row fails alone and is counted once.
    expect(tries).toBe(9);
    expect(result.counts).toEqual(counts({ failed: 1 }));
    const part = parsePart('part', (await deps.store.getText(partKey(workspace, importId, 2, 1))) ?? '');
    expect(part.rows).toMatchObject([
      { rowNumber: 2, outcome: 'failed', error: { code: 'PROCESSING_FAILED' } },
    ]);
    const stored = (await real.getContacts(workspace, [hal.contactId])).get(hal.contactId);
    expect(stored).toMatchObject({ note: 'rival 9', tags: [] });
  });
});
