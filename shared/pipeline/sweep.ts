/**
 * The sweeper use case (on a schedule): an import with no progress for `stallMinutes` is finished with
 * what is known. Every batch the split manifests name but the ledger never recorded becomes a part whose
 * rows are `failed` / PROCESSING_TIMEOUT, recorded exactly once; a split that never finished is closed with
 * the batches the manifests name; then the import goes to the aggregator. Running it twice changes nothing.
 */
import { issue } from '../domain/codes.js';
import { OUTCOMES } from '../domain/model.js';
import { jsonFailure } from '../ids.js';
import type { PipelineLogger } from './aggregate/aggregate.js';
import { enqueueAggregationIfComplete, type SendAggregate } from './aggregate/enqueue.js';
import { formatPart } from './aggregate/part-file.js';
import { type SweepNote, sweepNoteKey } from './aggregate/sweep-note.js';
import { emptyCounts, type ManifestEntry, type PartHeader, partKey, partsPrefix } from './messages.js';
import type { ObjectStore } from './part-store.js';
import type { ImportJob, ImportLedger } from './ports.js';

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
}

export interface SweptImport {
  readonly workspace: string;
  readonly importId: string;
  /** Batches this run accounted for as timed out. */
  readonly batchesTimedOut: readonly number[];
  /** Whether this run closed a split that never finished. */
  readonly splitClosed: boolean;
  readonly aggregationEnqueued: boolean;
}

/**
 * Reads a split manifest: the JSON array of the entries of the batches one splitter run sent.
 *
 * @example
 * parseManifest(key, '[{"batchNo":1,"rowNumbers":[2,5]}]'); // [{ batchNo: 1, rowNumbers: [2, 5] }]
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

/** Writes the part of a batch that never finished and records it: the rows it counted (0 if recorded meanwhile). */
async function timeOutBatch(
  deps: SweepDeps,
  job: ImportJob,
  entry: ManifestEntry,
  minutes: number,
): Promise<number> {
  const rowNumbers = [...entry.rowNumbers].sort((a, b) => a - b);
  const firstRow = rowNumbers[0] ?? 0;
  const error = issue('PROCESSING_TIMEOUT', { minutes });
  const header: PartHeader = {
    batchNo: entry.batchNo,
    firstRow,
    counts: { ...emptyCounts(), failed: rowNumbers.length },
    writer: 'sweeper',
  };
  // The cells travelled only in the lost batch message; the report shows the row number and blank cells.
  const rows = rowNumbers.map((rowNumber) => ({
    rowNumber,
    outcome: 'failed' as const,
    error,
    warnings: [],
  }));
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
    for (const entry of await readManifests(deps.store, job)) {
      if (recorded.has(entry.batchNo)) continue;
      recorded.add(entry.batchNo);
      const rows = await timeOutBatch(deps, job, entry, deps.stallMinutes);
      if (rows > 0) {
        batchesTimedOut.push(entry.batchNo);
        rowsTimedOut += rows;
      }
    }
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
