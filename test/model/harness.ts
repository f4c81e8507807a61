/**
 * The differential harness: runs a generated scenario through the pipeline's public entry points
 * (`splitFile`, then `processBatch` per batch message) and compares the contacts a user would export with
 * the oracle's, for some order RULES §9 allows.
 *
 * Delivery follows SQS FIFO: within a message group, messages are processed in order and one at a time;
 * across groups (and imports) anything goes, and every call a processor makes to its ports is a point
 * where fast-check's scheduler may switch to another delivery. On top of that: a message processed again
 * after it succeeded, a message delivered twice at the same moment, and crashes (a contact write that
 * throws before or after it applies, a ledger record that throws) after which the dying delivery can do
 * nothing more and the message is delivered again.
 */
import type fc from 'fast-check';
import { isIssue } from '../../shared/domain/channels.js';
import { mapHeader } from '../../shared/domain/header.js';
import { type Contact, OUTCOMES, type RowCounts, type RowInput } from '../../shared/domain/model.js';
import { createRowValidator } from '../../shared/domain/row.js';
import { parsePart } from '../../shared/pipeline/aggregate/part-file.js';
import { type BatchMessage, emptyCounts, parseMessage, partsPrefix } from '../../shared/pipeline/messages.js';
import type { ContactStore, ImportJob } from '../../shared/pipeline/ports.js';
import { processBatch } from '../../shared/pipeline/process-batch.js';
import { isContinuation } from '../../shared/pipeline/split/messages.js';
import { type SplitDeps, splitFile } from '../../shared/pipeline/split/split-file.js';
import {
  MemoryImportLedger,
  MemoryObjectStore,
  MemorySender,
  MemoryWorkspaceStore,
} from '../helpers/split/fakes.js';
import { CrashCounter, crashingContactStore, InjectedCrashError } from './memory-contact-store.js';
import { stateOf, userView } from './oracle.js';
import { type ModelImport, type Reached, reachableFinals } from './orders.js';
import { csvOf, type FileSpec, type Scenario } from './scenario.js';

const BUCKET = 'uploads';
/** Deliveries of one message before it would go to the dead-letter queue. */
const MAX_ATTEMPTS = 10;
/** Quiet, unless MODEL_DEBUG is set: then the pipeline's log lines go to the console to explain a failure. */
const silent = process.env.MODEL_DEBUG
  ? {
      info: (message: string, ...data: unknown[]) => console.log('info', message, JSON.stringify(data[0])),
      warn: (message: string, ...data: unknown[]) => console.log('warn', message, JSON.stringify(data[0])),
      error: (message: string, ...data: unknown[]) => console.log('error', message, JSON.stringify(data[0])),
    }
  : { info: () => undefined, warn: () => undefined, error: () => undefined };

/** A scenario whose pipeline result no allowed order explains. */
export class DifferentialError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DifferentialError';
  }
}

/**
 * The ledger in memory with `recordBatch` atomic (the helper's reads the job across an await, which loses
 * counts when two batches record at the same moment — a fake's artefact, not the product's).
 */
class AtomicLedger extends MemoryImportLedger {
  override async recordBatch(workspace: string, importId: string, batchNo: number, counts: RowCounts) {
    const id = `${workspace}/${importId}`;
    const recorded = this.batches.get(id);
    const job = this.jobs.get(id);
    if (!recorded || !job) throw new Error(`no job ${importId}`);
    if (recorded.has(batchNo)) return { counted: false, job };
    recorded.set(batchNo, counts);
    const sum = { ...job.counts };
    for (const outcome of OUTCOMES) sum[outcome] += counts[outcome];
    const next: ImportJob = { ...job, counts: sum, batchesDone: job.batchesDone + 1 };
    this.jobs.set(id, next);
    return { counted: true, job: next };
  }
}

/** The ports of one run: the contact store under test (memory or DynamoDB) and a fresh workspace. */
export interface RunPorts {
  readonly contacts: ContactStore;
  readonly workspace: string;
}

interface Life {
  dead: boolean;
}

/**
 * A port whose every call first waits for the scheduler, then fails if its process already died. An
 * injected crash kills the process.
 */
function guarded<T extends object>(
  port: T,
  life: Life,
  pause: (label: string) => Promise<void>,
  label: string,
): T {
  return new Proxy(port, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function' || prop === 'list') return value;
      return async (...args: unknown[]) => {
        await pause(`${label}.${String(prop)}`);
        if (life.dead) throw new InjectedCrashError('after the process died');
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } catch (err) {
          if (err instanceof InjectedCrashError) life.dead = true;
          throw err;
        }
      };
    },
  });
}

interface SplitOutcome {
  readonly importId: string;
  readonly file: FileSpec;
}

/** Uploads and splits every file to the end (continuations included); returns the batch messages by group. */
async function splitAll(
  scenario: Scenario,
  ports: RunPorts,
  shared: { store: MemoryObjectStore; ledger: AtomicLedger; workspaces: MemoryWorkspaceStore },
): Promise<{ imports: SplitOutcome[]; groups: Map<string, BatchMessage[]> }> {
  const batches = new MemorySender();
  const continuations = new MemorySender();
  let budget = 0;
  const deps: SplitDeps = {
    ...shared,
    batches,
    continuations,
    sendAggregate: async () => undefined,
    operators: { publish: async () => undefined },
    remainingTimeMs: () => {
      budget--;
      return scenario.delivery.recordsPerInvocation !== undefined && budget <= 0 ? 0 : 900_000;
    },
    logger: silent,
    tuning: { maxBatchRows: scenario.delivery.maxBatchRows },
  };
  const invoke = async (request: Parameters<typeof splitFile>[0]) => {
    budget = scenario.delivery.recordsPerInvocation ?? Number.POSITIVE_INFINITY;
    return splitFile(request, deps);
  };
  const imports: SplitOutcome[] = [];
  let seen = 0;
  for (const [index, file] of scenario.files.entries()) {
    const key = `incoming/${ports.workspace}/${file.channel}/${file.key}/f${index}.csv`;
    const versionId = shared.store.upload(key, csvOf(file));
    const first = await invoke({ kind: 'object', bucket: BUCKET, key, versionId });
    if (!('importId' in first) || first.importId === undefined)
      throw new Error(`split of ${key}: ${first.status}`);
    imports.push({ importId: first.importId, file });
    while (continuations.messages.length > seen) {
      const body = JSON.parse((continuations.messages[seen] as { body: string }).body) as unknown;
      seen++;
      if (!isContinuation(body)) throw new Error('not a continuation');
      await invoke(body);
    }
  }
  const groups = new Map<string, BatchMessage[]>();
  for (const message of batches.messages) {
    const group = message.groupId ?? 'none';
    groups.set(group, [...(groups.get(group) ?? []), parseMessage(message.body, 'batch')]);
  }
  return { imports, groups };
}

/** The delivery's random choices, consumed in order. */
class Choices {
  private next = 0;
  constructor(private readonly values: readonly number[]) {}
  /** True with `percent` % chance. */
  chance(percent: number): boolean {
    const value = this.values[this.next++ % this.values.length] ?? 0;
    return value < percent;
  }
}

/** Delivers every group's messages as SQS FIFO may, with the scenario's redeliveries, duplicates and crashes. */
async function deliverAll(
  scenario: Scenario,
  groups: Map<string, BatchMessage[]>,
  deps: {
    contacts: ContactStore;
    ledger: AtomicLedger;
    store: MemoryObjectStore;
    workspaces: MemoryWorkspaceStore;
  },
  scheduler: fc.Scheduler | undefined,
): Promise<number> {
  const { delivery } = scenario;
  const counter = new CrashCounter({
    beforeWrite: new Set(delivery.beforeWrite),
    afterWrite: new Set(delivery.afterWrite),
    beforeRecord: new Set(delivery.beforeRecord),
  });
  const contacts = crashingContactStore(deps.contacts, counter);
  const choices = new Choices(delivery.choices);
  let redeliveries = delivery.redeliveries;
  let duplicates = delivery.duplicates;
  const pause = async (label: string) => {
    if (scheduler) await scheduler.schedule(Promise.resolve(label), label);
  };
  const failures: string[] = [];

  const deliverOnce = async (message: BatchMessage): Promise<boolean> => {
    const life: Life = { dead: false };
    const ledger = guarded(deps.ledger, life, pause, 'ledger');
    const crashingLedger = new Proxy(ledger, {
      get(target, prop) {
        if (prop !== 'recordBatch') return Reflect.get(target, prop, target);
        return async (...args: Parameters<AtomicLedger['recordBatch']>) => {
          const n = ++counter.records;
          if (counter.plan.beforeRecord.has(n)) {
            life.dead = true;
            counter.crashes++;
            throw new InjectedCrashError(`before record ${n}`);
          }
          return target.recordBatch(...args);
        };
      },
    });
    try {
      await processBatch(message, {
        contacts: guarded(contacts, life, pause, 'contacts'),
        ledger: crashingLedger,
        store: guarded(deps.store, life, pause, 'store'),
        workspaces: guarded(deps.workspaces, life, pause, 'workspaces'),
        logger: silent,
      });
      return true;
    } catch (err) {
      life.dead = true;
      if (!(err instanceof InjectedCrashError))
        failures.push(`batch ${message.batchNo}: ${(err as Error).stack}`);
      return false;
    }
  };

  const deliverUntilDone = async (message: BatchMessage): Promise<void> => {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const twice = duplicates > 0 && choices.chance(25);
      if (twice) duplicates--;
      const results = await Promise.all(
        twice ? [deliverOnce(message), deliverOnce(message)] : [deliverOnce(message)],
      );
      if (results.some(Boolean)) return;
    }
    throw new DifferentialError(
      `batch ${message.batchNo} of ${message.importId} failed ${MAX_ATTEMPTS} times:\n${failures.join('\n')}`,
    );
  };

  const runGroup = async (messages: readonly BatchMessage[]) => {
    for (const message of messages) {
      await deliverUntilDone(message);
      if (redeliveries > 0 && choices.chance(30)) {
        redeliveries--;
        await deliverUntilDone(message);
      }
    }
  };

  const all = Promise.all([...groups.values()].map(runGroup));
  await (scheduler ? scheduler.waitFor(all) : all);
  return counter.crashes;
}

interface Expected {
  /** Per import (in logical order): rows the validator already failed or skipped, and the data rows. */
  readonly invalid: RowCounts;
  readonly dataRows: number;
  readonly imports: ModelImport[];
}

/** What the oracle needs: each file's valid rows from the real validator, files in logical creation order. */
function expectedInputs(imports: readonly SplitOutcome[], jobs: readonly ImportJob[]): Expected {
  const invalid = emptyCounts();
  let dataRows = 0;
  const ordered = imports
    .map((imported) => ({ imported, job: jobs.find((j) => j.importId === imported.importId) as ImportJob }))
    .sort(
      (a, b) =>
        a.job.createdAt.localeCompare(b.job.createdAt) || a.job.importId.localeCompare(b.job.importId),
    );
  const modelImports = ordered.map(({ imported: { file }, job }, index) => {
    const mapping = mapHeader(file.header, file.channel, file.key, []);
    if (isIssue(mapping)) throw new Error(`header rejected: ${mapping.message}`);
    const validate = createRowValidator({
      mapping,
      settings: { region: 'TW', timeZone: 'Asia/Taipei' },
      now: new Date(job.createdAt),
    });
    const rows: RowInput[] = [];
    file.rows.forEach((cells, i) => {
      if (cells.every((cell) => cell.trim() === '')) return;
      dataRows++;
      const result = validate(cells, i + 2);
      if (result.ok) rows.push(result.row);
      else invalid[result.outcome]++;
    });
    return { file: { channel: file.channel, order: index + 1 }, rows };
  });
  return { invalid, dataRows, imports: modelImports };
}

const sum = (counts: RowCounts) => OUTCOMES.reduce((total, outcome) => total + counts[outcome], 0);
const add = (a: RowCounts, b: RowCounts): RowCounts =>
  Object.fromEntries(OUTCOMES.map((o) => [o, a[o] + b[o]])) as RowCounts;

/** Every row accounted for exactly once: the job's counters, its rows and its part files agree. */
async function checkAccounting(
  store: MemoryObjectStore,
  job: ImportJob,
  fileRows: number,
  scenario: Scenario,
): Promise<RowCounts> {
  const problems: string[] = [];
  if (job.rowsTotal !== fileRows) problems.push(`rowsTotal ${job.rowsTotal}, the file has ${fileRows} rows`);
  if (job.batchesDone !== job.batchesTotal) problems.push(`batches ${job.batchesDone}/${job.batchesTotal}`);
  if (sum(job.counts) !== fileRows)
    problems.push(`counts ${JSON.stringify(job.counts)} sum to ${sum(job.counts)}`);
  let parts = emptyCounts();
  for (const key of await store.list(`${partsPrefix(job.workspace, job.importId)}rows/`)) {
    parts = add(parts, parsePart(key, (await store.getText(key)) ?? '').header.counts);
  }
  if (JSON.stringify(parts) !== JSON.stringify(job.counts)) {
    problems.push(`part files count ${JSON.stringify(parts)}, the job ${JSON.stringify(job.counts)}`);
  }
  if (problems.length > 0) {
    throw new DifferentialError(
      `rows not accounted exactly once: ${problems.join('; ')}\n${describeScenario(scenario)}`,
    );
  }
  return job.counts;
}

/** A readable account of a scenario, for a failure message. */
export function describeScenario(scenario: Scenario): string {
  const stored = scenario.stored.map(
    (c) => `  ${c.contactId} ${c.createdAt}: ${userView([{ ...c, workspace: '' }])[0]}`,
  );
  const files = scenario.files.map(
    (f, i) =>
      `file ${i} (${f.channel}, key ${f.key}):\n${csvOf(f)
        .trimEnd()
        .split('\r\n')
        .map((l) => `  ${l}`)
        .join('\n')}`,
  );
  const { choices: _c, ...delivery } = scenario.delivery;
  return [`stored:`, ...stored, ...files, `delivery: ${JSON.stringify(delivery)}`].join('\n');
}

function difference(actual: readonly string[], expected: readonly string[]): string {
  const missing = expected.filter((line) => !actual.includes(line));
  const extra = actual.filter((line) => !expected.includes(line));
  return [...missing.map((l) => `  - ${l}`), ...extra.map((l) => `  + ${l}`)].join('\n');
}

export interface RunOptions {
  /**
   * Also require the row counts to be those of an allowed order that reaches the same contacts (a row
   * reported `created` must have created). Off: only the accounting (every row counted once) is checked.
   * @default true
   */
  readonly exactOutcomes?: boolean;
}

export interface RunReport {
  readonly finals: number;
  readonly contacts: number;
  readonly crashes: number;
}

/**
 * Runs one scenario and throws a DifferentialError when the pipeline's contacts (or counts) match no
 * order RULES §9 allows.
 *
 * @example
 * await runScenario(scenario, { contacts: new MemoryContactStore(), workspace: 'model-1' }, scheduler);
 */
export async function runScenario(
  scenario: Scenario,
  ports: RunPorts,
  scheduler: fc.Scheduler | undefined,
  options: RunOptions = {},
): Promise<RunReport> {
  const shared = {
    store: new MemoryObjectStore(),
    ledger: new AtomicLedger(),
    workspaces: new MemoryWorkspaceStore(),
  };
  for (const contact of scenario.stored) {
    await ports.contacts.write(ports.workspace, [{ contact: { ...contact, workspace: ports.workspace } }]);
  }
  const storedNow: Contact[] = [];
  for await (const page of ports.contacts.list(ports.workspace)) storedNow.push(...page);

  const { imports, groups } = await splitAll(scenario, ports, shared);
  const crashes = await deliverAll(scenario, groups, { ...shared, contacts: ports.contacts }, scheduler);

  const final: Contact[] = [];
  for await (const page of ports.contacts.list(ports.workspace)) final.push(...page);
  const actual = userView(final);
  const jobs = [...shared.ledger.jobs.values()];
  const expected = expectedInputs(imports, jobs);
  let counted = emptyCounts();
  for (const { importId, file } of imports) {
    const job = jobs.find((j) => j.importId === importId) as ImportJob;
    const rows = file.rows.filter((cells) => cells.some((cell) => cell.trim() !== '')).length;
    counted = add(counted, await checkAccounting(shared.store, job, rows, scenario));
    if (process.env.MODEL_DEBUG) {
      console.log('RUNEND', importId, JSON.stringify(job.counts));
      for (const key of await shared.store.list(`${partsPrefix(job.workspace, importId)}plans/`)) {
        console.log('PLAN', key.slice(-14), (await shared.store.getText(key))?.slice(0, 1500));
      }
    }
  }

  const finals: Reached[] = reachableFinals(stateOf(storedNow), expected.imports);
  const same = finals.filter((f) => JSON.stringify(userView(f.state.values())) === JSON.stringify(actual));
  if (same.length === 0) {
    if (process.env.MODEL_DEBUG) console.log('FAIL', ports.workspace);
    const closest = finals[0] as Reached;
    throw new DifferentialError(
      `the contacts match none of the ${finals.length} final states the allowed orders reach\n${describeScenario(scenario)}\n` +
        `pipeline (+) vs the oracle in one allowed order (-):\n${difference(actual, userView(closest.state.values()))}`,
    );
  }
  if (process.env.MODEL_DEBUG) {
    console.log('ACTUAL', JSON.stringify(actual, null, 1));
    for (const f of finals)
      console.log('FINAL', JSON.stringify(f.counts), JSON.stringify(userView(f.state.values()), null, 1));
  }
  const countsMatch = same.some(
    (f) => JSON.stringify(add(f.counts, expected.invalid)) === JSON.stringify(counted),
  );
  if (!countsMatch && options.exactOutcomes !== false) {
    throw new DifferentialError(
      `the contacts are right but the counts ${JSON.stringify(counted)} match no allowed order: ` +
        `${same.map((f) => JSON.stringify(add(f.counts, expected.invalid))).join(' or ')}\n${describeScenario(scenario)}`,
    );
  }
  return { finals: finals.length, contacts: final.length, crashes };
}

/** Runs per differential property: MODEL_RUNS (set by `npm run test:model -- --runs N`), else `fallback`. */
export function modelRuns(fallback: number): number {
  return process.env.MODEL_RUNS ? Number(process.env.MODEL_RUNS) : fallback;
}

/**
 * fast-check parameters of a differential property, with MODEL_SEED / MODEL_PATH to replay a failure
 * fast-check reported, and `suiteSeed` to pin the seed in `npm test` (never in a campaign).
 *
 * @example
 * await fc.assert(property, modelParameters(modelRuns(200))); // MODEL_SEED=-1330160286 MODEL_PATH="0:0:1"
 */
export function modelParameters(numRuns: number, suiteSeed?: number): fc.Parameters<unknown> {
  const { MODEL_SEED, MODEL_PATH, MODEL_RUNS } = process.env;
  // A campaign (MODEL_RUNS set) always draws fresh seeds; the suite may pin one (see the caller's reason).
  const seed = MODEL_SEED ? Number(MODEL_SEED) : MODEL_RUNS ? undefined : suiteSeed;
  return {
    numRuns,
    ...(seed === undefined ? {} : { seed }),
    ...(MODEL_PATH ? { path: MODEL_PATH } : {}),
  };
}
