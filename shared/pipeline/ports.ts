import type { HeaderCleanup } from '../domain/header.js';
/**
 * The ports the use cases depend on. `shared/adapters/` implements them over DynamoDB; tests may pass
 * in-memory fakes only for shaping inputs, never to prove DynamoDB behaviour.
 */

import type {
  Channel,
  Contact,
  CustomFieldDefinition,
  Holder,
  Identity,
  Issue,
  KeyName,
  RowCounts,
  WorkspaceFlags,
  WorkspaceSettings,
} from '../domain/model.js';
import type { Uploader } from './uploader.js';

export type JobStatus = 'splitting' | 'processing' | 'aggregating' | 'completed' | 'rejected';
/** `cancelled`: `imports cancel` stopped it; what was applied before stays (RULES §7). */
export type ImportOutcome = 'succeeded' | 'completed_with_errors' | 'rejected' | 'cancelled';

export interface SourceObject {
  readonly bucket: string;
  readonly key: string;
  readonly versionId: string;
  readonly size: number;
}

export interface SkippedColumn {
  readonly name: string;
  /** A known column name close to this one ("did you mean"). */
  readonly suggestion?: string;
}

/** One import's job item in the imports table. */
export interface ImportJob {
  readonly workspace: string;
  readonly importId: string;
  /** Absent when the S3 key did not name a valid channel / key (the import is rejected). */
  readonly channel?: Channel;
  readonly key?: KeyName;
  readonly source: SourceObject;
  /** Who or what uploaded the file (absent on jobs created before it was recorded). */
  readonly uploadedBy?: Uploader;
  /** A dry run (the file sits in a `dry-run/` folder): every row is decided, no contact is written. */
  readonly dryRun?: boolean;
  /** When `imports cancel` asked for it: batches not applied by then are skipped (CANCELLED). */
  readonly cancelledAt?: string;
  readonly status: JobStatus;
  /** ISO timestamps. */
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly encoding?: string;
  readonly delimiter?: string;
  /** The header as uploaded (trimmed of BOM only): the report repeats it. */
  readonly header?: readonly string[];
  readonly skippedColumns?: readonly SkippedColumn[];
  /** Header names whose invisible characters were removed before matching (RULES §2). */
  readonly headerCleanups?: readonly HeaderCleanup[];
  /** Why the whole file was rejected. */
  readonly rejection?: Issue;
  /** Set when the splitter has sent every batch. */
  readonly batchesTotal?: number;
  readonly batchesDone: number;
  /** Data rows in the file, set with batchesTotal. */
  readonly rowsTotal?: number;
  /** Sum of the counts of the batches recorded so far. */
  readonly counts: RowCounts;
  readonly outcome?: ImportOutcome;
  readonly completedAt?: string;
  /** Set when the job completes, after its notification was published. */
  readonly notifiedAt?: string;
  /** Set when the reports exist and the notification is due: from then on it is pending until `notifiedAt`. */
  readonly notifyPendingSince?: string;
  /** While a run publishes: the lease another run waits for (it expires if that run dies). */
  readonly notifyLeaseUntil?: string;
  /** Publishes that failed so far, the last one's time and error name. */
  readonly notifyFailures?: number;
  readonly notifyFailedAt?: string;
  readonly notifyError?: string;
}

export interface NewJob {
  readonly workspace: string;
  readonly importId: string;
  readonly channel?: Channel;
  readonly key?: KeyName;
  readonly source: SourceObject;
  readonly uploadedBy?: Uploader;
  readonly dryRun?: boolean;
}

export interface ImportLedger {
  /** Creates the job unless it exists; the same import id three times is one job. */
  createJob(job: NewJob): Promise<{ readonly job: ImportJob; readonly created: boolean }>;
  getJob(workspace: string, importId: string): Promise<ImportJob | undefined>;
  /** Records what the splitter learnt about the file (encoding, delimiter, header, skipped columns). */
  describeFile(
    workspace: string,
    importId: string,
    file: Pick<ImportJob, 'encoding' | 'delimiter' | 'header' | 'skippedColumns' | 'headerCleanups'>,
  ): Promise<void>;
  /** Marks the job rejected with its reason; no batch will follow. */
  reject(workspace: string, importId: string, reason: Issue): Promise<void>;
  /**
   * Records a batch as done with its counts, exactly once: the marker item and the job's counters change
   * together (one transaction). `counted` is false when the batch had already been recorded.
   */
  recordBatch(
    workspace: string,
    importId: string,
    batchNo: number,
    counts: RowCounts,
  ): Promise<{ readonly counted: boolean; readonly job: ImportJob }>;
  /** Whether a batch has been recorded. */
  isBatchRecorded(workspace: string, importId: string, batchNo: number): Promise<boolean>;
  /** Batch numbers recorded so far, ascending. */
  recordedBatches(workspace: string, importId: string): Promise<number[]>;
  /** The splitter has sent every batch: sets batchesTotal and rowsTotal, status `processing`. */
  finishSplitting(
    workspace: string,
    importId: string,
    batchesTotal: number,
    rowsTotal: number,
  ): Promise<ImportJob>;
  /**
   * Moves the job to `aggregating` exactly once: true for the one caller that wins, and only when the
   * splitter has finished and every batch is recorded (or the job was rejected).
   */
  claimAggregation(workspace: string, importId: string): Promise<boolean>;
  /**
   * Leases the notification of an import for `leaseSeconds`: true when it was not published and no other
   * run holds an unexpired lease. A claim is released on a failed publish and ends with `complete`.
   */
  claimNotification(workspace: string, importId: string, leaseSeconds: number): Promise<boolean>;
  /** Gives back the lease after a failed publish, counting the failure (`error` is its name, no data). */
  releaseNotification(workspace: string, importId: string, error: string): Promise<void>;
  /** Marks the job completed with its outcome; its notification was published (`notifiedAt`). */
  complete(workspace: string, importId: string, outcome: ImportOutcome): Promise<void>;
  /**
   * Asks an unfinished import to stop (`cancelledAt`): true the first time; false when it was cancelled
   * already. Throws ImportFinishedError when it is aggregating, completed or rejected.
   */
  cancel(workspace: string, importId: string): Promise<boolean>;
  /** Jobs not completed whose last progress is older than `before` (any workspace; for the sweeper). */
  listStalled(before: Date): Promise<ImportJob[]>;
}

/** A contact with the version it was read at, for optimistic locking. */
export interface ContactWrite {
  /** The new state. Its `version` is the version read (the store writes version + 1). */
  readonly contact: Contact;
  /** The state read, or undefined for a new contact. */
  readonly previous?: Contact;
  /**
   * Who writes (the processor: `importId#batchNo#round`, one stamp per logged plan), stored with the contact. A write whose contacts already
   * carry its stamp landed before — a replay after a crash, or a batch delivered twice at once — and is a
   * no-op instead of a ConcurrentModificationError.
   */
  readonly stamp?: string;
  /**
   * For shared identities the contact gains (`identityKey` → count): how many index entries of other
   * contacts the decision saw. The write is refused (ConcurrentModificationError) when another writer
   * added or removed one meanwhile, so two rows that create one person at once cannot both create it
   * (RULES §9: concurrent imports behave as some one-by-one interleaving).
   */
  readonly expectedHolders?: Readonly<Record<string, number>>;
}

/** How a read sees the store. */
export interface ReadOptions {
  /**
   * false: eventually consistent (half the read units; the answer may miss a write of the last second).
   * Only for reads whose staleness a conditional write or a strongly consistent check catches before
   * anything is written on them (see `planBatch`).
   * @default true
   */
  readonly consistent?: boolean;
}

export interface ContactStore {
  /**
   * Holders of each identity (BatchGetItem, 100 keys a call, UnprocessedKeys retried). The map key is
   * `${type}#${value}`; identities nobody holds are absent.
   */
  resolve(
    workspace: string,
    identities: readonly Identity[],
    options?: ReadOptions,
  ): Promise<Map<string, Holder[]>>;
  /** Contacts by id (BatchGetItem). Tombstones are returned as stored (with `mergedInto`). */
  getContacts(
    workspace: string,
    contactIds: readonly string[],
    options?: ReadOptions,
  ): Promise<Map<string, Contact>>;
  /**
   * Writes contacts with optimistic locking and keeps the identity index in step. Channel primary keys are
   * claimed with conditions. Throws ConcurrentModificationError when a version moved (re-read, re-decide,
   * retry) and IdentityTakenError when a channel primary key belongs to another contact.
   * Several writes (a merge: survivor and tombstones) are applied atomically.
   */
  write(workspace: string, writes: readonly ContactWrite[]): Promise<void>;
  /** Every live contact of a workspace, in pages. */
  list(workspace: string): AsyncIterable<Contact[]>;
}

export interface WorkspaceStore {
  /** Settings with defaults (region TW, time zone Asia/Taipei, no flags) when none are stored. */
  getSettings(workspace: string): Promise<WorkspaceSettings>;
  /**
   * The settings of a registered workspace, or undefined when it was never registered (RULES §1: an
   * unknown workspace imports nothing).
   */
  findSettings(workspace: string): Promise<WorkspaceSettings | undefined>;
  /** Registers the workspace when it is not yet, and changes the settings given. */
  putSettings(
    workspace: string,
    settings: Partial<Pick<WorkspaceSettings, 'region' | 'timeZone'>>,
  ): Promise<WorkspaceSettings>;
  setFlags(workspace: string, flags: Partial<WorkspaceFlags>): Promise<void>;
  listFields(workspace: string): Promise<CustomFieldDefinition[]>;
  defineField(workspace: string, field: CustomFieldDefinition): Promise<void>;
}

/**
 * A contact changed since it was read (its version moved, or a contact with its id already exists). Nothing
 * was overwritten: re-read, re-decide and retry.
 */
export class ConcurrentModificationError extends Error {
  constructor(
    readonly workspace: string,
    readonly contactId: string,
  ) {
    super(`Contact ${contactId} of workspace ${workspace} changed since it was read`);
    this.name = 'ConcurrentModificationError';
  }
}

/** A channel primary key (LINE UID, EDM email, WhatsApp number, SMS phone) belongs to another contact. */
export class IdentityTakenError extends Error {
  constructor(
    readonly identity: Identity,
    /** The contact that holds it. */
    readonly owner: string,
  ) {
    // The value is a row's cell (an address, a number): it stays on the error, out of its message and logs.
    super(`The ${identity.type} of the row already belongs to contact ${owner}`);
    this.name = 'IdentityTakenError';
  }
}

/** A write exceeds a DynamoDB limit (item 400 KB, transaction 100 actions or 4 MB) and was not attempted. */
export class WriteTooLargeError extends Error {
  constructor(
    /** What is too large, e.g. `item` or `transaction actions`. */
    readonly subject: string,
    readonly actual: number,
    readonly limit: number,
    detail: string,
  ) {
    super(`${detail}: ${subject} is ${actual}, the limit is ${limit}`);
    this.name = 'WriteTooLargeError';
  }
}

/** The import's job item does not exist. */
export class JobNotFoundError extends Error {
  constructor(
    readonly workspace: string,
    readonly importId: string,
  ) {
    super(`Import ${importId} of workspace ${workspace} has no job`);
    this.name = 'JobNotFoundError';
  }
}

/** `imports cancel` of an import that has finished (or is writing its report): nothing is left to stop. */
export class ImportFinishedError extends Error {
  constructor(
    readonly importId: string,
    readonly status: JobStatus,
  ) {
    super(
      status === 'aggregating'
        ? `Import ${importId} has applied every batch and is writing its report: it can no longer be cancelled`
        : `Import ${importId} is already ${status}: only an unfinished import can be cancelled`,
    );
    this.name = 'ImportFinishedError';
  }
}
