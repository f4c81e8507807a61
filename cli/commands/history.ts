/**
 * `imports list`: a workspace's imports, newest first, from one Query of the imports table's
 * `byWorkspace` index (never a Scan).
 */
import { OUTCOMES } from '../../shared/domain/model.js';
import { isIsoDate } from '../../shared/domain/normalise/dates.js';
import type { ImportJob } from '../../shared/pipeline/ports.js';
import { uploaderLabel } from '../../shared/pipeline/uploader.js';
import { type CommandContext, EXIT } from '../context.js';
import { UsageError } from '../errors.js';
import { progressOf, table } from '../format.js';
import { println } from '../io.js';
import { importLedger } from '../stores.js';
import { withTarget } from '../target.js';
import { parseWorkspace } from '../validate.js';

/** The most `--limit` accepts: a page of the index, a screenful of history. */
export const MAX_HISTORY_LIMIT = 1000;

export interface HistoryOptions {
  readonly workspace: string;
  readonly limit: string;
  readonly since?: string;
  readonly json?: boolean;
}

/** Parses `--limit`: a whole number from 1 to 1000. */
export function parseLimit(value: string): number {
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_HISTORY_LIMIT)
    throw new UsageError(`--limit must be a whole number from 1 to ${MAX_HISTORY_LIMIT}, got "${value}"`);
  return limit;
}

/**
 * Parses `--since`: a date `YYYY-MM-DD` (midnight UTC) or an ISO 8601 time.
 *
 * @example
 * parseSince('2026-12-01'); // 2026-12-01T00:00:00.000Z
 */
export function parseSince(value: string): Date {
  const at = new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  // Date rolls 2024-02-30 over to March: the date part must exist as written.
  if (!isIsoDate(value.slice(0, 10)) || Number.isNaN(at.getTime()))
    throw new UsageError(`--since must be a date as YYYY-MM-DD or an ISO time, got "${value}"`);
  return at;
}

/** One import as a history line's cells. */
function historyRow(job: ImportJob): string[] {
  const file = job.source.key.split('/').pop() ?? job.source.key;
  const { processed, total } = progressOf(job);
  const finished = job.status === 'completed' ? (job.outcome ?? 'completed') : job.status;
  const state = job.dryRun ? `${finished} (dry run)` : finished;
  const counts =
    job.status === 'completed'
      ? OUTCOMES.map((o) => job.counts[o] ?? 0).join('/')
      : `${processed}${total === undefined ? '' : ` of ${total}`} so far`;
  return [
    job.createdAt.replace('T', ' ').slice(0, 19),
    file,
    job.channel ?? '-',
    job.key ?? '-',
    state,
    counts,
    uploaderLabel(job.uploadedBy),
    job.importId,
  ];
}

/**
 * The history for a person: a header, one line per import.
 *
 * @example
 * historyLines([job]);
 * // ['time (UTC)           file   channel  key    outcome    created/updated/unchanged/skipped/failed  uploaded by  import', …]
 */
export function historyLines(jobs: readonly ImportJob[]): string[] {
  return table([
    ['time (UTC)', 'file', 'channel', 'key', 'outcome', OUTCOMES.join('/'), 'uploaded by', 'import'],
    ...jobs.map(historyRow),
  ]);
}

/** `imports list -w W [--limit N] [--since DATE] [--json]`. */
export async function listImports(ctx: CommandContext, options: HistoryOptions): Promise<number> {
  const workspace = parseWorkspace(options.workspace);
  const limit = parseLimit(options.limit);
  const since = options.since === undefined ? undefined : parseSince(options.since);
  const jobs = await withTarget(ctx, (target) =>
    importLedger(target).listImports(workspace, { limit, ...(since ? { since } : {}) }),
  );
  if (options.json) println(ctx.io.stdout, JSON.stringify(jobs, null, 2));
  else if (jobs.length === 0)
    println(
      ctx.io.stdout,
      `workspace ${workspace} has no imports${since ? ` since ${since.toISOString()}` : ''}`,
    );
  else for (const line of historyLines(jobs)) println(ctx.io.stdout, line);
  return EXIT.ok;
}
