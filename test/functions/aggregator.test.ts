import type { SQSBatchResponse } from 'aws-lambda';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type AggregateDeps,
  aggregateImport,
  NotificationPendingError,
} from '../../shared/pipeline/aggregate/aggregate.js';
import { context, sqsEvent, sqsRecord, stubHandlerEnvironment } from './helpers/events.js';

vi.mock('../../shared/pipeline/aggregate/aggregate.js', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../shared/pipeline/aggregate/aggregate.js')>()),
  aggregateImport: vi.fn(),
}));

const aggregated = vi.mocked(aggregateImport);
let handler: typeof import('../../functions/aggregator/handler.js').handler;

beforeAll(async () => {
  stubHandlerEnvironment();
  ({ handler } = await import('../../functions/aggregator/handler.js'));
});

afterEach(() => {
  aggregated.mockReset();
});

const body = (importId: string) => JSON.stringify({ kind: 'aggregate', workspace: 'acme', importId });

describe('Function: aggregator handler', () => {
  it('aggregates the import named by each message, with the adapters built from the environment', async () => {
    // Prepare
    aggregated.mockResolvedValue({ summary: undefined, notified: true });

    // Act
    const response = (await handler(sqsEvent(sqsRecord(body('acme.a'))), context())) as SQSBatchResponse;

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    const [message, deps] = aggregated.mock.calls[0] ?? [];
    expect(message).toEqual({ kind: 'aggregate', workspace: 'acme', importId: 'acme.a' });
    expect(deps).toMatchObject({ bucket: 'contact-import-test-uploads', reportUrlExpirySeconds: 86_400 });
  });

  it('reports the record failed when aggregating throws, so SQS retries it', async () => {
    // Prepare
    aggregated.mockImplementation(async (m) => {
      if (m.importId === 'acme.bad') throw new Error('S3 is unavailable');
      return { summary: undefined, notified: false };
    });
    const bad = sqsRecord(body('acme.bad'));

    // Act
    const response = (await handler(
      sqsEvent(bad, sqsRecord(body('acme.ok'))),
      context(),
    )) as SQSBatchResponse;

    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: bad.messageId }]);
  });

  it('fails a record that is not an aggregate message', async () => {
    const bad = sqsRecord('not json');

    const response = (await handler(
      sqsEvent(bad, sqsRecord(body('acme.ok'))),
      context(),
    )) as SQSBatchResponse;

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: bad.messageId }]);
  });
});

describe('Function: aggregator handler module', () => {
  it('refuses to start without the notifications topic', async () => {
    vi.resetModules();
    vi.stubEnv('TOPIC_ARN_NOTIFICATIONS', '');

    await expect(import('../../functions/aggregator/handler.js')).rejects.toThrow(
      /TOPIC_ARN_NOTIFICATIONS is not set/,
    );

    vi.stubEnv('TOPIC_ARN_NOTIFICATIONS', 'arn:aws:sns:ap-northeast-1:000000000000:notifications');
  });
});

describe('Function: aggregatorHandler (a pending notification)', () => {
  async function run(error: Error, receiveCount: number) {
    const { aggregatorHandler } = await import('../../functions/aggregator/aggregator.js');
    const { createLogger } = await import('../../shared/adapters/logger.js');
    const delays: [string, number][] = [];
    aggregated.mockImplementation(async (m) => {
      if (m.importId === 'acme.p') throw error;
      return { summary: undefined, notified: true };
    });
    const handle = aggregatorHandler({
      ...({} as AggregateDeps),
      logger: createLogger('aggregator-test'),
      visibility: { delay: async (receiptHandle, seconds) => void delays.push([receiptHandle, seconds]) },
    });
    const record = sqsRecord(body('acme.p'), { receiveCount });
    const response = (await handle(
      sqsEvent(record, sqsRecord(body('acme.ok'))),
      context(),
    )) as SQSBatchResponse;
    return { delays, record, response };
  }

  it('comes back within 30 s of the first failed publish, then later, never later than five minutes', async () => {
    const pending = new NotificationPendingError('acme.p', 'the publish failed (InternalErrorException)');

    const first = await run(pending, 1);
    const late = await run(pending, 9);

    expect(first.response.batchItemFailures).toEqual([{ itemIdentifier: first.record.messageId }]);
    expect(first.delays).toEqual([[first.record.receiptHandle, 10]]);
    expect(late.delays).toEqual([[late.record.receiptHandle, 300]]);
  });

  it('leaves any other failure to the queue visibility timeout', async () => {
    const { delays, response, record } = await run(new Error('S3 is unavailable'), 1);

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
    expect(delays).toEqual([]);
  });
});
