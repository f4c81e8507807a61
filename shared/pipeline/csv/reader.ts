/**
 * Opening an uploaded CSV: detect its encoding and delimiter from the first bytes, then stream its records
 * with their offsets in the object. The same reader resumes mid-file from a byte offset (a continuation,
 * or the sweeper recovering the cells of some rows) when it is given the format and the header.
 */
import { type Delimiter, detectDelimiter, firstRecord } from './delimiter.js';
import {
  DETECTION_PREFIX_BYTES,
  type DetectedEncoding,
  type DetectionHints,
  decodeBytes,
  decodeLegacy,
  detectEncoding,
  ENCODING_NAMES,
  type Encoding,
  isLegacy,
  legacyInvalidAt,
  utf8InvalidAt,
} from './encoding.js';
import { type CellDecoding, type CsvRecord, CsvTokenizer } from './tokenizer.js';

/** A record longer than this is malformed (an unclosed quote, usually); it also bounds the memory used. */
export const MAX_RECORD_BYTES = 1024 * 1024;

/** What must be known to read a file from the middle. */
export interface CsvFormat {
  readonly encoding: Encoding;
  readonly delimiter: Delimiter;
}

export interface ReadOptions extends CsvFormat {
  /** Offset in the object of the first byte of `chunks` (after a BOM, or a resume point). */
  readonly startByte: number;
  /** Row number of the record at `startByte`. @default 1 (the header) */
  readonly startRow?: number;
  /** Line number of the record at `startByte`. @default 1 */
  readonly startLine?: number;
  /** The header when resuming after it. */
  readonly header?: readonly string[];
  readonly maxCellBytes: number;
  /** @default MAX_RECORD_BYTES */
  readonly maxRecordBytes?: number;
  /** Only these columns' cells are decoded (see TokenizerOptions.columns). @default all */
  readonly columns?: readonly number[];
}

const utf8Decoding: CellDecoding = {
  name: ENCODING_NAMES['utf-8'],
  text: (buffer, start, end) => buffer.toString('utf8', start, end),
  invalidAt: (buffer, start, end) => utf8InvalidAt(buffer, start, end),
};

/** UTF-16 is transcoded to UTF-8 before tokenizing: a span's length in the object is 2 bytes per UTF-16 unit. */
function utf16Length(buffer: Buffer, start: number, end: number): number {
  let units = 0;
  for (let k = start; k < end; k++) {
    const byte = buffer[k] as number;
    if ((byte & 0xc0) !== 0x80) units += byte >= 0xf0 ? 2 : 1;
  }
  return units * 2;
}

/** How the tokenizer decodes cells of a file in `encoding`. */
export function decodingFor(encoding: Encoding): CellDecoding {
  if (encoding === 'utf-8') return utf8Decoding;
  if (isLegacy(encoding)) {
    return {
      name: ENCODING_NAMES[encoding],
      text: (buffer, start, end) => decodeLegacy(buffer, start, end, encoding),
      invalidAt: (buffer, start, end) => legacyInvalidAt(buffer, encoding, start, end),
    };
  }
  // Unpaired surrogates were already replaced while transcoding: nothing left to find.
  return { ...utf8Decoding, name: ENCODING_NAMES[encoding], invalidAt: () => -1, measure: utf16Length };
}

async function* transcodeUtf16(
  chunks: AsyncIterable<Uint8Array>,
  encoding: 'utf-16le' | 'utf-16be',
): AsyncGenerator<Buffer> {
  const decoder = new TextDecoder(encoding);
  for await (const chunk of chunks) {
    const text = decoder.decode(chunk, { stream: true });
    if (text !== '') yield Buffer.from(text, 'utf8');
  }
  const rest = decoder.decode();
  if (rest !== '') yield Buffer.from(rest, 'utf8');
}

/**
 * The records of a file as they complete, one array per chunk read (cheaper than one promise per record).
 *
 * @example
 * for await (const records of readRecordBatches(stream, { encoding: 'utf-8', delimiter: ',', startByte: 0, maxCellBytes: 65536 })) {
 *   for (const record of records) console.log(record.rowNumber, record.cells);
 * }
 */
export async function* readRecordBatches(
  chunks: AsyncIterable<Uint8Array>,
  options: ReadOptions,
): AsyncGenerator<CsvRecord[]> {
  const tokenizer = new CsvTokenizer({
    delimiter: options.delimiter,
    decoding: decodingFor(options.encoding),
    startByte: options.startByte,
    startRow: options.startRow,
    startLine: options.startLine,
    header: options.header,
    maxCellBytes: options.maxCellBytes,
    maxRecordBytes: options.maxRecordBytes ?? MAX_RECORD_BYTES,
    ...(options.columns && { columns: options.columns }),
  });
  const source =
    options.encoding === 'utf-16le' || options.encoding === 'utf-16be'
      ? transcodeUtf16(chunks, options.encoding)
      : chunks;
  for await (const chunk of source) {
    const records = tokenizer.push(chunk);
    if (records.length > 0) yield records;
  }
  const last = tokenizer.end();
  if (last.length > 0) yield last;
}

/**
 * The records of a file, one at a time.
 *
 * @example
 * for await (const record of readRecords(stream, options)) if (record.error) console.log(record.error.code);
 */
export async function* readRecords(
  chunks: AsyncIterable<Uint8Array>,
  options: ReadOptions,
): AsyncGenerator<CsvRecord> {
  for await (const records of readRecordBatches(chunks, options)) yield* records;
}

/** A file whose format has been detected, ready to stream from its first record (the header). */
export interface OpenedCsv extends CsvFormat, DetectedEncoding {
  /** The bytes after the BOM, from the first one: pass to {@link readRecordBatches} with `startByte: bomLength`. */
  readonly chunks: AsyncIterable<Uint8Array>;
}

/** Bytes of the prefix decoded to find the header line. */
const HEADER_SAMPLE_BYTES = 64 * 1024;

/**
 * Reads the first bytes of a file (at most {@link DETECTION_PREFIX_BYTES}, kept and replayed) to detect its
 * encoding (with the workspace's region as a hint) and its delimiter.
 *
 * @example
 * const csv = await openCsv(await store.getStream(key, { versionId }));
 * if (csv.undecodableAt !== undefined) reject(...);
 * for await (const records of readRecordBatches(csv.chunks, { ...csv, startByte: csv.bomLength, maxCellBytes })) ...
 */
export async function openCsv(
  stream: AsyncIterable<Uint8Array>,
  hints: DetectionHints = {},
): Promise<OpenedCsv> {
  const iterator = stream[Symbol.asyncIterator]();
  const prefix: Uint8Array[] = [];
  let size = 0;
  let done = false;
  while (size < DETECTION_PREFIX_BYTES) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    prefix.push(next.value);
    size += next.value.length;
  }
  const head = Buffer.concat(prefix);
  const detected = detectEncoding(head, hints);
  const body = head.subarray(detected.bomLength);
  const delimiter = detectDelimiter(
    firstRecord(decodeBytes(sampleOf(body, detected.encoding), detected.encoding)),
  );
  async function* chunks(): AsyncGenerator<Uint8Array> {
    if (body.length > 0) yield body;
    if (done) return;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  }
  return { ...detected, delimiter, chunks: chunks() };
}

/** The start of the body, cut at a line break so that no character is split. */
function sampleOf(body: Uint8Array, encoding: Encoding): Uint8Array {
  const sample = body.subarray(0, HEADER_SAMPLE_BYTES);
  if (sample.length < HEADER_SAMPLE_BYTES) return sample;
  if (encoding === 'utf-16le' || encoding === 'utf-16be') return sample.subarray(0, sample.length & ~1);
  const lastLf = sample.lastIndexOf(0x0a);
  return lastLf > 0 ? sample.subarray(0, lastLf) : sample;
}
