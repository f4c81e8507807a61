/**
 * `fairness_ratio` (issue 15, item 2): how much longer a small import of workspace B takes while workspace A
 * has a large backlog in flight, than alone. Through the whole local pipeline (emulator, local runner with
 * FIFO group semantics, real handlers).
 *
 * B's 25-row import is timed alone (after a warm-up import), then A uploads nine 2,000-row files; once all
 * nine are split, A's processors start, and once they hold all of A's message groups, B uploads another
 * 25-row file and is timed from the upload to its completed job. The ratio is that time ÷ the time alone.
 * A's backlog is then abandoned, not waited for: the emulator is reset under the running invocations, which
 * fail at once, the runner stops, and the next benchmark provisions afresh — finishing A's 18,000 rows on
 * the emulator would take many minutes.
 *
 * What the ratio holds locally: B's batches never wait for a processor (the note gives the longest wait in
 * the queue), but the emulator serves one request at a time, so each of B's requests queues behind the
 * requests A's four processors keep in flight (each writes up to 8 chains at once). On AWS, DynamoDB, S3 and
 * SQS do not queue one tenant's requests behind another's.
 */
import { resetEmulator } from '../../infra/local/emulator.js';
import type { SqsFunction } from '../../infra/local/runner.js';
import { DynamoImportLedger } from '../../shared/adapters/import-ledger.js';
import { DynamoWorkspaceStore } from '../../shared/adapters/workspace-store.js';
import { GROUPS_PER_WORKSPACE } from '../../shared/resources.js';
import { generatedImport } from '../lib/files.js';
import type { LocalEnvironment, LocalPipeline, UploadedImport } from '../lib/pipeline.js';
import type { Section } from '../lib/report.js';

export interface FairnessSizes {
  /** Files of workspace A in flight. */
  readonly backlogFiles: number;
  readonly backlogRows: number;
  /** Rows of B's import. */
  readonly smallRows: number;
}

export interface FairnessResult {
  readonly sizes: FairnessSizes;
  /** B's import alone, each run (seconds, upload to completed job). */
  readonly aloneSeconds: readonly number[];
  /** B's import while A's backlog is in flight. */
  readonly behindSeconds: number;
  /** A's batches: all of them, and recorded when B was uploaded and when B completed. */
  readonly backlog: { readonly batches: number; readonly doneAtStart: number; readonly doneAtEnd: number };
  /** Most of A's message groups being processed at once. */
  readonly mostGroupsOfA: number;
  /** Longest a batch of B waited in the queue for a processor, milliseconds. */
  readonly smallQueueWaitMs: number;
  /** The whole measurement, warm-up and abandoning A included. */
  readonly seconds: number;
}

const BIG = 'fair-a';
const SMALL = 'fair-b';

/**
 * Wraps the processor: A's invocations wait until A's files are all split (so that splitting them does not
 * compete with A's own processing), and the groups A holds are counted; B's batches note how long they
 * waited in the queue for a processor (sent → first received).
 */
class Backlog {
  private readonly groups = new Set<string>();
  mostGroups = 0;
  /** Longest a batch of B waited in the queue, milliseconds. */
  smallQueueWaitMs = 0;
  private open: () => void = () => undefined;
  private readonly opened = new Promise<void>((resolve) => {
    this.open = resolve;
  });

  start(): void {
    this.open();
  }

  wrap(handler: SqsFunction): SqsFunction {
    return async (event, context) => {
      const group = event.Records[0]?.attributes.MessageGroupId ?? '';
      if (group.startsWith(`${SMALL}#`)) {
        for (const { attributes } of event.Records) {
          const waited =
            Number(attributes.ApproximateFirstReceiveTimestamp) - Number(attributes.SentTimestamp);
          this.smallQueueWaitMs = Math.max(this.smallQueueWaitMs, waited);
        }
      }
      if (!group.startsWith(`${BIG}#`)) return handler(event, context);
      await this.opened;
      this.groups.add(group);
      this.mostGroups = Math.max(this.mostGroups, this.groups.size);
      try {
        return await handler(event, context);
      } finally {
        this.groups.delete(group);
      }
    };
  }
}

async function timedImport(pipeline: LocalPipeline, seed: number, rows: number): Promise<number> {
  const file = generatedImport('line', rows, seed, { workspace: SMALL });
  const started = performance.now();
  await pipeline.waitForJob(await pipeline.upload(file.key, file.csv));
  return (performance.now() - started) / 1000;
}

/** Sums A's recorded batches; resolves `split` true once every job has been split. */
async function progressOf(
  ledger: DynamoImportLedger,
  uploads: readonly UploadedImport[],
): Promise<{ split: boolean; batches: number; done: number }> {
  const jobs = await Promise.all(uploads.map((u) => ledger.getJob(u.workspace, u.importId)));
  return {
    split: jobs.every((job) => job !== undefined && job.status !== 'splitting'),
    batches: jobs.reduce((sum, job) => sum + (job?.batchesTotal ?? 0), 0),
    done: jobs.reduce((sum, job) => sum + (job?.batchesDone ?? 0), 0),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * @example
 * const result = await measureFairness(env, { backlogFiles: 9, backlogRows: 2000, smallRows: 25 });
 * result.behindSeconds / mean(result.aloneSeconds); // fairness_ratio
 */
export async function measureFairness(env: LocalEnvironment, sizes: FairnessSizes): Promise<FairnessResult> {
  const started = performance.now();
  const backlog = new Backlog();
  const pipeline = await env.pipeline({
    wrap: (name, handler) => (name === 'processor' ? backlog.wrap(handler) : handler),
  });
  try {
    const workspaces = new DynamoWorkspaceStore(env.clients.dynamodb, pipeline.provisioned.tables.contacts);
    for (const workspace of [BIG, SMALL]) await workspaces.putSettings(workspace, {});
    const ledger = new DynamoImportLedger(env.clients.dynamodb, pipeline.provisioned.tables.imports);

    await timedImport(pipeline, 100, sizes.smallRows);
    const aloneSeconds = [
      await timedImport(pipeline, 101, sizes.smallRows),
      await timedImport(pipeline, 102, sizes.smallRows),
    ];
    await pipeline.runner.idle();

    const uploads: UploadedImport[] = [];
    for (let f = 0; f < sizes.backlogFiles; f++) {
      const file = generatedImport('line', sizes.backlogRows, 200 + f, { workspace: BIG });
      uploads.push(await pipeline.upload(file.key, file.csv));
    }
    // A's processors start once every file of A is split; B starts once they hold all of A's groups.
    while (!(await progressOf(ledger, uploads)).split) await sleep(100);
    backlog.start();
    while (backlog.mostGroups < GROUPS_PER_WORKSPACE) await sleep(50);
    const atStart = await progressOf(ledger, uploads);
    backlog.smallQueueWaitMs = 0;
    const behindSeconds = await timedImport(pipeline, 103, sizes.smallRows);
    const atEnd = await progressOf(ledger, uploads);
    // A's backlog is abandoned: the runner stops taking messages and the emulator forgets everything, so A's
    // invocations fail at once instead of running to the end of their batches; the next benchmark provisions
    // afresh.
    const stopped = pipeline.stop();
    await resetEmulator(env.emulator.endpoint);
    await stopped;
    return {
      sizes,
      aloneSeconds,
      behindSeconds,
      backlog: { batches: atEnd.batches, doneAtStart: atStart.done, doneAtEnd: atEnd.done },
      mostGroupsOfA: backlog.mostGroups,
      smallQueueWaitMs: backlog.smallQueueWaitMs,
      seconds: (performance.now() - started) / 1000,
    };
  } catch (err) {
    await pipeline.stop();
    throw err;
  }
}

/** The section of the report. */
export function fairnessSection(result: FairnessResult): Section {
  const alone = result.aloneSeconds.reduce((a, b) => a + b, 0) / result.aloneSeconds.length;
  const ratio = result.behindSeconds / alone;
  const { sizes, backlog } = result;
  return {
    metrics: [
      { name: 'fairness_ratio', value: ratio, goal: { max: 3, text: '≤ 3' } },
      { name: 'fairness_queue_wait_seconds', value: result.smallQueueWaitMs / 1000, digits: 1 },
    ],
    notes: [
      `fairness_ratio: a ${sizes.smallRows}-row import of workspace B took ${result.behindSeconds.toFixed(1)} s while workspace A had ${sizes.backlogFiles} files of ${sizes.backlogRows.toLocaleString('en')} rows in flight (${backlog.batches} batches, ${backlog.doneAtStart} done when B was uploaded, ${backlog.doneAtEnd} when B completed; A held ${result.mostGroupsOfA} of its ${GROUPS_PER_WORKSPACE} message groups), ÷ ${alone.toFixed(1)} s alone (mean of ${result.aloneSeconds.map((s) => s.toFixed(1)).join(' and ')} s, after a warm-up import); upload to completed job, local runner with FIFO group semantics. fairness_queue_wait_seconds: B's batches waited at most ${(result.smallQueueWaitMs / 1000).toFixed(1)} s in the queue for a processor (sent → first received); the rest of the slowdown is the emulator, which serves one request at a time while A's processors keep dozens in flight. A's backlog was then abandoned (emulator reset), not finished: the measurement took ${result.seconds.toFixed(0)} s.`,
    ],
    details: { ...result, ratio },
  };
}
