/**
 * The notification is an outbox: the SNS publish fails 1, 2 and 4 times (a fault moto cannot produce, so
 * the publisher port wraps the real SnsNotifier on moto and throws first); everything else is the real
 * pipeline on the emulator. Each import ends with exactly one notification, received by an SQS queue
 * subscribed to the topic, and until then the job says its notification is pending.
 */
import { describe, expect, it } from 'vitest';
import { jobLine } from '../../../cli/format.js';
import { aggregatorHandler } from '../../../functions/aggregator/aggregator.js';
import type { SqsFunction } from '../../../infra/local/runner.js';
import { DynamoImportLedger } from '../../../shared/adapters/import-ledger.js';
import { createLogger } from '../../../shared/adapters/logger.js';
import { S3ObjectStore } from '../../../shared/adapters/s3-object-store.js';
import { SnsNotifier } from '../../../shared/adapters/sns-notifier.js';
import { SqsMessageVisibility } from '../../../shared/adapters/sqs-visibility.js';
import { DynamoWorkspaceStore } from '../../../shared/adapters/workspace-store.js';
import type { Notification, Notifier } from '../../../shared/pipeline/aggregate/notifier.js';
import type { ImportJob } from '../../../shared/pipeline/ports.js';
import { expectOneNotification, expectRowsAddUp } from '../../helpers/e2e/expect.js';
import { usePipeline } from '../../helpers/e2e/pipeline.js';

/** Backoff of the test: 2 s, then 3 s (production: 10 s doubling to 300 s). */
const BACKOFF = { firstSeconds: 2, maxSeconds: 3 };

/** What the publisher saw at each attempt: the time and the job as the ledger had it. */
interface Attempt {
  readonly at: number;
  readonly job: ImportJob | undefined;
  readonly reportsExist: boolean;
}

const fault = { failuresLeft: 0, attempts: [] as Attempt[] };

/** The real SNS publisher on moto behind a fault: the next `failuresLeft` publishes throw. */
class FlakyNotifier implements Notifier {
  constructor(
    private readonly real: Notifier,
    private readonly ledger: DynamoImportLedger,
    private readonly store: S3ObjectStore,
  ) {}

  async publish(notification: Notification): Promise<void> {
    const { workspace, importId } = notification.attributes as { workspace: string; importId: string };
    fault.attempts.push({
      at: Date.now(),
      job: await this.ledger.getJob(workspace, importId),
      reportsExist: (await this.store.getText(`reports/${workspace}/${importId}/summary.json`)) !== undefined,
    });
    if (fault.failuresLeft > 0) {
      fault.failuresLeft -= 1;
      throw Object.assign(new Error('SNS is unavailable'), { name: 'InternalErrorException' });
    }
    await this.real.publish(notification);
  }
}

let aggregator: SqsFunction | undefined;
/** The aggregator over the emulator, built on its first message (the emulator starts in beforeAll). */
const lazyAggregator: SqsFunction = (event, context) => {
  aggregator ??= buildAggregator();
  return aggregator(event, context);
};
const pipeline = usePipeline({
  // A failed message comes back at once unless the handler delayed it: the gaps below are the handler's.
  retryDelaySeconds: 0,
  handlers: { aggregator: lazyAggregator },
});

function buildAggregator(): SqsFunction {
  const { env } = pipeline;
  const ledger = new DynamoImportLedger(env.clients.dynamodb, env.provisioned.tables.imports);
  const store = new S3ObjectStore(env.clients.s3, env.provisioned.bucket);
  return aggregatorHandler({
    ledger,
    store,
    workspaces: new DynamoWorkspaceStore(env.clients.dynamodb, env.provisioned.tables.contacts),
    notifier: new FlakyNotifier(
      new SnsNotifier(env.clients.sns, env.provisioned.topics.notifications),
      ledger,
      store,
    ),
    visibility: new SqsMessageVisibility(env.clients.sqs, env.provisioned.queues.aggregate.url),
    backoff: BACKOFF,
    bucket: env.provisioned.bucket,
    reportUrlExpirySeconds: 600,
    logger: createLogger('aggregator'),
  });
}

describe('End to end: the notification outbox', () => {
  it.each([1, 2, 4])(
    'sends exactly one notification after the publish failed %i time(s), the job pending until then',
    async (failures) => {
      // Prepare
      await pipeline.notifications();
      fault.failuresLeft = failures;
      fault.attempts = [];

      // Act
      const upload = await pipeline.upload(
        `incoming/outbox${failures}/line/phone/a.csv`,
        'phone,name\n0912000001,Ann\n0912000002,Bo\n',
      );
      const result = await pipeline.result(upload);

      // Assess: one notification, the job completed (result() checks it) with the rows added up
      expectRowsAddUp(result, 2);
      expectOneNotification(await pipeline.notifications(), result, 'succeeded');
      expect(fault.attempts).toHaveLength(failures + 1);
      // Throughout: the reports existed, the job was not completed, and said its notification was pending
      fault.attempts.forEach(({ job, reportsExist }, i) => {
        expect(reportsExist).toBe(true);
        expect(job?.status).toBe('aggregating');
        expect(job?.notifyFailures ?? 0).toBe(i);
        expect(job?.notifiedAt).toBeUndefined();
        expect(jobLine(job as ImportJob)).toContain('notification pending since');
      });
      if (failures > 0) {
        expect(jobLine(fault.attempts[1]?.job as ImportJob)).toContain(
          '1 failed publish, last InternalErrorException',
        );
      }
      // The retries waited for the handler's backoff (2 s, then 3 s), not the runner's immediate retry
      for (let i = 1; i < fault.attempts.length; i += 1) {
        const gap = (fault.attempts[i]?.at ?? 0) - (fault.attempts[i - 1]?.at ?? 0);
        expect(gap).toBeGreaterThanOrEqual(
          (i === 1 ? BACKOFF.firstSeconds : BACKOFF.maxSeconds) * 1000 - 500,
        );
      }
      const done = await new DynamoImportLedger(
        pipeline.env.clients.dynamodb,
        pipeline.env.provisioned.tables.imports,
      ).getJob(`outbox${failures}`, upload.importId);
      expect(done).toMatchObject({ status: 'completed', notifyFailures: failures });
      expect(done?.notifiedAt).toBeDefined();
    },
  );
});
