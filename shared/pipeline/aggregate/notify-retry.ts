/**
 * When a pending notification is tried again: soon after a failed publish, then less often, never less
 * often than `maxSeconds` — instead of after the aggregate queue's 30-minute visibility timeout. The
 * aggregator handler makes its message invisible for that long through the MessageVisibility port.
 */

/** Exponential backoff: `firstSeconds` after the first failure, doubling, at most `maxSeconds`. */
export interface RetryBackoff {
  readonly firstSeconds: number;
  readonly maxSeconds: number;
}

/** 10 s, 20 s, 40 s, … 300 s: the first retry within 30 s, then at least every five minutes. */
export const NOTIFY_RETRY: RetryBackoff = { firstSeconds: 10, maxSeconds: 300 };

/** Makes one received message visible again after a delay (SQS ChangeMessageVisibility). */
export interface MessageVisibility {
  delay(receiptHandle: string, seconds: number): Promise<void>;
}

/**
 * Seconds until the next try of a message received `receiveCount` times (1 on the first receive).
 *
 * @example
 * notifyRetryDelaySeconds(1); // 10
 * notifyRetryDelaySeconds(3); // 40
 * notifyRetryDelaySeconds(9); // 300
 */
export function notifyRetryDelaySeconds(receiveCount: number, backoff: RetryBackoff = NOTIFY_RETRY): number {
  const failures = Number.isFinite(receiveCount) && receiveCount > 1 ? Math.floor(receiveCount) : 1;
  return Math.min(backoff.maxSeconds, backoff.firstSeconds * 2 ** Math.min(failures - 1, 30));
}
