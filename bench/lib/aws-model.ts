/**
 * How long a million-row import takes on AWS, modelled from what the benchmarks measured (DynamoDB units and
 * modelled Lambda seconds per row, splitter CPU per row, batch messages per row) and from AWS's documented
 * limits. Pure functions, so the arithmetic is unit-tested; the limits are cited where they are defined.
 *
 * The import runs in three stages:
 * 1. the splitter's first pass (read, tokenise, build the component index) — nothing is sent before it ends;
 * 2. its second pass (validate, send batches) overlapped with the processors applying the batches — the
 *    slower of the two sets the pace;
 * 3. the aggregator (parts → report, notification).
 * Stage 2's processors run at the lowest of four rates: the Lambda concurrency they get (one invocation per
 * message group in flight, at most the event source's maximum concurrency), the table's write throughput,
 * its read throughput, and the write throughput of the busiest partition of the byWorkspace index (every
 * created contact adds an entry under its workspace's partition key).
 */
import { MB_PER_VCPU } from '../cost.js';

/** Limits of a table, in units per second. */
export interface TableThroughput {
  readonly writeUnitsPerSecond: number;
  readonly readUnitsPerSecond: number;
}

/**
 * A new on-demand table "can sustain up to 4,000 writes per second and 12,000 reads per second" until it
 * has scaled (DynamoDB Developer Guide, "DynamoDB on-demand capacity mode", Initial throughput and scaling
 * properties; the same values are the default warm throughput of a new on-demand table and of a new GSI,
 * "Understanding DynamoDB warm throughput"). On-demand then doubles its previous peak within 30 minutes —
 * longer than the import this models, so the cold case keeps the initial values.
 */
export const NEW_ON_DEMAND_TABLE: TableThroughput = { writeUnitsPerSecond: 4000, readUnitsPerSecond: 12_000 };

/**
 * The default account quota on table-level throughput of an on-demand table: 40,000 read and 40,000 write
 * request units per second (DynamoDB Developer Guide, "Quotas": Throughput default quotas; raised on request).
 */
export const ACCOUNT_TABLE_QUOTA: TableThroughput = {
  writeUnitsPerSecond: 40_000,
  readUnitsPerSecond: 40_000,
};

/**
 * One partition serves at most 1,000 write units and 3,000 read units a second (DynamoDB Developer Guide,
 * "Best practices for designing and using partition keys effectively"); an index entry written under one
 * partition key value lands on one partition unless DynamoDB splits the item collection for heat, which it
 * does not promise.
 */
export const PARTITION_WRITE_UNITS_PER_SECOND = 1000;

/** What the model is fed (measured, except where marked). */
export interface ModelInputs {
  /** Splitter CPU µs per row on this machine: the first pass (tokenise + component index) and the whole split. */
  readonly splitterFirstPassUsPerRow: number;
  readonly splitterUsPerRow: number;
  readonly splitterMemoryMb: number;
  /** Modelled processor seconds per row (CPU stretched to its share of a vCPU + request waits; bench/cost.ts). */
  readonly processorSecondsPerRow: number;
  /** Aggregator seconds per row (the local handler time: an upper bound, the emulator being slower than S3). */
  readonly aggregatorSecondsPerRow: number;
  /** DynamoDB units per row of a first import (all tables: the contacts table takes almost all). */
  readonly writeUnitsPerRow: number;
  readonly readUnitsPerRow: number;
  /** Created contacts per row (each adds one byWorkspace entry under the workspace's partition key). */
  readonly createdPerRow: number;
  /** Partition key values a workspace's byWorkspace entries are spread over. */
  readonly indexShards: number;
  /** Message groups one import's batches use and the processor event source's maximum concurrency. */
  readonly messageGroups: number;
  readonly maxConcurrency: number;
}

export type Constraint =
  | 'splitter'
  | 'lambda concurrency'
  | 'table writes'
  | 'table reads'
  | 'byWorkspace index partition';

export interface ImportEstimate {
  readonly minutes: number;
  /** What sets the pace of stage 2 (or the splitter, when its second pass is slower than every rate). */
  readonly binding: Constraint;
  /** Rows per second of stage 2 under each constraint. */
  readonly rates: Record<Exclude<Constraint, 'splitter'>, number> & { readonly splitter: number };
  readonly stages: { readonly firstPass: number; readonly apply: number; readonly aggregate: number };
}

/**
 * Minutes for `rows` rows of a first import into a table with `table` throughput.
 *
 * @example
 * estimateImport(1e6, inputs, NEW_ON_DEMAND_TABLE).binding; // 'table writes' at 5 WCU a row
 */
export function estimateImport(rows: number, inputs: ModelInputs, table: TableThroughput): ImportEstimate {
  const stretch = Math.max(1, MB_PER_VCPU / inputs.splitterMemoryMb);
  const firstPass = (rows * inputs.splitterFirstPassUsPerRow * stretch) / 1e6;
  const secondPassUs = Math.max(0, inputs.splitterUsPerRow - inputs.splitterFirstPassUsPerRow);
  const rates = {
    splitter: 1e6 / (secondPassUs * stretch),
    'lambda concurrency':
      Math.min(inputs.messageGroups, inputs.maxConcurrency) / inputs.processorSecondsPerRow,
    'table writes': table.writeUnitsPerSecond / inputs.writeUnitsPerRow,
    'table reads': table.readUnitsPerSecond / inputs.readUnitsPerRow,
    'byWorkspace index partition':
      inputs.createdPerRow > 0
        ? (PARTITION_WRITE_UNITS_PER_SECOND * inputs.indexShards) / inputs.createdPerRow
        : Number.POSITIVE_INFINITY,
  };
  let binding: Constraint = 'splitter';
  for (const [name, rate] of Object.entries(rates) as [Constraint, number][]) {
    if (rate < rates[binding]) binding = name;
  }
  const apply = rows / rates[binding];
  const aggregate = rows * inputs.aggregatorSecondsPerRow;
  return {
    minutes: (firstPass + apply + aggregate) / 60,
    binding,
    rates,
    stages: { firstPass, apply, aggregate },
  };
}

/**
 * The warm throughput worth setting on the contacts table for imports: what the processors can use when no
 * table limit binds, rounded up to a thousand, at least the new table's defaults and at most the account
 * quota.
 *
 * @example
 * warmThroughputFor(inputs); // { writeUnitsPerSecond: 26000, readUnitsPerSecond: 38000 }
 */
export function warmThroughputFor(inputs: ModelInputs): TableThroughput {
  const rowsPerSecond = Math.min(inputs.messageGroups, inputs.maxConcurrency) / inputs.processorSecondsPerRow;
  const units = (perRow: number, floor: number, cap: number) =>
    Math.min(cap, Math.max(floor, Math.ceil((rowsPerSecond * perRow) / 1000) * 1000));
  return {
    writeUnitsPerSecond: units(
      inputs.writeUnitsPerRow,
      NEW_ON_DEMAND_TABLE.writeUnitsPerSecond,
      ACCOUNT_TABLE_QUOTA.writeUnitsPerSecond,
    ),
    readUnitsPerSecond: units(
      inputs.readUnitsPerRow,
      NEW_ON_DEMAND_TABLE.readUnitsPerSecond,
      ACCOUNT_TABLE_QUOTA.readUnitsPerSecond,
    ),
  };
}
