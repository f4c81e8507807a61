import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { processBatch } from '../../shared/pipeline/process-batch.js';
import { batchBody, context, sqsEvent, sqsRecord, stubHandlerEnvironment } from './helpers/events.js';

vi.mock('../../shared/pipeline/process-batch.js', () => ({ processBatch: vi.fn() }));

const sqs = mockClient(SQSClient);
const processed = vi.mocked(processBatch);
let handler: typeof import('../../functions/processor/handler.js').handler;

beforeAll(async () => {
  stubHandlerEnvironment();
  ({ handler } = await import('../../functions/processor/handler.js'));
});

afterEach(() => {
  sqs.reset();
  processed.mockReset();
});

const batch = batchBody;

const done = { recorded: true, aggregate: false, counts: undefined };

describe('Function: processor handler', () => {
  it('reports nothing failed when every batch is processed', async () => {
    // Prepare
    processed.mockResolvedValue(done);

    // Act
    const response = (await handler(
      sqsEvent(sqsRecord(batch(1), { group: '1' }), sqsRecord(batch(2), { group: '2' })),
      context(),
    )) as SQSBatchResponse;

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(processed.mock.calls.map(([m]) => m.batchNo)).toEqual([1, 2]);
  });

  it('fails the later records of a failed record group, and carries on with the other groups', async () => {
    // Prepare: batch 1 throws; batch 3 shares its group and must not overtake it
    processed.mockImplementation(async (m) => {
      if (m.batchNo === 1) throw new Error('DynamoDB is unavailable');
      return done;
    });
    const records = [
      sqsRecord(batch(1), { group: 'g1' }),
      sqsRecord(batch(2), { group: 'g2' }),
      sqsRecord(batch(3), { group: 'g1' }),
    ];

    // Act
    const response = (await handler(sqsEvent(...records), context())) as SQSBatchResponse;

    // Assess
    expect(response.batchItemFailures).toEqual([
      { itemIdentifier: records[0]?.messageId },
      { itemIdentifier: records[2]?.messageId },
    ]);
    expect(processed.mock.calls.map(([m]) => m.batchNo)).toEqual([1, 2]);
  });

  it('sends one aggregate message when processBatch claimed the aggregation', async () => {
    // Prepare
    processed.mockResolvedValue({ ...done, aggregate: true });
    sqs
      .on(SendMessageBatchCommand)
      .resolves({ Successful: [{ Id: '0', MessageId: 'a', MD5OfMessageBody: '' }], Failed: [] });

    // Act
    const response = (await handler(
      sqsEvent(sqsRecord(batch(7), { group: '1' })),
      context(),
    )) as SQSBatchResponse;

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    const sent = sqs.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.QueueUrl).toBe(process.env.QUEUE_URL_AGGREGATE);
    expect(JSON.parse(sent[0]?.Entries?.[0]?.MessageBody ?? '')).toEqual({
      kind: 'aggregate',
      workspace: 'acme',
      importId: 'acme.x',
    });
  });

  it('fails the record when the aggregate message cannot be sent, so the delivery is retried', async () => {
    processed.mockImplementation(async (m) => ({ ...done, aggregate: m.batchNo === 8 }));
    sqs.on(SendMessageBatchCommand).rejects(new Error('SQS is unavailable'));
    const record = sqsRecord(batch(8), { group: '1' });

    const response = (await handler(
      sqsEvent(record, sqsRecord(batch(9), { group: '2' })),
      context(),
    )) as SQSBatchResponse;

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
  });

  it('fails a record whose body is not a batch message without calling processBatch', async () => {
    processed.mockResolvedValue(done);
    const bad = sqsRecord('{"kind":"aggregate","workspace":"acme","importId":"acme.x"}', { group: '1' });

    const response = (await handler(
      sqsEvent(bad, sqsRecord(batch(4), { group: '2' })),
      context(),
    )) as SQSBatchResponse;

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: bad.messageId }]);
    expect(processed.mock.calls.map(([m]) => m.batchNo)).toEqual([4]);
  });
});
