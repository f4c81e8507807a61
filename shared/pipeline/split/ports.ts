/**
 * What the splitter needs from a queue: send messages, in order per FIFO group, or fail loudly.
 */

/** Largest message body a queue accepts (SQS: 1 MiB per message, and per SendMessageBatch request). */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

/** One message to send: its body and, on a FIFO queue, its group and deduplication ids. */
export interface OutgoingMessage {
  readonly body: string;
  /** FIFO only: messages of one group are delivered in the order sent. */
  readonly groupId?: string;
  /** FIFO only: a second message with this id within 5 minutes is dropped by SQS. */
  readonly deduplicationId?: string;
}

export interface MessageSender {
  /**
   * Sends every message or throws. Messages of one FIFO group reach the queue in the order given, also
   * when some of them had to be retried.
   */
  send(messages: readonly OutgoingMessage[]): Promise<void>;
}
