/**
 * Reading rows back from an uploaded file: the version the import pinned, with the format the splitter
 * found (the encoding and delimiter it recorded on the job) and the splitter's own CSV reader, so a row
 * comes back with the number and the cells it had when it was split. The sweeper uses it to give the rows
 * of a lost batch their cells. It streams: only the records of one chunk are held at a time.
 */
import { DEFAULT_LIMITS } from '../domain/limits.js';
import { DELIMITERS, type Delimiter } from './csv/delimiter.js';
import { type FileEncoding, parseEncodingLabel } from './csv/encoding.js';
import { readRecordBatches } from './csv/reader.js';
import type { CsvRecord } from './csv/tokenizer.js';
import type { ObjectStore } from './part-store.js';
import type { ImportJob } from './ports.js';
import type { RecordPosition } from './split/messages.js';

/** The uploaded file cannot be read again. `reason` is for the report's reader (no cell, no address). */
export class SourceUnreadableError extends Error {
  constructor(
    importId: string,
    readonly reason: string,
  ) {
    super(`The uploaded file of import ${importId} cannot be read again: ${reason}`);
    this.name = 'SourceUnreadableError';
  }
}

export interface SourceRowsRange {
  /** Where a record starts (from a split manifest); absent: the file is read from its header on. */
  readonly from?: RecordPosition;
  /** Reading stops once this row has been read. */
  readonly lastRow: number;
  /** The splitter's cell limit (`ImportLimits.maxCellBytes`). @default DEFAULT_LIMITS.maxCellBytes */
  readonly maxCellBytes?: number;
}

interface SourceFormat extends FileEncoding {
  readonly delimiter: Delimiter;
  readonly header: readonly string[];
}

function formatOf(job: ImportJob): SourceFormat {
  const encoding = job.encoding === undefined ? undefined : parseEncodingLabel(job.encoding);
  const delimiter = DELIMITERS.find((d) => d === job.delimiter);
  if (!encoding || !delimiter || !job.header) {
    throw new SourceUnreadableError(job.importId, 'the format the file was read with was not recorded');
  }
  return { ...encoding, delimiter, header: job.header };
}

/**
 * The records of the import's pinned source version from `range.from` (or the header) up to
 * `range.lastRow`, one array per chunk read, as the splitter read them.
 *
 * @throws SourceUnreadableError when the job does not say how the file was read, or the version is gone
 * @example
 * for await (const records of readSourceRows(store, job, { from: entry.start, lastRow: 40 })) {
 *   for (const record of records) if (wanted.has(record.rowNumber)) keep(record.cells);
 * }
 */
export async function* readSourceRows(
  store: ObjectStore,
  job: ImportJob,
  range: SourceRowsRange,
): AsyncGenerator<CsvRecord[]> {
  const format = formatOf(job);
  const { key, versionId } = job.source;
  if (!(await store.head(key, versionId))) {
    throw new SourceUnreadableError(job.importId, 'the version of the file this import read was deleted');
  }
  const from = range.from ?? { byteOffset: format.bomLength, rowNumber: 1, line: 1 };
  const stream = await store.getStream(key, { versionId, start: from.byteOffset });
  try {
    const records = readRecordBatches(stream, {
      encoding: format.encoding,
      delimiter: format.delimiter,
      startByte: from.byteOffset,
      startRow: from.rowNumber,
      startLine: from.line,
      ...(from.rowNumber > 1 ? { header: format.header } : {}),
      maxCellBytes: range.maxCellBytes ?? DEFAULT_LIMITS.maxCellBytes,
    });
    for await (const batch of records) {
      const last = batch[batch.length - 1] as CsvRecord;
      if (last.rowNumber < range.lastRow) {
        yield batch;
        continue;
      }
      yield batch.filter((record) => record.rowNumber <= range.lastRow);
      return;
    }
  } finally {
    stream.destroy();
  }
}
