/**
 * Following an import until it finishes: poll the job item, show the rows processed (a progress bar on a
 * terminal, a line per change of status otherwise), stop when the job is completed.
 */
import { Presets, SingleBar } from 'cli-progress';
import type { ImportJob } from '../shared/pipeline/ports.js';
import { WaitTimeoutError } from './errors.js';
import { jobLine, paceOf, paceText, progressOf } from './format.js';
import { type CliIO, type OutputStream, println } from './io.js';

/** What the waiting shows; `update` receives undefined while the job item does not exist yet. */
export interface ProgressView {
  update(job: ImportJob | undefined): void;
  stop(): void;
}

/**
 * A bar on stderr: `importing [=====-----] 50% | 500/1000 rows | 120 rows/s, 4 s left | processing`. While
 * the file is still being split its row count is unknown: the bar stays empty and shows the rows counted
 * so far. The last state stays on screen when the bar stops (also when the wait times out).
 */
function barView(stream: OutputStream, now: () => number): ProgressView {
  const bar = new SingleBar(
    {
      stream: stream as NodeJS.WritableStream,
      format: 'importing [{bar}] {percentage}% | {rows} | {pace} | {state}',
      hideCursor: true,
      clearOnComplete: false,
    },
    Presets.shades_classic,
  );
  let started = false;
  let first: { atMs: number; processed: number } | undefined;
  return {
    update(job) {
      const { processed, total } = job ? progressOf(job) : { processed: 0, total: undefined };
      const sample = { atMs: now(), processed };
      first ??= sample;
      const payload = {
        state: job?.status ?? 'queued',
        rows: total === undefined ? `${processed} rows` : `${processed}/${total} rows`,
        pace: paceText(paceOf(first, sample, total)),
      };
      const [value, max] = total === undefined ? [0, 1] : [processed, total];
      if (!started) {
        bar.start(max, value, payload);
        started = true;
      }
      bar.setTotal(max);
      bar.update(value, payload);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

/** One line on stderr each time the job's status changes (for logs and pipes). */
function lineView(stream: OutputStream): ProgressView {
  let last = '';
  return {
    update(job) {
      const state = job?.status ?? 'queued';
      if (state === last) return;
      last = state;
      println(stream, job ? jobLine(job) : 'waiting for the import to start');
    },
    stop() {},
  };
}

/**
 * The progress view for this process: a bar only when stdout and stderr are both terminals (never in a
 * pipe, a file or CI), status lines otherwise.
 */
export function progressView(io: CliIO, now: () => number = Date.now): ProgressView {
  return io.stdout.isTTY && io.stderr.isTTY ? barView(io.stderr, now) : lineView(io.stderr);
}

export interface WaitOptions {
  readonly getJob: () => Promise<ImportJob | undefined>;
  readonly view: ProgressView;
  readonly timeoutMs: number;
  /** Time between polls. @default 1000 */
  readonly intervalMs?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls an import's job until it is completed (its report and summary are written by then).
 *
 * @example
 * const job = await waitForJob('acme.5c1f…', { getJob: () => ledger.getJob('acme', id), view, timeoutMs: 60_000 });
 * job.outcome; // 'completed_with_errors'
 */
export async function waitForJob(importId: string, options: WaitOptions): Promise<ImportJob> {
  const deadline = Date.now() + options.timeoutMs;
  try {
    for (;;) {
      const job = await options.getJob();
      options.view.update(job);
      if (job?.status === 'completed') return job;
      if (Date.now() >= deadline) {
        throw new WaitTimeoutError(importId, Math.round(options.timeoutMs / 1000), job && jobLine(job));
      }
      await sleep(options.intervalMs ?? 1000);
    }
  } finally {
    options.view.stop();
  }
}
