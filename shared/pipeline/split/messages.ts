/**
 * The splitter's own message: a continuation, sent to the uploads queue when an invocation runs out of
 * time, so that a file of any size is split by a chain of invocations (DESIGN: no 15-minute ceiling).
 */

import { describeText } from '../../ids.js';
import type { Delimiter } from '../csv/delimiter.js';
import { ENCODINGS, type Encoding } from '../csv/encoding.js';
import type { SourceObject } from '../ports.js';

/** Where a record starts: enough to resume reading there with an S3 range GET. */
export interface RecordPosition {
  /** Offset of the record's first byte in the object. */
  readonly byteOffset: number;
  readonly rowNumber: number;
  readonly line: number;
}

/**
 * A buffer carried in the message rather than re-read: a partition that receives rows rarely would
 * otherwise make every later invocation re-read the file from its first pending row.
 */
export interface CarriedBuffer {
  /** Partition index, or the partition count for the buffer of invalid rows. */
  readonly index: number;
  /** The serialised rows (a BatchRow or a PartRow each), in row order. */
  readonly rows: readonly string[];
  readonly rowNumbers: readonly number[];
  readonly bytes: number;
  /** Where its first row is in the file. */
  readonly first: RecordPosition;
}

/** Everything the next invocation needs to produce exactly the batches a single invocation would have. */
export interface SplitCheckpoint {
  /** Where reading resumes: the earliest row still waiting in a buffer (not carried), or the next row. */
  readonly resume: RecordPosition;
  /** Last row already read: rows up to here are not counted again, only put back in their buffers. */
  readonly lastRowRead: number;
  /** Data rows counted up to `lastRowRead`. */
  readonly rowsTotal: number;
  readonly nextBatchNo: number;
  /** Per buffer (the partitions, then the invalid rows): the last row number flushed, 0 for none. */
  readonly flushed: readonly number[];
  readonly carried: readonly CarriedBuffer[];
  /** Sequence number of the next split manifest. */
  readonly manifestSequence: number;
  /** Invocations so far, for the logs. */
  readonly invocation: number;
}

/** Body of an uploads-queue message that continues a split. */
export interface ContinuationMessage {
  readonly kind: 'continue';
  readonly workspace: string;
  readonly importId: string;
  readonly source: SourceObject;
  readonly encoding: Encoding;
  readonly delimiter: Delimiter;
  readonly checkpoint: SplitCheckpoint;
}

export class InvalidContinuationError extends Error {
  constructor(reason: string) {
    super(`Not a split continuation message: ${reason}`);
    this.name = 'InvalidContinuationError';
  }
}

/**
 * Reads an uploads-queue message body that is a continuation (and not an S3 event).
 *
 * @example
 * const body = JSON.parse(record.body);
 * if (isContinuation(body)) await splitFile(body, deps);
 */
export function isContinuation(body: unknown): body is ContinuationMessage {
  if (typeof body !== 'object' || body === null || (body as { kind?: unknown }).kind !== 'continue')
    return false;
  const message = body as Partial<ContinuationMessage>;
  if (typeof message.importId !== 'string' || typeof message.workspace !== 'string') {
    throw new InvalidContinuationError(
      `workspace or importId missing in ${describeText(JSON.stringify(body))}`,
    );
  }
  if (!ENCODINGS.includes(message.encoding as Encoding)) {
    throw new InvalidContinuationError(`unknown encoding "${String(message.encoding)}"`);
  }
  if (typeof message.checkpoint?.resume?.byteOffset !== 'number' || !message.source) {
    throw new InvalidContinuationError(`checkpoint or source missing for import ${message.importId}`);
  }
  return true;
}
