import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { Message } from '@aws-sdk/client-sqs';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoImportLedger } from '../../../shared/adapters/import-ledger.js';
import { S3ObjectStore } from '../../../shared/adapters/s3-object-store.js';
import { SnsNotifier } from '../../../shared/adapters/sns-notifier.js';
import { SqsSender } from '../../../shared/adapters/sqs-sender.js';
import { DynamoWorkspaceStore } from '../../../shared/adapters/workspace-store.js';
import { queueUrlVariable } from '../../../shared/config.js';
import { parsePart } from '../../../shared/pipeline/aggregate/part-file.js';
import { type BatchMessage, parseMessage, partsPrefix } from '../../../shared/pipeline/messages.js';
import { type SplitDeps, splitFile } from '../../../shared/pipeline/split/split-file.js';
import type { QueueId } from '../../../shared/resources.js';
import { useEmulator } from '../../helpers/emulator.js';
import { encode, lineCsv } from '../../helpers/split/fixtures.js';
import { drain } from '../../helpers/split/queues.js';

const env = useEmulator();
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
let deps: SplitDeps;
let ledger: DynamoImportLedger;
let store: S3ObjectStore;

beforeAll(async () => {
  const { clients, provisioned } = env;
  ledger = new DynamoImportLedger(clients.dynamodb, provisioned.tables.imports);
  store = new S3ObjectStore(clients.s3, provisioned.bucket);
  deps = {
    store,
    ledger,
    workspaces: new DynamoWorkspaceStore(clients.dynamodb, provisioned.tables.contacts),
    batches: new SqsSender(clients.sqs, provisioned.queues.batches.url),
    continuations: new SqsSender(clients.sqs, provisioned.queues.uploads.url),
    sendAggregate: async (message) => {
      await new SqsSender(clients.sqs, provisioned.queues.aggregate.url).send([
        { body: JSON.stringify(message) },
      ]);
    },
    operators: new SnsNotifier(clients.sns, provisioned.topics.alarms),
    remainingTimeMs: () => 900_000,
    logger: silent,
  };
  await deps.workspaces.putSettings('acme', {});
});

/** Puts a file outside `incoming/` (no notification) unless the key says otherwise. */
async function upload(key: string, body: Uint8Array | string): Promise<void> {
  await env.clients.s3.send(new PutObjectCommand({ Bucket: env.provisioned.bucket, Key: key, Body: body }));
}

function batchesIn(messages: Message[]): BatchMessage[] {
  return messages.map((m) => parseMessage(m.Body as string, 'batch')).sort((a, b) => a.batchNo - b.batchNo);
}

/** A batch as the processor sees it, without the ids that differ between two imports of the same bytes. */
function shape(batch: BatchMessage, group: string | undefined) {
  return {
    batchNo: batch.batchNo,
    partition: group?.split('#')[1],
    rows: batch.rows.map((r) => ({ ...r, input: { ...r.input } })),
  };
}

describe('Function: splitFile (emulator)', () => {
  it('sends real batches to the FIFO queue, writes the invalid rows as parts, and records the job', async () => {
    // Prepare
    const key = 'incoming/acme/line/phone/big5 contacts.csv';
    await upload(key, encode(lineCsv(2500, { invalidEvery: 100 }), 'big5'));

    // Act
    const result = await splitFile({ kind: 'object', bucket: env.provisioned.bucket, key }, deps);

    // Assess
    expect(result).toMatchObject({ status: 'split', rowsTotal: 2500 });
    const messages = await drain(
      env.clients.sqs,
      env.provisioned.queues.batches.url,
      'batchesSent' in result ? result.batchesSent : 0,
    );
    const batches = batchesIn(messages);
    expect(batches.flatMap((b) => b.rows)).toHaveLength(2475);
    expect(batches.flatMap((b) => b.rows).find((r) => r.input.rowNumber === 2)?.input.profile.name).toBe(
      '王小明',
    );
    for (const message of messages) {
      expect(message.Attributes?.MessageGroupId).toMatch(/^acme#[0-3]$/);
    }
    const job = await ledger.getJob('acme', result.importId as string);
    expect(job).toMatchObject({
      status: 'processing',
      rowsTotal: 2500,
      encoding: 'Big5 (CP950)',
      counts: { failed: 25 },
    });
    const partKeys = (await store.list(partsPrefix('acme', result.importId as string))).filter((k) =>
      k.includes('/rows/'),
    );
    const parts = await Promise.all(
      partKeys.map(async (k) => parsePart(k, (await store.getText(k)) as string)),
    );
    expect(parts.flatMap((p) => p.rows.map((r) => r.error?.code))).toEqual(
      new Array(25).fill('INVALID_PHONE'),
    );
    expect(job?.batchesTotal).toBe(batches.length + parts.length);
  });

  it('rejects a file and hands it to the aggregator once', async () => {
    const key = 'incoming/acme/edm/email/missing-status.csv';
    await upload(key, 'email\nann@example.com\n');

    const result = await splitFile({ kind: 'object', bucket: env.provisioned.bucket, key }, deps);
    const again = await splitFile({ kind: 'object', bucket: env.provisioned.bucket, key }, deps);

    expect(result.status).toBe('rejected');
    expect(again.status).toBe('duplicate');
    expect((await ledger.getJob('acme', result.importId as string))?.rejection?.code).toBe(
      'MISSING_REQUIRED_COLUMN',
    );
    const aggregate = await drain(env.clients.sqs, env.provisioned.queues.aggregate.url, 2, 3);
    expect(aggregate.map((m) => JSON.parse(m.Body as string))).toEqual([
      { kind: 'aggregate', workspace: 'acme', importId: result.importId },
    ]);
  });
});

describe('Function: splitter handler (emulator)', () => {
  let handler: (event: SQSEvent, context: Context) => Promise<unknown>;

  beforeAll(async () => {
    for (const id of ['uploads', 'batches', 'aggregate'] as QueueId[]) {
      process.env[queueUrlVariable(id)] = env.provisioned.queues[id].url;
    }
    process.env.TOPIC_ARN_ALARMS = env.provisioned.topics.alarms;
    ({ handler } = (await import('../../../functions/splitter/handler.js')) as { handler: typeof handler });
  });

  /** A Lambda context whose time runs short after `calls` questions (one per record read). */
  function shortContext(calls: number): Context {
    let asked = 0;
    return {
      getRemainingTimeInMillis: () => (++asked > calls ? 1_000 : 900_000),
    } as unknown as Context;
  }

  /** Feeds the uploads queue to the handler until it is empty; returns how many invocations ran. */
  async function runUploads(recordsPerInvocation: number): Promise<number> {
    let invocations = 0;
    for (let idle = 0; idle < 3; ) {
      const messages = await drain(env.clients.sqs, env.provisioned.queues.uploads.url, 1, 1);
      if (messages.length === 0) {
        idle++;
        continue;
      }
      idle = 0;
      const records = messages.map((m) => ({ messageId: m.MessageId, body: m.Body }) as SQSRecord);
      for (const record of records) {
        await handler({ Records: [record] }, shortContext(recordsPerInvocation));
        invocations++;
      }
    }
    return invocations;
  }

  it('splits an upload over several invocations into exactly the batches of one invocation', async () => {
    // Prepare: the same bytes uploaded twice; the queue also holds S3's test event
    const bytes = encode(lineCsv(3000, { invalidEvery: 250 }), 'utf-16le-bom');
    await upload('incoming/acme/line/phone/once.csv', bytes);
    await runUploads(1_000_000);
    const once = await drain(env.clients.sqs, env.provisioned.queues.batches.url, 1000, 5);

    // Act
    await upload('incoming/acme/line/phone/in parts.csv', bytes);
    const invocations = await runUploads(900);

    // Assess
    const parts = await drain(env.clients.sqs, env.provisioned.queues.batches.url, 1000, 5);
    expect(invocations).toBeGreaterThanOrEqual(4);
    const groupOf = (messages: Message[]) =>
      new Map(messages.map((m) => [JSON.parse(m.Body as string).batchNo, m.Attributes?.MessageGroupId]));
    const onceGroups = groupOf(once);
    const partsGroups = groupOf(parts);
    expect(batchesIn(parts).map((b) => shape(b, partsGroups.get(b.batchNo)))).toEqual(
      batchesIn(once).map((b) => shape(b, onceGroups.get(b.batchNo))),
    );
    expect(batchesIn(parts).flatMap((b) => b.rows)).toHaveLength(2988);
  });
});
