/**
 * `summary.json`: what an import did, in one document (RULES §7). The notification carries it too.
 */
import type { HeaderCleanup } from '../../domain/header.js';
import type { Channel, Issue, KeyName, RowCounts } from '../../domain/model.js';
import type { ImportOutcome, SkippedColumn } from '../ports.js';
import type { SweepNote } from './sweep-note.js';

export interface ReportLocations {
  /** `s3://bucket/reports/<ws>/<importId>/failures.csv` and so on: the durable locations. */
  readonly failures: string;
  readonly warnings: string;
  readonly summary: string;
  /** `report.html`: the same report as one page for a browser. */
  readonly html: string;
}

/** Whether the counts add up. Never silently wrong: a mismatch is listed here and logged as an error. */
export interface TotalsCheck {
  readonly consistent: boolean;
  /** Data rows the splitter counted in the file. */
  readonly rowsInFile: number | undefined;
  /** Sum of the counts of every part file. */
  readonly rowsCounted: number;
  readonly problems: readonly string[];
}

export interface ImportSummary {
  readonly importId: string;
  readonly workspace: string;
  readonly channel: Channel | null;
  readonly key: KeyName | null;
  readonly source: { readonly bucket: string; readonly key: string; readonly versionId: string };
  readonly encoding: string | null;
  readonly delimiter: string | null;
  readonly outcome: ImportOutcome;
  /** A dry run: the counts say what the import would do; no contact was written (RULES §1). */
  readonly dryRun: boolean;
  /**
   * When `imports cancel` stopped the import: the rows of batches applied before stay applied (counted as
   * created / updated / unchanged); the rest are skipped with CANCELLED.
   */
  readonly cancelledAt: string | null;
  /** Why the file was rejected, when it was. */
  readonly rejection: Issue | null;
  readonly timings: { readonly createdAt: string; readonly completedAt: string; readonly durationMs: number };
  readonly rows: RowCounts & { readonly total: number };
  readonly skippedColumns: readonly SkippedColumn[];
  /**
   * Errors and skips by code, over every failed or skipped row. Each code of a row counts: a row that fails
   * with a bad LINE UID, phone and email adds one to each of the three, so the sum can exceed
   * `rows.failed + rows.skipped`. The counts equal the codes before the warnings in failures.csv.
   */
  readonly errors: Readonly<Record<string, number>>;
  /** Header names that had invisible characters (ZWSP, NBSP, U+3000…) around them, removed before matching. */
  readonly headerCleanups: readonly HeaderCleanup[];
  /** Warnings by code, over every row (failed and skipped rows too): exactly the warning codes in failures.csv and warnings.csv. */
  readonly warnings: Readonly<Record<string, number>>;
  readonly flags: { readonly whatsappRiskAcceptanceRequired: boolean };
  readonly totalsCheck: TotalsCheck;
  /** Present when the sweeper finished the import (some batches never completed). */
  readonly sweep: SweepNote | null;
  readonly reports: ReportLocations;
}

/**
 * The import's outcome: rejected, cancelled, completed with errors (a row failed or was skipped), or
 * succeeded. A cancel that came after the last batch was applied skipped nothing: the import simply finished.
 *
 * @example
 * outcomeOf({ rejected: false, cancelled: true }, { ...counts, skipped: 3 }); // 'cancelled'
 */
export function outcomeOf(
  { rejected, cancelled }: { rejected: boolean; cancelled: boolean },
  counts: RowCounts,
): ImportOutcome {
  if (rejected) return 'rejected';
  if (cancelled && counts.skipped > 0) return 'cancelled';
  return counts.failed + counts.skipped > 0 ? 'completed_with_errors' : 'succeeded';
}
