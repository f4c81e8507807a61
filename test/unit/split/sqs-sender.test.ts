import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { MessageSendError, MessageTooLargeError, SqsSender } from '../../../shared/adapters/sqs-sender.js';

const sqs = mockClient(SQSClient);
const QUEUE = 'https://sqs.ap-northeast-1.amazonaws.com/000000000000/batches.fifo';
const noSleep = async () => undefined;

function sender(options: { maxAttempts?: number } = {}) {
  return new SqsSender(sqs as unknown as SQSClient, QUEUE, { sleep: noSleep, ...options });
}

function entriesOf(call: number) {
  return sqs.commandCalls(SendMessageBatchCommand)[call]?.args[0].input.Entries ?? [];
}

describe('Class: SqsSender', () => {
  afterEach(() => {
    sqs.reset();
  });

  it('packs at most 10 entries into one request', async () => {
    // Prepare
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const messages = Array.from({ length: 23 }, (_, i) => ({ body: `m${i}` }));

    // Act
    await sender().send(messages);

    // Assess
    expect(sqs.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input.Entries?.length)).toEqual([
      10, 10, 3,
    ]);
    expect(entriesOf(2).map((e) => e.MessageBody)).toEqual(['m20', 'm21', 'm22']);
  });

  it('keeps a request under 1 MiB of bodies', async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Failed: [] });
    const body = 'x'.repeat(300 * 1024);

    await sender().send(Array.from({ length: 5 }, () => ({ body })));

    expect(sqs.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input.Entries?.length)).toEqual([
      3, 2,
    ]);
  });

  it('refuses a message over 1 MiB before sending anything', async () => {
    await expect(sender().send([{ body: 'ok' }, { body: 'x'.repeat(1024 * 1024 + 1) }])).rejects.toThrow(
      MessageTooLargeError,
    );
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
  });

  it('sends FIFO group and deduplication ids, and never two messages of one group in one request', async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Failed: [] });

    await sender().send([
      { body: 'a1', groupId: 'imp#1', deduplicationId: 'imp#1' },
      { body: 'b1', groupId: 'imp#2', deduplicationId: 'imp#2' },
      { body: 'a2', groupId: 'imp#1', deduplicationId: 'imp#3' },
    ]);

    expect(entriesOf(0)).toEqual([
      { Id: '0', MessageBody: 'a1', MessageGroupId: 'imp#1', MessageDeduplicationId: 'imp#1' },
      { Id: '1', MessageBody: 'b1', MessageGroupId: 'imp#2', MessageDeduplicationId: 'imp#2' },
    ]);
    expect(entriesOf(1).map((e) => e.MessageBody)).toEqual(['a2']);
  });

  it('retries only the entries SQS reports as failed', async () => {
    // Prepare
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({
        Successful: [{ Id: '0', MessageId: 'x', MD5OfMessageBody: '' }],
        Failed: [{ Id: '1', Code: 'InternalError', SenderFault: false }],
      })
      .resolves({ Failed: [] });

    // Act
    await sender().send([{ body: 'a' }, { body: 'b' }]);

    // Assess
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(2);
    expect(entriesOf(1)).toEqual([{ Id: '1', MessageBody: 'b' }]);
  });

  it('gives up after the last attempt with an error naming the failure', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolves({ Failed: [{ Id: '0', Code: 'ServiceUnavailable', SenderFault: false }] });

    const sent = sender({ maxAttempts: 3 }).send([{ body: 'a' }]);

    await expect(sent).rejects.toThrow(MessageSendError);
    await expect(sent).rejects.toThrow(
      /could not be sent to .*batches\.fifo after 3 attempt\(s\): ServiceUnavailable/,
    );
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(3);
  });

  it('does not retry a sender fault', async () => {
    sqs.on(SendMessageBatchCommand).resolves({
      Failed: [{ Id: '0', Code: 'InvalidParameterValue', SenderFault: true, Message: 'bad group' }],
    });

    await expect(sender().send([{ body: 'a' }])).rejects.toThrow(
      /InvalidParameterValue \(sender fault\): bad group/,
    );
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(1);
  });
});
