/**
 * The ImportLedger port over the imports table.
 *
 * | item | pk | sk | attributes |
 * | --- | --- | --- | --- |
 * | job | `<ws>#IMPORT#<importId>` | `JOB` | the ImportJob fields; `gsi1pk = ACTIVE`, `gsi1sk = updatedAt` until completed; `gsi2pk = <ws>#IMPORTS`, `gsi2sk = createdAt#importId` (the workspace's history) |
 * | batch marker | `<ws>#IMPORT#<importId>` | `BATCH#<batchNo:8>` | `batchNo`, `counts`, `recordedAt` |
 *
 * The job's partition key starts with the workspace like every other key; the one exception is the sparse
 * `byStatus` index, whose single partition `ACTIVE` lists unfinished jobs of every workspace for the
 * sweeper. Exactly-once steps are conditional writes: a batch counts only together with its marker (one
 * transaction), and aggregation and notification are claimed by the one caller whose condition holds.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type Issue, OUTCOMES, type RowCounts } from '../domain/model.js';
import { emptyCounts } from '../pipeline/messages.js';
import {
  ImportFinishedError,
  type ImportJob,
  type ImportLedger,
  type ImportOutcome,
  JobNotFoundError,
  type NewJob,
} from '../pipeline/ports.js';
import { Expression } from './dynamo/expression.js';
import { cancellationCodes, type RetryPolicy } from './dynamo/retry.js';
import { DynamoTable, type Item, isConditionFailed, type Key } from './dynamo/table.js';

export interface ImportLedgerOptions {
  readonly retry?: Partial<RetryPolicy>;
  /** Clock for `createdAt` / `updatedAt`. @default () => new Date() */
  readonly now?: () => Date;
  /** The sparse GSI of unfinished jobs. @default 'byStatus' */
  readonly statusIndex?: string;
  /** The GSI of a workspace's jobs by creation time. @default 'byWorkspace' */
  readonly historyIndex?: string;
}

/** Which jobs of a workspace `listImports` returns. */
export interface HistoryQuery {
  /** At most this many, newest first. */
  readonly limit: number;
  /** Only jobs created at or after this time. */
  readonly since?: Date;
}

/** `finishSplitting` was called again with other totals than the first time. */
export class SplitTotalsMismatchError extends Error {
  constructor(importId: string, recorded: number | undefined, given: number) {
    super(`Import ${importId} was split into ${recorded} batches, not ${given}`);
    this.name = 'SplitTotalsMismatchError';
  }
}

const JOB = 'JOB';
const BATCH_PREFIX = 'BATCH#';
const ACTIVE = 'ACTIVE';

function jobKey(workspace: string, importId: string): Key {
  return { pk: `${workspace}#IMPORT#${importId}`, sk: JOB };
}

function markerKey(workspace: string, importId: string, batchNo: number): Key {
  return { pk: jobKey(workspace, importId).pk, sk: `${BATCH_PREFIX}${String(batchNo).padStart(8, '0')}` };
}

function historyPk(workspace: string): string {
  return `${workspace}#IMPORTS`;
}

function jobOf(item: Item): ImportJob {
  const {
    pk: _pk,
    sk: _sk,
    gsi1pk: _gpk,
    gsi1sk: _gsk,
    gsi2pk: _hpk,
    gsi2sk: _hsk,
    aggregationClaimedAt: _claimed,
    ...job
  } = item;
  return job as ImportJob;
}

/**
 * @example
 * const ledger = new DynamoImportLedger(clients.dynamodb, config.resources.tables.imports.name);
 * const { job, created } = await ledger.createJob({ workspace, importId, channel, key, source });
 */
export class DynamoImportLedger implements ImportLedger {
  private readonly table: DynamoTable;
  private readonly now: () => Date;
  private readonly statusIndex: string;
  private readonly historyIndex: string;

  constructor(client: DynamoDBClient, tableName: string, options: ImportLedgerOptions = {}) {
    this.table = new DynamoTable(client, tableName, options.retry);
    this.now = options.now ?? (() => new Date());
    this.statusIndex = options.statusIndex ?? 'byStatus';
    this.historyIndex = options.historyIndex ?? 'byWorkspace';
  }

  async createJob(job: NewJob): Promise<{ readonly job: ImportJob; readonly created: boolean }> {
    const now = this.now().toISOString();
    const fresh: ImportJob = {
      ...job,
      status: 'splitting',
      createdAt: now,
      updatedAt: now,
      batchesDone: 0,
      counts: emptyCounts(),
    };
    const x = new Expression();
    try {
      await this.table.put({
        Item: {
          ...jobKey(job.workspace, job.importId),
          gsi1pk: ACTIVE,
          gsi1sk: now,
          gsi2pk: historyPk(job.workspace),
          gsi2sk: `${now}#${job.importId}`,
          ...fresh,
        },
        ...x.build(`attribute_not_exists(${x.name('pk')})`),
      });
      return { job: fresh, created: true };
    } catch (err) {
      if (!isConditionFailed(err)) throw err;
      return { job: await this.requireJob(job.workspace, job.importId), created: false };
    }
  }

  async getJob(workspace: string, importId: string): Promise<ImportJob | undefined> {
    const item = await this.table.get(jobKey(workspace, importId));
    return item && jobOf(item);
  }

  async describeFile(
    workspace: string,
    importId: string,
    file: Pick<ImportJob, 'encoding' | 'delimiter' | 'header' | 'skippedColumns' | 'headerCleanups'>,
  ): Promise<void> {
    const x = this.progress()
      .set('encoding', file.encoding)
      .set('delimiter', file.delimiter)
      .set('header', file.header)
      .set('skippedColumns', file.skippedColumns)
      .set('headerCleanups', file.headerCleanups ?? []);
    await this.updateJob(workspace, importId, x);
  }

  async reject(workspace: string, importId: string, reason: Issue): Promise<void> {
    const x = this.progress().set('status', 'rejected').set('rejection', reason);
    await this.updateJob(workspace, importId, x);
  }

  /**
   * Counts a batch once: its marker is put on condition that it does not exist, in the same transaction
   * as the job's counters. A cancellation because the marker exists means another attempt counted it.
   */
  async recordBatch(
    workspace: string,
    importId: string,
    batchNo: number,
    counts: RowCounts,
  ): Promise<{ readonly counted: boolean; readonly job: ImportJob }> {
    const now = this.now().toISOString();
    const marker = new Expression();
    const job = this.progress().add('batchesDone', 1);
    for (const outcome of OUTCOMES) {
      const path = `counts.${outcome}`;
      job.setTo(path, `${job.name(path)} + ${job.value(counts[outcome])}`);
    }
    let counted = true;
    try {
      await this.table.transact(
        [
          {
            Put: {
              Item: { ...markerKey(workspace, importId, batchNo), batchNo, counts, recordedAt: now },
              ...marker.build(`attribute_not_exists(${marker.name('pk')})`),
            },
          },
          {
            Update: {
              Key: jobKey(workspace, importId),
              ...job.buildUpdate(`attribute_exists(${job.name('pk')})`),
            },
          },
        ],
        `Batch ${batchNo} of import ${importId}`,
      );
    } catch (err) {
      const [markerCode, jobCode] = cancellationCodes(err);
      if (markerCode === 'ConditionalCheckFailed') counted = false;
      else if (jobCode === 'ConditionalCheckFailed') throw new JobNotFoundError(workspace, importId);
      else throw err;
    }
    return { counted, job: await this.requireJob(workspace, importId) };
  }

  async isBatchRecorded(workspace: string, importId: string, batchNo: number): Promise<boolean> {
    return (await this.table.get(markerKey(workspace, importId, batchNo))) !== undefined;
  }

  async recordedBatches(workspace: string, importId: string): Promise<number[]> {
    const x = new Expression();
    const condition =
      `${x.name('pk')} = ${x.value(jobKey(workspace, importId).pk)} AND ` +
      `begins_with(${x.name('sk')}, ${x.value(BATCH_PREFIX)})`;
    const batches: number[] = [];
    for await (const page of this.table.query({
      KeyConditionExpression: condition,
      ConsistentRead: true,
      ...x.build(),
    })) {
      for (const item of page) batches.push(Number(item.batchNo));
    }
    return batches.sort((a, b) => a - b);
  }

  /**
   * Records the totals and moves a splitting job to `processing`. Calling it again with the same totals
   * changes nothing (also once aggregation has begun); other totals throw SplitTotalsMismatchError.
   */
  async finishSplitting(
    workspace: string,
    importId: string,
    batchesTotal: number,
    rowsTotal: number,
  ): Promise<ImportJob> {
    const x = this.progress()
      .set('batchesTotal', batchesTotal)
      .set('rowsTotal', rowsTotal)
      .set('status', 'processing');
    const condition =
      `${x.name('status')} IN (${x.value('splitting')}, ${x.value('processing')}) AND ` +
      `(attribute_not_exists(${x.name('batchesTotal')}) OR ${x.name('batchesTotal')} = ${x.value(batchesTotal)})`;
    if (await this.updateJob(workspace, importId, x, condition)) {
      return this.requireJob(workspace, importId);
    }
    const job = await this.requireJob(workspace, importId);
    if (job.batchesTotal !== batchesTotal) {
      throw new SplitTotalsMismatchError(importId, job.batchesTotal, batchesTotal);
    }
    return job;
  }

  async claimAggregation(workspace: string, importId: string): Promise<boolean> {
    const x = this.progress()
      .set('status', 'aggregating')
      .set('aggregationClaimedAt', this.now().toISOString());
    const status = x.name('status');
    const condition =
      `${status} = ${x.value('rejected')} OR ` +
      `(${status} = ${x.value('processing')} AND ${x.name('batchesDone')} >= ${x.name('batchesTotal')})`;
    return this.updateJob(workspace, importId, x, condition);
  }

  /**
   * Takes the lease on the import's notification: true unless it was published (`notifiedAt`) or another
   * run holds an unexpired lease. The first claim also records since when the notification is pending.
   */
  async claimNotification(workspace: string, importId: string, leaseSeconds: number): Promise<boolean> {
    const now = this.now();
    const x = this.progress().set(
      'notifyLeaseUntil',
      new Date(now.getTime() + leaseSeconds * 1000).toISOString(),
    );
    x.setTo(
      'notifyPendingSince',
      `if_not_exists(${x.name('notifyPendingSince')}, ${x.value(now.toISOString())})`,
    );
    const lease = x.name('notifyLeaseUntil');
    const condition =
      `attribute_not_exists(${x.name('notifiedAt')}) AND ` +
      `(attribute_not_exists(${lease}) OR ${lease} < ${x.value(now.toISOString())})`;
    return this.updateJob(workspace, importId, x, condition);
  }

  /** Gives the lease back after a failed publish and counts the failure (the job stays `aggregating`). */
  async releaseNotification(workspace: string, importId: string, error: string): Promise<void> {
    const x = this.progress()
      .remove('notifyLeaseUntil')
      .add('notifyFailures', 1)
      .set('notifyFailedAt', this.now().toISOString())
      .set('notifyError', error);
    await this.updateJob(workspace, importId, x, `attribute_not_exists(${x.name('notifiedAt')})`);
  }

  /**
   * Marks the job completed after its notification was published (it leaves the sweeper's index).
   * Completing again keeps the first `completedAt` and `notifiedAt`.
   */
  async complete(workspace: string, importId: string, outcome: ImportOutcome): Promise<void> {
    const now = this.now().toISOString();
    const x = new Expression()
      .set('status', 'completed')
      .set('outcome', outcome)
      .set('updatedAt', now)
      .remove('notifyLeaseUntil')
      .remove('gsi1pk')
      .remove('gsi1sk');
    x.setTo('completedAt', `if_not_exists(${x.name('completedAt')}, ${x.value(now)})`);
    x.setTo('notifiedAt', `if_not_exists(${x.name('notifiedAt')}, ${x.value(now)})`);
    await this.updateJob(workspace, importId, x);
  }

  async cancel(workspace: string, importId: string): Promise<boolean> {
    const x = this.progress().set('cancelledAt', this.now().toISOString());
    const status = x.name('status');
    const unfinished = `${status} = ${x.value('splitting')} OR ${status} = ${x.value('processing')}`;
    if (
      await this.updateJob(
        workspace,
        importId,
        x,
        `attribute_not_exists(${x.name('cancelledAt')}) AND (${unfinished})`,
      )
    )
      return true;
    const job = await this.requireJob(workspace, importId);
    if (job.status !== 'splitting' && job.status !== 'processing')
      throw new ImportFinishedError(importId, job.status);
    return false;
  }

  /** Unfinished jobs of every workspace whose last progress is older than `before`, oldest first. */
  async listStalled(before: Date): Promise<ImportJob[]> {
    const x = new Expression();
    const cutoff = before.toISOString();
    const keys: Key[] = [];
    for await (const page of this.table.query({
      IndexName: this.statusIndex,
      KeyConditionExpression: `${x.name('gsi1pk')} = ${x.value(ACTIVE)} AND ${x.name('gsi1sk')} < ${x.value(cutoff)}`,
      ...x.build(),
    })) {
      for (const item of page) keys.push({ pk: String(item.pk), sk: String(item.sk) });
    }
    // The index is eventually consistent: the jobs themselves say whether they are still stalled.
    return (await this.table.batchGet(keys))
      .map(jobOf)
      .filter((job) => job.status !== 'completed' && job.updatedAt < cutoff)
      .sort((a, b) => a.updatedAt.localeCompare(b.updatedAt));
  }

  /**
   * A workspace's imports, newest first: one Query of the `byWorkspace` index (projected in full, so no
   * second read). Jobs created before the index existed are not listed.
   *
   * @example
   * const latest = await ledger.listImports('acme', { limit: 20, since: new Date('2026-12-01') });
   */
  async listImports(workspace: string, query: HistoryQuery): Promise<ImportJob[]> {
    const x = new Expression();
    let condition = `${x.name('gsi2pk')} = ${x.value(historyPk(workspace))}`;
    if (query.since) condition += ` AND ${x.name('gsi2sk')} >= ${x.value(query.since.toISOString())}`;
    const jobs: ImportJob[] = [];
    for await (const page of this.table.query({
      IndexName: this.historyIndex,
      KeyConditionExpression: condition,
      ScanIndexForward: false,
      Limit: query.limit,
      ...x.build(),
    })) {
      for (const item of page) if (jobs.length < query.limit) jobs.push(jobOf(item));
      if (jobs.length >= query.limit) break;
    }
    return jobs;
  }

  /** An update that records progress: `updatedAt` and the sweeper's sort key move to now. */
  private progress(): Expression {
    const now = this.now().toISOString();
    return new Expression().set('updatedAt', now).set('gsi1sk', now);
  }

  /**
   * Applies an update to an existing job. Returns false when `condition` did not hold; throws
   * JobNotFoundError when the job does not exist.
   */
  private async updateJob(
    workspace: string,
    importId: string,
    x: Expression,
    condition?: string,
  ): Promise<boolean> {
    const exists = `attribute_exists(${x.name('pk')})`;
    try {
      await this.table.update({
        Key: jobKey(workspace, importId),
        ...x.buildUpdate(condition ? `${exists} AND (${condition})` : exists),
      });
      return true;
    } catch (err) {
      if (!isConditionFailed(err)) throw err;
      await this.requireJob(workspace, importId);
      return false;
    }
  }

  private async requireJob(workspace: string, importId: string): Promise<ImportJob> {
    const job = await this.getJob(workspace, importId);
    if (!job) throw new JobNotFoundError(workspace, importId);
    return job;
  }
}
