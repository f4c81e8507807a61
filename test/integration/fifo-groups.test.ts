/**
 * What the local runner relies on in moto's FIFO queues (infra/local/runner.ts): one in-flight message
 * group at a time, a group's messages in the order sent, and receives that may bring several groups.
 */
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { useEmulator } from '../helpers/emulator.js';

const env = useEmulator();
let queues = 0;

/** A fresh FIFO queue holding `messages` (body and group), sent in this order. */
async function fifoQueue(messages: readonly (readonly [string, string])[]): Promise<string> {
  const { QueueUrl } = await env.clients.sqs.send(
    new CreateQueueCommand({
      QueueName: `fifo-groups-${++queues}.fifo`,
      Attributes: { FifoQueue: 'true', VisibilityTimeout: '60' },
    }),
  );
  const url = QueueUrl as string;
  await env.clients.sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: url,
      Entries: messages.map(([body, group], i) => ({
        Id: String(i),
        MessageBody: body,
        MessageGroupId: group,
        MessageDeduplicationId: body,
      })),
    }),
  );
  return url;
}

/** One short poll, as the runner makes it. */
async function receive(url: string, max = 10): Promise<Message[]> {
  const { Messages = [] } = await env.clients.sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: url,
      MaxNumberOfMessages: max,
      WaitTimeSeconds: 0,
      MessageSystemAttributeNames: ['MessageGroupId'],
    }),
  );
  return Messages;
}

const bodies = (messages: readonly Message[]) => messages.map((m) => m.Body);

async function remove(url: string, messages: readonly Message[]): Promise<void> {
  for (const m of messages) {
    await env.clients.sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
  }
}

describe('Emulator: FIFO message groups', () => {
  it('never hands out a message of a group while another of it is in flight', async () => {
    // Prepare
    const url = await fifoQueue([
      ['a1', 'A'],
      ['a2', 'A'],
      ['b1', 'B'],
    ]);

    // Act
    const first = await receive(url, 1);
    const meanwhile = await receive(url);
    await remove(url, [...first, ...meanwhile]);
    const after = await receive(url);

    // Assess
    expect(bodies(first)).toEqual(['a1']);
    expect(bodies(meanwhile)).toEqual(['b1']);
    expect(bodies(after)).toEqual(['a2']);
  });

  it("brings several groups in one receive, each group's messages in the order sent", async () => {
    // Prepare
    const url = await fifoQueue([
      ['a1', 'A'],
      ['b1', 'B'],
      ['a2', 'A'],
      ['b2', 'B'],
    ]);

    // Act
    const messages = await receive(url);

    // Assess
    expect(bodies(messages)).toEqual(['a1', 'b1', 'a2', 'b2']);
    expect(messages.map((m) => m.Attributes?.MessageGroupId)).toEqual(['A', 'B', 'A', 'B']);
  });

  it('serves a group again, from the same message, once its message is visible again', async () => {
    // Prepare
    const url = await fifoQueue([
      ['a1', 'A'],
      ['a2', 'A'],
    ]);
    const [first] = await receive(url, 1);

    // Act
    const busy = await receive(url);
    await env.clients.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: url,
        ReceiptHandle: first?.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    const again = await receive(url);

    // Assess
    expect(busy).toEqual([]);
    expect(bodies(again)).toEqual(['a1', 'a2']);
  });
});
