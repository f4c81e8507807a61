import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { useEmulator } from '../helpers/emulator.js';

const env = useEmulator();

async function receiveAll(queueUrl: string, atLeast: number) {
  const bodies: string[] = [];
  for (let attempt = 0; attempt < 10 && bodies.length < atLeast; attempt++) {
    const { Messages = [] } = await env.clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    bodies.push(...Messages.map((m) => m.Body ?? ''));
  }
  return bodies;
}

describe('Emulator: provisioning', () => {
  it('notifies the uploads queue of every object under incoming/, whatever its suffix, and of nothing else', async () => {
    // Prepare
    const { bucket, queues } = env.provisioned;

    // Act
    await env.clients.s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'incoming/acme/line/phone/a file.csv', Body: 'phone\n' }),
    );
    await env.clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'reports/acme/x.csv', Body: 'x' }));
    await env.clients.s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'incoming/acme/line/phone/a.txt', Body: 'x' }),
    );

    // Assess
    const bodies = await receiveAll(queues.uploads.url, 3);
    const keys = bodies
      .map((b) => JSON.parse(b) as { Records?: { s3: { object: { key: string } } }[] })
      .flatMap((b) => b.Records ?? [])
      .map((r) => decodeURIComponent(r.s3.object.key.replace(/\+/g, ' ')));
    expect(keys.sort()).toEqual(['incoming/acme/line/phone/a file.csv', 'incoming/acme/line/phone/a.txt']);
  });

  it('gives each queue a dead-letter queue with redrive after 5 receives', async () => {
    const { Attributes } = await env.clients.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: env.provisioned.queues.batches.url,
        AttributeNames: ['All'],
      }),
    );

    expect(Attributes?.FifoQueue).toBe('true');
    expect(JSON.parse(Attributes?.RedrivePolicy ?? '{}')).toEqual({
      deadLetterTargetArn: env.provisioned.queues.batches.dlqArn,
      maxReceiveCount: 5,
    });
  });

  it('creates both tables with their workspace indexes', async () => {
    const { Table } = await env.clients.dynamodb.send(
      new DescribeTableCommand({ TableName: env.provisioned.tables.contacts }),
    );

    expect(Table?.KeySchema?.map((k) => k.AttributeName)).toEqual(['pk', 'sk']);
    expect(Table?.GlobalSecondaryIndexes?.map((i) => i.IndexName)).toEqual(['byWorkspace']);
  });
});
