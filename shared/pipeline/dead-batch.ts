/**
 * The dead-batch use case: a batch that failed every retry lands in the batches DLQ. Its rows still have
 * to be counted (RULES §7: the total always adds up), so each becomes `failed` with PROCESSING_FAILED, the
 * batch is recorded exactly once like any other, and the import moves on to its report.
 */
import { issue } from '../domain/codes.js';
import type { PipelineLogger } from './aggregate/aggregate.js';
import { enqueueAggregationIfComplete, type SendAggregate } from './aggregate/enqueue.js';
import { formatPart } from './aggregate/part-file.js';
import { type BatchMessage, emptyCounts, type PartHeader, type PartRow, partKey } from './messages.js';
import type { ObjectStore } from './part-store.js';
import type { ImportLedger } from './ports.js';

export class EmptyBatchError extends Error {
  constructor(importId: string, batchNo: number) {
    super(`Batch ${batchNo} of import ${importId} has no rows`);
    this.name = 'EmptyBatchError';
  }
}

export interface DeadBatchDeps {
  readonly ledger: ImportLedger;
  readonly store: ObjectStore;
  readonly sendAggregate: SendAggregate;
  readonly logger: PipelineLogger;
}

export interface DeadBatchResult {
  /** False when the batch had already been recorded (by the processor, or an earlier delivery). */
  readonly recorded: boolean;
  readonly aggregationEnqueued: boolean;
}

/**
 * Accounts for a dead-lettered batch: its rows fail with PROCESSING_FAILED.
 *
 * @example
 * await failDeadBatch(JSON.parse(record.body), 'the batch failed 5 times', deps);
 */
export async function failDeadBatch(
  message: BatchMessage,
  reason: string,
  deps: DeadBatchDeps,
): Promise<DeadBatchResult> {
  const { workspace, importId, batchNo } = message;
  let recorded = false;
  if (await deps.ledger.isBatchRecorded(workspace, importId, batchNo)) {
    deps.logger.info('dead-lettered batch was already recorded', { importId, batchNo });
  } else {
    if (message.rows.length === 0) throw new EmptyBatchError(importId, batchNo);
    const error = issue('PROCESSING_FAILED', { reason });
    const rows: PartRow[] = message.rows.map((row) => ({
      rowNumber: row.input.rowNumber,
      outcome: 'failed',
      error,
      warnings: [],
      cells: row.cells,
    }));
    const firstRow = Math.min(...rows.map((r) => r.rowNumber));
    const header: PartHeader = {
      batchNo,
      firstRow,
      counts: { ...emptyCounts(), failed: rows.length },
      writer: 'dead-batch',
    };
    // The part first, the marker second: a crash in between leaves a part the next delivery overwrites.
    await deps.store.put(partKey(workspace, importId, firstRow, batchNo), formatPart(header, rows));
    ({ counted: recorded } = await deps.ledger.recordBatch(workspace, importId, batchNo, header.counts));
    deps.logger.warn('dead-lettered batch failed its rows', { importId, batchNo, rows: rows.length, reason });
  }
  // Also when already recorded: the delivery that recorded it may have died before enqueueing.
  const aggregationEnqueued = await enqueueAggregationIfComplete(
    deps.ledger,
    deps.sendAggregate,
    workspace,
    importId,
  );
  return { recorded, aggregationEnqueued };
}
