import { HeadObjectCommand, NotFound, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSBatchResponse } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ContinuationMessage } from '../../shared/pipeline/split/messages.js';
import { context, sqsEvent, sqsRecord, stubHandlerEnvironment } from './helpers/events.js';

const s3 = mockClient(S3Client);
const dynamo = mockClient(DynamoDBDocumentClient);
const sqs = mockClient(SQSClient);
const BUCKET = 'contact-import-test-uploads';
let handler: typeof import('../../functions/splitter/handler.js').handler;

beforeAll(async () => {
  stubHandlerEnvironment();
  vi.stubEnv('QUEUE_URL_UPLOADS', 'https://sqs.ap-northeast-1.amazonaws.com/000000000000/uploads');
  ({ handler } = await import('../../functions/splitter/handler.js'));
});

afterEach(() => {
  s3.reset();
  dynamo.reset();
  sqs.reset();
});

/** An S3 ObjectCreated notification as the uploads queue receives it (key URL-encoded, no versionId in moto). */
function s3Notification(key: string, bucket = BUCKET): string {
  return JSON.stringify({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        eventName: 'ObjectCreated:Put',
        s3: { bucket: { name: bucket }, object: { key, size: 10 } },
      },
    ],
  });
}

const testEvent = JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: BUCKET });

describe('Function: splitter handler', () => {
  it('skips the S3 test event without touching the bucket', async () => {
    const response = (await handler(sqsEvent(sqsRecord(testEvent)), context('splitter'))) as SQSBatchResponse;

    expect(response).toEqual({ batchItemFailures: [] });
    expect(s3.calls()).toHaveLength(0);
  });

  it('reports only the records that failed: an unreadable body and an object it may not read', async () => {
    // Prepare: the workspace registry is read first (acme is not registered: the gone object still only logs)
    dynamo.on(GetCommand).resolves({});
    s3.on(HeadObjectCommand, { Key: 'incoming/acme/line/phone/gone file (1).csv' }).rejects(
      new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } }),
    );
    s3.on(HeadObjectCommand, { Key: 'incoming/acme/line/phone/secret.csv' }).rejects(
      new S3ServiceException({
        name: 'AccessDenied',
        $fault: 'client',
        message: 'Access Denied',
        $metadata: {},
      }),
    );
    const garbage = sqsRecord('not json');
    const denied = sqsRecord(s3Notification('incoming/acme/line/phone/secret.csv'));
    const event = sqsEvent(
      sqsRecord(testEvent),
      garbage,
      sqsRecord(s3Notification('incoming/acme/line/phone/gone+file+%281%29.csv')),
      denied,
    );

    // Act
    const response = (await handler(event, context('splitter'))) as SQSBatchResponse;

    // Assess
    expect(response).toEqual({
      batchItemFailures: [{ itemIdentifier: garbage.messageId }, { itemIdentifier: denied.messageId }],
    });
    expect(s3.commandCalls(HeadObjectCommand).map((c) => c.args[0].input)).toEqual([
      { Bucket: BUCKET, Key: 'incoming/acme/line/phone/gone file (1).csv', VersionId: undefined },
      { Bucket: BUCKET, Key: 'incoming/acme/line/phone/secret.csv', VersionId: undefined },
    ]);
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
  });

  it('fails a notification for another bucket', async () => {
    const record = sqsRecord(s3Notification('incoming/acme/line/phone/a.csv', 'someone-else'));

    const response = (await handler(
      sqsEvent(sqsRecord(testEvent), record),
      context('splitter'),
    )) as SQSBatchResponse;

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: record.messageId }] });
    expect(s3.calls()).toHaveLength(0);
  });

  it('throws when every record fails, so that Lambda retries the whole batch', async () => {
    await expect(handler(sqsEvent(sqsRecord('{}')), context('splitter'))).rejects.toThrow(
      'All records failed processing',
    );
  });

  it('reads a continuation and fails it when its job does not exist', async () => {
    // Prepare
    dynamo.on(GetCommand).resolves({});
    const continuation: ContinuationMessage = {
      kind: 'continue',
      workspace: 'acme',
      importId: 'acme.0123456789abcdef01234567',
      source: { bucket: BUCKET, key: 'incoming/acme/line/phone/a.csv', versionId: 'v1', size: 100 },
      encoding: 'utf-8',
      delimiter: ',',
      checkpoint: {
        resume: { byteOffset: 40, rowNumber: 3, line: 3 },
        lastRowRead: 2,
        rowsTotal: 1,
        nextBatchNo: 1,
        flushed: new Array(17).fill(0),
        carried: [],
        manifestSequence: 0,
        invocation: 1,
      },
    };
    const record = sqsRecord(JSON.stringify(continuation));

    // Act
    const response = (await handler(
      sqsEvent(record, sqsRecord(testEvent)),
      context('splitter'),
    )) as SQSBatchResponse;

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: record.messageId }] });
    expect(dynamo.commandCalls(GetCommand)[0]?.args[0].input.Key).toEqual({
      pk: 'acme#IMPORT#acme.0123456789abcdef01234567',
      sk: 'JOB',
    });
  });
});
