/**
 * The MessageSender port over one SQS queue: SendMessageBatch calls that respect SQS's limits (10 entries,
 * 1 MiB per request and per message), FIFO group and deduplication ids, and a bounded retry of the entries
 * SQS reports as `Failed`.
 */
import {
  type BatchResultErrorEntry,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { MAX_MESSAGE_BYTES, type MessageSender, type OutgoingMessage } from '../pipeline/split/ports.js';

/** Entries of one SendMessageBatch request. */
export const SQS_MAX_BATCH_ENTRIES = 10;
/** Payload of one SendMessageBatch request: the sum of its bodies. */
export const SQS_MAX_BATCH_BYTES = MAX_MESSAGE_BYTES;

export class MessageTooLargeError extends Error {
  constructor(queueUrl: string, bytes: number) {
    super(`A message of ${bytes} bytes exceeds the ${MAX_MESSAGE_BYTES}-byte limit of queue ${queueUrl}`);
    this.name = 'MessageTooLargeError';
  }
}

export class MessageSendError extends Error {
  constructor(
    readonly queueUrl: string,
    readonly failed: readonly BatchResultErrorEntry[],
    attempts: number,
  ) {
    const reasons = failed.map(
      (f) => `${f.Code ?? 'unknown'}${f.SenderFault ? ' (sender fault)' : ''}: ${f.Message ?? ''}`,
    );
    super(
      `${failed.length} message(s) could not be sent to ${queueUrl} after ${attempts} attempt(s): ${[...new Set(reasons)].join('; ')}`,
    );
    this.name = 'MessageSendError';
  }
}

export interface SqsSenderOptions {
  /** Attempts per entry, the first included. @default 5 */
  readonly maxAttempts?: number;
  /** Delay before the first retry; doubled each time, with jitter. @default 100 */
  readonly baseDelayMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * @example
 * const batches = new SqsSender(clients.sqs, requireQueueUrl(config, 'batches'));
 * await batches.send([{ body, groupId: `${importId}#3`, deduplicationId: `${importId}#17` }]);
 */
export class SqsSender implements MessageSender {
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly sqs: SQSClient,
    readonly queueUrl: string,
    options: SqsSenderOptions = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? 5;
    this.baseDelayMs = options.baseDelayMs ?? 100;
    this.sleep = options.sleep ?? defaultSleep;
  }

  /**
   * Sends the messages in as few requests as the limits allow, one request after the other. A request
   * never holds two messages of one FIFO group: retrying a failed entry could otherwise put it behind a
   * later message of its group that succeeded.
   */
  async send(messages: readonly OutgoingMessage[]): Promise<void> {
    for (const request of this.requests(messages)) await this.sendRequest(request);
  }

  private requests(messages: readonly OutgoingMessage[]): SendMessageBatchRequestEntry[][] {
    const requests: SendMessageBatchRequestEntry[][] = [];
    let current: SendMessageBatchRequestEntry[] = [];
    let bytes = 0;
    const groups = new Set<string>();
    for (const message of messages) {
      const size = Buffer.byteLength(message.body);
      if (size > MAX_MESSAGE_BYTES) throw new MessageTooLargeError(this.queueUrl, size);
      const full =
        current.length === SQS_MAX_BATCH_ENTRIES ||
        bytes + size > SQS_MAX_BATCH_BYTES ||
        (message.groupId !== undefined && groups.has(message.groupId));
      if (full) {
        requests.push(current);
        current = [];
        bytes = 0;
        groups.clear();
      }
      current.push({
        Id: String(current.length),
        MessageBody: message.body,
        MessageGroupId: message.groupId,
        MessageDeduplicationId: message.deduplicationId,
      });
      bytes += size;
      if (message.groupId !== undefined) groups.add(message.groupId);
    }
    if (current.length > 0) requests.push(current);
    return requests;
  }

  private async sendRequest(entries: SendMessageBatchRequestEntry[]): Promise<void> {
    let pending = entries;
    for (let attempt = 1; ; attempt++) {
      const { Failed = [] } = await this.sqs.send(
        new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: pending }),
      );
      if (Failed.length === 0) return;
      // A sender fault (a malformed entry) fails the same way every time: retrying cannot help.
      if (Failed.some((f) => f.SenderFault) || attempt >= this.maxAttempts) {
        throw new MessageSendError(this.queueUrl, Failed, attempt);
      }
      const failedIds = new Set(Failed.map((f) => f.Id));
      pending = pending.filter((entry) => failedIds.has(entry.Id));
      const delay = this.baseDelayMs * 2 ** (attempt - 1);
      await this.sleep(delay / 2 + Math.random() * (delay / 2));
    }
  }
}
