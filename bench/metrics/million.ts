/**
 * `npm run bench -- --million [rows]` (not part of the default run): a 1M-row file through the local
 * stack. The file (bench/split.ts's generator: LINE keyed by phone, 5 % repeated keys, 2 % invalid rows) is
 * written to disk piece by piece and uploaded with a multipart upload, so this process never holds it.
 *
 * Two phases, each with a runner of its own, so that each is measured alone:
 * 1. Split: only the splitter consumes (the batches wait in their queue, as they would behind busy
 *    processors). Measured: the time from the upload to the job's `batchesTotal`, and the peak RSS of this
 *    process (which runs the splitter) and of moto_server (its VmHWM).
 * 2. Apply: every function consumes, `workers` pollers a queue, for at most `applyMinutes` (0: until the
 *    import completes). Measured: rows counted per second (the job's counts, which grow batch by batch),
 *    the time a whole import would take at that rate, and — when the import completes — whether its rows
 *    add up (every row counted once: the counts sum to the file's rows, every batch recorded).
 *
 * `dryRun` uploads into the key's `dry-run/` folder: every row is decided and counted, no contact is
 * written (RULES §1) — the rest of the pipeline runs as in a real import.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Upload } from '@aws-sdk/lib-storage';
import { type Runner, startRunner } from '../../infra/local/runner.js';
import { DynamoImportLedger } from '../../shared/adapters/import-ledger.js';
import { importIdFor } from '../../shared/ids.js';
import type { ImportJob } from '../../shared/pipeline/ports.js';
import { BENCH_WORKSPACE } from '../lib/files.js';
import type { LocalEnvironment } from '../lib/pipeline.js';
import type { Section } from '../lib/report.js';
import { writeCsv } from '../split.js';

export interface MillionOptions {
  readonly rows: number;
  /** Longest the apply phase runs, minutes; 0 runs it until the import completes. */
  readonly applyMinutes: number;
  /** Upload into `dry-run/`: rows decided and counted, no contact written. */
  readonly dryRun: boolean;
  /** Pollers per queue in the apply phase. */
  readonly workers: number;
  /** Progress lines. */
  readonly progress: (message: string) => void;
}

export interface MillionResult {
  readonly rows: number;
  readonly dryRun: boolean;
  readonly workers: number;
  readonly fileMiB: number;
  readonly uploadSeconds: number;
  readonly splitSeconds: number;
  readonly batches: number;
  readonly splitterPeakRssMiB: number;
  readonly motoPeakRssMiBAfterSplit: number;
  readonly motoPeakRssMiB: number;
  readonly applySeconds: number;
  readonly rowsApplied: number;
  readonly rowsPerSecond: number;
  /** Minutes a whole apply would take at the measured rate. */
  readonly projectedApplyMinutes: number;
  readonly completed: boolean;
  /** Completed, every batch recorded and the counts summing to the file's rows. */
  readonly rowsAddUp: boolean;
  readonly counts: Record<string, number>;
  readonly load: { readonly split: number[]; readonly apply: number[] };
}

export class MillionSplitError extends Error {
  constructor(waitedSeconds: number, status: string) {
    super(`The 1M-row import was still ${status} without batchesTotal after ${waitedSeconds} s of splitting`);
    this.name = 'MillionSplitError';
  }
}

/** Peak resident set size of a process (VmHWM), MiB; 0 when /proc cannot tell. */
async function peakRssMiB(pid: number | undefined): Promise<number> {
  if (pid === undefined) return 0;
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kib = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    return kib ? Number(kib) / 1024 : 0;
  } catch {
    return 0;
  }
}

const counted = (job: ImportJob | undefined) =>
  job ? Object.values(job.counts).reduce((sum, n) => sum + n, 0) : 0;

/**
 * @example
 * const result = await measureMillion(env, { rows: 1_000_000, applyMinutes: 10, dryRun: false, workers: 4, progress });
 * result.rowsPerSecond;
 */
export async function measureMillion(env: LocalEnvironment, opts: MillionOptions): Promise<MillionResult> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'million-'));
  const provisioned = await env.provision();
  const ledger = new DynamoImportLedger(env.clients.dynamodb, provisioned.tables.imports);
  const base = { endpoint: env.emulator.endpoint, provisioned, resources: env.config.resources };
  let runner: Runner | undefined;
  try {
    const file = path.join(dir, 'million.csv');
    opts.progress(`million: writing ${opts.rows.toLocaleString('en')} rows to ${file}`);
    await writeCsv(file, opts.rows);
    const fileMiB = (await stat(file)).size / 2 ** 20;

    runner = await startRunner({
      ...base,
      sweepIntervalMs: 0,
      disabled: ['processor', 'deadBatch', 'aggregator', 'sendingHealth', 'sweeper'],
    });
    const key = `incoming/${BENCH_WORKSPACE}/line/phone/${opts.dryRun ? 'dry-run/' : ''}million.csv`;
    opts.progress(`million: uploading ${fileMiB.toFixed(0)} MiB (multipart) to ${key}`);
    const uploadStarted = performance.now();
    const uploaded = await new Upload({
      client: env.clients.s3,
      params: { Bucket: provisioned.bucket, Key: key, Body: createReadStream(file) },
      partSize: 16 * 2 ** 20,
      queueSize: 2,
    }).done();
    const uploadSeconds = (performance.now() - uploadStarted) / 1000;
    const importId = importIdFor(BENCH_WORKSPACE, {
      bucket: provisioned.bucket,
      key,
      versionId: String(uploaded.VersionId),
    });

    const splitStarted = performance.now();
    let job: ImportJob | undefined;
    for (;;) {
      job = await ledger.getJob(BENCH_WORKSPACE, importId);
      if (job?.batchesTotal !== undefined) break;
      const waited = (performance.now() - splitStarted) / 1000;
      if (waited > 3 * 3600) throw new MillionSplitError(Math.round(waited), job?.status ?? 'not started');
      await sleep(1000);
    }
    const splitSeconds = (performance.now() - splitStarted) / 1000;
    const splitLoad = os.loadavg();
    const batches = job.batchesTotal ?? 0;
    const splitterPeakRssMiB = process.resourceUsage().maxRSS / 1024;
    const motoPeakRssMiBAfterSplit = await peakRssMiB(env.emulator.pid);
    opts.progress(
      `million: split in ${splitSeconds.toFixed(0)} s into ${batches} batches; peak RSS this process ${splitterPeakRssMiB.toFixed(0)} MiB, moto ${motoPeakRssMiBAfterSplit.toFixed(0)} MiB`,
    );
    await runner.stop();

    runner = await startRunner({
      ...base,
      sweepIntervalMs: 0,
      workersPerQueue: opts.workers,
      disabled: ['sendingHealth'],
    });
    const applyStarted = performance.now();
    const budgetMs = opts.applyMinutes > 0 ? opts.applyMinutes * 60_000 : Number.POSITIVE_INFINITY;
    const startCount = counted(job);
    let lastReport = 0;
    for (;;) {
      job = await ledger.getJob(BENCH_WORKSPACE, importId);
      const elapsed = performance.now() - applyStarted;
      if (job?.status === 'completed' || elapsed > budgetMs) break;
      if (elapsed - lastReport > 60_000) {
        lastReport = elapsed;
        const done = counted(job) - startCount;
        opts.progress(
          `million: ${done.toLocaleString('en')} rows counted in ${(elapsed / 1000).toFixed(0)} s (${((done * 1000) / elapsed).toFixed(1)} rows/s), load ${os.loadavg()[0]?.toFixed(1)}, moto peak RSS ${(await peakRssMiB(env.emulator.pid)).toFixed(0)} MiB`,
        );
      }
      await sleep(2000);
    }
    const applySeconds = (performance.now() - applyStarted) / 1000;
    const rowsTotal = job?.rowsTotal ?? opts.rows;
    const rowsApplied = counted(job) - startCount;
    const rowsPerSecond = rowsApplied / applySeconds;
    const completed = job?.status === 'completed';
    return {
      rows: rowsTotal,
      dryRun: opts.dryRun,
      workers: opts.workers,
      fileMiB,
      uploadSeconds,
      splitSeconds,
      batches,
      splitterPeakRssMiB,
      motoPeakRssMiBAfterSplit,
      motoPeakRssMiB: await peakRssMiB(env.emulator.pid),
      applySeconds,
      rowsApplied,
      rowsPerSecond,
      projectedApplyMinutes: rowsPerSecond > 0 ? (rowsTotal - startCount) / rowsPerSecond / 60 : Infinity,
      completed,
      rowsAddUp: completed && counted(job) === rowsTotal && job?.batchesDone === batches,
      counts: { ...job?.counts },
      load: { split: splitLoad, apply: os.loadavg() },
    };
  } finally {
    await runner?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The section of the report. */
export function millionSection(r: MillionResult): Section {
  const rows = r.rows.toLocaleString('en');
  const load = (l: readonly number[]) => l.map((n) => n.toFixed(1)).join(' ');
  return {
    metrics: [
      { name: 'million_split_seconds', value: r.splitSeconds, digits: 0 },
      { name: 'million_splitter_peak_rss_mib', value: r.splitterPeakRssMiB, digits: 0 },
      { name: 'million_moto_peak_rss_mib', value: r.motoPeakRssMiB, digits: 0 },
      { name: 'million_apply_rows_per_second', value: r.rowsPerSecond, digits: 1 },
      { name: 'million_apply_projected_minutes', value: r.projectedApplyMinutes, digits: 0 },
      { name: 'million_rows_add_up', value: r.rowsAddUp ? 1 : 0, digits: 0 },
    ],
    notes: [
      `million_*: ${rows} rows (${r.fileMiB.toFixed(0)} MiB, LINE keyed by phone${r.dryRun ? ', uploaded to dry-run/: rows decided and counted, no contact written' : ''}) through the local stack. Upload (multipart, 16 MiB parts) ${r.uploadSeconds.toFixed(0)} s; split alone (processors not consuming) ${r.splitSeconds.toFixed(0)} s into ${r.batches.toLocaleString('en')} batches, load average ${load(r.load.split)} at its end.`,
      `million_splitter_peak_rss_mib: the peak RSS of the process that generated, uploaded and split the file (streaming all three); million_moto_peak_rss_mib: moto_server's peak RSS (VmHWM) over split and apply (${r.motoPeakRssMiBAfterSplit.toFixed(0)} MiB after the split).`,
      `million_apply_rows_per_second: rows counted per second (the job's counts, batch by batch) over ${r.applySeconds.toFixed(0)} s of apply with ${r.workers} pollers a queue, load average ${load(r.load.apply)} at its end; million_apply_projected_minutes: the whole apply at that rate. ${r.completed ? `The import completed: ${JSON.stringify(r.counts)}; rows add up: ${r.rowsAddUp ? 'yes' : 'NO'}.` : `The import did NOT complete within the apply budget (${r.rowsApplied.toLocaleString('en')} of ${rows} rows counted), so million_rows_add_up is 0: not shown, not disproved.`}`,
    ],
    details: { ...r },
  };
}
