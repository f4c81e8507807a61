/**
 * How fast a million rows go on AWS: the model of bench/lib/aws-model.ts fed by this run's measurements —
 * splitter CPU per row (first pass: tokenizer + component index), the first import's DynamoDB units and
 * modelled processor seconds per row, its created contacts per row, the aggregator's local time per row —
 * for a new on-demand table (cold) and for the contacts table with warm throughput set for imports (warm).
 */
import { PIPELINE_FUNCTIONS } from '../../infra/stack.js';
import { WORKSPACE_INDEX_SHARDS } from '../../shared/adapters/contact-store.js';
import { GROUPS_PER_WORKSPACE, resourcesFor } from '../../shared/resources.js';
import {
  estimateImport,
  type ImportEstimate,
  type ModelInputs,
  NEW_ON_DEMAND_TABLE,
  warmThroughputFor,
} from '../lib/aws-model.js';
import type { Section } from '../lib/report.js';
import type { ComponentsResult } from './components.js';
import type { E2eResult } from './e2e.js';
import { type PhaseName, type PhaseResult, usageOf } from './import-costs.js';
import { type ProcessorCpuResult, processorCpuSecondsPerRow } from './processor.js';
import type { SplitterResult } from './splitter.js';

const MILLION = 1_000_000;

export interface AwsModelMeasurements {
  readonly splitter: SplitterResult;
  readonly components: ComponentsResult;
  readonly imports: Record<PhaseName, PhaseResult>;
  readonly e2e: E2eResult;
  readonly processor: ProcessorCpuResult;
}

/** The model's inputs from this run's measurements. */
export function modelInputs(m: AwsModelMeasurements): ModelInputs {
  const { first } = m.imports;
  const usage = usageOf(first, processorCpuSecondsPerRow(m.processor, first));
  const memory = PIPELINE_FUNCTIONS.processor.memorySize;
  const batches = resourcesFor('bench').queues.batches;
  const us = m.splitter.bench.usPerRow;
  return {
    splitterFirstPassUsPerRow: us.tokenizer + m.components.nsPerRow / 1000,
    splitterUsPerRow: us.splitter,
    splitterMemoryMb: PIPELINE_FUNCTIONS.splitter.memorySize,
    processorSecondsPerRow: ((usage.lambdaGbSeconds / usage.rows) * 1024) / memory,
    aggregatorSecondsPerRow: (m.e2e.handlers.aggregator?.seconds ?? 0) / m.e2e.rows,
    writeUnitsPerRow: usage.dynamodbWriteUnits / usage.rows,
    readUnitsPerRow: usage.dynamodbReadUnits / usage.rows,
    createdPerRow: (first.counts.created ?? 0) / first.rows,
    indexShards: WORKSPACE_INDEX_SHARDS,
    messageGroups: GROUPS_PER_WORKSPACE,
    maxConcurrency: batches.maxConcurrency,
  };
}

function describe(estimate: ImportEstimate): string {
  const rate = (n: number) => (Number.isFinite(n) ? `${Math.round(n).toLocaleString('en')} rows/s` : '—');
  const rates = Object.entries(estimate.rates)
    .map(([name, n]) => `${name} ${rate(n)}`)
    .join(', ');
  const s = estimate.stages;
  return `bound by ${estimate.binding}; first pass ${s.firstPass.toFixed(0)} s + apply ${s.apply.toFixed(0)} s + aggregate ${s.aggregate.toFixed(0)} s; rates: ${rates}`;
}

/** The section of the report. */
export function awsModelSection(m: AwsModelMeasurements): Section {
  const inputs = modelInputs(m);
  const cold = estimateImport(MILLION, inputs, NEW_ON_DEMAND_TABLE);
  const warmTable = warmThroughputFor(inputs);
  const warm = estimateImport(MILLION, inputs, warmTable);
  return {
    metrics: [
      { name: 'aws_minutes_per_million_rows_cold', value: cold.minutes, unit: 'min', digits: 1 },
      {
        name: 'aws_minutes_per_million_rows_warm',
        value: warm.minutes,
        unit: 'min',
        digits: 1,
        goal: { max: 5, text: '≤ 5 (Braze ≈ 5)' },
      },
    ],
    notes: [
      `aws_minutes_per_million_rows_*: a model (bench/lib/aws-model.ts), not a measurement on AWS — fed by this run: splitter ${inputs.splitterUsPerRow.toFixed(1)} µs a row (first pass ${inputs.splitterFirstPassUsPerRow.toFixed(1)}) stretched to ${inputs.splitterMemoryMb} MB's share of a vCPU; processor ${(inputs.processorSecondsPerRow * 1000).toFixed(2)} ms a row (bench/cost.ts's Lambda model: measured CPU + request waits); ${inputs.writeUnitsPerRow.toFixed(2)} WRU and ${inputs.readUnitsPerRow.toFixed(2)} RRU a row; ${inputs.createdPerRow.toFixed(2)} created contacts a row; ${Math.min(inputs.messageGroups, inputs.maxConcurrency)} processors (min of ${inputs.messageGroups} message groups, maxConcurrency ${inputs.maxConcurrency}); byWorkspace entries of a workspace on ${inputs.indexShards} partition key(s) at 1,000 WCU/s each.`,
      `cold (a new on-demand table, ${NEW_ON_DEMAND_TABLE.writeUnitsPerSecond.toLocaleString('en')} WRU/s and ${NEW_ON_DEMAND_TABLE.readUnitsPerSecond.toLocaleString('en')} RRU/s): ${cold.minutes.toFixed(1)} min, ${describe(cold)}.`,
      `warm (contacts table pre-warmed to ${warmTable.writeUnitsPerSecond.toLocaleString('en')} WRU/s and ${warmTable.readUnitsPerSecond.toLocaleString('en')} RRU/s: cdk deploy -c contactsWarmWriteUnits=${warmTable.writeUnitsPerSecond} -c contactsWarmReadUnits=${warmTable.readUnitsPerSecond}): ${warm.minutes.toFixed(1)} min, ${describe(warm)}.`,
    ],
    details: { inputs, cold, warmTable, warm },
  };
}
