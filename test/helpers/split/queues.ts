/**
 * Reading a queue back in emulator tests.
 */
import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';

/**
 * Receives until `count` messages arrived (or after `polls` one-second polls), deleting them so that their
 * FIFO groups move on. Messages carry their `MessageGroupId` attribute.
 *
 * @example
 * const batches = await drain(env.clients.sqs, env.provisioned.queues.batches.url, 12);
 */
export async function drain(sqs: SQSClient, queueUrl: string, count: number, polls = 30): Promise<Message[]> {
  const received: Message[] = [];
  for (let attempt = 0; attempt < polls && received.length < count; attempt++) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ['MessageGroupId'],
      }),
    );
    received.push(...Messages);
    if (Messages.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
    }
  }
  return received;
}
