/**
 * The sweeper use case (on a schedule): an import with no progress for `stallMinutes` is finished with
 * what is known. Every batch the split manifests name but the ledger never recorded becomes a part whose
 * rows are `failed` / PROCESSING_TIMEOUT, recorded exactly once; a split that never finished is closed with
 * the batches the manifests name; then the import goes to the aggregator. Running it twice changes nothing.
 *
 * A lost batch's cells travelled only in its message, so they are read back from the version of the file
 * the import pinned (one streamed pass from the first lost batch's first row): `failures.csv` then holds
 * whole rows that can be uploaded again as they are. A row whose cells cannot be read back (the version
 * was deleted, the format was not recorded, time ran out) keeps blank cells and a message that says so.
 */
import { issue } from '../domain/codes.js';
import type { ImportLimits } from '../domain/limits.js';
import { OUTCOMES } from '../domain/model.js';
import { jsonFailure } from '../ids.js';
import type { PipelineLogger } from './aggregate/aggregate.js';
import { enqueueAggregationIfComplete, type SendAggregate } from './aggregate/enqueue.js';
import { formatPart } from './aggregate/part-file.js';
import { type SweepNote, sweepNoteKey } from './aggregate/sweep-note.js';
import {
  emptyCounts,
  type ManifestEntry,
  type PartHeader,
  type PartRow,
  partKey,
  partsPrefix,
} from './messages.js';
import type { ObjectStore } from './part-store.js';
import type { ImportJob, ImportLedger } from './ports.js';
import { readSourceRows, SourceUnreadableError } from './source-rows.js';
import type { RecordPosition } from './split/messages.js';

export class ManifestError extends Error {
  constructor(key: string, reason: string) {
    super(`Split manifest ${key} is unreadable: ${reason}`);
    this.name = 'ManifestError';
  }
}

export interface SweepDeps {
  readonly ledger: ImportLedger;
  readonly store: ObjectStore;
  readonly sendAggregate: SendAggregate;
  readonly logger: PipelineLogger;
  readonly stallMinutes: number;
  readonly now?: () => Date;
  /** Time left in this invocation: reading cells back stops once less than {@link SWEEP_RESERVE_MS} remains. */
  readonly remainingTimeMs?: () => number;
  /** The splitter's limits (its cell limit reads the file back the same way). */
  readonly limits?: ImportLimits;
}

/** Time kept to write the parts of the batches whose cells were not read back yet, and to finish. */
export const SWEEP_RESERVE_MS = 30_000;

export interface SweptImport {
  readonly workspace: string;
  readonly importId: string;
  /** Batches this run accounted for as timed out. */
  readonly batchesTimedOut: readonly number[];
  /** Whether this run closed a split that never finished. */
  readonly splitClosed: boolean;
  readonly aggregationEnqueued: boolean;
}

function isPosition(value: unknown): value is RecordPosition {
  const position = value as Partial<RecordPosition> | null;
  return (
    typeof position === 'object' &&
    position !== null &&
    [position.byteOffset, position.rowNumber, position.line].every(Number.isSafeInteger)
  );
}

/**
 * Reads a split manifest: the JSON array of the entries of the batches one splitter run sent.
 *
 * @example
 * parseManifest(key, '[{"batchNo":1,"rowNumbers":[2,5]}]'); // [{ batchNo: 1, rowNumbers: [2, 5] }]
 * parseManifest(key, '[{"batchNo":1,"rowNumbers":[2],"start":{"byteOffset":11,"rowNumber":2,"line":2}}]');
 */
export function parseManifest(key: string, text: string): ManifestEntry[] {
  let entries: unknown;
  try {
    entries = JSON.parse(text);
  } catch (err) {
    throw new ManifestError(key, jsonFailure(err));
  }
  if (!Array.isArray(entries)) throw new ManifestError(key, 'it is not a list of batches');
  for (const entry of entries as ManifestEntry[]) {
    if (typeof entry?.batchNo !== 'number' || !Array.isArray(entry.rowNumbers)) {
      throw new ManifestError(key, `an entry is not {batchNo, rowNumbers}: ${JSON.stringify(entry)}`);
    }
    const { start } = entry;
    if (start !== undefined && !isPosition(start)) {
      throw new ManifestError(key, `batch ${entry.batchNo} has a start that is not a record position`);
    }
  }
  return entries as ManifestEntry[];
}

async function readManifests(store: ObjectStore, job: ImportJob): Promise<ManifestEntry[]> {
  const keys = await store.list(`${partsPrefix(job.workspace, job.importId)}manifest/`);
  const entries: ManifestEntry[] = [];
  for (const key of keys) {
    const text = await store.getText(key);
    if (text !== undefined) entries.push(...parseManifest(key, text));
  }
  return entries;
}

/**
 * Writes the part of a batch that never finished and records it: the rows it counted (0 if recorded
 * meanwhile). A row has the cells read back for it; one without keeps blank cells, and its message says why.
 */
async function timeOutBatch(
  deps: SweepDeps,
  job: ImportJob,
  batch: LostBatch,
  cellsLost = 'the row was not found in the file',
): Promise<number> {
  const { entry, rows: rowNumbers, cells } = batch;
  // Reading the cells back takes a while: a slow processor may have recorded the batch (and written its
  // part, which this one must not overwrite) meanwhile.
  if (await deps.ledger.isBatchRecorded(job.workspace, job.importId, entry.batchNo)) return 0;
  const firstRow = rowNumbers[0] ?? 0;
  const minutes = deps.stallMinutes;
  const timedOut = issue('PROCESSING_TIMEOUT', { minutes });
  const blank = issue('PROCESSING_TIMEOUT', { minutes, cellsLost });
  const header: PartHeader = {
    batchNo: entry.batchNo,
    firstRow,
    counts: { ...emptyCounts(), failed: rowNumbers.length },
    writer: 'sweeper',
  };
  const rows = rowNumbers.map((rowNumber): PartRow => {
    const found = cells.get(rowNumber);
    return found === undefined
      ? { rowNumber, outcome: 'failed', error: blank, warnings: [] }
      : { rowNumber, outcome: 'failed', error: timedOut, warnings: [], cells: found };
  });
  const blanks = rowNumbers.length - cells.size;
  if (blanks > 0) {
    deps.logger.warn('lost rows keep blank cells', {
      importId: job.importId,
      batchNo: entry.batchNo,
      rows: blanks,
      reason: cellsLost,
    });
  }
  await deps.store.put(
    partKey(job.workspace, job.importId, firstRow, entry.batchNo),
    formatPart(header, rows),
  );
  const { counted } = await deps.ledger.recordBatch(
    job.workspace,
    job.importId,
    entry.batchNo,
    header.counts,
  );
  return counted ? rowNumbers.length : 0;
}

/**
 * A lost batch while its cells are read back: its rows in file order, the cells found so far, and the
 * index of the next row to come (`next === rows.length`: every row was read).
 */
interface LostBatch {
  readonly entry: ManifestEntry;
  readonly rows: readonly number[];
  readonly cells: Map<number, readonly string[]>;
  next: number;
  written: boolean;
}

/** Where reading starts: the earliest first row of the batches, when every manifest entry recorded it. */
function earliestStart(entries: readonly ManifestEntry[]): RecordPosition | undefined {
  let earliest: RecordPosition | undefined;
  for (const { start } of entries) {
    if (start === undefined) return undefined;
    if (earliest === undefined || start.byteOffset < earliest.byteOffset) earliest = start;
  }
  return earliest;
}

/** Why the file could not be read to the end, in words for the report (no cell, no address). */
function unreadableReason(deps: SweepDeps, job: ImportJob, err: unknown): string {
  if (err instanceof SourceUnreadableError) return err.reason;
  deps.logger.error('reading the uploaded file back failed', {
    importId: job.importId,
    errorName: (err as Error)?.name,
  });
  return 'reading the file failed';
}

/**
 * Reads the lost batches' cells back in one pass over the file and hands each batch to `done` as soon as its
 * last row has been read, so only the cells of batches still being read are held (as many as the
 * splitter's buffers held, at most).
 *
 * @returns why reading stopped before every batch was done, or undefined
 */
async function readBackCells(
  deps: SweepDeps,
  job: ImportJob,
  batches: readonly LostBatch[],
  done: (batch: LostBatch) => Promise<void>,
): Promise<string | undefined> {
  // Keyed by each batch's next row only (the batches' rows are disjoint): one entry per batch, not per row.
  const waiting = new Map<number, LostBatch>();
  let lastRow = 0;
  for (const batch of batches) {
    const first = batch.rows[0];
    if (first !== undefined) waiting.set(first, batch);
    lastRow = Math.max(lastRow, batch.rows[batch.rows.length - 1] ?? 0);
  }
  if (waiting.size === 0) return undefined;
  const from = earliestStart(batches.map((batch) => batch.entry));
  try {
    const range = { from, lastRow, maxCellBytes: deps.limits?.maxCellBytes };
    for await (const records of readSourceRows(deps.store, job, range)) {
      if ((deps.remainingTimeMs?.() ?? Number.POSITIVE_INFINITY) < SWEEP_RESERVE_MS) {
        return 'reading the file back took longer than the sweeper may run';
      }
      for (const record of records) {
        const batch = waiting.get(record.rowNumber);
        if (batch === undefined) continue;
        waiting.delete(record.rowNumber);
        if (!record.error) batch.cells.set(record.rowNumber, record.cells);
        batch.next++;
        const next = batch.rows[batch.next];
        if (next === undefined) await done(batch);
        else waiting.set(next, batch);
      }
    }
    return undefined;
  } catch (err) {
    return unreadableReason(deps, job, err);
  }
}

/**
 * Times out the lost batches of an import, each with the cells read back from the pinned source version.
 *
 * @returns each batch that this run counted, with its rows
 */
async function timeOutLostBatches(
  deps: SweepDeps,
  job: ImportJob,
  entries: readonly ManifestEntry[],
): Promise<Map<number, number>> {
  const counted = new Map<number, number>();
  const timeOut = async (batch: LostBatch, cellsLost?: string) => {
    batch.written = true;
    const rows = await timeOutBatch(deps, job, batch, cellsLost);
    if (rows > 0) counted.set(batch.entry.batchNo, rows);
  };
  const batches = entries.map(
    (entry): LostBatch => ({
      entry,
      rows: [...entry.rowNumbers].sort((a, b) => a - b),
      cells: new Map(),
      next: 0,
      written: false,
    }),
  );
  const cellsLost = await readBackCells(deps, job, batches, timeOut);
  for (const batch of batches) if (!batch.written) await timeOut(batch, cellsLost);
  return counted;
}

async function writeSweepNote(deps: SweepDeps, job: ImportJob, note: SweepNote): Promise<void> {
  const key = sweepNoteKey(job.workspace, job.importId);
  const earlier = await deps.store.getText(key);
  const previous = earlier === undefined ? undefined : (JSON.parse(earlier) as SweepNote);
  const merged: SweepNote = previous
    ? {
        sweptAt: note.sweptAt,
        batchesTimedOut: [...previous.batchesTimedOut, ...note.batchesTimedOut].sort((a, b) => a - b),
        rowsTimedOut: previous.rowsTimedOut + note.rowsTimedOut,
        splitIncomplete: previous.splitIncomplete || note.splitIncomplete,
      }
    : note;
  await deps.store.put(key, JSON.stringify(merged), 'application/json');
}

async function sweepImport(deps: SweepDeps, job: ImportJob, now: Date): Promise<SweptImport> {
  const { workspace, importId } = job;
  const batchesTimedOut: number[] = [];
  let rowsTimedOut = 0;
  let splitClosed = false;
  if (job.status === 'splitting' || job.status === 'processing') {
    const recorded = new Set(await deps.ledger.recordedBatches(workspace, importId));
    const lost: ManifestEntry[] = [];
    for (const entry of await readManifests(deps.store, job)) {
      if (recorded.has(entry.batchNo)) continue;
      recorded.add(entry.batchNo);
      lost.push(entry);
    }
    for (const [batchNo, rows] of await timeOutLostBatches(deps, job, lost)) {
      batchesTimedOut.push(batchNo);
      rowsTimedOut += rows;
    }
    batchesTimedOut.sort((a, b) => a - b);
    if (job.batchesTotal === undefined) {
      // What the manifests knew is all there will be: every recorded batch, every row they counted.
      const current = await deps.ledger.getJob(workspace, importId);
      const rows = OUTCOMES.reduce((sum, o) => sum + (current?.counts[o] ?? 0), 0);
      await deps.ledger.finishSplitting(workspace, importId, recorded.size, rows);
      splitClosed = true;
    }
    if (batchesTimedOut.length > 0 || splitClosed) {
      await writeSweepNote(deps, job, {
        sweptAt: now.toISOString(),
        batchesTimedOut,
        rowsTimedOut,
        splitIncomplete: splitClosed,
      });
    }
  }
  let aggregationEnqueued = await enqueueAggregationIfComplete(
    deps.ledger,
    deps.sendAggregate,
    workspace,
    importId,
  );
  if (!aggregationEnqueued && job.status === 'aggregating') {
    // Claimed long ago but never completed: the aggregate message or its run was lost; it is idempotent.
    await deps.sendAggregate({ kind: 'aggregate', workspace, importId });
    aggregationEnqueued = true;
  }
  return { workspace, importId, batchesTimedOut, splitClosed, aggregationEnqueued };
}

/**
 * Finishes every import that made no progress for `stallMinutes`. One import's failure does not stop the
 * others; it is logged and rethrown at the end, so the schedule's run shows as failed.
 *
 * @example
 * const swept = await sweepStalledImports({ ledger, store, sendAggregate, logger, stallMinutes: 30 });
 */
export async function sweepStalledImports(deps: SweepDeps): Promise<SweptImport[]> {
  const now = deps.now?.() ?? new Date();
  const stalled = await deps.ledger.listStalled(new Date(now.getTime() - deps.stallMinutes * 60_000));
  const swept: SweptImport[] = [];
  const failures: Error[] = [];
  for (const job of stalled) {
    try {
      const result = await sweepImport(deps, job, now);
      deps.logger.warn('stalled import swept', { ...result });
      swept.push(result);
    } catch (err) {
      deps.logger.error('sweeping a stalled import failed', { importId: job.importId, error: err as Error });
      failures.push(err as Error);
    }
  }
  if (failures.length > 0) {
    throw new AggregateError(failures, `${failures.length} of ${stalled.length} stalled imports failed`);
  }
  return swept;
}
