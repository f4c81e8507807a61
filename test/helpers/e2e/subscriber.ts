/**
 * An SQS queue subscribed to the notifications topic, as a subscriber would set one up: the way tests see
 * exactly which notifications an import published.
 */
import { SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import type { Clients } from '../../../shared/adapters/clients.js';
import type { ImportSummary } from '../../../shared/pipeline/aggregate/summary.js';

/** One notification as an SQS subscriber receives it (SNS envelope, not raw delivery). */
export interface ReceivedNotification {
  readonly subject: string;
  readonly body: {
    readonly summary: ImportSummary;
    readonly failuresReport: { readonly s3Uri: string; readonly url: string; readonly expiresAt: string };
    readonly note: string;
  };
  readonly attributes: Record<string, string>;
}

export interface Subscriber {
  /** Every notification received since the last call (they are deleted from the queue). */
  drain(): Promise<ReceivedNotification[]>;
}

/**
 * Subscribes a new queue to a topic.
 *
 * @example
 * const subscriber = await subscribe(env.clients, env.provisioned.topics.notifications, 'e2e');
 * const [notification] = await subscriber.drain();
 */
export async function subscribe(clients: Clients, topicArn: string, name: string): Promise<Subscriber> {
  const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: name }));
  const { Attributes } = await clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  await clients.sns.send(
    new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: Attributes?.QueueArn }),
  );
  return {
    async drain() {
      const received: ReceivedNotification[] = [];
      for (;;) {
        const { Messages = [] } = await clients.sqs.send(
          new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
        );
        if (Messages.length === 0) return received;
        for (const m of Messages) {
          const envelope = JSON.parse(m.Body ?? '{}') as {
            Subject: string;
            Message: string;
            MessageAttributes?: Record<string, { Value: string }>;
          };
          received.push({
            subject: envelope.Subject,
            body: JSON.parse(envelope.Message),
            attributes: Object.fromEntries(
              Object.entries(envelope.MessageAttributes ?? {}).map(([k, v]) => [k, v.Value]),
            ),
          });
        }
        await clients.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl,
            Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
          }),
        );
      }
    },
  };
}
