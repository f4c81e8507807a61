import { describe, expect, it } from 'vitest';
import { lambdaContext, sqsRecord } from '../../infra/local/lambda-context.js';

describe('Function: sqsRecord (local runner)', () => {
  it('builds the record Lambda builds from a FIFO message, attributes included', () => {
    // Act
    const record = sqsRecord(
      {
        MessageId: 'm1',
        ReceiptHandle: 'rh1',
        Body: '{}',
        MD5OfBody: 'md5',
        Attributes: {
          ApproximateReceiveCount: '3',
          SentTimestamp: '1700000000000',
          SenderId: 'AIDA',
          ApproximateFirstReceiveTimestamp: '1700000000001',
          MessageGroupId: '7',
          MessageDeduplicationId: 'acme.x#1',
          SequenceNumber: '18',
        },
        MessageAttributes: { trace: { DataType: 'String', StringValue: 'abc' } },
      },
      'arn:aws:sqs:ap-northeast-1:000000000000:batches.fifo',
      'ap-northeast-1',
    );

    // Assess
    expect(record).toEqual({
      messageId: 'm1',
      receiptHandle: 'rh1',
      body: '{}',
      attributes: {
        ApproximateReceiveCount: '3',
        SentTimestamp: '1700000000000',
        SenderId: 'AIDA',
        ApproximateFirstReceiveTimestamp: '1700000000001',
        SequenceNumber: '18',
        MessageGroupId: '7',
        MessageDeduplicationId: 'acme.x#1',
      },
      messageAttributes: { trace: { dataType: 'String', stringValue: 'abc' } },
      md5OfBody: 'md5',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:ap-northeast-1:000000000000:batches.fifo',
      awsRegion: 'ap-northeast-1',
    });
  });
});

describe('Function: lambdaContext (local runner)', () => {
  it('counts the remaining time down from the function timeout', () => {
    const context = lambdaContext('processor', 120, 'ap-northeast-1');

    expect(context.getRemainingTimeInMillis()).toBeLessThanOrEqual(120_000);
    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(100_000);
    expect(context.invokedFunctionArn).toBe('arn:aws:lambda:ap-northeast-1:000000000000:function:processor');
  });

  it('refuses the callback-style methods a promise handler must not use', () => {
    expect(() => lambdaContext('aggregator', 300, 'ap-northeast-1').succeed('x')).toThrow(/return a promise/);
  });
});
