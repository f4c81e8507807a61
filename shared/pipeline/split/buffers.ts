/**
 * The splitter's row buffers: one per partition (valid rows, sent as FIFO batch messages) and one for the
 * rows that are invalid before any contact is read (written as the splitter's own part files). A buffer
 * is flushed when the next row would not fit, never because an invocation ends, so the batches of a file
 * are the same however many invocations split it.
 */
import type { CsvRecord } from '../csv/tokenizer.js';
import type { PartRow } from '../messages.js';
import type { CarriedBuffer, RecordPosition } from './messages.js';

/** Rows waiting to be flushed: each serialised (a BatchRow, or a PartRow), with their numbers and size. */
export class RowBuffer {
  rows: string[] = [];
  rowNumbers: number[] = [];
  bytes = 0;
  first: RecordPosition | undefined;

  get size(): number {
    return this.rows.length;
  }

  add(record: CsvRecord, json: string, bytes: number): void {
    if (this.rows.length === 0) {
      this.first = { byteOffset: record.startByte, rowNumber: record.rowNumber, line: record.line };
    }
    this.rows.push(json);
    this.rowNumbers.push(record.rowNumber);
    this.bytes += bytes;
  }

  /** Whether one more row of `bytes` would break a limit (a row always fits in an empty buffer). */
  wouldOverflow(bytes: number, maxBytes: number, maxRows: number): boolean {
    return this.rows.length > 0 && (this.bytes + bytes > maxBytes || this.rows.length >= maxRows);
  }

  /** Hands the rows over and empties the buffer. */
  take(): { rows: string[]; rowNumbers: number[] } {
    const taken = { rows: this.rows, rowNumbers: this.rowNumbers };
    this.rows = [];
    this.rowNumbers = [];
    this.bytes = 0;
    this.first = undefined;
    return taken;
  }

  carry(index: number): CarriedBuffer {
    return {
      index,
      rows: this.rows,
      rowNumbers: this.rowNumbers,
      bytes: this.bytes,
      first: this.first as RecordPosition,
    };
  }

  static restore(carried: CarriedBuffer): RowBuffer {
    const buffer = new RowBuffer();
    buffer.rows = [...carried.rows];
    buffer.rowNumbers = [...carried.rowNumbers];
    buffer.bytes = carried.bytes;
    buffer.first = carried.first;
    return buffer;
  }
}

/** The body of a batch message around its rows: `{"kind":"batch",...,"rows":[` + rows + `]}`. */
export function batchEnvelope(
  fields: {
    workspace: string;
    importId: string;
    channel: string;
    key: string;
    importedAt: string;
    dryRun?: boolean;
  },
  batchNo: number,
): string {
  const head = JSON.stringify({ kind: 'batch', ...fields, batchNo });
  return `${head.slice(0, -1)},"rows":[`;
}

/** Rows of a splitter part, from their serialised form. */
export function partRows(rows: readonly string[]): PartRow[] {
  return rows.map((row) => JSON.parse(row) as PartRow);
}
