/**
 * The FIFO message group of a batch (README "One workspace holds at most four processors").
 *
 * A FIFO queue hands out at most one in-flight batch per message group, so the groups a workspace uses are
 * the most processors its backlog can hold at once. Groups were `<importId>#<partition>` — 16 an import, so
 * two or three big imports of one tenant took every processor (maxConcurrency 20) and a small import of
 * another tenant waited behind them. Now every import of a workspace shares its `GROUPS_PER_WORKSPACE`
 * groups, one per partition: a tenant's backlog holds at most that many processors, and the others stay free
 * for other tenants.
 *
 * Order (RULES §9) rests on the partition: every batch of one partition of a file lands in one group, so
 * its rows — a component's rows, or a key value's — still reach the processor in file order. Two imports of
 * one workspace now also share groups, which only serialises more than §9 asks.
 */
import { BATCH_PARTITIONS } from '../resources.js';

export class PartitionRangeError extends Error {
  constructor(partition: number) {
    super(`Partition ${partition} is not a whole number in 0..${BATCH_PARTITIONS - 1}`);
    this.name = 'PartitionRangeError';
  }
}

/**
 * The message group of a batch of `workspace` holding rows of `partition` (0..BATCH_PARTITIONS-1).
 *
 * @example
 * batchGroupId('acme', 3); // 'acme#3', whichever import of acme the batch belongs to
 */
export function batchGroupId(workspace: string, partition: number): string {
  if (!Number.isInteger(partition) || partition < 0 || partition >= BATCH_PARTITIONS) {
    throw new PartitionRangeError(partition);
  }
  return `${workspace}#${partition}`;
}
