/**
 * The layout of `failures.csv` and `warnings.csv`: the original header and cells, then `row_number`,
 * `error_code`, `error_message`. A row is one line: its codes joined with `; ` in `error_code`, its messages
 * in the same order in `error_message`. Written as a stream (csv-stringify piped into a multipart upload),
 * so a report of millions of rows never sits in memory.
 */
import { once } from 'node:events';
import { type Stringifier, stringify } from 'csv-stringify';
import { REPORT_COLUMNS } from '../../domain/channels.js';
import { neutralise } from '../../domain/formula-guard.js';
import { cleanHeaderName } from '../../domain/header.js';
import { errorsOf, type PartRow } from '../messages.js';
import type { ObjectStore } from '../part-store.js';

/** Joins the codes (and the messages) of one row into one cell. */
export const ISSUE_SEPARATOR = '; ';

/** Marks a warning among the errors of a failed or skipped row, so it is not read as a cause. */
export const WARNING_PREFIX = 'Warning: ';

/**
 * Maps a row's cells onto the report's columns. A report that is fixed and uploaded again carries the
 * three report columns already: they are dropped, so they never appear twice.
 */
export class ReportLayout {
  /** Indexes of the original columns the report keeps. */
  private readonly kept: readonly number[];
  readonly header: readonly string[];

  constructor(originalHeader: readonly string[]) {
    // The importer ignores these columns (see mapHeader), so a fixed report imports as is.
    this.kept = originalHeader.flatMap((name, i) =>
      REPORT_COLUMNS.includes(cleanHeaderName(name)) ? [] : [i],
    );
    this.header = [...this.kept.map((i) => originalHeader[i] as string), ...REPORT_COLUMNS].map(neutralise);
  }

  /**
   * One report line. Cells missing from the row (a short row, or cells the sweeper could not recover) are
   * blank; cells beyond the header are dropped (the row's error message says the row was too long).
   */
  private line(row: PartRow, codes: readonly string[], messages: readonly string[]): string[] {
    const cells = row.cells ?? [];
    return [
      ...this.kept.map((i) => cells[i] ?? ''),
      String(row.rowNumber),
      codes.join(ISSUE_SEPARATOR),
      messages.join(ISSUE_SEPARATOR),
    ].map(neutralise);
  }

  /**
   * The failures.csv line of a failed or skipped row: every error in column order, then the row's warnings
   * (their messages prefixed `Warning: `), so that every warning the summary counts is in a report file.
   */
  failure(row: PartRow): string[] {
    const errors = errorsOf(row);
    return this.line(
      row,
      [...errors, ...row.warnings].map((issue) => issue.code),
      [...errors.map((e) => e.message), ...row.warnings.map((w) => `${WARNING_PREFIX}${w.message}`)],
    );
  }

  /** The warnings.csv line of a row that succeeded with warnings: one line per row, warnings joined. */
  warning(row: PartRow): string[] {
    return this.line(
      row,
      row.warnings.map((w) => w.code),
      row.warnings.map((w) => w.message),
    );
  }
}

/**
 * A CSV object being uploaded while it is written. `write` waits when the upload falls behind.
 *
 * @example
 * const writer = new CsvObjectWriter(store, 'reports/acme/x/failures.csv', ',');
 * await writer.write(['a', 'b']);
 * await writer.close();
 */
export class CsvObjectWriter {
  private readonly csv: Stringifier;
  private readonly upload: Promise<void>;

  constructor(store: ObjectStore, key: string, delimiter: string) {
    // A BOM tells Excel the file is UTF-8 (names in Chinese stay readable); the importer accepts it.
    this.csv = stringify({ delimiter, bom: true });
    this.upload = store.putStream(key, this.csv, 'text/csv; charset=utf-8');
    // Awaited in close(); until then a failed upload must not crash the process as unhandled.
    this.upload.catch(() => undefined);
  }

  async write(record: readonly string[]): Promise<void> {
    if (!this.csv.write(record)) await Promise.race([once(this.csv, 'drain'), this.upload]);
  }

  async close(): Promise<void> {
    this.csv.end();
    await this.upload;
  }

  /** Stops the upload (nothing is stored) after a failure elsewhere. */
  abort(err: Error): void {
    this.csv.destroy(err);
  }
}
