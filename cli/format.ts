/**
 * How the CLI shows an import to a person: the summary as a few lines, several summaries as a table, a
 * job in progress as one line. Only counts, codes and column names are printed here, never a contact's
 * email address or phone number.
 */

import { isAbsolute, relative } from 'node:path';
import { OUTCOMES, type RowCounts } from '../shared/domain/model.js';
import type { ImportSummary } from '../shared/pipeline/aggregate/summary.js';
import type { ImportJob } from '../shared/pipeline/ports.js';

/** How fast an import goes, from the first time it was seen to now. */
export interface Pace {
  /** Rows per second, once any row has been counted since the first observation. */
  readonly rowsPerSecond: number | undefined;
  /** Seconds until every row is counted at that pace, once the file's row count is known. */
  readonly secondsLeft: number | undefined;
}

/**
 * The pace of an import between two observations of its processed rows.
 *
 * @example
 * paceOf({ atMs: 0, processed: 0 }, { atMs: 10_000, processed: 500 }, 1500);
 * // { rowsPerSecond: 50, secondsLeft: 20 }
 */
export function paceOf(
  first: { atMs: number; processed: number },
  now: { atMs: number; processed: number },
  total: number | undefined,
): Pace {
  const seconds = (now.atMs - first.atMs) / 1000;
  const rows = now.processed - first.processed;
  if (seconds <= 0 || rows <= 0) return { rowsPerSecond: undefined, secondsLeft: undefined };
  const rowsPerSecond = rows / seconds;
  const secondsLeft = total === undefined ? undefined : Math.max(0, (total - now.processed) / rowsPerSecond);
  return { rowsPerSecond, secondsLeft };
}

/**
 * A duration for a person: `45 s`, `3 min 20 s`, `1 h 5 min`.
 *
 * @example
 * humanSeconds(200); // '3 min 20 s'
 */
export function humanSeconds(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** `120 rows/s, 4 s left` (or `… rows/s` / `measuring…` while unknown). */
export function paceText(pace: Pace): string {
  if (pace.rowsPerSecond === undefined) return 'measuring speed';
  const rate = `${pace.rowsPerSecond >= 10 ? Math.round(pace.rowsPerSecond) : pace.rowsPerSecond.toFixed(1)} rows/s`;
  return pace.secondsLeft === undefined ? rate : `${rate}, ${humanSeconds(pace.secondsLeft)} left`;
}

/** Rows of a job that are counted so far (every recorded batch), and the file's data rows once known. */
export function progressOf(job: ImportJob): { processed: number; total: number | undefined } {
  const processed = OUTCOMES.reduce((sum, outcome) => sum + (job.counts[outcome] ?? 0), 0);
  return { processed, total: job.rowsTotal };
}

/**
 * One line saying where a job is.
 *
 * @example
 * jobLine(job); // 'acme.5c1f… processing: 1200 of 5000 rows'
 */
export function jobLine(job: ImportJob): string {
  const { processed, total } = progressOf(job);
  const rows = total === undefined ? `${processed} rows so far` : `${processed} of ${total} rows`;
  if (job.status === 'completed') return `${job.importId} completed: ${job.outcome ?? 'unknown outcome'}`;
  if (job.notifyPendingSince) return `${job.importId} ${job.status}: ${notificationPending(job)}`;
  if (job.status === 'rejected') return `${job.importId} rejected: ${job.rejection?.message ?? ''}`.trim();
  const mode = job.dryRun ? ' (dry run)' : '';
  const cancelling = job.cancelledAt ? `, cancelled at ${job.cancelledAt}: skipping the batches left` : '';
  return `${job.importId} ${job.status}${mode}: ${rows}${cancelling}`;
}

/**
 * What a job whose reports are written says while its notification waits to be published.
 *
 * @example
 * notificationPending(job); // 'reports written, notification pending since 2026-12-06T02:50:00.000Z (2 failed publishes, last InternalErrorException at …; retrying)'
 */
export function notificationPending(job: ImportJob): string {
  const failures = job.notifyFailures ?? 0;
  const tried =
    failures === 0
      ? 'publishing'
      : `${failures} failed publish${failures === 1 ? '' : 'es'}, last ${job.notifyError ?? 'error'} at ${job.notifyFailedAt ?? '?'}; retrying`;
  return `reports written, notification pending since ${job.notifyPendingSince} (${tried})`;
}

function countsLine(rows: RowCounts & { total: number }): string {
  return `rows: ${rows.total} total, ${OUTCOMES.map((o) => `${rows[o]} ${o}`).join(', ')}`;
}

/**
 * The summary of a finished import, for a person (a few lines; `--json` prints the document itself).
 *
 * @example
 * summaryLines(summary);
 * // ['import acme.5c1f… completed with errors (line, key phone, file contacts.csv, utf-8)',
 * //  'rows: 11 total, 4 created, 1 updated, 0 unchanged, 0 skipped, 6 failed', ...]
 */
export function summaryLines(summary: ImportSummary): string[] {
  const file = summary.source.key.split('/').pop() ?? summary.source.key;
  const what = [summary.channel, summary.key && `key ${summary.key}`, `file ${file}`, summary.encoding]
    .filter(Boolean)
    .join(', ');
  const mode = summary.dryRun ? 'dry run ' : '';
  const lines = [`import ${summary.importId} ${mode}${summary.outcome.replace(/_/g, ' ')} (${what})`];
  if (summary.rejection) lines.push(`rejected: [${summary.rejection.code}] ${summary.rejection.message}`);
  else lines.push(summary.dryRun ? `would be: ${countsLine(summary.rows)}` : countsLine(summary.rows));
  if (summary.dryRun)
    lines.push('dry run: no contact was written; upload the file outside dry-run/ to apply it');
  // Summaries written before cancelling existed have no `cancelledAt`.
  if (summary.cancelledAt) {
    lines.push(
      `cancelled at ${summary.cancelledAt}: rows of batches applied before it stay applied; the rest are skipped (CANCELLED)`,
    );
  }
  if (summary.skippedColumns.length > 0) {
    const columns = summary.skippedColumns.map((c) =>
      c.suggestion ? `${c.name} (did you mean ${c.suggestion}?)` : c.name,
    );
    lines.push(`skipped columns: ${columns.join(', ')}`);
  }
  // Summaries written before errors were counted by code have no `errors`.
  const errors = Object.entries(summary.errors ?? {});
  if (errors.length > 0) lines.push(`errors: ${errors.map(([code, n]) => `${code} x${n}`).join(', ')}`);
  if (summary.headerCleanups.length > 0) {
    const cleaned = summary.headerCleanups.map(
      (c) => `${c.name} (column ${c.column}: ${c.removed.join(' ')})`,
    );
    lines.push(`invisible characters removed around header names: ${cleaned.join(', ')}`);
  }
  const warnings = Object.entries(summary.warnings);
  if (warnings.length > 0) lines.push(`warnings: ${warnings.map(([code, n]) => `${code} x${n}`).join(', ')}`);
  if (summary.flags.whatsappRiskAcceptanceRequired) {
    lines.push(
      'flag: whatsappRiskAcceptanceRequired (the workspace has not_subscribed or opted_out WhatsApp contacts: a Risk Acceptance Form is required before sending)',
    );
  }
  if (!summary.totalsCheck.consistent) lines.push(`totals check: ${summary.totalsCheck.problems.join('; ')}`);
  lines.push(`report: ${summary.reports.failures}`);
  return lines;
}

/**
 * Text laid out in columns, widths measured in terminal cells (a Chinese character takes two). Columns are
 * left-aligned unless `align` says `right` (numbers).
 *
 * @example
 * table([['file', 'rows'], ['a.csv', '12']], ['left', 'right']); // ['file   rows', 'a.csv    12']
 */
export function table(
  rows: readonly (readonly string[])[],
  align: readonly ('left' | 'right')[] = [],
): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cellWidth(cell));
    });
  }
  return rows.map((row) =>
    row
      .map((cell, i) => {
        const pad = ' '.repeat((widths[i] ?? 0) - cellWidth(cell));
        return align[i] === 'right' ? pad + cell : cell + pad;
      })
      .join('  ')
      .trimEnd(),
  );
}

/** Terminal cells a string takes: East Asian wide characters take two. */
export function cellWidth(text: string): number {
  let width = 0;
  for (const ch of text)
    width +=
      /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u.test(
        ch,
      )
        ? 2
        : 1;
  return width;
}

/** The demo's table: one line per import with its outcome and counts. */
export function summaryTable(entries: readonly { name: string; summary: ImportSummary }[]): string[] {
  const numbers = ['total', ...OUTCOMES].map(() => 'right' as const);
  return table(
    [
      ['file', 'outcome', 'total', ...OUTCOMES],
      ...entries.map(({ name, summary }) => [
        name,
        summary.dryRun ? `${summary.outcome} (dry run)` : summary.outcome,
        String(summary.rows.total),
        ...OUTCOMES.map((o) => String(summary.rows[o])),
      ]),
    ],
    ['left', 'left', ...numbers],
  );
}

/**
 * A path as the user best reads it: relative to the working directory when inside it, absolute otherwise.
 *
 * @example
 * displayPath('/home/me', '/home/me/import-reports/x'); // 'import-reports/x'
 * displayPath('/home/me', '/tmp/x');                    // '/tmp/x'
 */
export function displayPath(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}
