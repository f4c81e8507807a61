import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoImportLedger } from '../../../shared/adapters/import-ledger.js';
import { S3ObjectStore } from '../../../shared/adapters/s3-object-store.js';
import { issue } from '../../../shared/domain/codes.js';
import type { RowInput } from '../../../shared/domain/model.js';
import { parsePart } from '../../../shared/pipeline/aggregate/part-file.js';
import { sweepNoteKey } from '../../../shared/pipeline/aggregate/sweep-note.js';
import { failDeadBatch } from '../../../shared/pipeline/dead-batch.js';
import {
  type AggregateMessage,
  type BatchMessage,
  emptyCounts,
  manifestKey,
  partKey,
} from '../../../shared/pipeline/messages.js';
import { sweepStalledImports } from '../../../shared/pipeline/sweep.js';
import { newJob, spyLogger } from '../../helpers/e2e/jobs.js';
import { useEmulator } from '../../helpers/emulator.js';

const env = useEmulator();
const WS = 'acme';
let ledger: DynamoImportLedger;
let store: S3ObjectStore;
const logger = spyLogger();
const sent: AggregateMessage[] = [];
const sendAggregate = async (m: AggregateMessage) => {
  sent.push(m);
};

beforeAll(() => {
  ledger = new DynamoImportLedger(env.clients.dynamodb, env.provisioned.tables.imports);
  store = new S3ObjectStore(env.clients.s3, env.provisioned.bucket);
});

const newImport = () => newJob(ledger, env.provisioned.bucket, WS);

function batchMessage(importId: string, batchNo: number, rowNumbers: number[]): BatchMessage {
  return {
    kind: 'batch',
    workspace: WS,
    importId,
    channel: 'line',
    key: 'phone',
    batchNo,
    rows: rowNumbers.map((rowNumber) => ({
      cells: [`09${rowNumber}`, `name ${rowNumber}`],
      input: {
        rowNumber,
        key: { name: 'phone', value: `+8869${rowNumber}` },
        profile: {},
        tags: [],
        custom: {},
        warnings: [],
      } satisfies RowInput,
    })),
  };
}

describe('Function: failDeadBatch', () => {
  it('fails every row of the batch with PROCESSING_FAILED, keeps the cells, and records the batch once', async () => {
    // Prepare
    const importId = await newImport();
    await ledger.finishSplitting(WS, importId, 1, 2);
    const message = batchMessage(importId, 1, [3, 2]);
    sent.length = 0;

    // Act
    const first = await failDeadBatch(message, 'the batch failed 5 deliveries', {
      ledger,
      store,
      sendAggregate,
      logger,
    });
    const again = await failDeadBatch(message, 'the batch failed 5 deliveries', {
      ledger,
      store,
      sendAggregate,
      logger,
    });

    // Assess
    expect(first).toEqual({ recorded: true, aggregationEnqueued: true });
    expect(again).toEqual({ recorded: false, aggregationEnqueued: false });
    const part = parsePart('k', (await store.getText(partKey(WS, importId, 2, 1))) ?? '');
    const error = issue('PROCESSING_FAILED', { reason: 'the batch failed 5 deliveries' });
    expect(part.header).toEqual({
      batchNo: 1,
      firstRow: 2,
      counts: { ...emptyCounts(), failed: 2 },
      writer: 'dead-batch',
    });
    expect(part.rows).toEqual([
      { rowNumber: 2, outcome: 'failed', error, warnings: [], cells: ['092', 'name 2'] },
      { rowNumber: 3, outcome: 'failed', error, warnings: [], cells: ['093', 'name 3'] },
    ]);
    expect((await ledger.getJob(WS, importId))?.counts.failed).toBe(2);
    expect(sent).toEqual([{ kind: 'aggregate', workspace: WS, importId }]);
  });

  it('leaves a batch the processor already recorded alone', async () => {
    // Prepare
    const importId = await newImport();
    await ledger.finishSplitting(WS, importId, 2, 3);
    await ledger.recordBatch(WS, importId, 1, { ...emptyCounts(), created: 1 });

    // Act
    const result = await failDeadBatch(batchMessage(importId, 1, [2]), 'r', {
      ledger,
      store,
      sendAggregate,
      logger,
    });

    // Assess
    expect(result).toEqual({ recorded: false, aggregationEnqueued: false });
    expect(await store.list(`parts/${WS}/${importId}/`)).toEqual([]);
    expect((await ledger.getJob(WS, importId))?.counts).toEqual({ ...emptyCounts(), created: 1 });
  });
});

describe('Function: sweepStalledImports', () => {
  const later = () => new Date(Date.now() + 60 * 60_000);

  it('times out the batches a stalled import never recorded, then hands it to the aggregator, once', async () => {
    // Prepare: the manifest lists batches 1 and 2; only 1 was recorded
    const importId = await newImport();
    await store.put(
      manifestKey(WS, importId, 0),
      JSON.stringify([
        { batchNo: 1, rowNumbers: [2, 4] },
        { batchNo: 2, rowNumbers: [5, 3] },
      ]),
    );
    await ledger.finishSplitting(WS, importId, 2, 4);
    await ledger.recordBatch(WS, importId, 1, { ...emptyCounts(), created: 2 });
    sent.length = 0;
    const deps = { ledger, store, sendAggregate, logger, stallMinutes: 30, now: later };

    // Act
    const swept = await sweepStalledImports(deps);
    const again = await sweepStalledImports(deps);

    // Assess
    expect(swept.find((s) => s.importId === importId)).toEqual({
      workspace: WS,
      importId,
      batchesTimedOut: [2],
      splitClosed: false,
      aggregationEnqueued: true,
    });
    const part = parsePart('k', (await store.getText(partKey(WS, importId, 3, 2))) ?? '');
    const error = issue('PROCESSING_TIMEOUT', { minutes: 30 });
    expect(part.header.writer).toBe('sweeper');
    expect(part.rows).toEqual([
      { rowNumber: 3, outcome: 'failed', error, warnings: [] },
      { rowNumber: 5, outcome: 'failed', error, warnings: [] },
    ]);
    const job = await ledger.getJob(WS, importId);
    expect(job?.counts).toEqual({ ...emptyCounts(), created: 2, failed: 2 });
    expect(job?.status).toBe('aggregating');
    // The second run finds the job aggregating and only sends the aggregate message again.
    expect(again.find((s) => s.importId === importId)?.batchesTimedOut).toEqual([]);
    expect(sent.filter((m) => m.importId === importId)).toHaveLength(2);
  });

  it('closes a split that never finished with what the manifests know, and leaves a note for the summary', async () => {
    // Prepare: the splitter sent batch 1 (listed), recorded its own batch 9 of invalid rows, then died
    const importId = await newImport();
    await store.put(manifestKey(WS, importId, 0), JSON.stringify([{ batchNo: 1, rowNumbers: [2, 3, 4] }]));
    await ledger.recordBatch(WS, importId, 9, { ...emptyCounts(), failed: 1 });
    const deps = { ledger, store, sendAggregate, logger, stallMinutes: 30, now: later };

    // Act
    const swept = await sweepStalledImports(deps);

    // Assess
    expect(swept.find((s) => s.importId === importId)).toEqual({
      workspace: WS,
      importId,
      batchesTimedOut: [1],
      splitClosed: true,
      aggregationEnqueued: true,
    });
    const job = await ledger.getJob(WS, importId);
    expect(job).toMatchObject({ batchesTotal: 2, batchesDone: 2, rowsTotal: 4, status: 'aggregating' });
    expect(JSON.parse((await store.getText(sweepNoteKey(WS, importId))) ?? '{}')).toMatchObject({
      batchesTimedOut: [1],
      rowsTimedOut: 3,
      splitIncomplete: true,
    });
  });

  it('leaves imports that made progress recently alone', async () => {
    const importId = await newImport();

    const swept = await sweepStalledImports({ ledger, store, sendAggregate, logger, stallMinutes: 30 });

    expect(swept.map((s) => s.importId)).not.toContain(importId);
  });
});
