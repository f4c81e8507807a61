/**
 * The split use case (DESIGN "splitter λ"): one uploaded CSV becomes a job, the splitter's own part files
 * for rows that fail before any contact is read, and FIFO batch messages of valid rows partitioned by key
 * value. It runs for a fresh S3 record and for a continuation alike; everything it writes is
 * deterministic, so a redelivery or a crash-and-retry writes the same parts and sends the same batches
 * (with the same deduplication ids) again.
 */
import { isIssue, parseObjectKey } from '../../domain/channels.js';
import { issue } from '../../domain/codes.js';
import { type HeaderMapping, mapHeader } from '../../domain/header.js';
import { DEFAULT_LIMITS, type ImportLimits } from '../../domain/limits.js';
import type { Channel, Issue, KeyName, WorkspaceSettings } from '../../domain/model.js';
import { createPhoneNormaliser, type PhoneNormaliser } from '../../domain/normalise/phone.js';
import { createRowValidator, type RowValidator } from '../../domain/row.js';
import { importIdFor, partitionOf } from '../../ids.js';
import { BATCH_PARTITIONS } from '../../resources.js';
import type { PipelineLogger } from '../aggregate/aggregate.js';
import { enqueueAggregationIfComplete, type SendAggregate } from '../aggregate/enqueue.js';
import type { Notifier } from '../aggregate/notifier.js';
import { formatPart } from '../aggregate/part-file.js';
import { type BatchRowEncoder, createRowEncoder } from '../batch-rows.js';
import type { Delimiter } from '../csv/delimiter.js';
import { ENCODING_NAMES, type Encoding, encodingLabel } from '../csv/encoding.js';
import { openCsv, readRecordBatches } from '../csv/reader.js';
import type { CsvRecord } from '../csv/tokenizer.js';
import { batchGroupId } from '../message-groups.js';
import {
  componentsKey,
  emptyCounts,
  type ManifestEntry,
  manifestKey,
  type PartRow,
  partKey,
  pinMarkerKey,
} from '../messages.js';
import type { ObjectStore, ObjectVersions } from '../part-store.js';
import type { ImportJob, ImportLedger, SourceObject, WorkspaceStore } from '../ports.js';
import { uploaderOf } from '../uploader.js';
import { batchEnvelope, partRows, RowBuffer } from './buffers.js';
import { ComponentIndex, componentOf, decodeTags, encodeTags, identifierColumns } from './components.js';
import { operatorAlert, registeredWorkspace, truncatedAt } from './file-checks.js';
import type { CarriedBuffer, ContinuationMessage, RecordPosition, SplitCheckpoint } from './messages.js';
import { MAX_MESSAGE_BYTES, type MessageSender, type OutgoingMessage } from './ports.js';

/** Sizes that shape the batches and the invocations. Changing one changes how a file is cut into batches. */
export interface SplitTuning {
  /**
   * Body budget of a batch message. SQS bills a message per 64 KiB chunk: just under 4 chunks gives
   * about 900 typical rows a message (the goal: at most 2 messages per 1,000 valid rows) while a
   * processor invocation still finishes a batch well within its timeout.
   */
  readonly maxBatchBytes: number;
  /** Rows a batch message carries at most. */
  readonly maxBatchRows: number;
  /** Invalid rows a splitter part holds at most (each part is one ledger transaction). */
  readonly maxPartRows: number;
  readonly maxPartBytes: number;
  /** Batch messages are sent (with their manifest written first) once this many bytes wait. */
  readonly outboxBytes: number;
  /** An invocation stops at a record boundary once less time than this remains. */
  readonly reserveMs: number;
  /** A buffer whose first row lies further back than this is carried in the continuation, not re-read. */
  readonly replayLimitBytes: number;
  /** Bytes of carried buffers a continuation message may hold. */
  readonly carryBytes: number;
}

export const DEFAULT_TUNING: SplitTuning = {
  maxBatchBytes: 4 * 64 * 1024 - 1024,
  maxBatchRows: 1000,
  maxPartRows: 5000,
  maxPartBytes: 8 * 1024 * 1024,
  outboxBytes: 1024 * 1024,
  reserveMs: 60_000,
  replayLimitBytes: 8 * 1024 * 1024,
  carryBytes: 640 * 1024,
};

export interface SplitDeps {
  /** The upload bucket: source objects, and the parts and manifests under `parts/`. */
  readonly store: ObjectStore;
  readonly ledger: ImportLedger;
  readonly workspaces: WorkspaceStore;
  /** The batches queue (FIFO). */
  readonly batches: MessageSender;
  /** The uploads queue, for continuations. */
  readonly continuations: MessageSender;
  readonly sendAggregate: SendAggregate;
  /** The operators' topic: rejections that no registered workspace can be told about (RULES §1). */
  readonly operators: Notifier;
  /** Time left in this invocation (Lambda's `getRemainingTimeInMillis`). */
  readonly remainingTimeMs: () => number;
  readonly logger: PipelineLogger;
  readonly limits?: ImportLimits;
  readonly tuning?: Partial<SplitTuning>;
  /** The role id of the SFTP partners' access role, to name SFTP uploads (absent without partners). */
  readonly sftpRoleId?: string;
  /** Pins the version of an event without versionId by its ETag (the emulator's events); absent: latest. */
  readonly versions?: ObjectVersions;
}

/** A new object in the upload bucket (an S3 event record, its key decoded). */
export interface ObjectCreated {
  readonly kind: 'object';
  readonly bucket: string;
  readonly key: string;
  /** Absent in moto's events (and for unversioned buckets): pinned by `eTag`, else read with HeadObject. */
  readonly versionId?: string;
  /** The event's `s3.object.eTag`: which version a versionId-less event was about. */
  readonly eTag?: string;
  /** The event's `eventTime`: with the ETag, names the event (the emulator's carry microseconds). */
  readonly eventTime?: string;
  /** The event's `userIdentity.principalId`: who wrote the object (see `uploader.ts`). */
  readonly principalId?: string;
}

export type SplitRequest = ObjectCreated | ContinuationMessage;

export type SplitResult =
  | {
      /** `split`: every batch sent; `continued`: a continuation was sent; `rejected`: the file was rejected. */
      readonly status: 'split' | 'continued' | 'rejected';
      readonly workspace: string;
      readonly importId: string;
      readonly rowsTotal: number;
      readonly batchesSent: number;
    }
  | {
      /**
       * `duplicate`: the job is past splitting (a redelivery); `missing`: the object version is gone;
       * `unattributed`: no registered workspace owns the key, only the operators were told.
       */
      readonly status: 'duplicate' | 'missing' | 'unattributed';
      readonly workspace: string;
      readonly importId?: string;
    };

export class SplitStateError extends Error {
  constructor(importId: string, reason: string) {
    super(`Cannot continue the split of import ${importId}: ${reason}`);
    this.name = 'SplitStateError';
  }
}

function isBlankRow(cells: readonly string[]): boolean {
  for (const cell of cells) if (cell.trim() !== '') return false;
  return true;
}

/**
 * Splits one uploaded file, or continues splitting it.
 *
 * @example
 * await splitFile({ kind: 'object', bucket, key: 'incoming/acme/line/phone/list.csv' }, deps);
 * await splitFile(JSON.parse(continuationBody), deps);
 */
export async function splitFile(request: SplitRequest, deps: SplitDeps): Promise<SplitResult> {
  return request.kind === 'object' ? startSplit(request, deps) : continueSplit(request, deps);
}

/**
 * The version an event without versionId (moto's) was about: of the key's versions with the event's ETag,
 * the oldest that no other event has pinned yet — so two quick uploads to one key stay two imports (even
 * of identical bytes) instead of both reading the latest. An event pins a version with a marker object
 * (`pinned-by`, created only if absent) naming the event by its ETag and time, which a redelivery of the
 * same event finds again. Undefined (the latest) when the event gives nothing to pin by.
 */
async function pinnedVersion(request: ObjectCreated, deps: SplitDeps): Promise<string | undefined> {
  if (request.versionId || !request.eTag || !deps.versions) return request.versionId;
  const candidates = await deps.versions.versionsWithETag(request.key, request.eTag);
  if (!request.eventTime) return candidates[0];
  const workspace = request.key.split('/')[1] ?? '';
  const event = `${request.eTag}@${request.eventTime}`;
  for (const versionId of [...candidates].reverse()) {
    const importId = importIdFor(workspace, { bucket: request.bucket, key: request.key, versionId });
    const marker = pinMarkerKey(workspace, importId);
    if ((await deps.store.putIfAbsent(marker, event)) || (await deps.store.getText(marker)) === event) {
      return versionId;
    }
  }
  return candidates[0];
}

async function startSplit(event: ObjectCreated, deps: SplitDeps): Promise<SplitResult> {
  const limits = deps.limits ?? DEFAULT_LIMITS;
  const parsed = parseObjectKey(event.key);
  const owner = await registeredWorkspace(event.key, isIssue(parsed) ? parsed : undefined, deps.workspaces);
  // Only an upload of a registered workspace leaves a pin marker: an unknown one creates nothing (RULES §1).
  const pinned = isIssue(owner) ? event.versionId : await pinnedVersion(event, deps);
  const request: ObjectCreated = pinned ? { ...event, versionId: pinned } : event;
  const head = await deps.store.head(request.key, request.versionId);
  const segment = request.key.split('/')[1] ?? '';
  if (!head) {
    deps.logger.warn('uploaded object is gone; nothing to import', { key: request.key });
    return { status: 'missing', workspace: segment };
  }
  // S3 names the version of an object written while versioning was off "null".
  const source: SourceObject = {
    bucket: request.bucket,
    key: request.key,
    versionId: request.versionId ?? head.versionId ?? 'null',
    size: head.size,
  };
  if (isIssue(owner)) {
    await deps.operators.publish(operatorAlert(source, owner));
    deps.logger.warn('upload rejected without a workspace to tell; operators alerted', { code: owner.code });
    return { status: 'unattributed', workspace: segment };
  }
  const { workspace, settings } = owner;
  const importId = importIdFor(workspace, source);
  const { job } = await deps.ledger.createJob({
    workspace,
    importId,
    ...(isIssue(parsed) ? {} : { channel: parsed.channel, key: parsed.key }),
    source,
    uploadedBy: uploaderOf(head.metadata, request.principalId, deps.sftpRoleId),
    ...(!isIssue(parsed) && parsed.dryRun ? { dryRun: true } : {}),
  });
  if (job.status !== 'splitting') return duplicate(job, deps);

  const reject = (reason: Issue) => rejectImport(workspace, importId, reason, deps);
  if (isIssue(parsed)) return reject(parsed);
  if (source.size === 0) return reject(issue('EMPTY_FILE'));
  if (source.size > limits.maxFileBytes) {
    return reject(issue('FILE_TOO_LARGE', { bytes: source.size, max: limits.maxFileBytes }));
  }

  const stream = await deps.store.getStream(source.key, { versionId: source.versionId });
  try {
    const csv = await openCsv(stream, { region: settings.region });
    const encodingName = ENCODING_NAMES[csv.encoding];
    if (csv.undecodableAt !== undefined) {
      return await reject(issue('UNDECODABLE_BYTES', { offset: csv.undecodableAt, encoding: encodingName }));
    }
    if (csv.uncertain !== undefined) {
      const candidates = csv.uncertain.map((encoding) => ENCODING_NAMES[encoding]);
      return await reject(issue('ENCODING_UNCERTAIN', { candidates }));
    }
    const cutAt = await truncatedAt(deps.store, source, csv.encoding);
    if (cutAt !== undefined) {
      return await reject(
        issue('UNDECODABLE_BYTES', { offset: cutAt, encoding: encodingName, truncated: true }),
      );
    }
    const records = readRecordBatches(csv.chunks, {
      encoding: csv.encoding,
      delimiter: csv.delimiter,
      startByte: csv.bomLength,
      maxCellBytes: limits.maxCellBytes,
    });
    const first = await records.next();
    const headerRecord = first.done ? undefined : first.value[0];
    if (!headerRecord) return await reject(issue('MISSING_HEADER'));
    if (headerRecord.error) return await reject(headerRecord.error);
    const mapping = mapHeader(
      headerRecord.cells,
      parsed.channel,
      parsed.key,
      await deps.workspaces.listFields(workspace),
    );
    if (isIssue(mapping)) return await reject(mapping);
    await deps.ledger.describeFile(workspace, importId, {
      encoding: encodingLabel(csv),
      delimiter: csv.delimiter,
      header: headerRecord.cells,
      skippedColumns: mapping.skipped,
      headerCleanups: mapping.cleanups,
    });
    // One normaliser for both readings of the file: a number that needs the full parse is parsed once.
    const phones = createPhoneNormaliser(settings.region);
    const tags = await findComponents(deps, limits, { job, mapping, phones, csv });
    const split = new FileSplit(
      deps,
      limits,
      { job, mapping, encoding: csv.encoding, delimiter: csv.delimiter, tags, phones },
      settings,
    );
    return await split.run(records, (first.value as CsvRecord[]).slice(1));
  } finally {
    stream.destroy();
  }
}

async function continueSplit(message: ContinuationMessage, deps: SplitDeps): Promise<SplitResult> {
  const limits = deps.limits ?? DEFAULT_LIMITS;
  const { workspace, importId, checkpoint } = message;
  const job = await deps.ledger.getJob(workspace, importId);
  if (!job) throw new SplitStateError(importId, 'the job does not exist');
  if (job.status !== 'splitting') return duplicate(job, deps);
  if (!job.channel || !job.key || !job.header) {
    throw new SplitStateError(importId, 'the job has no channel, key or header');
  }
  const mapping = mapHeader(job.header, job.channel, job.key, await deps.workspaces.listFields(workspace));
  if (isIssue(mapping)) throw new SplitStateError(importId, `its header no longer maps: ${mapping.message}`);
  const stream = await deps.store.getStream(message.source.key, {
    versionId: message.source.versionId,
    start: checkpoint.resume.byteOffset,
  });
  try {
    const records = readRecordBatches(stream, {
      encoding: message.encoding,
      delimiter: message.delimiter,
      startByte: checkpoint.resume.byteOffset,
      startRow: checkpoint.resume.rowNumber,
      startLine: checkpoint.resume.line,
      header: job.header,
      maxCellBytes: limits.maxCellBytes,
    });
    const tags = identifierColumns(mapping)
      ? await loadComponents(deps.store, workspace, importId)
      : undefined;
    const settings = await deps.workspaces.getSettings(workspace);
    const split = new FileSplit(
      deps,
      limits,
      { job, mapping, encoding: message.encoding, delimiter: message.delimiter, checkpoint, tags },
      settings,
    );
    return await split.run(records, []);
  } finally {
    stream.destroy();
  }
}

/** The job is past splitting: a redelivery. Finish what a crashed delivery may have left undone. */
async function duplicate(job: ImportJob, deps: SplitDeps): Promise<SplitResult> {
  if (job.status === 'processing' || job.status === 'rejected') {
    await enqueueAggregationIfComplete(deps.ledger, deps.sendAggregate, job.workspace, job.importId);
  }
  deps.logger.info('import already split; delivery ignored', { importId: job.importId, status: job.status });
  return { status: 'duplicate', workspace: job.workspace, importId: job.importId };
}

async function rejectImport(
  workspace: string,
  importId: string,
  reason: Issue,
  deps: SplitDeps,
): Promise<SplitResult> {
  await deps.ledger.reject(workspace, importId, reason);
  await enqueueAggregationIfComplete(deps.ledger, deps.sendAggregate, workspace, importId);
  deps.logger.warn('file rejected', { importId, code: reason.code });
  return { status: 'rejected', workspace, importId, rowsTotal: 0, batchesSent: 0 };
}

interface SplitContext {
  readonly job: ImportJob;
  readonly mapping: HeaderMapping;
  readonly encoding: Encoding;
  readonly delimiter: Delimiter;
  readonly checkpoint?: SplitCheckpoint;
  /** Each row's component tag (RULES §9), when the file has more than one identifier column. */
  readonly tags?: Uint16Array;
  /** The phone normaliser the component pass used, if any. */
  readonly phones?: PhoneNormaliser;
}

/**
 * Reads the whole file once to find its components (RULES §9) and stores each row's component tag for the
 * continuations. Undefined when the key's column is the file's only identifier: the key value is the group.
 */
async function findComponents(
  deps: SplitDeps,
  limits: ImportLimits,
  context: {
    job: ImportJob;
    mapping: HeaderMapping;
    phones: PhoneNormaliser;
    csv: { encoding: Encoding; delimiter: Delimiter; bomLength: number };
  },
): Promise<Uint16Array | undefined> {
  const columns = identifierColumns(context.mapping);
  if (!columns) return undefined;
  const { job, csv } = context;
  const index = new ComponentIndex(columns, context.phones);
  const stream = await deps.store.getStream(job.source.key, { versionId: job.source.versionId });
  try {
    const records = readRecordBatches(stream, {
      encoding: csv.encoding,
      delimiter: csv.delimiter,
      startByte: csv.bomLength,
      maxCellBytes: limits.maxCellBytes,
      // Only the identifier cells are read: names, notes and tags are never decoded in this pass.
      columns: [...columns.text, ...columns.phones].map((column) => column.index),
    });
    for await (const batch of records) {
      for (const record of batch) {
        if (record.rowNumber > 1 && !record.error) index.addRow(record.rowNumber, record.cells);
      }
    }
  } finally {
    stream.destroy();
  }
  const tags = index.tags();
  await deps.store.put(componentsKey(job.workspace, job.importId), encodeTags(tags), 'text/plain');
  deps.logger.info('components found', {
    importId: job.importId,
    identifiers: index.size,
    indexBytes: index.bytes,
  });
  return tags;
}

async function loadComponents(store: ObjectStore, workspace: string, importId: string): Promise<Uint16Array> {
  const text = await store.getText(componentsKey(workspace, importId));
  if (text === undefined) throw new SplitStateError(importId, 'the components of the file were not stored');
  return decodeTags(text);
}

/** One invocation's share of splitting a file. */
class FileSplit {
  private readonly tuning: SplitTuning;
  private readonly workspace: string;
  private readonly importId: string;
  private readonly channel: Channel;
  private readonly key: KeyName;
  private readonly partitions = BATCH_PARTITIONS;
  /** Buffers 0..P-1 hold valid rows by partition; buffer P the invalid rows. */
  private readonly buffers: RowBuffer[];
  private readonly flushed: number[];
  /** Per buffer: rows up to here are already flushed or carried in (skip them when re-read). */
  private readonly skipUpTo: number[];
  private nextBatchNo: number;
  private rowsTotal: number;
  private lastRowRead: number;
  private manifestSequence: number;
  private readonly invocation: number;
  private outbox: OutgoingMessage[] = [];
  private outboxBytes = 0;
  private manifest: ManifestEntry[] = [];
  private batchesSent = 0;
  private rowsReadNow = 0;
  private readonly envelopeBytes: number;

  private readonly validate: RowValidator;
  private readonly encoder: BatchRowEncoder;

  constructor(
    private readonly deps: SplitDeps,
    private readonly limits: ImportLimits,
    private readonly context: SplitContext,
    settings: WorkspaceSettings,
  ) {
    // The job's creation time is "today" for every invocation, so that a birthday check cannot change mid-file.
    this.validate = createRowValidator({
      mapping: context.mapping,
      settings,
      now: new Date(context.job.createdAt),
      limits,
      ...(context.phones && { phones: context.phones }),
    });
    this.tuning = { ...DEFAULT_TUNING, ...deps.tuning };
    this.workspace = context.job.workspace;
    this.importId = context.job.importId;
    this.channel = context.mapping.channel;
    this.key = context.mapping.key;
    this.encoder = createRowEncoder(context.mapping, { components: context.tags !== undefined });
    this.envelopeBytes = Buffer.byteLength(this.envelope(Number.MAX_SAFE_INTEGER)) + 2;
    const count = this.partitions + 1;
    const checkpoint = context.checkpoint;
    // A partition's buffer keeps room for the envelope in front, so that a message is made in one piece.
    const head = (index: number) => (index < this.partitions ? this.envelopeBytes : 0);
    this.buffers = Array.from({ length: count }, (_, index) => new RowBuffer(head(index)));
    this.flushed = checkpoint ? [...checkpoint.flushed] : new Array<number>(count).fill(0);
    if (this.flushed.length !== count) {
      throw new SplitStateError(
        this.importId,
        `the checkpoint has ${this.flushed.length} buffers, expected ${count}`,
      );
    }
    this.skipUpTo = [...this.flushed];
    for (const carried of checkpoint?.carried ?? []) {
      this.buffers[carried.index] = RowBuffer.restore(carried, head(carried.index));
      this.skipUpTo[carried.index] = carried.rowNumbers[carried.rowNumbers.length - 1] ?? 0;
    }
    this.nextBatchNo = checkpoint?.nextBatchNo ?? 1;
    this.rowsTotal = checkpoint?.rowsTotal ?? 0;
    this.lastRowRead = checkpoint?.lastRowRead ?? 1;
    this.manifestSequence = checkpoint?.manifestSequence ?? 0;
    this.invocation = (checkpoint?.invocation ?? 0) + 1;
  }

  private envelope(batchNo: number): string {
    const { workspace, importId, channel, key } = this;
    const { createdAt, dryRun } = this.context.job;
    return batchEnvelope(
      { workspace, importId, channel, key, importedAt: createdAt, ...(dryRun ? { dryRun } : {}) },
      batchNo,
      this.encoder.fields,
    );
  }

  /** Reads records until the file ends, a file-level problem rejects it, or time runs short. */
  async run(records: AsyncGenerator<CsvRecord[]>, pending: readonly CsvRecord[]): Promise<SplitResult> {
    this.deps.logger.info('splitting', {
      importId: this.importId,
      invocation: this.invocation,
      fromRow: this.context.checkpoint?.resume.rowNumber ?? 1,
    });
    let batch: readonly CsvRecord[] = pending;
    for (;;) {
      for (const record of batch) {
        // Most rows need no I/O: take() returns a promise only when a buffer is flushed or the split stops.
        const pending = this.take(record);
        if (pending !== undefined) {
          const stop = await pending;
          if (stop) return stop;
        }
        if (this.rowsReadNow > 0 && this.deps.remainingTimeMs() < this.tuning.reserveMs) {
          return this.pause(record);
        }
      }
      const next = await records.next();
      if (next.done) break;
      batch = next.value;
    }
    return this.finish();
  }

  /**
   * One record: counted (unless re-read), validated, buffered. Resolves to a result when the split must stop;
   * returns nothing when the row was buffered without I/O.
   */
  private take(record: CsvRecord): Promise<SplitResult | undefined> | undefined {
    const reread = record.rowNumber <= this.lastRowRead;
    if (!reread) {
      this.lastRowRead = record.rowNumber;
      this.rowsReadNow++;
    }
    // A blank line is not a row (Excel leaves them at the end of a sheet); it still takes a row number.
    if (!record.error && isBlankRow(record.cells)) return undefined;
    if (!reread) this.rowsTotal++;

    const nothingFlushed = this.nextBatchNo === 1;
    if (record.error?.code === 'UNDECODABLE_BYTES' && nothingFlushed) {
      return rejectImport(this.workspace, this.importId, record.error, this.deps);
    }
    if (this.rowsTotal > this.limits.maxRows && !reread) {
      const tooMany = issue('TOO_MANY_ROWS', { max: this.limits.maxRows });
      if (nothingFlushed) return rejectImport(this.workspace, this.importId, tooMany, this.deps);
      // Batches are already on their way: the rows after the limit are not read; the first of them fails.
      const row: PartRow = {
        rowNumber: record.rowNumber,
        outcome: 'failed',
        error: tooMany,
        warnings: [],
        cells: record.cells,
      };
      return (async () => {
        await this.addInvalid(record, row);
        return this.finish();
      })();
    }

    if (record.error) {
      return this.addInvalid(record, {
        rowNumber: record.rowNumber,
        outcome: 'failed',
        error: record.error,
        warnings: [],
        cells: record.cells,
      });
    }
    const result = this.validate(record.cells, record.rowNumber);
    if (!result.ok) {
      const { outcome, error, otherErrors, warnings } = result;
      return this.addInvalid(record, {
        rowNumber: record.rowNumber,
        outcome,
        error,
        ...(otherErrors && { otherErrors }),
        warnings,
        cells: record.cells,
      });
    }
    const { tags } = this.context;
    const component = tags ? componentOf(tags, record.rowNumber) : undefined;
    // A component's rows share a message group; a row of none goes by its key value.
    const index =
      component === undefined
        ? partitionOf(result.row.key.value, this.partitions)
        : component % this.partitions;
    const buffer = this.buffers[index] as RowBuffer;
    const bytes = buffer.measure(this.encoder.encode(record.cells, result.row, component));
    if (bytes + this.envelopeBytes > MAX_MESSAGE_BYTES) {
      const detail = `the row is ${bytes} bytes once read, more than a batch message can carry (${MAX_MESSAGE_BYTES - this.envelopeBytes})`;
      return this.addInvalid(record, {
        rowNumber: record.rowNumber,
        outcome: 'failed',
        error: issue('MALFORMED_ROW', { detail }),
        warnings: result.row.warnings,
        cells: record.cells,
      });
    }
    if (record.rowNumber <= (this.skipUpTo[index] as number)) return undefined;
    if (
      buffer.wouldOverflow(bytes, this.tuning.maxBatchBytes - this.envelopeBytes, this.tuning.maxBatchRows)
    ) {
      return this.flushBatch(index).then(() => {
        buffer.add(record);
        return undefined;
      });
    }
    buffer.add(record);
    return undefined;
  }

  /** Buffers an invalid row; returns a promise only when the buffer had to be written first. */
  private addInvalid(record: CsvRecord, row: PartRow): Promise<undefined> | undefined {
    const index = this.partitions;
    if (record.rowNumber <= (this.skipUpTo[index] as number)) return undefined;
    const buffer = this.buffers[index] as RowBuffer;
    const bytes = buffer.measure(JSON.stringify(row));
    if (buffer.wouldOverflow(bytes, this.tuning.maxPartBytes, this.tuning.maxPartRows)) {
      return this.flushInvalid().then(() => {
        buffer.add(record);
        return undefined;
      });
    }
    buffer.add(record);
    return undefined;
  }

  /** A partition's rows become one batch message, sent with the next outbox. */
  private async flushBatch(index: number): Promise<void> {
    const buffer = this.buffers[index] as RowBuffer;
    const start = buffer.first as RecordPosition;
    const batchNo = this.nextBatchNo++;
    const { body, bytes, rowNumbers } = buffer.takeMessage(this.envelope(batchNo), ']}');
    this.outbox.push({
      body,
      // A partition's batches share one group, so a component's rows stay in file order (message-groups.ts).
      groupId: batchGroupId(this.workspace, index),
      deduplicationId: `${this.importId}#${batchNo}`,
    });
    this.manifest.push({ batchNo, rowNumbers, start });
    this.flushed[index] = rowNumbers[rowNumbers.length - 1] as number;
    this.outboxBytes += bytes;
    if (this.outboxBytes >= this.tuning.outboxBytes) await this.sendOutbox();
  }

  /** The invalid rows become a splitter part, recorded like any batch (part first, marker second). */
  private async flushInvalid(): Promise<void> {
    const index = this.partitions;
    const { rows: serialised } = (this.buffers[index] as RowBuffer).takeRows();
    const rows = partRows(serialised);
    const batchNo = this.nextBatchNo++;
    const firstRow = (rows[0] as PartRow).rowNumber;
    const counts = emptyCounts();
    for (const row of rows) counts[row.outcome]++;
    await this.deps.store.put(
      partKey(this.workspace, this.importId, firstRow, batchNo),
      formatPart({ batchNo, firstRow, counts, writer: 'splitter' }, rows),
      'application/x-ndjson',
    );
    await this.deps.ledger.recordBatch(this.workspace, this.importId, batchNo, counts);
    this.flushed[index] = (rows[rows.length - 1] as PartRow).rowNumber;
  }

  /** Writes the manifest of the waiting batches, then sends them: a batch is never sent unlisted. */
  private async sendOutbox(): Promise<void> {
    if (this.outbox.length === 0) return;
    await this.deps.store.put(
      manifestKey(this.workspace, this.importId, this.manifestSequence),
      JSON.stringify(this.manifest),
      'application/json',
    );
    await this.deps.batches.send(this.outbox);
    this.manifestSequence++;
    this.batchesSent += this.outbox.length;
    this.outbox = [];
    this.outboxBytes = 0;
    this.manifest = [];
  }

  /** End of file: every buffer is flushed (partitions in order, then invalid rows) and the job learns its totals. */
  private async finish(): Promise<SplitResult> {
    for (let index = 0; index < this.partitions; index++) {
      if ((this.buffers[index] as RowBuffer).size > 0) await this.flushBatch(index);
    }
    if ((this.buffers[this.partitions] as RowBuffer).size > 0) await this.flushInvalid();
    await this.sendOutbox();
    const batchesTotal = this.nextBatchNo - 1;
    await this.deps.ledger.finishSplitting(this.workspace, this.importId, batchesTotal, this.rowsTotal);
    await enqueueAggregationIfComplete(
      this.deps.ledger,
      this.deps.sendAggregate,
      this.workspace,
      this.importId,
    );
    this.deps.logger.info('file split', {
      importId: this.importId,
      invocations: this.invocation,
      rowsTotal: this.rowsTotal,
      batchesTotal,
    });
    return this.result('split');
  }

  /**
   * Time is short: stop after `record`. Nothing is flushed early; the continuation says where the oldest
   * row still in a buffer starts, and carries the buffers whose first row lies too far back.
   */
  private async pause(record: CsvRecord): Promise<SplitResult> {
    await this.sendOutbox();
    const next: RecordPosition = {
      byteOffset: record.endByte,
      rowNumber: record.rowNumber + 1,
      line: record.nextLine,
    };
    const waiting = this.buffers
      .map((buffer, index) => ({ buffer, index }))
      .filter(({ buffer }) => buffer.size > 0)
      .sort(
        (a, b) =>
          (a.buffer.first as RecordPosition).byteOffset - (b.buffer.first as RecordPosition).byteOffset,
      );
    const carried: CarriedBuffer[] = [];
    let carriedBytes = 0;
    let resume = next;
    for (const { buffer, index } of waiting) {
      const first = buffer.first as RecordPosition;
      const behind = next.byteOffset - first.byteOffset;
      if (behind > this.tuning.replayLimitBytes && carriedBytes + buffer.bytes <= this.tuning.carryBytes) {
        carried.push(buffer.carry(index));
        carriedBytes += buffer.bytes;
        continue;
      }
      resume = first;
      break;
    }
    const checkpoint: SplitCheckpoint = {
      resume,
      lastRowRead: this.lastRowRead,
      rowsTotal: this.rowsTotal,
      nextBatchNo: this.nextBatchNo,
      flushed: this.flushed,
      carried,
      manifestSequence: this.manifestSequence,
      invocation: this.invocation,
    };
    const message: ContinuationMessage = {
      kind: 'continue',
      workspace: this.workspace,
      importId: this.importId,
      source: this.context.job.source,
      encoding: this.context.encoding,
      delimiter: this.context.delimiter,
      checkpoint,
    };
    await this.deps.continuations.send([{ body: JSON.stringify(message) }]);
    this.deps.logger.info('split continues in a new invocation', {
      importId: this.importId,
      invocation: this.invocation,
      lastRowRead: this.lastRowRead,
      resumeRow: resume.rowNumber,
      carried: carried.length,
    });
    return this.result('continued');
  }

  private result(status: 'split' | 'continued'): SplitResult {
    return {
      status,
      workspace: this.workspace,
      importId: this.importId,
      rowsTotal: this.rowsTotal,
      batchesSent: this.batchesSent,
    };
  }
}
