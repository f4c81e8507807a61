/**
 * The Notifier port over one SNS topic.
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Notification, Notifier } from '../pipeline/aggregate/notifier.js';

/** SNS subjects are ASCII, one line, at most 100 characters. */
const SUBJECT_LIMIT = 100;

/** The subject SNS accepts: printable ASCII only, one line, cut to the limit. */
export function snsSubject(subject: string): string {
  return subject
    .replace(/[^\x20-\x7e]/g, '?')
    .slice(0, SUBJECT_LIMIT)
    .trim();
}

/**
 * @example
 * const notifier = new SnsNotifier(clients.sns, config.notificationsTopicArn);
 * await notifier.publish({ subject: 'Import succeeded', message: '{}', attributes: { outcome: 'succeeded' } });
 */
export class SnsNotifier implements Notifier {
  constructor(
    private readonly sns: SNSClient,
    readonly topicArn: string,
  ) {}

  async publish(notification: Notification): Promise<void> {
    await this.sns.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Subject: snsSubject(notification.subject),
        Message: notification.message,
        MessageAttributes: Object.fromEntries(
          Object.entries(notification.attributes).map(([name, value]) => [
            name,
            { DataType: 'String', StringValue: value },
          ]),
        ),
      }),
    );
  }
}
