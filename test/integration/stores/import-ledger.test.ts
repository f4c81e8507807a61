import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoImportLedger, SplitTotalsMismatchError } from '../../../shared/adapters/import-ledger.js';
import type { RowCounts } from '../../../shared/domain/model.js';
import { JobNotFoundError, type NewJob } from '../../../shared/pipeline/ports.js';
import { useEmulator } from '../../helpers/emulator.js';
import {
  countCalls,
  emulatorDynamoClient,
  injectFaults,
  transactionConflict,
} from '../../helpers/stores/faults.js';

const env = useEmulator();
const ownClients: DynamoDBClient[] = [];

afterEach(() => {
  for (const client of ownClients.splice(0)) client.destroy();
});

/** A clock the test moves by hand, so `updatedAt` values are known. */
function manualClock(start = '2024-05-01T00:00:00.000Z') {
  let time = Date.parse(start);
  return {
    now: () => new Date(time),
    advance(ms = 1000) {
      time += ms;
      return new Date(time).toISOString();
    },
  };
}

function ledger(now?: () => Date, client: DynamoDBClient = env.clients.dynamodb) {
  return new DynamoImportLedger(client, env.provisioned.tables.imports, {
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
    ...(now ? { now } : {}),
  });
}

let sequence = 0;
function aJob(workspace = 'acme'): NewJob {
  sequence += 1;
  const importId = `${workspace}.${String(sequence).padStart(24, '0')}`;
  return {
    workspace,
    importId,
    channel: 'line',
    key: 'line_uid',
    source: {
      bucket: 'uploads',
      key: `incoming/${workspace}/line/line_uid/${sequence}.csv`,
      versionId: 'v1',
      size: 10,
    },
  };
}

function counts(partial: Partial<RowCounts>): RowCounts {
  return { created: 0, updated: 0, unchanged: 0, skipped: 0, failed: 0, ...partial };
}

describe('Class: DynamoImportLedger', () => {
  describe('Method: createJob', () => {
    it('creates one job for the same import id delivered three times at once', async () => {
      // Prepare
      const job = aJob();

      // Act
      const results = await Promise.all([1, 2, 3].map(() => ledger().createJob(job)));

      // Assess
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(results.map((r) => r.job.createdAt)).size).toBe(1);
      expect(await ledger().getJob(job.workspace, job.importId)).toMatchObject({
        ...job,
        status: 'splitting',
        batchesDone: 0,
        counts: counts({}),
      });
    });
  });

  describe('Method: recordBatch', () => {
    it('counts a batch completed three times concurrently once', async () => {
      // Prepare
      const job = aJob();
      await ledger().createJob(job);
      const batch = counts({ created: 3, updated: 2, failed: 1 });

      // Act
      const results = await Promise.all(
        [1, 2, 3].map(() => ledger().recordBatch(job.workspace, job.importId, 7, batch)),
      );

      // Assess
      expect(results.filter((r) => r.counted)).toHaveLength(1);
      expect(await ledger().getJob(job.workspace, job.importId)).toMatchObject({
        batchesDone: 1,
        counts: batch,
      });
      expect(await ledger().recordedBatches(job.workspace, job.importId)).toEqual([7]);
      expect(await ledger().isBatchRecorded(job.workspace, job.importId, 7)).toBe(true);
      expect(await ledger().isBatchRecorded(job.workspace, job.importId, 8)).toBe(false);
    });

    it('adds up the counts of different batches recorded at once', async () => {
      // Prepare
      const job = aJob();
      await ledger().createJob(job);

      // Act
      await Promise.all(
        [1, 2, 3, 4, 5].map((n) =>
          ledger().recordBatch(job.workspace, job.importId, n, counts({ created: n, skipped: 1 })),
        ),
      );

      // Assess
      expect(await ledger().getJob(job.workspace, job.importId)).toMatchObject({
        batchesDone: 5,
        counts: counts({ created: 15, skipped: 5 }),
      });
      expect(await ledger().recordedBatches(job.workspace, job.importId)).toEqual([1, 2, 3, 4, 5]);
    });

    it('retries a transaction cancelled by a conflict and counts the batch once', async () => {
      // Prepare
      const job = aJob();
      await ledger().createJob(job);
      const client = emulatorDynamoClient(env.config.aws);
      ownClients.push(client);
      const log = injectFaults(client, 'TransactWriteItemsCommand', [
        { throw: transactionConflict(2) },
        { throw: transactionConflict(2) },
      ]);

      // Act
      const result = await ledger(undefined, client).recordBatch(
        job.workspace,
        job.importId,
        1,
        counts({ updated: 4 }),
      );

      // Assess
      expect(result.counted).toBe(true);
      expect(result.job).toMatchObject({ batchesDone: 1, counts: counts({ updated: 4 }) });
      expect(log.calls.get('TransactWriteItemsCommand')).toBe(3);
    });

    it('fails with JobNotFoundError for an import without a job', async () => {
      // Act
      const record = ledger().recordBatch('acme', 'acme.nothing', 1, counts({}));

      // Assess
      await expect(record).rejects.toBeInstanceOf(JobNotFoundError);
    });
  });

  describe('Method: claimAggregation', () => {
    it('is won exactly once, by whichever of the last batch and finishSplitting comes last', async () => {
      for (let round = 0; round < 10; round++) {
        // Prepare
        const job = aJob();
        await ledger().createJob(job);
        const finish = async () => {
          await ledger().finishSplitting(job.workspace, job.importId, 3, 30);
          return ledger().claimAggregation(job.workspace, job.importId);
        };
        const record = async (n: number) => {
          await ledger().recordBatch(job.workspace, job.importId, n, counts({ created: 10 }));
          return ledger().claimAggregation(job.workspace, job.importId);
        };

        // Act
        const claims = await Promise.all([finish(), record(1), record(2), record(3), record(3)]);

        // Assess
        expect(claims.filter(Boolean)).toHaveLength(1);
        expect(await ledger().getJob(job.workspace, job.importId)).toMatchObject({
          status: 'aggregating',
          batchesDone: 3,
          batchesTotal: 3,
          counts: counts({ created: 30 }),
        });
      }
    });

    it('is refused while batches are missing or the splitter has not finished', async () => {
      // Prepare
      const job = aJob();
      await ledger().createJob(job);
      await ledger().recordBatch(job.workspace, job.importId, 1, counts({ created: 1 }));

      // Act
      const beforeFinish = await ledger().claimAggregation(job.workspace, job.importId);
      await ledger().finishSplitting(job.workspace, job.importId, 2, 2);
      const beforeLastBatch = await ledger().claimAggregation(job.workspace, job.importId);

      // Assess
      expect([beforeFinish, beforeLastBatch]).toEqual([false, false]);
      expect(await ledger().getJob(job.workspace, job.importId)).toMatchObject({ status: 'processing' });
    });

    it('is won once for a rejected job', async () => {
      // Prepare
      const job = aJob();
      await ledger().createJob(job);
      await ledger().reject(job.workspace, job.importId, {
        code: 'EMPTY_FILE',
        message: 'The file is empty',
      });

      // Act
      const claims = await Promise.all(
        [1, 2, 3].map(() => ledger().claimAggregation(job.workspace, job.importId)),
      );

      // Assess
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await ledger().getJob(job.workspace, job.importId)).toMatchObject({
        status: 'aggregating',
        rejection: { code: 'EMPTY_FILE' },
      });
    });
  });

  describe('Method: finishSplitting', () => {
    it('is idempotent with the same totals and refuses other totals', async () => {
      // Prepare
      const job = aJob();
      await ledger().createJob(job);

      // Act
      const first = await ledger().finishSplitting(job.workspace, job.importId, 4, 400);
      const again = await ledger().finishSplitting(job.workspace, job.importId, 4, 400);
      const other = ledger().finishSplitting(job.workspace, job.importId, 5, 500);

      // Assess
      expect(first).toMatchObject({ status: 'processing', batchesTotal: 4, rowsTotal: 400 });
      expect(again).toMatchObject({ status: 'processing', batchesTotal: 4, rowsTotal: 400 });
      await expect(other).rejects.toBeInstanceOf(SplitTotalsMismatchError);
    });

    it('does not move a job back once aggregation has begun', async () => {
      // Prepare
      const job = aJob();
      await ledger().createJob(job);
      await ledger().finishSplitting(job.workspace, job.importId, 1, 5);
      await ledger().recordBatch(job.workspace, job.importId, 1, counts({ created: 5 }));
      await ledger().claimAggregation(job.workspace, job.importId);

      // Act
      const replay = await ledger().finishSplitting(job.workspace, job.importId, 1, 5);

      // Assess
      expect(replay.status).toBe('aggregating');
    });
  });

  describe('Method: claimNotification', () => {
    it('leases the notification to one of several concurrent runs, and records it pending', async () => {
      // Prepare
      const job = aJob();
      await ledger().createJob(job);

      // Act
      const claims = await Promise.all(
        [1, 2, 3].map(() => ledger().claimNotification(job.workspace, job.importId, 60)),
      );

      // Assess: one lease; nothing says it was published
      expect(claims.filter(Boolean)).toHaveLength(1);
      const claimed = await ledger().getJob(job.workspace, job.importId);
      expect(claimed?.notifyPendingSince).toBeDefined();
      expect(claimed?.notifiedAt).toBeUndefined();
    });

    it('can be claimed again once the lease was released or has expired, never after completion', async () => {
      // Prepare
      const clock = manualClock();
      const job = aJob();
      await ledger(clock.now).createJob(job);
      const claim = () => ledger(clock.now).claimNotification(job.workspace, job.importId, 60);

      // Act + Assess: released after a failed publish → claimable at once, failure counted
      expect(await claim()).toBe(true);
      await ledger(clock.now).releaseNotification(job.workspace, job.importId, 'InternalErrorException');
      expect(await ledger().getJob(job.workspace, job.importId)).toMatchObject({
        notifyFailures: 1,
        notifyError: 'InternalErrorException',
      });
      expect(await claim()).toBe(true);
      // held (its run may still be publishing) → not claimable until the lease expires
      clock.advance(59_000);
      expect(await claim()).toBe(false);
      clock.advance(2_000);
      expect(await claim()).toBe(true);
      // completed → published: never again
      await ledger(clock.now).complete(job.workspace, job.importId, 'succeeded');
      clock.advance(120_000);
      expect(await claim()).toBe(false);
      const done = await ledger().getJob(job.workspace, job.importId);
      expect(done?.notifiedAt).toBeDefined();
      expect(done?.notifyLeaseUntil).toBeUndefined();
    });
  });

  describe('Method: listStalled', () => {
    it('lists the unfinished jobs of every workspace that made no progress since the cutoff', async () => {
      // Prepare
      const clock = manualClock();
      const [stalled, busy, done] = [aJob('north'), aJob('south'), aJob('north')];
      for (const job of [stalled, busy, done]) await ledger(clock.now).createJob(job);
      clock.advance(60_000);
      await ledger(clock.now).complete(done.workspace, done.importId, 'succeeded');
      const cutoff = new Date(clock.advance(60_000));
      await ledger(clock.now).finishSplitting(busy.workspace, busy.importId, 2, 20);

      // Act
      const found = await ledger(clock.now).listStalled(cutoff);

      // Assess
      const mine = found.filter((j) => [stalled, busy, done].some((x) => x.importId === j.importId));
      expect(mine.map((j) => j.importId)).toEqual([stalled.importId]);
      expect(await ledger().getJob(done.workspace, done.importId)).toMatchObject({
        status: 'completed',
        outcome: 'succeeded',
      });
    });

    it('moves updatedAt on every step of progress', async () => {
      // Prepare
      const clock = manualClock('2024-06-01T00:00:00.000Z');
      const job = aJob();
      const at = () =>
        ledger()
          .getJob(job.workspace, job.importId)
          .then((j) => j?.updatedAt);
      await ledger(clock.now).createJob(job);
      const seen: (string | undefined)[] = [];
      const steps = [
        () => ledger(clock.now).describeFile(job.workspace, job.importId, { encoding: 'utf-8' }),
        () => ledger(clock.now).finishSplitting(job.workspace, job.importId, 1, 3),
        () => ledger(clock.now).recordBatch(job.workspace, job.importId, 1, counts({ created: 3 })),
        () => ledger(clock.now).claimAggregation(job.workspace, job.importId),
        () => ledger(clock.now).claimNotification(job.workspace, job.importId, 60),
        () => ledger(clock.now).releaseNotification(job.workspace, job.importId, 'Error'),
        () => ledger(clock.now).complete(job.workspace, job.importId, 'succeeded'),
      ];
      const expected: string[] = [];

      // Act
      for (const step of steps) {
        expected.push(clock.advance());
        await step();
        seen.push(await at());
      }

      // Assess
      expect(seen).toEqual(expected);
    });
  });
});

describe('Class: DynamoImportLedger, the history (byWorkspace index)', () => {
  it('lists a workspace’s imports newest first with one Query, never a Scan, and only its own', async () => {
    // Prepare
    const clock = manualClock('2026-12-01T09:00:00.000Z');
    const writer = ledger(clock.now);
    const jobs = [aJob('hist-a'), aJob('hist-a'), aJob('hist-b'), aJob('hist-a')];
    for (const job of jobs) {
      await writer.createJob({ ...job, uploadedBy: { kind: 'cli', name: 'amy' } });
      clock.advance(60_000);
    }
    const client = emulatorDynamoClient(env.config.aws);
    ownClients.push(client);
    const calls = countCalls(client);

    // Act
    const all = await ledger(undefined, client).listImports('hist-a', { limit: 10 });
    const two = await ledger(undefined, client).listImports('hist-a', { limit: 2 });
    const since = await ledger(undefined, client).listImports('hist-a', {
      limit: 10,
      since: new Date('2026-12-01T09:01:00.000Z'),
    });

    // Assess
    const ids = (list: { importId: string }[]) => list.map((job) => job.importId);
    expect(ids(all)).toEqual([jobs[3], jobs[1], jobs[0]].map((job) => job?.importId));
    expect(ids(two)).toEqual([jobs[3], jobs[1]].map((job) => job?.importId));
    expect(ids(since)).toEqual([jobs[3], jobs[1]].map((job) => job?.importId));
    expect(all[0]).toMatchObject({ uploadedBy: { kind: 'cli', name: 'amy' }, status: 'splitting' });
    expect(Object.keys(all[0] ?? {})).not.toContain('gsi2pk');
    expect([...calls.calls.keys()]).toEqual(['QueryCommand']);
  });
});
