/**
 * The processor's CPU per row as it would be on AWS, in two measured parts, because the local end-to-end
 * run cannot separate it (the splitter, the runner and the emulator's client share the process, and every
 * request to the emulator opens a new connection, which AWS's keep-alive endpoints do not):
 *
 * 1. `processBatch` itself — ordering, identity resolution, `decide`, planning, logging the plan, writing
 *    the part — for the batches the splitter makes of a generated file, as a first import sees them: a
 *    contact store of an empty table that answers at once and accepts every write (the differential tests'
 *    memory store checks its invariants by scanning, which would be measured instead), the other ports the
 *    split tests' fakes: CPU µs per row with no SDK at all;
 * 2. the SDK's CPU per DynamoDB call — marshalling, serialising, signing, parsing — through the same
 *    DocumentClient the store uses, with a request handler that answers at once (no network), for a
 *    conditional PutItem of a profile-sized item.
 *
 * The processor's CPU per row on AWS ≈ (1) + DynamoDB calls per row × (2); TLS and socket time are left out.
 */
import { Readable } from 'node:stream';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { parseMessage } from '../../shared/pipeline/messages.js';
import type { ContactStore } from '../../shared/pipeline/ports.js';
import { processBatch } from '../../shared/pipeline/process-batch.js';
import { type SplitDeps, splitFile } from '../../shared/pipeline/split/split-file.js';
import {
  MemoryImportLedger,
  MemoryObjectStore,
  MemorySender,
  MemoryWorkspaceStore,
} from '../../test/helpers/split/fakes.js';
import type { ImportFile } from '../lib/files.js';
import type { Section } from '../lib/report.js';
import type { PhaseResult } from './import-costs.js';

export interface ProcessorCpuResult {
  readonly rows: number;
  /** CPU µs per row of processBatch over in-memory ports. */
  readonly pipelineUsPerRow: number;
  /** CPU µs of one DynamoDB call's SDK work, no network. */
  readonly sdkUsPerCall: number;
}

const QUIET = { info: () => undefined, warn: () => undefined, error: () => undefined };

async function cpuMicros(run: () => Promise<void>): Promise<number> {
  const start = process.cpuUsage();
  await run();
  const used = process.cpuUsage(start);
  return used.user + used.system;
}

/** Splits `file` with the real splitter over in-memory ports; returns its batch messages and the ports. */
async function split(file: ImportFile) {
  const store = new MemoryObjectStore();
  const ledger = new MemoryImportLedger();
  const workspaces = new MemoryWorkspaceStore();
  const batches = new MemorySender();
  const deps: SplitDeps = {
    store,
    ledger,
    workspaces,
    batches,
    continuations: new MemorySender(),
    sendAggregate: async () => undefined,
    operators: { publish: async () => undefined },
    remainingTimeMs: () => 900_000,
    logger: QUIET,
  };
  const versionId = store.upload(file.key, file.csv);
  await splitFile({ kind: 'object', bucket: 'bench', key: file.key, versionId }, deps);
  const messages = batches.messages.map((m) => parseMessage(m.body, 'batch'));
  return { messages, store, ledger, workspaces };
}

/** CPU µs of one conditional PutItem through the DocumentClient, answered at once. */
async function sdkMicrosPerCall(calls: number): Promise<number> {
  const client = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    requestHandler: {
      handle: async () => ({
        response: {
          statusCode: 200,
          headers: { 'content-type': 'application/x-amz-json-1.0' },
          body: Readable.from([Buffer.from('{}')]),
        },
      }),
    } as never,
  });
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const item = {
    pk: 'bench#C#c-0123456789abcdef',
    sk: 'PROFILE',
    gsi1pk: 'bench#7',
    gsi1sk: 'c-0123456789abcdef',
    workspace: 'bench',
    contactId: 'c-0123456789abcdef',
    createdAt: '2026-12-06T00:00:00.000Z',
    createdBy: 'bench-import#17',
    version: 3,
    name: 'Chen Mei-Ling',
    phone: '+886912345678',
    email: 'mei-ling.chen@example.com',
    tags: ['vip', 'taipei', 'newsletter'],
    custom: { tier: 'gold', city: 'Taipei' },
    line: { uid: 'U1234567890abcdef1234567890abcdef', status: 'active' },
    writtenBy: ['bench-import#17#0', 'bench-import#3#0'],
  };
  const put = () =>
    doc.send(
      new PutCommand({
        TableName: 'contacts',
        Item: item,
        ConditionExpression: '#v = :v',
        ExpressionAttributeNames: { '#v': 'version' },
        ExpressionAttributeValues: { ':v': 2 },
      }),
    );
  for (let i = 0; i < 200; i++) await put();
  const micros = await cpuMicros(async () => {
    for (let i = 0; i < calls; i++) await put();
  });
  client.destroy();
  return micros / calls;
}

/**
 * @example
 * const { pipelineUsPerRow, sdkUsPerCall } = await measureProcessorCpu(generatedImport('line', 20_000, 7));
 */
export async function measureProcessorCpu(file: ImportFile, sdkCalls = 5000): Promise<ProcessorCpuResult> {
  const { messages, store, ledger, workspaces } = await split(file);
  const contacts: ContactStore = {
    resolve: async () => new Map(),
    getContacts: async () => new Map(),
    write: async () => undefined,
    list: async function* () {},
  };
  const rows = messages.reduce((n, m) => n + m.rows.length, 0);
  const micros = await cpuMicros(async () => {
    for (const message of messages) {
      await processBatch(message, { contacts, ledger, store, workspaces, logger: QUIET });
    }
  });
  return { rows, pipelineUsPerRow: micros / rows, sdkUsPerCall: await sdkMicrosPerCall(sdkCalls) };
}

/** DynamoDB calls per row of an import phase (every table). */
export function dynamodbCallsPerRow(phase: PhaseResult): number {
  let calls = 0;
  for (const table of Object.values(phase.dynamodb)) {
    for (const n of Object.values(table.calls)) calls += n;
  }
  return calls / phase.rows;
}

/** The processor's CPU seconds per row on AWS for an import phase: its own work + the SDK's per call. */
export function processorCpuSecondsPerRow(result: ProcessorCpuResult, phase: PhaseResult): number {
  return (result.pipelineUsPerRow + dynamodbCallsPerRow(phase) * result.sdkUsPerCall) / 1e6;
}

/** The section of the report; `first` is the first import whose DynamoDB calls the SDK's share scales by. */
export function processorSection(result: ProcessorCpuResult, first: PhaseResult): Section {
  const calls = dynamodbCallsPerRow(first);
  const us = processorCpuSecondsPerRow(result, first) * 1e6;
  return {
    metrics: [{ name: 'processor_cpu_us_per_row', value: us, unit: 'µs', digits: 0 }],
    notes: [
      `processor_cpu_us_per_row: the processor's CPU a row of a first import as it would be on AWS (one core of this machine): processBatch over ports that answer at once, ${result.pipelineUsPerRow.toFixed(0)} µs a row (${result.rows.toLocaleString('en')} rows of a generated LINE file, split by the real splitter), + ${calls.toFixed(2)} DynamoDB calls a row (the first import's) × ${result.sdkUsPerCall.toFixed(0)} µs of SDK work a call (marshal, serialise, sign, parse a conditional PutItem; no network). TLS and sockets are left out. The cost and the AWS model use this, not the local end-to-end run's CPU (which includes the splitter, the runner and a new connection to the emulator per request).`,
    ],
    details: { processor: result, dynamodbCallsPerRow: calls },
  };
}
