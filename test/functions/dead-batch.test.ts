import type { SQSBatchResponse } from 'aws-lambda';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { failDeadBatch } from '../../shared/pipeline/dead-batch.js';
import { batchBody, context, sqsEvent, sqsRecord, stubHandlerEnvironment } from './helpers/events.js';

vi.mock('../../shared/pipeline/dead-batch.js', () => ({ failDeadBatch: vi.fn() }));

const failed = vi.mocked(failDeadBatch);
let handler: typeof import('../../functions/dead-batch/handler.js').handler;

beforeAll(async () => {
  stubHandlerEnvironment();
  ({ handler } = await import('../../functions/dead-batch/handler.js'));
});

afterEach(() => {
  failed.mockReset();
});

const batch = batchBody;

describe('Function: dead-batch handler', () => {
  it('fails the rows of each dead-lettered batch, saying how many deliveries it had', async () => {
    // Prepare
    failed.mockResolvedValue({ recorded: true, aggregationEnqueued: false });

    // Act
    const response = (await handler(
      sqsEvent(sqsRecord(batch(1), { group: '3' }), sqsRecord(batch(2), { group: '4' })),
      context(),
    )) as SQSBatchResponse;

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(failed.mock.calls.map(([m, reason]) => [m.batchNo, reason])).toEqual([
      [1, 'the batch failed 5 deliveries and was dead-lettered'],
      [2, 'the batch failed 5 deliveries and was dead-lettered'],
    ]);
  });

  it('leaves a batch it could not account for in the DLQ, for the next attempt', async () => {
    failed.mockImplementation(async (m) => {
      if (m.batchNo === 1) throw new Error('DynamoDB is unavailable');
      return { recorded: true, aggregationEnqueued: false };
    });
    const bad = sqsRecord(batch(1), { group: '3' });

    const response = (await handler(
      sqsEvent(bad, sqsRecord(batch(2), { group: '4' })),
      context(),
    )) as SQSBatchResponse;

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: bad.messageId }]);
  });
});
