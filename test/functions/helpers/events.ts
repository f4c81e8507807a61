/**
 * Lambda events and contexts for handler tests, shaped as Lambda delivers them.
 */
import type { Context, ScheduledEvent, SQSEvent, SQSRecord } from 'aws-lambda';
import { vi } from 'vitest';
import type { BatchMessage } from '../../../shared/pipeline/messages.js';

/** The environment every handler reads at import time (clients are mocked, so the values are only names). */
export function stubHandlerEnvironment(): void {
  vi.stubEnv('AWS_REGION', 'ap-northeast-1');
  vi.stubEnv('AWS_ENDPOINT_URL', '');
  vi.stubEnv('STAGE', 'test');
  vi.stubEnv('QUEUE_URL_AGGREGATE', 'https://sqs.ap-northeast-1.amazonaws.com/000000000000/aggregate');
  vi.stubEnv('QUEUE_URL_BATCHES', 'https://sqs.ap-northeast-1.amazonaws.com/000000000000/batches.fifo');
  vi.stubEnv('TOPIC_ARN_NOTIFICATIONS', 'arn:aws:sns:ap-northeast-1:000000000000:notifications');
  vi.stubEnv('TOPIC_ARN_ALARMS', 'arn:aws:sns:ap-northeast-1:000000000000:alarms');
}

let sequence = 0;

/**
 * One SQS record; `group` makes it a FIFO record.
 *
 * @example
 * sqsRecord(JSON.stringify(message), { group: '3' });
 */
export function sqsRecord(body: string, opts: { group?: string; receiveCount?: number } = {}): SQSRecord {
  sequence += 1;
  return {
    messageId: `m-${sequence}`,
    receiptHandle: `rh-${sequence}`,
    body,
    attributes: {
      ApproximateReceiveCount: String(opts.receiveCount ?? 1),
      SentTimestamp: '1700000000000',
      SenderId: '000000000000',
      ApproximateFirstReceiveTimestamp: '1700000000000',
      ...(opts.group ? { MessageGroupId: opts.group, SequenceNumber: String(sequence) } : {}),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:ap-northeast-1:000000000000:queue',
    awsRegion: 'ap-northeast-1',
  };
}

export function sqsEvent(...records: SQSRecord[]): SQSEvent {
  return { Records: records };
}

export function scheduledEvent(time: string): ScheduledEvent {
  return {
    version: '0',
    id: 'e-1',
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time,
    region: 'ap-northeast-1',
    resources: [],
    detail: {},
  };
}

/** A Lambda context with plenty of time left. */
export function context(functionName = 'fn'): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:ap-northeast-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: 'req-1',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'stream',
    getRemainingTimeInMillis: () => 60_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** The body of a batches-queue message (rows left empty: handler tests mock the use case). */
export function batchBody(batchNo: number): string {
  const message: BatchMessage = {
    kind: 'batch',
    workspace: 'acme',
    importId: 'acme.x',
    channel: 'line',
    key: 'phone',
    batchNo,
    rows: [],
  };
  return JSON.stringify(message);
}
