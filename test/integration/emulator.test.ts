import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import {
  DescribeTableCommand,
  GetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { describe, expect, inject, it } from 'vitest';
import { motoSiteDir, patchesOf } from '../../infra/local/emulator.js';
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

describe('Emulator: moto patches', () => {
  const PATCHES = [
    'module-list',
    'request-dispatch',
    'sqs-clock',
    'sqs-fifo-send',
    'expression-traversal',
    'dynamodb-transactions',
  ];

  it('starts moto 5.2 with every patch, and any other version unpatched', () => {
    const note = inject('emulatorPatchNote');

    const version = /moto (\S+?)[;:)]/.exec(note)?.[1] ?? '';

    expect(version).not.toBe('');
    expect(patchesOf(note)).toEqual(version.startsWith('5.2.') ? PATCHES : []);
  });

  it('leaves moto unpatched, and says so, when its version is not 5.2', () => {
    // Prepare: a stand-in moto package of another version in front of the real one
    const fake = mkdtempSync(join(tmpdir(), 'fake-moto-'));
    mkdirSync(join(fake, 'moto'));
    writeFileSync(join(fake, 'moto', '__init__.py'), '__version__ = "9.9.9"\n');

    // Act
    const run = spawnSync('python3', ['-c', 'pass'], {
      env: { ...process.env, PYTHONPATH: [motoSiteDir(), fake].join(delimiter) },
      encoding: 'utf8',
    });
    rmSync(fake, { recursive: true, force: true });

    // Assess
    expect(run.status).toBe(0);
    expect(run.stderr.trim()).toBe(
      'contact-import moto patches: none (moto 9.9.9 is not 5.2.x; running unpatched)',
    );
  });

  it('rolls a cancelled transaction back item by item: no put, update or delete of it stays', async () => {
    // Prepare
    const TableName = env.provisioned.tables.contacts;
    const item = (sk: string, n: string) => ({ pk: { S: 'patch-test' }, sk: { S: sk }, n: { N: n } });
    for (const sk of ['updated', 'deleted', 'guard']) {
      await env.clients.dynamodb.send(new PutItemCommand({ TableName, Item: item(sk, '1') }));
    }
    const key = (sk: string) => ({ pk: { S: 'patch-test' }, sk: { S: sk } });

    // Act
    const cancelled = env.clients.dynamodb.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName, Item: item('created', '1') } },
          {
            Update: {
              TableName,
              Key: key('updated'),
              UpdateExpression: 'SET n = :two',
              ExpressionAttributeValues: { ':two': { N: '2' } },
            },
          },
          { Delete: { TableName, Key: key('deleted') } },
          {
            ConditionCheck: { TableName, Key: key('guard'), ConditionExpression: 'attribute_not_exists(pk)' },
          },
        ],
      }),
    );

    // Assess
    await expect(cancelled).rejects.toThrow(/ConditionalCheckFailed/);
    const read = async (sk: string) =>
      (await env.clients.dynamodb.send(new GetItemCommand({ TableName, Key: key(sk), ConsistentRead: true })))
        .Item;
    expect(await read('created')).toBeUndefined();
    expect(await read('updated')).toEqual(item('updated', '1'));
    expect(await read('deleted')).toEqual(item('deleted', '1'));
  });

  it('still drops a FIFO message whose deduplication id was sent before', async () => {
    // Prepare
    const QueueUrl = env.provisioned.queues.batches.url;
    const message = { MessageBody: 'x', MessageGroupId: 'g', MessageDeduplicationId: 'patch-test-dedup' };

    // Act
    await env.clients.sqs.send(new SendMessageCommand({ QueueUrl, ...message }));
    await env.clients.sqs.send(
      new SendMessageBatchCommand({ QueueUrl, Entries: [{ Id: '0', ...message, MessageBody: 'y' }] }),
    );

    // Assess
    const bodies = await receiveAll(QueueUrl, 2);
    expect(bodies).toEqual(['x']);
  });
});
