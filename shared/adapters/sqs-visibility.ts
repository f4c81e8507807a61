/**
 * The MessageVisibility port over one SQS queue. It also tells in-process listeners which messages it
 * delayed: the local runner (infra/local/runner.ts), which stands in for Lambda in the same process, then
 * leaves those messages invisible for the delay the handler chose, as Lambda does, instead of making them
 * visible again after its own short retry delay.
 */
import { ChangeMessageVisibilityCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { MessageVisibility } from '../pipeline/aggregate/notify-retry.js';

/** Called with the receipt handle and the delay of every message a SqsMessageVisibility delayed. */
export type VisibilityListener = (receiptHandle: string, seconds: number) => void;

const listeners = new Set<VisibilityListener>();

/**
 * Listens to the delays of every SqsMessageVisibility of this process; returns the function that stops it.
 *
 * @example
 * const stop = onMessageDelayed((receiptHandle) => delayed.add(receiptHandle));
 */
export function onMessageDelayed(listener: VisibilityListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * @example
 * const visibility = new SqsMessageVisibility(clients.sqs, requireQueueUrl(config, 'aggregate'));
 * await visibility.delay(record.receiptHandle, 10);
 */
export class SqsMessageVisibility implements MessageVisibility {
  constructor(
    private readonly sqs: SQSClient,
    readonly queueUrl: string,
  ) {}

  async delay(receiptHandle: string, seconds: number): Promise<void> {
    await this.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: this.queueUrl,
        ReceiptHandle: receiptHandle,
        VisibilityTimeout: seconds,
      }),
    );
    for (const listener of listeners) listener(receiptHandle, seconds);
  }
}
