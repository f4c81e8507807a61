/**
 * In-memory ports for the splitter's logic tests: an object store, an import ledger, a workspace store and
 * queue senders. They model what the splitter relies on (idempotent job creation, exactly-once batch
 * recording, the aggregation claim); DynamoDB and SQS behaviour itself is proven against the emulator.
 */
import { Readable } from 'node:stream';
import {
  type CustomFieldDefinition,
  DEFAULT_REGION,
  DEFAULT_TIME_ZONE,
  type Issue,
  OUTCOMES,
  type RowCounts,
  type WorkspaceFlags,
  type WorkspaceSettings,
} from '../../../shared/domain/model.js';
import { emptyCounts } from '../../../shared/pipeline/messages.js';
import type { ObjectHead, ObjectStore } from '../../../shared/pipeline/part-store.js';
import type {
  ImportJob,
  ImportLedger,
  ImportOutcome,
  NewJob,
  WorkspaceStore,
} from '../../../shared/pipeline/ports.js';
import { ImportFinishedError, JobNotFoundError } from '../../../shared/pipeline/ports.js';
import type { MessageSender, OutgoingMessage } from '../../../shared/pipeline/split/ports.js';

interface StoredObject {
  readonly body: Buffer;
  readonly versionId: string;
}

/** One bucket in memory, versioned. `getStream` serves `chunkSize`-byte chunks to exercise chunk boundaries. */
export class MemoryObjectStore implements ObjectStore {
  private readonly objects = new Map<string, StoredObject[]>();
  private version = 0;
  /** Every key a range GET started from, with its offset. */
  readonly reads: { key: string; start: number }[] = [];

  constructor(private readonly chunkSize = 64 * 1024) {}

  /** Stores an object and returns its new version id. */
  upload(key: string, body: string | Uint8Array): string {
    const versionId = `v${++this.version}`;
    const versions = this.objects.get(key) ?? [];
    versions.push({ body: Buffer.from(body), versionId });
    this.objects.set(key, versions);
    return versionId;
  }

  private find(key: string, versionId?: string): StoredObject | undefined {
    const versions = this.objects.get(key);
    if (!versions) return undefined;
    return versionId === undefined
      ? versions[versions.length - 1]
      : versions.find((v) => v.versionId === versionId);
  }

  async getText(key: string): Promise<string | undefined> {
    return this.find(key)?.body.toString('utf-8');
  }

  async getStream(key: string, opts: { versionId?: string; start?: number } = {}): Promise<Readable> {
    const object = this.find(key, opts.versionId);
    if (!object) throw new Error(`NoSuchKey: ${key}`);
    const start = opts.start ?? 0;
    this.reads.push({ key, start });
    const chunks: Buffer[] = [];
    for (let i = start; i < object.body.length; i += this.chunkSize) {
      chunks.push(object.body.subarray(i, Math.min(i + this.chunkSize, object.body.length)));
    }
    return Readable.from(chunks);
  }

  async head(key: string, versionId?: string): Promise<ObjectHead | undefined> {
    const object = this.find(key, versionId);
    return object ? { size: object.body.length, versionId: object.versionId } : undefined;
  }

  async put(key: string, body: string | Uint8Array): Promise<void> {
    this.upload(key, body);
  }

  async putIfAbsent(key: string, body: string): Promise<boolean> {
    if (this.find(key) !== undefined) return false;
    this.upload(key, body);
    return true;
  }

  async putStream(key: string, body: Readable): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(Buffer.from(chunk));
    this.upload(key, Buffer.concat(chunks));
  }

  async list(prefix: string): Promise<string[]> {
    return [...this.objects.keys()].filter((key) => key.startsWith(prefix)).sort();
  }

  async presign(key: string): Promise<string> {
    return `memory://${key}`;
  }
}

/** The import ledger's contract, in memory. */
export class MemoryImportLedger implements ImportLedger {
  readonly jobs = new Map<string, ImportJob>();
  readonly batches = new Map<string, Map<number, RowCounts>>();
  private readonly claims = new Set<string>();
  private readonly notifications = new Set<string>();

  private id(workspace: string, importId: string): string {
    return `${workspace}/${importId}`;
  }

  private update(workspace: string, importId: string, change: Partial<ImportJob>): ImportJob {
    const job = this.jobs.get(this.id(workspace, importId));
    if (!job) throw new Error(`no job ${importId}`);
    const next = { ...job, ...change, updatedAt: new Date().toISOString() };
    this.jobs.set(this.id(workspace, importId), next);
    return next;
  }

  async createJob(job: NewJob) {
    const existing = this.jobs.get(this.id(job.workspace, job.importId));
    if (existing) return { job: existing, created: false };
    const now = new Date().toISOString();
    const created: ImportJob = {
      ...job,
      status: 'splitting',
      createdAt: now,
      updatedAt: now,
      batchesDone: 0,
      counts: emptyCounts(),
    };
    this.jobs.set(this.id(job.workspace, job.importId), created);
    this.batches.set(this.id(job.workspace, job.importId), new Map());
    return { job: created, created: true };
  }

  async getJob(workspace: string, importId: string) {
    return this.jobs.get(this.id(workspace, importId));
  }

  async describeFile(
    workspace: string,
    importId: string,
    file: Pick<ImportJob, 'encoding' | 'delimiter' | 'header' | 'skippedColumns' | 'headerCleanups'>,
  ) {
    this.update(workspace, importId, file);
  }

  async reject(workspace: string, importId: string, reason: Issue) {
    this.update(workspace, importId, { status: 'rejected', rejection: reason });
  }

  async recordBatch(workspace: string, importId: string, batchNo: number, counts: RowCounts) {
    const recorded = this.batches.get(this.id(workspace, importId)) as Map<number, RowCounts>;
    if (recorded.has(batchNo))
      return { counted: false, job: (await this.getJob(workspace, importId)) as ImportJob };
    recorded.set(batchNo, counts);
    const job = (await this.getJob(workspace, importId)) as ImportJob;
    const sum = { ...job.counts };
    for (const outcome of OUTCOMES) sum[outcome] += counts[outcome];
    return {
      counted: true,
      job: this.update(workspace, importId, { counts: sum, batchesDone: job.batchesDone + 1 }),
    };
  }

  async isBatchRecorded(workspace: string, importId: string, batchNo: number) {
    return this.batches.get(this.id(workspace, importId))?.has(batchNo) ?? false;
  }

  async recordedBatches(workspace: string, importId: string) {
    return [...(this.batches.get(this.id(workspace, importId))?.keys() ?? [])].sort((a, b) => a - b);
  }

  async finishSplitting(workspace: string, importId: string, batchesTotal: number, rowsTotal: number) {
    return this.update(workspace, importId, { batchesTotal, rowsTotal, status: 'processing' });
  }

  async claimAggregation(workspace: string, importId: string) {
    const job = await this.getJob(workspace, importId);
    const id = this.id(workspace, importId);
    if (!job || this.claims.has(id)) return false;
    const complete =
      job.status === 'rejected' ||
      (job.status === 'processing' && job.batchesTotal !== undefined && job.batchesDone >= job.batchesTotal);
    if (!complete) return false;
    this.claims.add(id);
    this.update(workspace, importId, { status: 'aggregating' });
    return true;
  }

  async claimNotification(workspace: string, importId: string, _leaseSeconds: number) {
    const id = this.id(workspace, importId);
    if (this.notifications.has(id)) return false;
    this.notifications.add(id);
    return true;
  }

  async releaseNotification(workspace: string, importId: string, error: string) {
    this.notifications.delete(this.id(workspace, importId));
    const failures = (this.jobs.get(this.id(workspace, importId))?.notifyFailures ?? 0) + 1;
    this.update(workspace, importId, { notifyFailures: failures, notifyError: error });
  }

  async complete(workspace: string, importId: string, outcome: ImportOutcome) {
    const now = new Date().toISOString();
    this.update(workspace, importId, { status: 'completed', outcome, completedAt: now, notifiedAt: now });
  }

  async cancel(workspace: string, importId: string) {
    const job = await this.getJob(workspace, importId);
    if (!job) throw new JobNotFoundError(workspace, importId);
    if (job.status !== 'splitting' && job.status !== 'processing')
      throw new ImportFinishedError(importId, job.status);
    if (job.cancelledAt) return false;
    this.update(workspace, importId, { cancelledAt: new Date().toISOString() });
    return true;
  }

  async listStalled(before: Date) {
    return [...this.jobs.values()].filter((j) => j.status !== 'completed' && new Date(j.updatedAt) < before);
  }
}

export class MemoryWorkspaceStore implements WorkspaceStore {
  readonly fields = new Map<string, CustomFieldDefinition[]>();
  readonly settings = new Map<string, WorkspaceSettings>();

  /**
   * @param registered which workspaces are registered: every one by default (most tests are about
   * something else), or only those given (and those `putSettings` registers).
   */
  constructor(private readonly registered: 'all' | Set<string> = 'all') {}

  async findSettings(workspace: string): Promise<WorkspaceSettings | undefined> {
    const known = this.registered === 'all' || this.registered.has(workspace);
    return known ? this.getSettings(workspace) : undefined;
  }

  async getSettings(workspace: string): Promise<WorkspaceSettings> {
    return (
      this.settings.get(workspace) ?? {
        workspace,
        region: DEFAULT_REGION,
        timeZone: DEFAULT_TIME_ZONE,
        flags: {},
      }
    );
  }

  async putSettings(workspace: string, settings: Partial<Pick<WorkspaceSettings, 'region' | 'timeZone'>>) {
    const next = { ...(await this.getSettings(workspace)), ...settings };
    this.settings.set(workspace, next);
    if (this.registered !== 'all') this.registered.add(workspace);
    return next;
  }

  async setFlags(workspace: string, flags: Partial<WorkspaceFlags>) {
    const current = await this.getSettings(workspace);
    this.settings.set(workspace, { ...current, flags: { ...current.flags, ...flags } });
  }

  async listFields(workspace: string) {
    return this.fields.get(workspace) ?? [];
  }

  async defineField(workspace: string, field: CustomFieldDefinition) {
    this.fields.set(workspace, [...(await this.listFields(workspace)), field]);
  }
}

/** Records what was sent, in order, one `send` call per array. */
export class MemorySender implements MessageSender {
  readonly calls: OutgoingMessage[][] = [];

  get messages(): OutgoingMessage[] {
    return this.calls.flat();
  }

  async send(messages: readonly OutgoingMessage[]): Promise<void> {
    this.calls.push([...messages]);
  }
}
