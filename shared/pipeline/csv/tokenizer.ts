/**
 * A streaming CSV tokenizer over the file's own bytes. It knows where every record starts and ends in the
 * uploaded object, so a later invocation can resume with an S3 range GET, and it recovers from malformed
 * records the way RULES §2 asks: the bad row fails alone and reading resumes on the next line.
 *
 * Why not csv-parse: with `skip_records_with_error`, an unclosed quote swallows every following row up
 * to the next quote or the end of the file, and `max_record_size` drops the rest of the chunk it fires in.
 * The tests use csv-parse as the oracle for well-formed files instead.
 *
 * It tokenizes bytes, not text: delimiters, quotes and line breaks are ASCII, and in every encoding read
 * here except UTF-16 (transcoded to UTF-8 before it gets here) an ASCII byte is always that character,
 * never half of a Big5, GB18030 or Shift_JIS character. Only cells are decoded.
 */
import { issue } from '../../domain/codes.js';
import type { Issue } from '../../domain/model.js';
import type { Delimiter } from './delimiter.js';

/** One record of the file: the header (row 1) or a data row. */
export interface CsvRecord {
  /** The row as a spreadsheet shows it: the header is 1, the first data row 2 (multi-line cells count once). */
  readonly rowNumber: number;
  /** Physical line of the file the record starts on (1-based). */
  readonly line: number;
  /** Physical line the next record starts on. */
  readonly nextLine: number;
  /** The cells as uploaded; for a malformed record, its first line split at the delimiter. */
  readonly cells: string[];
  /** Offset in the uploaded object of the record's first byte. */
  readonly startByte: number;
  /** Offset in the uploaded object just after the record's line break: where the next record starts. */
  readonly endByte: number;
  /** Why the row fails before validation: MALFORMED_ROW, UNDECODABLE_BYTES or CELL_TOO_LARGE. */
  readonly error?: Issue;
}

/** How cell bytes become text, and how long a span of bytes was in the uploaded object. */
export interface CellDecoding {
  /** Encoding name for messages. */
  readonly name: string;
  /** Text of a cell that holds a byte ≥ 0x80 (ASCII cells are decoded directly). */
  text(buffer: Buffer, start: number, end: number): string;
  /**
   * Offset (from `start`) of the first byte that cannot be decoded, or -1. Called only when `text` produced
   * U+FFFD, which is how invalid bytes show.
   */
  invalidAt(buffer: Buffer, start: number, end: number): number;
  /** Length in the uploaded object of bytes [start, end); identity unless the input was transcoded. */
  measure?(buffer: Buffer, start: number, end: number): number;
}

export interface TokenizerOptions {
  readonly delimiter: Delimiter;
  readonly decoding: CellDecoding;
  /** Offset in the uploaded object of the first byte pushed. @default 0 */
  readonly startByte?: number;
  /** Row number of the first record. @default 1 (the header) */
  readonly startRow?: number;
  /** Line number of the first record. @default 1 */
  readonly startLine?: number;
  /** The header, when reading resumes after it; otherwise the first record is the header. */
  readonly header?: readonly string[];
  /** A larger cell fails its row with CELL_TOO_LARGE. */
  readonly maxCellBytes: number;
  /**
   * A longer record fails (its first line) as MALFORMED_ROW and reading resumes on its second line: this is
   * how an unclosed quote is told from a long multi-line cell, and what bounds the memory used.
   */
  readonly maxRecordBytes: number;
  /**
   * Only these columns' cells are decoded in data records; the others read as '' (their size is still
   * checked). For a reader that needs a few columns, such as the splitter's component pass. @default all
   */
  readonly columns?: readonly number[];
}

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;

const FIELD_START = 0;
const UNQUOTED = 1;
const QUOTED = 2;
const AFTER_CLOSE = 3;
/** Discarding the rest of a malformed record's first line. */
const SKIP_LINE = 4;

const HIGH = 1;
const ESCAPED = 2;

const EMPTY = Buffer.alloc(0);

/**
 * Push chunks, get the records they complete; `end()` flushes the last one.
 *
 * @example
 * const tokenizer = new CsvTokenizer({ delimiter: ',', decoding: utf8Decoding, maxCellBytes: 65536, maxRecordBytes: 1 << 20 });
 * tokenizer.push(Buffer.from('name,phone\nAnn,0912'));  // [header record]
 * tokenizer.end();                                      // [{ rowNumber: 2, cells: ['Ann', '0912'], ... }]
 */
export class CsvTokenizer {
  private readonly delimiter: number;
  private readonly decoding: CellDecoding;
  private readonly maxCellBytes: number;
  private readonly maxRecordBytes: number;
  /** By column, 1 when its cells are decoded (absent: every column's). */
  private readonly decoded: Uint8Array | undefined;
  private header: readonly string[] | undefined;

  private buf: Buffer = EMPTY;
  /** Scan position in `buf`. */
  private pos = 0;
  /** Start of the current record in `buf`. */
  private rec = 0;
  /** Offset in the uploaded object of `buf[rec]`. */
  private origin: number;
  private rowNumber: number;
  /** Line at `pos`; `recLine` is the line the current record starts on. */
  private line: number;
  private recLine: number;
  private state = FIELD_START;
  private cellStart = 0;
  private cellFlags = 0;
  /** Where the closing quote of the current cell is (AFTER_CLOSE). */
  private closeAt = 0;
  private quoteLine = 0;
  /** Flat [start, end, flags] per finished cell of the current record. */
  private bounds: number[] = [];
  /** End of the current record's first line break (after it) and its start, or -1 before the first one. */
  private firstLineEnd = -1;
  private firstLineBreak = -1;
  /** SKIP_LINE: why the record fails, the first bytes of its line kept for the report, bytes already dropped. */
  private skipDetail = '';
  private skipKept: Buffer | undefined;
  private skipDropped = 0;

  constructor(options: TokenizerOptions) {
    if (options.delimiter.length !== 1)
      throw new Error(`Delimiter must be one character, got "${options.delimiter}"`);
    this.delimiter = options.delimiter.charCodeAt(0);
    this.decoding = options.decoding;
    this.maxCellBytes = options.maxCellBytes;
    this.maxRecordBytes = options.maxRecordBytes;
    if (options.columns) {
      this.decoded = new Uint8Array(Math.max(0, ...options.columns) + 1);
      for (const column of options.columns) this.decoded[column] = 1;
    }
    this.header = options.header;
    this.origin = options.startByte ?? 0;
    this.rowNumber = options.startRow ?? 1;
    this.line = options.startLine ?? 1;
    this.recLine = this.line;
  }

  /** The header: given, or read from the first record. */
  get headerCells(): readonly string[] | undefined {
    return this.header;
  }

  /** Adds bytes; returns the records they complete. */
  push(chunk: Uint8Array): CsvRecord[] {
    if (chunk.length === 0) return [];
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    this.append(bytes);
    const out: CsvRecord[] = [];
    this.scan(false, out);
    return out;
  }

  /** The input is complete: returns the records still pending (a last line without a line break). */
  end(): CsvRecord[] {
    const out: CsvRecord[] = [];
    this.scan(true, out);
    return out;
  }

  private append(chunk: Buffer): void {
    const shift = this.rec;
    if (shift === this.buf.length) {
      this.buf = chunk;
    } else {
      this.buf = Buffer.concat([this.buf.subarray(shift), chunk]);
    }
    if (shift === 0) return;
    this.rec = 0;
    this.pos -= shift;
    this.cellStart -= shift;
    this.closeAt -= shift;
    for (let k = 0; k < this.bounds.length; k += 3) {
      this.bounds[k] = (this.bounds[k] as number) - shift;
      this.bounds[k + 1] = (this.bounds[k + 1] as number) - shift;
    }
    if (this.firstLineEnd >= 0) {
      this.firstLineEnd -= shift;
      this.firstLineBreak -= shift;
    }
  }

  /** Length of the line break at `i` (1 or 2), or 0 when a CR ends the buffer and the next byte decides. */
  private breakLength(i: number, final: boolean): number {
    if (this.buf[i] === LF) return 1;
    if (i + 1 < this.buf.length) return this.buf[i + 1] === LF ? 2 : 1;
    return final ? 1 : 0;
  }

  private scan(final: boolean, out: CsvRecord[]): void {
    for (;;) {
      this.pos = this.step(final, out);
      if (final) {
        if (this.finish(out)) continue;
        return;
      }
      if (this.state === SKIP_LINE) {
        if (this.buf.length - this.rec > this.maxRecordBytes) this.dropSkipped();
        return;
      }
      // A record still open and already too long: decided here so that memory stays bounded.
      if (this.buf.length - this.rec <= this.maxRecordBytes) return;
      this.pos = this.fail(this.tooLong(), this.pos, out);
    }
  }

  /** Scans from `pos` as far as the buffer allows; returns where it stopped. */
  private step(final: boolean, out: CsvRecord[]): number {
    const buf = this.buf;
    const len = buf.length;
    const d = this.delimiter;
    let i = this.pos;
    while (i < len) {
      switch (this.state) {
        case FIELD_START: {
          this.cellFlags = 0;
          if (buf[i] === QUOTE) {
            this.state = QUOTED;
            this.quoteLine = this.line;
            this.cellStart = ++i;
          } else {
            this.state = UNQUOTED;
            this.cellStart = i;
          }
          break;
        }
        case UNQUOTED: {
          let b = 0;
          let high = 0;
          while (i < len) {
            b = buf[i] as number;
            if (b === d || b === LF || b === CR) break;
            high |= b;
            i++;
          }
          if (high >= 0x80) this.cellFlags |= HIGH;
          if (i === len) return i;
          if (b === d) {
            this.bounds.push(this.cellStart, i, this.cellFlags);
            this.state = FIELD_START;
            i++;
            break;
          }
          const n = this.breakLength(i, final);
          if (n === 0) return i;
          this.bounds.push(this.cellStart, i, this.cellFlags);
          i = this.complete(i, i + n, out);
          break;
        }
        case QUOTED: {
          let b = 0;
          let high = 0;
          while (i < len) {
            b = buf[i] as number;
            if (b === QUOTE) break;
            high |= b;
            if (b === LF || b === CR) {
              const n = this.breakLength(i, final);
              if (n === 0) break;
              this.line++;
              if (this.firstLineEnd < 0) {
                this.firstLineBreak = i;
                this.firstLineEnd = i + n;
              }
              i += n;
              continue;
            }
            i++;
          }
          if (high >= 0x80) this.cellFlags |= HIGH;
          if (i === len || b !== QUOTE) return i;
          if (i + 1 === len && !final) return i;
          if (buf[i + 1] === QUOTE) {
            this.cellFlags |= ESCAPED;
            i += 2;
            break;
          }
          this.closeAt = i;
          this.state = AFTER_CLOSE;
          i++;
          break;
        }
        case AFTER_CLOSE: {
          const b = buf[i] as number;
          if (b === SPACE) {
            i++;
          } else if (b === d) {
            this.bounds.push(this.cellStart, this.closeAt, this.cellFlags);
            this.state = FIELD_START;
            i++;
          } else if (b === LF || b === CR) {
            const n = this.breakLength(i, final);
            if (n === 0) return i;
            this.bounds.push(this.cellStart, this.closeAt, this.cellFlags);
            i = this.complete(i, i + n, out);
          } else {
            const detail =
              i - this.rec > this.maxRecordBytes
                ? this.tooLong()
                : this.quoteLine === this.line
                  ? `text follows a closing quote on line ${this.line}`
                  : `the quote opened on line ${this.quoteLine} is not closed on that line (a quote on line ${this.line} is followed by text)`;
            i = this.fail(detail, i, out);
          }
          break;
        }
        default: {
          while (i < len && buf[i] !== LF && buf[i] !== CR) i++;
          if (i === len) return i;
          const n = this.breakLength(i, final);
          if (n === 0) return i;
          i = this.emitFailed(this.skipDetail, i, i + n, out);
        }
      }
      // Checked after every cell, so the outcome does not depend on where the chunks happen to end.
      if (i - this.rec > this.maxRecordBytes && this.state !== SKIP_LINE) {
        i = this.fail(this.tooLong(), i, out);
      }
    }
    return i;
  }

  /**
   * End of input: the last record has no line break, or a quote was never closed. Returns true when
   * scanning must go on (a malformed record restarted on its second line).
   */
  private finish(out: CsvRecord[]): boolean {
    const len = this.buf.length;
    if (this.rec >= len && this.skipKept === undefined) return false;
    switch (this.state) {
      case QUOTED: {
        const detail =
          len - this.rec > this.maxRecordBytes
            ? this.tooLong()
            : `the quote opened on line ${this.quoteLine} is never closed`;
        if (this.firstLineEnd >= 0) {
          this.pos = this.fail(detail, len, out);
          return true;
        }
        this.emitFailed(detail, len, len, out);
        return false;
      }
      case SKIP_LINE:
        this.emitFailed(this.skipDetail, len, len, out);
        return false;
      case AFTER_CLOSE:
        this.bounds.push(this.cellStart, this.closeAt, this.cellFlags);
        break;
      case FIELD_START:
        // The input ends right after a delimiter: the last cell is empty.
        this.bounds.push(len, len, 0);
        break;
      default:
        this.bounds.push(this.cellStart, len, this.cellFlags);
    }
    this.complete(len, len, out);
    return false;
  }

  private tooLong(): string {
    return `the row starting on line ${this.recLine} is longer than ${this.maxRecordBytes} bytes (is a quote not closed?)`;
  }

  /**
   * The current record is malformed: its first line fails and scanning restarts on the second line. When
   * the first line has not ended yet, the rest of it is skipped first. Returns the next scan position.
   */
  private fail(detail: string, i: number, out: CsvRecord[]): number {
    if (this.firstLineEnd >= 0) {
      const restart = this.firstLineEnd;
      this.line = this.recLine + 1;
      return this.emitFailed(detail, this.firstLineBreak, restart, out);
    }
    this.state = SKIP_LINE;
    this.skipDetail = detail;
    return i;
  }

  /** Keeps a bounded prefix of an endless malformed line and forgets the rest (counting its bytes). */
  private dropSkipped(): void {
    const len = this.buf.length;
    if (this.skipKept === undefined) {
      this.skipKept = Buffer.from(this.buf.subarray(this.rec, this.rec + this.maxRecordBytes));
    }
    const dropped = this.measure(this.rec, len);
    this.skipDropped += dropped;
    this.origin += dropped;
    this.rec = len;
    this.pos = len;
  }

  private measure(start: number, end: number): number {
    return this.decoding.measure ? this.decoding.measure(this.buf, start, end) : end - start;
  }

  /** Emits a malformed record whose first line is [rec, lineEnd) and which ends at `end`. */
  private emitFailed(detail: string, lineEnd: number, end: number, out: CsvRecord[]): number {
    const kept = this.skipKept;
    const text = kept
      ? this.decodeLoose(kept, 0, kept.length)
      : this.decodeLoose(this.buf, this.rec, Math.min(lineEnd, this.rec + this.maxRecordBytes));
    const cells = text.split(String.fromCharCode(this.delimiter));
    const length = this.skipDropped + this.measure(this.rec, end);
    if (this.line === this.recLine) this.line++;
    out.push({
      rowNumber: this.rowNumber,
      line: this.recLine,
      nextLine: this.line,
      cells,
      startByte: this.origin - this.skipDropped,
      endByte: this.origin - this.skipDropped + length,
      error: issue('MALFORMED_ROW', { detail }),
    });
    if (this.header === undefined) this.header = cells;
    this.origin += length - this.skipDropped;
    this.skipKept = undefined;
    this.skipDropped = 0;
    this.next(end);
    this.recLine = this.line;
    return end;
  }

  private decodeLoose(buffer: Buffer, start: number, end: number): string {
    for (let k = start; k < end; k++) {
      if ((buffer[k] as number) >= 0x80) return this.decoding.text(buffer, start, end);
    }
    return buffer.toString('latin1', start, end);
  }

  /** Starts the next record at `end`. */
  private next(end: number): void {
    this.rowNumber++;
    this.rec = end;
    this.bounds.length = 0;
    this.firstLineEnd = -1;
    this.firstLineBreak = -1;
    this.state = FIELD_START;
  }

  /** The record [rec, end) is complete (its line break starts at `lineBreak`). Returns the next scan position. */
  private complete(lineBreak: number, end: number, out: CsvRecord[]): number {
    if (end - this.rec > this.maxRecordBytes) {
      return this.firstLineEnd >= 0
        ? this.fail(this.tooLong(), end, out)
        : this.emitFailed(this.tooLong(), lineBreak, end, out);
    }
    const bounds = this.bounds;
    const count = bounds.length / 3;
    const cells: string[] = new Array(count);
    let error: Issue | undefined;
    // A cell past the header is always decoded: whether it is blank decides if the record is malformed.
    const decoded = this.header === undefined ? undefined : this.decoded;
    const skipped = decoded === undefined ? 0 : (this.header as readonly string[]).length;
    for (let c = 0; c < count; c++) {
      const start = bounds[c * 3] as number;
      const stop = bounds[c * 3 + 1] as number;
      const flags = bounds[c * 3 + 2] as number;
      let text: string;
      if (c < skipped && (decoded as Uint8Array)[c] !== 1) {
        text = '';
      } else if (flags & HIGH) {
        text = this.decoding.text(this.buf, start, stop);
        if (error === undefined && text.includes('\uFFFD')) {
          const at = this.decoding.invalidAt(this.buf, start, stop);
          if (at >= 0) {
            const offset = this.origin + this.measure(this.rec, start + at);
            error = issue('UNDECODABLE_BYTES', { offset, encoding: this.decoding.name });
          }
        }
      } else {
        text = this.buf.toString('latin1', start, stop);
      }
      cells[c] = flags & ESCAPED ? text.replaceAll('""', '"') : text;
      if (error === undefined && stop - start > this.maxCellBytes) {
        error = issue('CELL_TOO_LARGE', {
          column: this.columnName(c),
          bytes: stop - start,
          max: this.maxCellBytes,
        });
      }
    }
    if (this.header === undefined) {
      this.header = cells;
    } else if (cells.length > this.header.length) {
      const extra = cells.slice(this.header.length);
      if (extra.every((cell) => cell.trim() === '')) {
        cells.length = this.header.length;
      } else {
        const detail = `${cells.length} cells on line ${this.recLine}, the header has ${this.header.length}`;
        error = issue('MALFORMED_ROW', { detail });
      }
    }
    const length = this.measure(this.rec, end);
    if (end > lineBreak) this.line++;
    const record: CsvRecord = {
      rowNumber: this.rowNumber,
      line: this.recLine,
      nextLine: this.line,
      cells,
      startByte: this.origin,
      endByte: this.origin + length,
      ...(error ? { error } : {}),
    };
    out.push(record);
    this.origin += length;
    this.recLine = this.line;
    this.next(end);
    return end;
  }

  private columnName(index: number): string {
    const name = this.header?.[index]?.trim();
    return name ? name : `#${index + 1}`;
  }
}
