import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoImportLedger } from '../../../shared/adapters/import-ledger.js';
import { S3ObjectStore } from '../../../shared/adapters/s3-object-store.js';
import { issue } from '../../../shared/domain/codes.js';
import type { RowInput } from '../../../shared/domain/model.js';
import { formatPart, parsePart } from '../../../shared/pipeline/aggregate/part-file.js';
import { sweepNoteKey } from '../../../shared/pipeline/aggregate/sweep-note.js';
import { failDeadBatch } from '../../../shared/pipeline/dead-batch.js';
import {
  type AggregateMessage,
  type BatchMessage,
  emptyCounts,
  type ManifestEntry,
  manifestKey,
  partKey,
} from '../../../shared/pipeline/messages.js';
import type { ObjectStore } from '../../../shared/pipeline/part-store.js';
import type { SourceObject } from '../../../shared/pipeline/ports.js';
import { SWEEP_RESERVE_MS, sweepStalledImports } from '../../../shared/pipeline/sweep.js';
import { type JobFile, newJob, spyLogger } from '../../helpers/e2e/jobs.js';
import { useEmulator } from '../../helpers/emulator.js';
import { encode } from '../../helpers/split/fixtures.js';

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
    // This job never learnt its file's format, so the cells cannot be read back: blank, and said so.
    const error = issue('PROCESSING_TIMEOUT', {
      minutes: 30,
      cellsLost: 'the format the file was read with was not recorded',
    });
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

  /** Puts a file where no bucket notification fires, and returns what a job pins of it. */
  async function uploadSource(name: string, body: Uint8Array): Promise<SourceObject> {
    const bucket = env.provisioned.bucket;
    const key = `sources/${WS}/${name}`;
    const res = await env.clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    return { bucket, key, versionId: res.VersionId as string, size: body.length };
  }

  /** A stalled job pinning `file`: batch 1 (rows `recorded`) was recorded, the `lost` batches never were. */
  async function stalledImport(
    header: readonly string[],
    file: JobFile,
    batches: { recorded: ManifestEntry; lost: readonly ManifestEntry[] },
  ): Promise<string> {
    const importId = await newJob(ledger, env.provisioned.bucket, WS, header, file);
    const entries = [batches.recorded, ...batches.lost];
    await store.put(manifestKey(WS, importId, 0), JSON.stringify(entries));
    const rows = entries.reduce((sum, entry) => sum + entry.rowNumbers.length, 0);
    await ledger.finishSplitting(WS, importId, entries.length, rows);
    await ledger.recordBatch(WS, importId, 1, {
      ...emptyCounts(),
      created: batches.recorded.rowNumbers.length,
    });
    return importId;
  }

  /** A stalled import of Ann (row 2, recorded in batch 1) and Bo (row 3, in lost batch 2). */
  async function annAndBo(name: string): Promise<{ importId: string; source: SourceObject }> {
    const source = await uploadSource(name, encode('phone,name\n0912000001,Ann\n0912000002,Bo\n', 'utf-8'));
    const importId = await stalledImport(
      ['phone', 'name'],
      { source },
      { recorded: { batchNo: 1, rowNumbers: [2] }, lost: [{ batchNo: 2, rowNumbers: [3] }] },
    );
    return { importId, source };
  }

  const sweepAt = (now: () => Date) =>
    sweepStalledImports({ ledger, store, sendAggregate, logger, stallMinutes: 30, now });

  it('gives the rows of a lost batch their cells, read back from the version of the upload the import pinned', async () => {
    // Prepare: a Big5 file with ";" (as Excel saves it in Taiwan), a quoted cell over two lines and a
    // quoted ";"; batch 2 (rows 3 and 5) was lost; the file was then overwritten by a new version
    const text =
      'phone;name;tags\n0912000001;王小明;vip\n0912000002;"陳美麗\n二樓";"a;b"\n0912000003;林志明;\n' +
      '0912000004;"張 ""阿"" 華";x\n';
    const source = await uploadSource('big5.csv', encode(text, 'big5'));
    await uploadSource('big5.csv', encode('phone;name;tags\n0999999999;someone else;\n', 'big5'));
    const importId = await stalledImport(
      ['phone', 'name', 'tags'],
      { source, encoding: 'Big5 (CP950)', delimiter: ';' },
      { recorded: { batchNo: 1, rowNumbers: [2, 4] }, lost: [{ batchNo: 2, rowNumbers: [5, 3] }] },
    );

    // Act
    const swept = await sweepAt(later);

    // Assess: the cells as uploaded, with the plain timeout message (upload these rows again)
    expect(swept.find((s) => s.importId === importId)?.batchesTimedOut).toEqual([2]);
    const part = parsePart('k', (await store.getText(partKey(WS, importId, 3, 2))) ?? '');
    const error = issue('PROCESSING_TIMEOUT', { minutes: 30 });
    expect(part.rows).toEqual([
      { rowNumber: 3, outcome: 'failed', error, warnings: [], cells: ['0912000002', '陳美麗\n二樓', 'a;b'] },
      { rowNumber: 5, outcome: 'failed', error, warnings: [], cells: ['0912000004', '張 "阿" 華', 'x'] },
    ]);
    expect((await ledger.getJob(WS, importId))?.counts).toEqual({ ...emptyCounts(), created: 2, failed: 2 });
  });

  it('reads a lost batch back from where its manifest says its first row starts', async () => {
    // Prepare: UTF-8 with a BOM; the manifest knows where each batch's first row starts
    const lines = ['phone,name\n', '0912000001,Ann\n', '0912000002,Bo\n', '0912000003,"Cy, Jr."\n'];
    const source = await uploadSource('bom.csv', encode(lines.join(''), 'utf-8-bom'));
    const offsetOf = (row: number) => 3 + Buffer.byteLength(lines.slice(0, row - 1).join(''));
    const importId = await stalledImport(
      ['phone', 'name'],
      { source, encoding: 'UTF-8 (BOM)' },
      {
        recorded: { batchNo: 1, rowNumbers: [2], start: { byteOffset: offsetOf(2), rowNumber: 2, line: 2 } },
        lost: [{ batchNo: 2, rowNumbers: [3, 4], start: { byteOffset: offsetOf(3), rowNumber: 3, line: 3 } }],
      },
    );

    // Act
    await sweepAt(later);

    // Assess
    const part = parsePart('k', (await store.getText(partKey(WS, importId, 3, 2))) ?? '');
    expect(part.rows.map((r) => [r.rowNumber, r.cells, r.error?.code])).toEqual([
      [3, ['0912000002', 'Bo'], 'PROCESSING_TIMEOUT'],
      [4, ['0912000003', 'Cy, Jr.'], 'PROCESSING_TIMEOUT'],
    ]);
  });

  it('reads the cells of several lost batches, their rows interleaved over a file of many chunks, in one pass', async () => {
    // Prepare: 6,000 rows (about 200 KB); row r is in batch 1 + r mod 4; batches 2 to 4 were lost
    const lines = ['phone,name,note\n'];
    for (let r = 2; r <= 6001; r++)
      lines.push(`09${String(r).padStart(8, '0')},Customer ${r},"note ${r}, kept"\n`);
    const source = await uploadSource('many.csv', encode(lines.join(''), 'utf-8'));
    const entry = (batchNo: number): ManifestEntry => {
      const rowNumbers = [];
      for (let r = 2; r <= 6001; r++) if (1 + (r % 4) === batchNo) rowNumbers.push(r);
      const first = rowNumbers[0] as number;
      const byteOffset = Buffer.byteLength(lines.slice(0, first - 1).join(''));
      return { batchNo, rowNumbers, start: { byteOffset, rowNumber: first, line: first } };
    };
    const importId = await stalledImport(
      ['phone', 'name', 'note'],
      { source },
      {
        recorded: entry(1),
        lost: [entry(2), entry(3), entry(4)],
      },
    );

    // Act
    const swept = await sweepAt(later);

    // Assess: every lost row has its own cells
    expect(swept.find((s) => s.importId === importId)?.batchesTimedOut).toEqual([2, 3, 4]);
    for (const batchNo of [2, 3, 4]) {
      const { rowNumbers } = entry(batchNo);
      const key = partKey(WS, importId, rowNumbers[0] as number, batchNo);
      const part = parsePart(key, (await store.getText(key)) ?? '');
      expect(part.rows.map((r) => [r.rowNumber, r.cells, r.error?.code])).toEqual(
        rowNumbers.map((r) => [
          r,
          [`09${String(r).padStart(8, '0')}`, `Customer ${r}`, `note ${r}, kept`],
          'PROCESSING_TIMEOUT',
        ]),
      );
    }
  });

  it('leaves the part of a batch that a slow processor recorded while the sweeper was reading the file', async () => {
    // Prepare: batch 2 looks lost when the sweep starts; its processor finishes while the file is read
    const { importId } = await annAndBo('slow-processor.csv');
    const processorPart = formatPart(
      { batchNo: 2, firstRow: 3, counts: { ...emptyCounts(), created: 1 }, writer: 'processor' },
      [],
    );
    const racing: ObjectStore = Object.create(store);
    racing.getStream = async (key, opts) => {
      await store.put(partKey(WS, importId, 3, 2), processorPart);
      await ledger.recordBatch(WS, importId, 2, { ...emptyCounts(), created: 1 });
      return store.getStream(key, opts);
    };

    // Act
    const swept = await sweepStalledImports({
      ledger,
      store: racing,
      sendAggregate,
      logger,
      stallMinutes: 30,
      now: later,
    });

    // Assess: the processor's outcome stands, in the part and in the counts
    expect(swept.find((s) => s.importId === importId)?.batchesTimedOut).toEqual([]);
    expect(await store.getText(partKey(WS, importId, 3, 2))).toBe(processorPart);
    expect((await ledger.getJob(WS, importId))?.counts).toEqual({ ...emptyCounts(), created: 2 });
  });

  it('keeps blank cells, and says why, when the version of the upload was deleted', async () => {
    // Prepare: the pinned version is deleted before the sweep
    const { importId, source } = await annAndBo('gone.csv');
    await env.clients.s3.send(
      new DeleteObjectCommand({ Bucket: source.bucket, Key: source.key, VersionId: source.versionId }),
    );
    logger.warn.mockClear();

    // Act
    const swept = await sweepAt(later);

    // Assess: the row is still counted and reported, its message tells the user to use their own copy
    expect(swept.find((s) => s.importId === importId)?.batchesTimedOut).toEqual([2]);
    const part = parsePart('k', (await store.getText(partKey(WS, importId, 3, 2))) ?? '');
    const error = issue('PROCESSING_TIMEOUT', {
      minutes: 30,
      cellsLost: 'the version of the file this import read was deleted',
    });
    expect(part.rows).toEqual([{ rowNumber: 3, outcome: 'failed', error, warnings: [] }]);
    expect(error.message).toContain('from your own copy of the file');
    expect(logger.warn).toHaveBeenCalledWith('lost rows keep blank cells', {
      importId,
      batchNo: 2,
      rows: 1,
      reason: 'the version of the file this import read was deleted',
    });
  });

  it('stops reading the upload back when the invocation runs short of time, and still finishes the import', async () => {
    // Prepare
    const { importId } = await annAndBo('slow.csv');

    // Act: less time left than the sweeper keeps to write the parts and finish
    const swept = await sweepStalledImports({
      ledger,
      store,
      sendAggregate,
      logger,
      stallMinutes: 30,
      now: later,
      remainingTimeMs: () => SWEEP_RESERVE_MS - 1,
    });

    // Assess
    expect(swept.find((s) => s.importId === importId)).toMatchObject({
      batchesTimedOut: [2],
      aggregationEnqueued: true,
    });
    const part = parsePart('k', (await store.getText(partKey(WS, importId, 3, 2))) ?? '');
    expect(part.rows).toEqual([
      {
        rowNumber: 3,
        outcome: 'failed',
        error: issue('PROCESSING_TIMEOUT', {
          minutes: 30,
          cellsLost: 'reading the file back took longer than the sweeper may run',
        }),
        warnings: [],
      },
    ]);
  });

  it('leaves imports that made progress recently alone', async () => {
    const importId = await newImport();

    const swept = await sweepStalledImports({ ledger, store, sendAggregate, logger, stallMinutes: 30 });

    expect(swept.map((s) => s.importId)).not.toContain(importId);
  });
});
