/**
 * Retries DynamoDB calls that failed for capacity or contention, with exponential backoff and full
 * jitter. The SDK retries throttling on its own a few times; this layer keeps going for sustained
 * throttling and also covers what the SDK does not retry: transactions cancelled by a conflict and
 * partial batch results (UnprocessedKeys / UnprocessedItems, handled by the callers with `backoff`).
 */

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  /** Cap of the first wait; doubles on each attempt. */
  readonly baseDelayMs: number;
  /** Cap of any wait. */
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 8, baseDelayMs: 50, maxDelayMs: 5_000 };

/** Errors DynamoDB asks the caller to retry. */
const RETRYABLE_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TransactionConflictException',
  'TransactionInProgressException',
]);

interface CancellationReasons {
  readonly CancellationReasons?: readonly { readonly Code?: string }[];
}

/** The reason codes of a cancelled transaction (`None` for the actions that were fine). */
export function cancellationCodes(err: unknown): string[] {
  if ((err as Error | undefined)?.name !== 'TransactionCanceledException') return [];
  return ((err as CancellationReasons).CancellationReasons ?? []).map((r) => r.Code ?? 'None');
}

/**
 * Whether a failed call is worth another attempt: throttling, or a transaction cancelled only because
 * another transaction touched the same item (a failed condition is an answer, not a reason to retry).
 *
 * @example
 * isRetryable(Object.assign(new Error('slow down'), { name: 'ThrottlingException' })); // true
 */
export function isRetryable(err: unknown): boolean {
  const name = (err as Error | undefined)?.name;
  if (name && RETRYABLE_NAMES.has(name)) return true;
  const codes = cancellationCodes(err);
  return (
    codes.some((c) => c === 'TransactionConflict' || c === 'ThrottlingError') &&
    !codes.includes('ConditionalCheckFailed')
  );
}

/** Waits before attempt `attempt + 1`: a random time up to `base × 2^attempt`, capped (full jitter). */
export function backoff(policy: RetryPolicy, attempt: number): Promise<void> {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, Math.random() * cap));
}

/**
 * Runs `operation` until it succeeds, fails for a reason retrying cannot fix, or runs out of attempts
 * (the last error is thrown).
 *
 * @example
 * const item = await withRetry(DEFAULT_RETRY_POLICY, () => doc.send(new GetCommand(input)));
 */
export async function withRetry<T>(policy: RetryPolicy, operation: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation();
    } catch (err) {
      if (!isRetryable(err) || attempt + 1 >= policy.maxAttempts) throw err;
      await backoff(policy, attempt);
    }
  }
}
