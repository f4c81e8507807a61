/**
 * The aggregator use case: once every batch of an import is recorded (or the file was rejected), write
 * the report (failures.csv, warnings.csv, summary.json), publish the one notification, complete the job.
 * Safe to run twice: the report objects are overwritten with the same content.
 *
 * The notification is an outbox on the job item: the job becomes `completed` only after the reports exist
 * and the publish succeeded. A run leases the notification before it publishes (so two concurrent runs do
 * not both publish); a failed publish gives the lease back and throws NotificationPendingError, and the
 * message is retried with a short backoff (`notifyRetryDelaySeconds`). A run that dies between publish and
 * completion leaves a lease that expires: the retry publishes again, a rare duplicate subscribers drop by
 * the `importId` attribute.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { OUTCOMES, type RowCounts } from '../../domain/model.js';
import {
  type AggregateMessage,
  emptyCounts,
  errorsOf,
  type PartHeader,
  partsPrefix,
  reportPrefix,
} from '../messages.js';
import type { ObjectStore } from '../part-store.js';
import { type ImportJob, type ImportLedger, JobNotFoundError, type WorkspaceStore } from '../ports.js';
import { HtmlReportCollector, htmlReport } from './html-report.js';
import { mergeParts } from './merge.js';
import { importNotification } from './notification.js';
import type { Notifier } from './notifier.js';
import { CsvObjectWriter, ReportLayout } from './report.js';
import { type ImportSummary, outcomeOf, type ReportLocations } from './summary.js';
import { type SweepNote, sweepNoteKey } from './sweep-note.js';

export class JobNotReadyError extends Error {
  constructor(importId: string, status: string) {
    super(`Import ${importId} cannot be aggregated while it is ${status}`);
    this.name = 'JobNotReadyError';
  }
}

/**
 * The notification of an import is not published yet: the publish failed (the reports exist, the job
 * stays `aggregating` with the notification pending) or another run holds the lease. Retry soon.
 */
export class NotificationPendingError extends Error {
  constructor(
    readonly importId: string,
    reason: string,
  ) {
    super(`The notification of import ${importId} is pending: ${reason}`);
    this.name = 'NotificationPendingError';
  }
}

/** Seconds a run may take to publish once it holds the lease; after that another run may publish. */
export const NOTIFY_LEASE_SECONDS = 60;

export type PipelineLogger = Pick<Logger, 'info' | 'warn' | 'error'>;

export interface AggregateDeps {
  readonly ledger: ImportLedger;
  readonly store: ObjectStore;
  readonly workspaces: WorkspaceStore;
  readonly notifier: Notifier;
  /** The bucket `store` writes to, for the S3 URIs of the report. */
  readonly bucket: string;
  readonly reportUrlExpirySeconds: number;
  readonly logger: PipelineLogger;
  readonly now?: () => Date;
}

export interface AggregateResult {
  /** Undefined when the job had already been completed by an earlier delivery. */
  readonly summary: ImportSummary | undefined;
  /** Whether this run published the notification (false when an earlier run had completed the job). */
  readonly notified: boolean;
}

/** Report object keys of an import. */
export function reportKeys(workspace: string, importId: string) {
  const prefix = reportPrefix(workspace, importId);
  return {
    failures: `${prefix}failures.csv`,
    warnings: `${prefix}warnings.csv`,
    summary: `${prefix}summary.json`,
    html: `${prefix}report.html`,
  } as const;
}

interface Tally {
  readonly counts: RowCounts;
  /** Every code of every failed or skipped row (a row failing for three reasons counts under three codes). */
  readonly errors: Record<string, number>;
  readonly warnings: Record<string, number>;
  readonly problems: string[];
  /** What report.html shows of the failed and skipped rows (bounded). */
  readonly html: HtmlReportCollector;
}

const emptyTally = (): Tally => ({
  counts: emptyCounts(),
  errors: {},
  warnings: {},
  problems: [],
  html: new HtmlReportCollector(),
});

/** Streams the parts in row order into the two report writers, and tallies counts and warnings. */
async function reportRows(
  job: ImportJob,
  store: ObjectStore,
  layout: ReportLayout,
  writers: { failures: CsvObjectWriter; warnings: CsvObjectWriter },
): Promise<Tally> {
  const tally = emptyTally();
  const batches = new Map<number, string>();
  const onPart = (key: string, header: PartHeader) => {
    const seen = batches.get(header.batchNo);
    if (seen) tally.problems.push(`batch ${header.batchNo} has two part files: ${seen} and ${key}`);
    batches.set(header.batchNo, key);
    for (const outcome of OUTCOMES) tally.counts[outcome] += header.counts[outcome] ?? 0;
  };
  const partKeys = await store.list(`${partsPrefix(job.workspace, job.importId)}rows/`);
  let previous = 0;
  let reported = 0;
  for await (const row of mergeParts(store, partKeys, onPart)) {
    if (row.rowNumber <= previous) tally.problems.push(`row ${row.rowNumber} is reported twice`);
    previous = row.rowNumber;
    // A failed row's warnings are counted here and shown in failures.csv with its errors: the counts are
    // exactly what the two files show.
    for (const w of row.warnings) tally.warnings[w.code] = (tally.warnings[w.code] ?? 0) + 1;
    if (row.outcome === 'failed' || row.outcome === 'skipped') {
      if (!row.error) tally.problems.push(`row ${row.rowNumber} is ${row.outcome} without a reason`);
      for (const e of errorsOf(row)) tally.errors[e.code] = (tally.errors[e.code] ?? 0) + 1;
      reported += 1;
      tally.html.add(row);
      await writers.failures.write(layout.failure(row));
    } else if (row.warnings.length > 0) {
      await writers.warnings.write(layout.warning(row));
    }
  }
  const expected = tally.counts.failed + tally.counts.skipped;
  if (reported !== expected) {
    tally.problems.push(`the parts count ${expected} failed or skipped rows but list ${reported}`);
  }
  return tally;
}

/** Writes failures.csv and warnings.csv (header only for a rejected file); nothing is stored on failure. */
async function writeRowReports(
  job: ImportJob,
  store: ObjectStore,
  keys: ReturnType<typeof reportKeys>,
): Promise<Tally> {
  const layout = new ReportLayout(job.header ?? []);
  const delimiter = job.delimiter ?? ',';
  const writers = {
    failures: new CsvObjectWriter(store, keys.failures, delimiter),
    warnings: new CsvObjectWriter(store, keys.warnings, delimiter),
  };
  try {
    await writers.failures.write(layout.header);
    await writers.warnings.write(layout.header);
    const tally = job.rejection ? emptyTally() : await reportRows(job, store, layout, writers);
    await Promise.all([writers.failures.close(), writers.warnings.close()]);
    return tally;
  } catch (err) {
    writers.failures.abort(err as Error);
    writers.warnings.abort(err as Error);
    throw err;
  }
}

function checkTotals(job: ImportJob, tally: Tally): string[] {
  if (job.rejection) return tally.problems;
  const problems = [...tally.problems];
  const counted = OUTCOMES.reduce((sum, o) => sum + tally.counts[o], 0);
  if (job.rowsTotal === undefined) problems.push('the splitter never counted the rows of the file');
  else if (counted !== job.rowsTotal) {
    problems.push(`the file has ${job.rowsTotal} data rows but the parts account for ${counted}`);
  }
  const differing = OUTCOMES.filter((o) => (job.counts[o] ?? 0) !== tally.counts[o]);
  if (differing.length > 0) {
    problems.push(
      `the job's counters differ from the parts for ${differing
        .map((o) => `${o} (job ${job.counts[o] ?? 0}, parts ${tally.counts[o]})`)
        .join(', ')}`,
    );
  }
  return problems;
}

async function readSweepNote(deps: AggregateDeps, job: ImportJob): Promise<SweepNote | null> {
  const text = await deps.store.getText(sweepNoteKey(job.workspace, job.importId));
  return text === undefined ? null : (JSON.parse(text) as SweepNote);
}

interface SummaryInputs {
  readonly job: ImportJob;
  readonly tally: Tally;
  readonly problems: readonly string[];
  readonly riskFlag: boolean;
  readonly sweep: SweepNote | null;
  readonly reports: ReportLocations;
  readonly now: Date;
}

function summarise({ job, tally, problems, riskFlag, sweep, reports, now }: SummaryInputs): ImportSummary {
  const rowsCounted = OUTCOMES.reduce((sum, o) => sum + tally.counts[o], 0);
  const completedAt = job.completedAt ?? now.toISOString();
  return {
    importId: job.importId,
    workspace: job.workspace,
    channel: job.channel ?? null,
    key: job.key ?? null,
    source: { bucket: job.source.bucket, key: job.source.key, versionId: job.source.versionId },
    encoding: job.encoding ?? null,
    delimiter: job.delimiter ?? null,
    outcome: outcomeOf(
      { rejected: Boolean(job.rejection), cancelled: job.cancelledAt !== undefined },
      tally.counts,
    ),
    dryRun: job.dryRun === true,
    cancelledAt: job.cancelledAt ?? null,
    rejection: job.rejection ?? null,
    timings: {
      createdAt: job.createdAt,
      completedAt,
      durationMs: Date.parse(completedAt) - Date.parse(job.createdAt),
    },
    rows: { total: rowsCounted, ...tally.counts },
    skippedColumns: job.skippedColumns ?? [],
    errors: tally.errors,
    headerCleanups: job.headerCleanups ?? [],
    warnings: tally.warnings,
    flags: { whatsappRiskAcceptanceRequired: riskFlag },
    totalsCheck: {
      consistent: problems.length === 0,
      rowsInFile: job.rejection ? rowsCounted : job.rowsTotal,
      rowsCounted,
      problems,
    },
    sweep,
    reports,
  };
}

/**
 * Publishes the import's notification under the lease; gives the lease back if the publish fails. The URLs
 * are signed before the claim, so only the publish itself (retried by the SDK) happens under the lease.
 */
async function publishUnderLease(
  deps: AggregateDeps,
  summary: ImportSummary,
  keys: ReturnType<typeof reportKeys>,
  now: Date,
): Promise<void> {
  const { workspace, importId } = summary;
  const [url, htmlUrl] = await Promise.all([
    deps.store.presign(keys.failures, deps.reportUrlExpirySeconds),
    deps.store.presign(keys.html, deps.reportUrlExpirySeconds),
  ]);
  if (!(await deps.ledger.claimNotification(workspace, importId, NOTIFY_LEASE_SECONDS))) {
    throw new NotificationPendingError(importId, 'another run is publishing it');
  }
  const expiresAt = new Date(now.getTime() + deps.reportUrlExpirySeconds * 1000).toISOString();
  try {
    await deps.notifier.publish(importNotification(summary, { url, expiresAt }, { url: htmlUrl, expiresAt }));
  } catch (err) {
    const error = (err as Error).name ?? 'Error';
    deps.logger.warn('publishing the notification failed; it stays pending', { importId, error });
    await deps.ledger.releaseNotification(workspace, importId, error);
    throw new NotificationPendingError(importId, `the publish failed (${error})`);
  }
}

/**
 * Writes the report of an import, notifies once and completes the job.
 *
 * @example
 * const { summary, notified } = await aggregateImport({ kind: 'aggregate', workspace, importId }, deps);
 */
export async function aggregateImport(
  message: AggregateMessage,
  deps: AggregateDeps,
): Promise<AggregateResult> {
  const { workspace, importId } = message;
  const job = await deps.ledger.getJob(workspace, importId);
  if (!job) throw new JobNotFoundError(workspace, importId);
  if (job.status === 'completed') {
    deps.logger.info('import already completed; nothing to do', { importId, outcome: job.outcome });
    return { summary: undefined, notified: false };
  }
  if (!job.rejection && job.status !== 'aggregating' && job.status !== 'rejected') {
    throw new JobNotReadyError(importId, job.status);
  }

  const keys = reportKeys(workspace, importId);
  const tally = await writeRowReports(job, deps.store, keys);
  const problems = checkTotals(job, tally);
  if (problems.length > 0) {
    deps.logger.error('import totals do not add up', { importId, rowsInFile: job.rowsTotal, problems });
  }
  const [settings, sweep] = await Promise.all([
    deps.workspaces.getSettings(workspace),
    readSweepNote(deps, job),
  ]);
  const uri = (key: string) => `s3://${deps.bucket}/${key}`;
  const now = deps.now?.() ?? new Date();
  const summary = summarise({
    job,
    tally,
    problems,
    riskFlag: settings.flags.whatsappRiskAcceptanceRequired === true,
    sweep,
    reports: {
      failures: uri(keys.failures),
      warnings: uri(keys.warnings),
      summary: uri(keys.summary),
      html: uri(keys.html),
    },
    now,
  });
  await deps.store.put(keys.summary, `${JSON.stringify(summary, null, 2)}\n`, 'application/json');
  await deps.store.put(
    keys.html,
    htmlReport(summary, job.header ?? [], tally.html),
    'text/html; charset=utf-8',
  );

  await publishUnderLease(deps, summary, keys, now);
  await deps.ledger.complete(workspace, importId, summary.outcome);
  deps.logger.info('import completed', { importId, outcome: summary.outcome, rows: summary.rows });
  return { summary, notified: true };
}
