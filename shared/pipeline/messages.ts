/**
 * What travels between the stages: queue messages and the part files in S3. The splitter, processor,
 * dead-batch, sweeper and aggregator all read and write these shapes; change them in one place.
 */
import type { Channel, Issue, KeyName, Outcome, RowCounts, RowInput } from '../domain/model.js';
import { describeText, jsonFailure } from '../ids.js';
import { PARTS_PREFIX, REPORTS_PREFIX } from '../resources.js';
import { decodeRows, InvalidBatchFieldsError } from './batch-rows.js';
import type { RecordPosition } from './split/messages.js';

/** One data row in a batch: the original cells as uploaded (for the report) and the validated input. */
export interface BatchRow {
  readonly cells: readonly string[];
  readonly input: RowInput;
  /**
   * The row's component tag (RULES §9): rows with one tag are applied in file order, also inside a batch.
   * Absent when the key value is the file's only identifier (the key then links the rows).
   */
  readonly component?: number;
}

/** Body of a batches-queue message (FIFO; group = partition; dedup id = `${importId}#${batchNo}`). */
export interface BatchMessage {
  readonly kind: 'batch';
  readonly workspace: string;
  readonly importId: string;
  readonly channel: Channel;
  readonly key: KeyName;
  readonly batchNo: number;
  /**
   * The import's creation time: every contact the import creates carries it as `createdAt`, so creation
   * order is logical (RULES §9: import, then row number) and a replayed plan is the same plan.
   */
  readonly importedAt?: string;
  /** A dry run: the processor decides the rows and counts them, and writes no contact (RULES §1). */
  readonly dryRun?: boolean;
  readonly rows: readonly BatchRow[];
}

/** Body of an aggregate-queue message: the job is ready for its report. */
export interface AggregateMessage {
  readonly kind: 'aggregate';
  readonly workspace: string;
  readonly importId: string;
}

/** One line of a part file for a row that the report must show: failed, skipped, or with warnings. */
export interface PartRow {
  readonly rowNumber: number;
  readonly outcome: Outcome;
  /** Why the row failed or was skipped: its first problem (in column order). */
  readonly error?: Issue;
  /** The row's further problems, in column order (RULES §7: every problem of a row at once). */
  readonly otherErrors?: readonly Issue[];
  readonly warnings: readonly Issue[];
  /** The original cells; absent only when they could not be recovered (see the sweeper). */
  readonly cells?: readonly string[];
}

/** First line of every part file: which batch, and its counts (the authority for that batch's outcomes). */
export interface PartHeader {
  readonly batchNo: number;
  /** Smallest row number of the batch: part files sort by it, so the aggregator can merge in row order. */
  readonly firstRow: number;
  readonly counts: RowCounts;
  /** Who wrote it: `splitter` (rows invalid before any contact was read), `processor`, `dead-batch`, `sweeper`. */
  readonly writer: 'splitter' | 'processor' | 'dead-batch' | 'sweeper';
}

/**
 * One entry of a split manifest: which rows a batch carries, so a lost batch can still be accounted for,
 * and where its first row starts in the uploaded file, so the sweeper can read its cells back from there.
 */
export interface ManifestEntry {
  readonly batchNo: number;
  readonly rowNumbers: readonly number[];
  /** Where the batch's first row starts (absent in manifests written before it was recorded). */
  readonly start?: RecordPosition;
}

/** Folder of an import's part files. */
export function partsPrefix(workspace: string, importId: string): string {
  return `${PARTS_PREFIX}${workspace}/${importId}/`;
}

/**
 * The marker an emulator S3 event (no versionId) leaves on the version it pinned: `<eTag>@<eventTime>`.
 *
 * @example
 * pinMarkerKey('acme', 'acme.5c1f…'); // 'parts/acme/acme.5c1f…/pinned-by'
 */
export function pinMarkerKey(workspace: string, importId: string): string {
  return `${partsPrefix(workspace, importId)}pinned-by`;
}

/**
 * Key of a batch's part file: `parts/<ws>/<importId>/rows/<firstRow:10>-<batchNo:8>.jsonl`. Listing the
 * folder returns the parts in order of their first row.
 */
export function partKey(workspace: string, importId: string, firstRow: number, batchNo: number): string {
  return `${partsPrefix(workspace, importId)}rows/${String(firstRow).padStart(10, '0')}-${String(batchNo).padStart(8, '0')}.jsonl`;
}

/**
 * Key of a batch's logged plan of one round (the processor's write-ahead log):
 * `.../plans/<batchNo:8>-<round>.json`. Round 0 is the first plan; round n decides again the rows lost in n-1.
 */
export function planKey(workspace: string, importId: string, batchNo: number, round: number): string {
  return `${partsPrefix(workspace, importId)}plans/${String(batchNo).padStart(8, '0')}-${round}.json`;
}

/** Key of the manifest a splitter invocation writes for the batches it sent: `.../manifest/<seq:6>.json`. */
export function manifestKey(workspace: string, importId: string, sequence: number): string {
  return `${partsPrefix(workspace, importId)}manifest/${String(sequence).padStart(6, '0')}.json`;
}

/** Each row's component tag (RULES §9), base64 of two bytes a row: `.../components.b64`. */
export function componentsKey(workspace: string, importId: string): string {
  return `${partsPrefix(workspace, importId)}components.b64`;
}

/** Folder of an import's report: `reports/<ws>/<importId>/`. */
export function reportPrefix(workspace: string, importId: string): string {
  return `${REPORTS_PREFIX}${workspace}/${importId}/`;
}

/**
 * Every problem of a failed or skipped row, first to last: `error`, then `otherErrors`.
 *
 * @example
 * errorsOf({ rowNumber: 2, outcome: 'failed', error: bad, otherErrors: [worse], warnings: [] }); // [bad, worse]
 */
export function errorsOf(row: Pick<PartRow, 'error' | 'otherErrors'>): Issue[] {
  return row.error === undefined ? [] : [row.error, ...(row.otherErrors ?? [])];
}

export function emptyCounts(): RowCounts {
  return { created: 0, updated: 0, unchanged: 0, skipped: 0, failed: 0 };
}

/**
 * A batch message as the splitter writes it: the rows in the compact form of `batch-rows.ts` (`fields`
 * names the values of each row array). `parseMessage` turns it into a {@link BatchMessage}.
 */
export interface CompactBatchMessage extends Omit<BatchMessage, 'rows'> {
  readonly fields: readonly string[];
  readonly rows: readonly (readonly unknown[])[];
}

/** Any message of the pipeline's queues. */
export type QueueMessage = BatchMessage | AggregateMessage;

/** A queue message of the wrong shape. Its message describes the body, never quotes it (cells, addresses). */
export class MalformedMessageError extends Error {
  constructor(kind: string, reason: string, body: string) {
    super(`Not a ${kind} message (${reason}): ${describeText(body)}`);
    this.name = 'MalformedMessageError';
  }
}

/**
 * Parses a queue message body of the expected kind, checking the fields every consumer relies on. The
 * producers are our own stages, so a malformed body is a bug: it throws and the message dead-letters.
 * A batch's rows come back as {@link BatchRow} objects whether they were sent compact (with `fields`, as
 * the splitter writes them) or as objects (as splitters before the compact form did).
 *
 * @example
 * const message = parseMessage(record.body, 'aggregate'); // AggregateMessage
 * const batch = parseMessage(record.body, 'batch'); // BatchMessage, rows decoded
 */
export function parseMessage<K extends QueueMessage['kind']>(
  body: string,
  kind: K,
): Extract<QueueMessage, { kind: K }> {
  let value: Partial<BatchMessage> & { kind?: unknown };
  try {
    value = JSON.parse(body) as typeof value;
  } catch (err) {
    throw new MalformedMessageError(kind, jsonFailure(err), body);
  }
  if (value === null || typeof value !== 'object')
    throw new MalformedMessageError(kind, 'not an object', body);
  if (value.kind !== kind) throw new MalformedMessageError(kind, `its kind is ${String(value.kind)}`, body);
  if (typeof value.workspace !== 'string' || typeof value.importId !== 'string') {
    throw new MalformedMessageError(kind, 'workspace or importId is missing', body);
  }
  if (kind === 'batch' && (typeof value.batchNo !== 'number' || !Array.isArray(value.rows))) {
    throw new MalformedMessageError(kind, 'batchNo or rows is missing', body);
  }
  const fields = (value as { fields?: unknown }).fields;
  if (kind === 'batch' && fields !== undefined) {
    if (!Array.isArray(fields)) throw new MalformedMessageError(kind, 'fields is not a list', body);
    const { fields: _, ...batch } = value as unknown as CompactBatchMessage;
    try {
      const message: BatchMessage = { ...batch, rows: decodeRows(fields, batch.rows, batch) };
      return message as Extract<QueueMessage, { kind: K }>;
    } catch (err) {
      if (!(err instanceof InvalidBatchFieldsError)) throw err;
      throw new MalformedMessageError(kind, err.message, body);
    }
  }
  return value as Extract<QueueMessage, { kind: K }>;
}
