/**
 * Metrics 3–6: what an import asks of SQS, DynamoDB, S3 and Lambda, counted call by call on the whole local
 * pipeline (the real handlers, the real adapters, the emulator), and what that costs.
 *
 * Three imports run one after the other in one workspace, each counted on its own:
 * - `first`: a generated file into an empty workspace (new contacts; the file's repeated key values update);
 * - `update`: the same key values with a changed name and one more tag on every row;
 * - `reimport`: the update file uploaded again (a new import in which every row is unchanged).
 *
 * The write floor of an import is what the contacts table must change, priced as single writes: for each item
 * whose stored state differs after the import (a profile, an identity item, a workspace item), the write
 * units of ONE write from its state before to its state after (⌈max(before, after) / 1 KB⌉), plus the
 * writes of the global secondary index entries that change with it. Job and batch bookkeeping in the imports
 * table, reads, retries, transactions (×2) and a contact written twice are all above the floor.
 */
import { PIPELINE_FUNCTIONS } from '../../infra/stack.js';
import {
  type CostBreakdown,
  costPerMillionRows,
  describePrices,
  LATENCY_MS,
  lambdaGbSeconds,
  MB_PER_VCPU,
  naiveUsage,
  type Usage,
  writeFloorCostPerMillionRows,
} from '../cost.js';
import { type DynamoUsage, dynamoTotals } from '../lib/dynamo-meter.js';
import type { ImportFile } from '../lib/files.js';
import { type Floor, writeFloor } from '../lib/floor.js';
import { AwsMeter, billedRequests, type S3Usage, type SqsUsage } from '../lib/meter.js';
import type { HandlerTimes, LocalEnvironment, LocalPipeline } from '../lib/pipeline.js';
import type { Section } from '../lib/report.js';

export type PhaseName = 'first' | 'update' | 'reimport';

export interface PhaseResult {
  readonly phase: PhaseName;
  readonly rows: number;
  /** Rows the splitter put in batch messages (valid rows). */
  readonly validRows: number;
  readonly counts: Record<string, number>;
  readonly seconds: number;
  /** CPU seconds this process used meanwhile (the handlers, the runner, and the metering). */
  readonly cpuSeconds: number;
  readonly dynamodb: DynamoUsage;
  readonly sqs: SqsUsage;
  readonly s3: S3Usage;
  readonly handlers: HandlerTimes;
  readonly floor: Floor;
  /** Tables of this phase. */
  readonly tables: { readonly contacts: string; readonly imports: string };
}

/** Contact writes the processor keeps in flight (`ProcessBatchDeps.writeConcurrency`, default 8). */
const PROCESSOR_WRITES_IN_FLIGHT = 8;
const READS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan']);

export function lambdaInvocations(times: HandlerTimes): number {
  return Object.values(times).reduce((sum, t) => sum + (t?.invocations ?? 0), 0);
}

/**
 * The usage the cost model prices, from one phase. Lambda time is modelled (see `lambdaGbSeconds`) from the
 * phase's calls and `cpuSecondsPerRow` of handler CPU (best from an unmetered run).
 */
export function usageOf(phase: PhaseResult, cpuSecondsPerRow = phase.cpuSeconds / phase.rows): Usage {
  const totals = dynamoTotals(phase.dynamodb);
  let fifo = 0;
  let standard = 0;
  let sends = 0;
  for (const [queue, usage] of Object.entries(phase.sqs)) {
    if (queue.endsWith('.fifo')) fifo += billedRequests(usage);
    else standard += billedRequests(usage);
    sends += usage.sendCalls;
  }
  let reads = 0;
  let writes = 0;
  for (const table of Object.values(phase.dynamodb)) {
    for (const [operation, n] of Object.entries(table.calls)) {
      if (READS.has(operation)) reads += n;
      else writes += n;
    }
  }
  return {
    rows: phase.rows,
    dynamodbReadUnits: totals.readUnits,
    dynamodbWriteUnits: totals.writeUnits,
    sqsStandardRequests: standard,
    sqsFifoRequests: fifo,
    s3PutRequests: phase.s3.putClass,
    s3GetRequests: phase.s3.getClass,
    lambdaInvocations: lambdaInvocations(phase.handlers),
    lambdaGbSeconds: lambdaGbSeconds({
      cpuSeconds: cpuSecondsPerRow * phase.rows,
      dynamodbReadCalls: reads,
      dynamodbWriteCalls: writes,
      writesInFlight: PROCESSOR_WRITES_IN_FLIGHT,
      s3Calls: Object.values(phase.s3.calls).reduce((sum, n) => sum + n, 0),
      sqsCalls: sends,
      memoryMb: PIPELINE_FUNCTIONS.processor.memorySize,
    }),
  };
}

async function runPhase(
  phase: PhaseName,
  file: ImportFile,
  pipeline: LocalPipeline,
  meter: AwsMeter,
): Promise<PhaseResult> {
  const tables = pipeline.provisioned.tables;
  const schema = await meter.dynamo.schema(tables.contacts);
  const before = await pipeline.scan(tables.contacts);
  await pipeline.runner.idle();
  meter.reset();
  pipeline.resetTimes();
  const { job, seconds, cpuSeconds } = await pipeline.importFile(file);
  const usage = meter.snapshot();
  const after = await pipeline.scan(tables.contacts);
  const batches = Object.entries(usage.sqs).find(
    ([name]) => name === pipeline.env.config.resources.queues.batches.name,
  );
  return {
    phase,
    rows: job.rowsTotal ?? file.rows,
    validRows: batches?.[1].rowsSent ?? 0,
    counts: { ...job.counts },
    seconds,
    cpuSeconds,
    dynamodb: usage.dynamodb,
    sqs: usage.sqs,
    s3: usage.s3,
    handlers: structuredClone(pipeline.times),
    floor: writeFloor(schema, before, after),
    tables,
  };
}

/** The three imports, and the re-import of a file whose key values are unique when one was measured. */
export type ImportPhases = Record<PhaseName, PhaseResult> & { readonly reimportUnique?: PhaseResult };

/**
 * Runs the three imports on a fresh pipeline with every AWS call metered. With `unique` (a file in which
 * every key value is written once), that file is imported too, then imported again and metered: a
 * re-import in which no row repeats a key value of the file.
 *
 * @example
 * const phases = await measureImports(env, { first, update });
 * phases.first.floor.writeUnits / phases.first.rows; // the write floor per row
 */
export async function measureImports(
  env: LocalEnvironment,
  files: { readonly first: ImportFile; readonly update: ImportFile; readonly unique?: ImportFile },
): Promise<ImportPhases> {
  const meter = new AwsMeter(env.clients.dynamodb);
  for (const client of Object.values(env.clients)) meter.exclude(client);
  const uninstall = meter.install();
  const pipeline = await env.pipeline();
  try {
    const first = await runPhase('first', files.first, pipeline, meter);
    const update = await runPhase('update', files.update, pipeline, meter);
    // The same object key again: a new version, so a new import of the same rows.
    const reimport = await runPhase('reimport', files.update, pipeline, meter);
    if (!files.unique) return { first, update, reimport };
    await pipeline.importFile(files.unique);
    const reimportUnique = await runPhase('reimport', files.unique, pipeline, meter);
    return { first, update, reimport, reimportUnique };
  } finally {
    meter.enabled = false;
    uninstall();
    await pipeline.stop();
  }
}

/** Per-row figures of a phase. */
function perRow(phase: PhaseResult) {
  const totals = dynamoTotals(phase.dynamodb);
  const contacts = phase.dynamodb[phase.tables.contacts];
  const imports = phase.dynamodb[phase.tables.imports];
  return {
    calls: (totals.calls / phase.rows) * 1000,
    readUnits: totals.readUnits / phase.rows,
    writeUnits: totals.writeUnits / phase.rows,
    floor: phase.floor.writeUnits / phase.rows,
    contactWriteUnits: contacts ? (contacts.writeUnits + contacts.indexWriteUnits) / phase.rows : 0,
    bookkeepingWriteUnits: imports ? (imports.writeUnits + imports.indexWriteUnits) / phase.rows : 0,
  };
}

function callsText(usage: DynamoUsage): string {
  return Object.entries(usage)
    .map(
      ([table, t]) =>
        `${table.replace(/^.*-/, '')}: ${Object.entries(t.calls)
          .map(([op, n]) => `${op} ${n}`)
          .join(', ')}`,
    )
    .join('; ');
}

/** Read units per row by purpose (the functions that read), largest first. */
function readsText(phase: PhaseResult): string {
  const reads = new Map<string, { calls: number; units: number }>();
  for (const [table, usage] of Object.entries(phase.dynamodb)) {
    for (const [purpose, seen] of Object.entries(usage.reads)) {
      const label = `${table.replace(/^.*-/, '')} ${purpose}`;
      const sum = reads.get(label) ?? { calls: 0, units: 0 };
      reads.set(label, { calls: sum.calls + seen.calls, units: sum.units + seen.units });
    }
  }
  return [...reads]
    .sort((a, b) => b[1].units - a[1].units)
    .map(
      ([label, { calls, units }]) => `${(units / phase.rows).toFixed(2)} RCU/row (${calls} calls) ${label}`,
    )
    .join('; ');
}

function costText(cost: CostBreakdown): string {
  const reads = cost.dynamodb - cost.dynamodbWrites;
  return `DynamoDB writes $${cost.dynamodbWrites.toFixed(3)} + reads $${reads.toFixed(3)}, SQS $${cost.sqs.toFixed(3)}, S3 $${cost.s3.toFixed(3)}, Lambda $${cost.lambda.toFixed(3)}`;
}

/**
 * The section of the report. Handler CPU per row comes from `cpuSecondsPerRow` (processor_cpu_us_per_row)
 * when given: the metered run also spends CPU on its own bookkeeping and on the emulator's connections.
 */
export function importSection(phases: ImportPhases, cpuSecondsPerRow?: number): Section {
  const { first, update, reimport, reimportUnique } = phases;
  const a = perRow(first);
  const b = perRow(update);
  const again = perRow(reimport);
  const usage = usageOf(first, cpuSecondsPerRow);
  const cost = costPerMillionRows(usage);
  const floorCost = writeFloorCostPerMillionRows(a.floor);
  const naive = costPerMillionRows(
    naiveUsage(1e6, {
      contactWriteUnits: first.floor.profileItemWriteUnits / Math.max(1, first.floor.profiles),
      cpuSecondsPerRow: cpuSecondsPerRow ?? first.cpuSeconds / first.rows,
      memoryMb: PIPELINE_FUNCTIONS.processor.memorySize,
    }),
  );
  const updateCost = costPerMillionRows(usageOf(update, cpuSecondsPerRow));
  const wcuGoal = (floor: number) => ({ max: 1.05 * floor, text: `≤ 1.05 × floor ${floor.toFixed(2)}` });
  const batchMessages =
    first.sqs[Object.keys(first.sqs).find((q) => q.endsWith('batches.fifo')) ?? '']?.messagesSent ?? 0;
  return {
    metrics: [
      { name: 'dynamodb_calls_per_1000_rows_first', value: a.calls, digits: 0 },
      { name: 'dynamodb_calls_per_1000_rows_update', value: b.calls, digits: 0 },
      { name: 'dynamodb_rcu_per_row_first', value: a.readUnits, goal: { max: 2, text: '≤ 2.0' } },
      { name: 'dynamodb_rcu_per_row_update', value: b.readUnits },
      { name: 'dynamodb_wcu_floor_per_row_first', value: a.floor },
      { name: 'dynamodb_wcu_per_row_first', value: a.writeUnits, goal: wcuGoal(a.floor) },
      { name: 'dynamodb_wcu_floor_per_row_update', value: b.floor },
      { name: 'dynamodb_wcu_per_row_update', value: b.writeUnits, goal: wcuGoal(b.floor) },
      {
        name: 'reimport_wcu_per_row',
        value: again.contactWriteUnits,
        digits: 3,
        goal: { max: 0, text: '0' },
      },
      ...(reimportUnique
        ? [
            {
              name: 'reimport_unique_keys_wcu_per_row',
              value: perRow(reimportUnique).contactWriteUnits,
              digits: 3,
              goal: { max: 0, text: '0' },
            },
          ]
        : []),
      {
        name: 'cost_usd_per_million_rows',
        value: cost.total,
        unit: 'USD',
        goal: { max: 1.1 * floorCost, text: `≤ 1.1 × write floor $${floorCost.toFixed(2)}` },
      },
      { name: 'naive_cost_usd_per_million_rows', value: naive.total, unit: 'USD' },
    ],
    notes: [
      `Imports of a generated ${first.rows.toLocaleString('en')}-row LINE file (key phone) through the whole local pipeline, every AWS call metered by SDK middleware on the real handlers' clients; units computed from item sizes as DynamoDB bills them (moto's ConsumedCapacity is a constant): first = empty workspace ${JSON.stringify(first.counts)}; update = the same key values, a changed name and one more tag on every row ${JSON.stringify(update.counts)}; reimport = the update file uploaded again ${JSON.stringify(reimport.counts)}.`,
      'write floor: for every item of the contacts table whose stored state the import changed, the units of ONE non-transactional write from its state before to its state after (⌈max(size before, size after) / 1 KB⌉, at least 1) plus the index-entry writes that change implies (byWorkspace, KEYS_ONLY). Bookkeeping (job, batch markers), transactions (×2), failed conditions and a contact written twice are above it.',
      `first: ${a.writeUnits.toFixed(2)} WCU/row = contacts ${a.contactWriteUnits.toFixed(2)} + imports-table bookkeeping ${a.bookkeepingWriteUnits.toFixed(3)} (${first.floor.items} items changed, ${first.floor.profiles} profiles); ${a.readUnits.toFixed(2)} RCU/row (the plan's look-ups eventually consistent, the checks before writes strongly; a key not found still costs a unit); calls: ${callsText(first.dynamodb)}.`,
      `reads of first by purpose: ${readsText(first)}.`,
      `reads of update by purpose: ${readsText(update)}.`,
      `update: ${b.writeUnits.toFixed(2)} WCU/row = contacts ${b.contactWriteUnits.toFixed(2)} + bookkeeping ${b.bookkeepingWriteUnits.toFixed(3)}; ${b.readUnits.toFixed(2)} RCU/row; calls: ${callsText(update.dynamodb)}.`,
      `reimport_wcu_per_row: contacts-table write units per row when every row is already applied (${reimport.floor.items} items changed); the imports-table bookkeeping adds ${again.bookkeepingWriteUnits.toFixed(3)} WCU/row; calls: ${callsText(reimport.dynamodb)}.`,
      ...(reimportUnique
        ? [
            `reimport_unique_keys_wcu_per_row: the same for a generated ${reimportUnique.rows.toLocaleString('en')}-row file in which no key value repeats, imported once and then again ${JSON.stringify(reimportUnique.counts)}; calls: ${callsText(reimportUnique.dynamodb)}.`,
          ]
        : []),
      `cost_usd_per_million_rows (first import, ${describeUsage(usage)}): ${costText(cost)} = ×${(cost.total / floorCost).toFixed(2)} the write floor's $${floorCost.toFixed(2)} (reads alone are ${(((cost.dynamodb - cost.dynamodbWrites) / floorCost) * 100).toFixed(0)} % of it); the update import costs $${updateCost.total.toFixed(2)} (${costText(updateCost)}). Lambda GB-s are modelled at ${PIPELINE_FUNCTIONS.processor.memorySize} MB: handler CPU measured ${cpuSecondsPerRow === undefined ? 'in this metered run (inflated by the metering)' : 'as processor_cpu_us_per_row (the processor alone, its SDK work per call included)'}, stretched ×${(MB_PER_VCPU / PIPELINE_FUNCTIONS.processor.memorySize).toFixed(2)} (the function's share of a vCPU), plus request waits at ${LATENCY_MS.dynamodb} ms a DynamoDB call (writes ${PROCESSOR_WRITES_IN_FLIGHT} in flight), ${LATENCY_MS.s3} ms an S3 call, ${LATENCY_MS.sqs} ms an SQS send — the local wall time (${first.rows.toLocaleString('en')} rows: ${Object.values(
        first.handlers,
      )
        .reduce((sum, t) => sum + (t?.seconds ?? 0), 0)
        .toFixed(
          0,
        )} s of handler time) reflects the emulator, not AWS. This file needed ${batchMessages} batch messages.`,
      `naive_cost_usd_per_million_rows: one standard-queue message per row (received and deleted 10 at a time), one eventually consistent GetItem and one PutItem of the profile per row (${(first.floor.profileItemWriteUnits / Math.max(1, first.floor.profiles)).toFixed(2)} WCU), one Lambda invocation per 10 rows, modelled like this pipeline's (same CPU per row, the two calls of a row one after the other): ${costText(naive)}. It keeps no identity index, so it cannot unify profiles (RULES §6).`,
      `prices: ${describePrices()}.`,
    ],
    details: { phases, usage, cost, floorCost, naive, updateCost },
  };
}

function describeUsage(usage: Usage): string {
  const per = (n: number) => (n / usage.rows).toFixed(4);
  return `per row: ${per(usage.dynamodbWriteUnits)} WRU, ${per(usage.dynamodbReadUnits)} RRU, ${per(usage.sqsFifoRequests + usage.sqsStandardRequests)} SQS requests, ${per(usage.s3PutRequests)} S3 PUT/LIST, ${per(usage.s3GetRequests)} S3 GET/HEAD, ${(usage.lambdaGbSeconds / usage.rows).toFixed(5)} Lambda GB-s`;
}
