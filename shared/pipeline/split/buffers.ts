/**
 * The splitter's row buffers: one per partition (valid rows, sent as FIFO batch messages) and one for the
 * rows that are invalid before any contact is read (written as the splitter's own part files). A buffer
 * is flushed when the next row would not fit, never because an invocation ends, so the batches of a file
 * are the same however many invocations split it.
 */
import type { CsvRecord } from '../csv/tokenizer.js';
import type { PartRow } from '../messages.js';
import type { CarriedBuffer, RecordPosition } from './messages.js';

const COMMA = 0x2c;
/** First capacity of a buffer's bytes; it doubles as needed and is kept (reused) after each flush. */
const FIRST_CAPACITY = 16 * 1024;

/**
 * Rows waiting to be flushed, each serialised (a compact batch row, or a PartRow), held as the UTF-8 bytes
 * they are sent as, joined by commas: a row is encoded once, its size is known without measuring a string,
 * and a flush makes one string of the whole message. Building a message of large strings instead (join,
 * then concatenation, then flattening for its size) made two or three fresh large-object allocations of
 * each ~250 KB message, which cost the splitter more CPU than reading the file (see README, design notes).
 *
 * A row is `measure`d first (encoded into a scratch buffer), so the caller can flush the buffer before it
 * is `add`ed.
 */
export class RowBuffer {
  rowNumbers: number[] = [];
  /** Size of the rows held, each counted with one separator byte. */
  bytes = 0;
  first: RecordPosition | undefined;
  private data: Buffer;
  /** End of the rows held in `data`; they start at `head`. */
  private used: number;
  /** End offset of each row in `data`. */
  private ends: number[] = [];
  private scratch = Buffer.allocUnsafe(1024);
  private measured = 0;

  /** @param head bytes kept free in front of the rows, for the envelope of a message (see takeMessage) */
  constructor(private readonly head = 0) {
    this.data = Buffer.allocUnsafe(head + FIRST_CAPACITY);
    this.used = head;
  }

  get size(): number {
    return this.ends.length;
  }

  /** Encodes a row (not yet added) and returns its size: its UTF-8 bytes and a separator. */
  measure(json: string): number {
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    if (json.length * 3 > this.scratch.length) this.scratch = Buffer.allocUnsafe(json.length * 3);
    this.measured = this.scratch.write(json);
    return this.measured + 1;
  }

  /** Adds the row last measured. */
  add(record: CsvRecord): void {
    if (this.ends.length === 0) {
      this.first = { byteOffset: record.startByte, rowNumber: record.rowNumber, line: record.line };
    }
    this.append(this.scratch, this.measured, record.rowNumber);
  }

  private append(bytes: Buffer, length: number, rowNumber: number): void {
    const separator = this.ends.length > 0 ? 1 : 0;
    const end = this.used + separator + length;
    this.reserve(end);
    if (separator) this.data[this.used] = COMMA;
    bytes.copy(this.data, this.used + separator, 0, length);
    this.used = end;
    this.ends.push(end);
    this.rowNumbers.push(rowNumber);
    this.bytes += length + 1;
  }

  /** Grows the bytes to hold `end` bytes, keeping the rows held. */
  private reserve(end: number): void {
    if (end <= this.data.length) return;
    const grown = Buffer.allocUnsafe(Math.max(end, this.data.length * 2));
    this.data.copy(grown, 0, 0, this.used);
    this.data = grown;
  }

  /** Whether one more row of `bytes` would break a limit (a row always fits in an empty buffer). */
  wouldOverflow(bytes: number, maxBytes: number, maxRows: number): boolean {
    return this.ends.length > 0 && (this.bytes + bytes > maxBytes || this.ends.length >= maxRows);
  }

  /**
   * Hands the rows over as one message, `envelope` + rows + `tail`, and empties the buffer. The envelope
   * must fit in the buffer's head.
   */
  takeMessage(envelope: string, tail: string): { body: string; bytes: number; rowNumbers: number[] } {
    const start = this.head - Buffer.byteLength(envelope);
    if (start < 0)
      throw new RangeError(`RowBuffer: an envelope of ${envelope.length} characters does not fit`);
    this.data.write(envelope, start);
    const end = this.used + Buffer.byteLength(tail);
    this.reserve(end);
    this.data.write(tail, this.used);
    const body = this.data.toString('utf8', start, end);
    return { body, bytes: end - start, rowNumbers: this.clear() };
  }

  /** Hands the rows over, each as its own string, and empties the buffer. */
  takeRows(): { rows: string[]; rowNumbers: number[] } {
    const rows = this.rowStrings();
    return { rows, rowNumbers: this.clear() };
  }

  private rowStrings(): string[] {
    let start = this.head;
    return this.ends.map((end) => {
      const row = this.data.toString('utf8', start, end);
      start = end + 1;
      return row;
    });
  }

  /** Empties the buffer (its bytes are kept for the next rows); returns the row numbers it held. */
  private clear(): number[] {
    const rowNumbers = this.rowNumbers;
    this.rowNumbers = [];
    this.ends = [];
    this.used = this.head;
    this.bytes = 0;
    this.first = undefined;
    return rowNumbers;
  }

  carry(index: number): CarriedBuffer {
    return {
      index,
      rows: this.rowStrings(),
      rowNumbers: [...this.rowNumbers],
      bytes: this.bytes,
      first: this.first as RecordPosition,
    };
  }

  static restore(carried: CarriedBuffer, head = 0): RowBuffer {
    const buffer = new RowBuffer(head);
    carried.rows.forEach((row, i) => {
      const bytes = Buffer.from(row);
      buffer.append(bytes, bytes.length, carried.rowNumbers[i] as number);
    });
    buffer.first = carried.first;
    return buffer;
  }
}

/**
 * The body of a batch message before its rows: `{"kind":"batch",...,"fields":[…],"rows":[`; the rows and
 * `]}` follow.
 */
export function batchEnvelope(
  batch: {
    workspace: string;
    importId: string;
    channel: string;
    key: string;
    importedAt: string;
    dryRun?: boolean;
  },
  batchNo: number,
  fields: readonly string[],
): string {
  const head = JSON.stringify({ kind: 'batch', ...batch, batchNo, fields });
  return `${head.slice(0, -1)},"rows":[`;
}

/** Rows of a splitter part, from their serialised form. */
export function partRows(rows: readonly string[]): PartRow[] {
  return rows.map((row) => JSON.parse(row) as PartRow);
}
