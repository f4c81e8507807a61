/**
 * `submit`, `status` and `report`: put a file into the pipeline, follow it, fetch what it produced.
 */
import { createReadStream, createWriteStream, mkdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { S3ObjectStore } from '../../shared/adapters/s3-object-store.js';
import { DRY_RUN_FOLDER } from '../../shared/domain/channels.js';
import { importIdFor } from '../../shared/ids.js';
import { reportKeys } from '../../shared/pipeline/aggregate/aggregate.js';
import type { ImportSummary } from '../../shared/pipeline/aggregate/summary.js';
import { ImportFinishedError, type ImportJob, type ImportOutcome } from '../../shared/pipeline/ports.js';
import { cliUploadedBy, UPLOADED_BY_METADATA } from '../../shared/pipeline/uploader.js';
import { type CommandContext, EXIT } from '../context.js';
import { ImportNotFoundError, StackUnavailableError, UsageError } from '../errors.js';
import { displayPath, jobLine, summaryLines } from '../format.js';
import { type CliIO, println } from '../io.js';
import { openerCommand, openInBrowser } from '../open.js';
import { importLedger, objectStore, registeredSettings, workspaceStore } from '../stores.js';
import { type Target, withTarget } from '../target.js';
import {
  checkCsvFile,
  incomingKey,
  parseChannel,
  parseImportId,
  parseKey,
  parseWorkspace,
} from '../validate.js';
import { progressView, waitForJob } from '../wait.js';

/** The exit code of a finished import: 0 succeeded, 2 completed with errors or cancelled, 3 rejected. */
export function exitCodeFor(outcome: ImportOutcome): number {
  if (outcome === 'rejected') return EXIT.rejected;
  return outcome === 'succeeded' ? EXIT.ok : EXIT.completedWithErrors;
}

/** The shortest default wait, and how many bytes of file one more second of waiting allows. */
const MIN_WAIT_SECONDS = 900;
const BYTES_PER_WAIT_SECOND = 2048;
const MAX_WAIT_SECONDS = 24 * 3600;

/**
 * The default `--wait` timeout for a file of `bytes`: 15 minutes, plus one second per 2 KiB (about 20
 * rows of 100 bytes a second, the local emulator's measured pace), at most a day.
 *
 * @example
 * defaultTimeoutSeconds(1_000);        // 900
 * defaultTimeoutSeconds(50 * 1048576); // 26500 (a 50 MiB file)
 */
export function defaultTimeoutSeconds(bytes: number): number {
  return Math.min(MAX_WAIT_SECONDS, MIN_WAIT_SECONDS + Math.floor(bytes / BYTES_PER_WAIT_SECOND));
}

/** Parses `--timeout` (seconds). */
export function parseTimeout(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new UsageError(`--timeout must be a positive number of seconds, got "${value}"`);
  return seconds;
}

/** The summary.json of a completed import. */
export async function readSummary(
  store: S3ObjectStore,
  workspace: string,
  importId: string,
): Promise<ImportSummary | undefined> {
  const text = await store.getText(reportKeys(workspace, importId).summary);
  return text === undefined ? undefined : (JSON.parse(text) as ImportSummary);
}

function printSummary(io: CliIO, summary: ImportSummary, json: boolean | undefined): number {
  if (json) println(io.stdout, JSON.stringify(summary, null, 2));
  else for (const line of summaryLines(summary)) println(io.stdout, line);
  return exitCodeFor(summary.outcome);
}

async function completedSummary(target: Target, job: ImportJob): Promise<ImportSummary> {
  const summary = await readSummary(objectStore(target), job.workspace, job.importId);
  if (!summary) {
    throw new StackUnavailableError(
      `import ${job.importId} is completed but its summary.json is missing from s3://${target.bucket}/${reportKeys(job.workspace, job.importId).summary}`,
    );
  }
  return summary;
}

export interface SubmitOptions {
  readonly workspace: string;
  readonly channel: string;
  readonly key: string;
  readonly wait?: boolean;
  readonly json?: boolean;
  /** Upload into the key's `dry-run/` folder: every row decided, no contact written (RULES §1). */
  readonly dryRun?: boolean;
  /** Seconds; by default it grows with the file's size (`defaultTimeoutSeconds`). */
  readonly timeout?: string;
}

/** What `submit` uploaded. */
export interface Submitted {
  readonly importId: string;
  readonly workspace: string;
  readonly bucket: string;
  readonly objectKey: string;
  readonly versionId: string;
}

/** Who runs the CLI, for the history (`uploaded by cli (<name>)`): the OS user. */
function operatorName(env: NodeJS.ProcessEnv): string {
  try {
    return env.USER || env.USERNAME || userInfo().username;
  } catch {
    return 'unknown';
  }
}

/**
 * Checks the arguments, then uploads the file to `incoming/<workspace>/<channel>/<key>/<file name>` and
 * names the import from the new object version (the pipeline derives the same id).
 *
 * @example
 * const { importId } = await uploadImport(target, io.cwd, 'a.csv', { workspace: 'acme', channel: 'line', key: 'phone' });
 */
export async function uploadImport(
  target: Target,
  cwd: string,
  file: string,
  options: Pick<SubmitOptions, 'workspace' | 'channel' | 'key' | 'dryRun'>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Submitted> {
  const workspace = parseWorkspace(options.workspace);
  const channel = parseChannel(options.channel);
  const key = parseKey(channel, options.key);
  const csv = checkCsvFile(resolve(cwd, file));
  const name = options.dryRun ? `${DRY_RUN_FOLDER}${csv.objectName}` : csv.objectName;
  const objectKey = incomingKey(workspace, channel, key, name);
  const versionId = await objectStore(target).upload(objectKey, createReadStream(csv.path), 'text/csv', {
    [UPLOADED_BY_METADATA]: cliUploadedBy(operatorName(env)),
  });
  if (!versionId) {
    throw new StackUnavailableError(
      `bucket ${target.bucket} returned no version id: versioning must be enabled (deploy or provision the stack)`,
    );
  }
  const importId = importIdFor(workspace, { bucket: target.bucket, key: objectKey, versionId });
  return { importId, workspace, bucket: target.bucket, objectKey, versionId };
}

/**
 * Waits for an import to complete and returns its summary.
 *
 * @example
 * const summary = await awaitSummary(target, io, submitted.workspace, submitted.importId, 600);
 */
export async function awaitSummary(
  target: Target,
  io: CliIO,
  workspace: string,
  importId: string,
  timeoutSeconds: number,
): Promise<ImportSummary> {
  const ledger = importLedger(target);
  const job = await waitForJob(importId, {
    getJob: () => ledger.getJob(workspace, importId),
    view: progressView(io),
    timeoutMs: timeoutSeconds * 1000,
  });
  return completedSummary(target, job);
}

/**
 * `submit <file> -w W -c C -k K [--wait] [--json]`. Without --wait prints the import id on stdout.
 */
export async function submit(ctx: CommandContext, file: string, options: SubmitOptions): Promise<number> {
  const { io } = ctx;
  parseKey(parseChannel(options.channel), options.key);
  const workspace = parseWorkspace(options.workspace);
  const csv = checkCsvFile(resolve(io.cwd, file));
  const timeout =
    options.timeout === undefined ? defaultTimeoutSeconds(csv.size) : parseTimeout(options.timeout);
  return withTarget(ctx, async (target) => {
    // The splitter would only tell the operators: say it here, before uploading (RULES §1).
    await registeredSettings(workspaceStore(target), workspace);
    const submitted = await uploadImport(target, io.cwd, file, options, io.env);
    const uri = `s3://${submitted.bucket}/${submitted.objectKey}`;
    if (!options.wait && !options.json) {
      println(io.stdout, submitted.importId);
      println(io.stderr, `uploaded to ${uri}; follow it with: npm run cli -- status ${submitted.importId}`);
      return EXIT.ok;
    }
    const mode = options.dryRun ? 'dry run ' : '';
    println(io.stderr, `import ${submitted.importId} ${mode}submitted (${uri})`);
    const summary = await awaitSummary(target, io, submitted.workspace, submitted.importId, timeout);
    return printSummary(io, summary, options.json);
  });
}

/** Local paths of a downloaded report. */
export interface ReportFiles {
  readonly failures: string;
  readonly warnings: string;
  readonly summary: string;
  /** report.html, whose links point at the three files beside it. */
  readonly html: string;
}

/**
 * Downloads failures.csv, warnings.csv and summary.json of a completed import into a folder.
 *
 * @example
 * const files = await downloadReport(target, 'acme', 'acme.5c1f…', './import-reports/acme.5c1f…');
 */
export async function downloadReport(
  target: Target,
  workspace: string,
  importId: string,
  dir: string,
): Promise<ReportFiles> {
  mkdirSync(dir, { recursive: true });
  const store = objectStore(target);
  const keys = reportKeys(workspace, importId);
  const files = {
    failures: join(dir, 'failures.csv'),
    warnings: join(dir, 'warnings.csv'),
    summary: join(dir, 'summary.json'),
    html: join(dir, 'report.html'),
  };
  for (const part of ['failures', 'warnings', 'summary', 'html'] as const) {
    await pipeline(await store.getStream(keys[part]), createWriteStream(files[part]));
  }
  return files;
}

async function findJob(target: Target, importId: string): Promise<ImportJob> {
  const { workspace } = parseImportId(importId);
  const job = await importLedger(target).getJob(workspace, importId);
  if (!job) throw new ImportNotFoundError(importId);
  return job;
}

/**
 * `status <importId> [--json]`: the job while it runs (exit 4, still running); the summary once completed,
 * with the import's exit code (0, 2, 3).
 */
export async function status(
  ctx: CommandContext,
  importId: string,
  options: { json?: boolean },
): Promise<number> {
  parseImportId(importId);
  return withTarget(ctx, async (target) => {
    const job = await findJob(target, importId);
    if (job.status === 'completed')
      return printSummary(ctx.io, await completedSummary(target, job), options.json);
    println(ctx.io.stdout, options.json ? JSON.stringify(job, null, 2) : jobLine(job));
    return EXIT.stillRunning;
  });
}

/**
 * `report <importId> [--out DIR] [--open]`: downloads failures.csv, warnings.csv, summary.json and
 * report.html, prints a fresh presigned URL of failures.csv and of report.html, and with --open opens
 * report.html in the browser.
 */
export async function report(
  ctx: CommandContext,
  importId: string,
  options: { out?: string; open?: boolean },
): Promise<number> {
  const { io } = ctx;
  parseImportId(importId);
  return withTarget(ctx, async (target) => {
    const job = await findJob(target, importId);
    if (job.status !== 'completed') {
      throw new StackUnavailableError(
        `import ${importId} is still ${job.status}: its report is written when it completes (see \`status ${importId}\`)`,
      );
    }
    const out = resolve(io.cwd, options.out ?? join('import-reports', importId));
    const files = await downloadReport(target, job.workspace, importId, out);
    for (const path of Object.values(files)) println(io.stdout, `wrote ${displayPath(io.cwd, path)}`);
    const store = objectStore(target);
    const keys = reportKeys(job.workspace, importId);
    const seconds = target.config.reportUrlExpirySeconds;
    const [url, htmlUrl] = await Promise.all([
      store.presign(keys.failures, seconds),
      store.presign(keys.html, seconds),
    ]);
    const hours = Math.round(seconds / 3600);
    println(io.stdout, `failures.csv, link valid for ${hours} h: ${url}`);
    println(io.stdout, `report.html, link valid for ${hours} h: ${htmlUrl}`);
    if (options.open) {
      const opener = await openInBrowser(files.html, io.env);
      println(
        io.stdout,
        opener
          ? `opened ${displayPath(io.cwd, files.html)} with ${opener}`
          : `no program to open it was found (${openerCommand()}): open ${files.html} in a browser`,
      );
    }
    return EXIT.ok;
  });
}

/**
 * `imports cancel <importId>`: batches not applied yet are skipped (CANCELLED); what was applied stays. The
 * import then finishes as usual, with outcome `cancelled`, its report and one notification. Refused (exit 1)
 * when the import has finished.
 */
export async function cancel(ctx: CommandContext, importId: string): Promise<number> {
  parseImportId(importId);
  return withTarget(ctx, async (target) => {
    const job = await findJob(target, importId);
    let first: boolean;
    try {
      first = await importLedger(target).cancel(job.workspace, importId);
    } catch (err) {
      if (err instanceof ImportFinishedError) throw new UsageError(err.message);
      throw err;
    }
    println(
      ctx.io.stdout,
      first
        ? `import ${importId} cancelled: batches not applied yet will be skipped (CANCELLED); follow it with: npm run cli -- status ${importId}`
        : `import ${importId} was already cancelled at ${job.cancelledAt}; follow it with: npm run cli -- status ${importId}`,
    );
    return EXIT.ok;
  });
}
