/**
 * The aggregator's record handling, given its adapters: the handler module builds them from the
 * environment; tests build them over the emulator (with a publisher that fails on purpose).
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import {
  type AggregateDeps,
  aggregateImport,
  NotificationPendingError,
} from '../../shared/pipeline/aggregate/aggregate.js';
import {
  type MessageVisibility,
  NOTIFY_RETRY,
  notifyRetryDelaySeconds,
  type RetryBackoff,
} from '../../shared/pipeline/aggregate/notify-retry.js';
import { parseMessage } from '../../shared/pipeline/messages.js';

export interface AggregatorDeps extends AggregateDeps {
  readonly logger: Logger;
  /** Delays the retry of a message whose notification is pending. */
  readonly visibility: MessageVisibility;
  /** @default NOTIFY_RETRY */
  readonly backoff?: RetryBackoff;
}

/**
 * Aggregates the import of each record. A record whose notification is pending is reported failed and made
 * invisible for the backoff of its receive count, so the publish is tried again in seconds, not after the
 * queue's visibility timeout; any other failure is left to that timeout.
 *
 * @example
 * export const handler = aggregatorHandler({ ...deps, visibility: new SqsMessageVisibility(sqs, url) });
 */
export function aggregatorHandler(
  deps: AggregatorDeps,
): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  const { logger } = deps;
  const processor = new BatchProcessor(EventType.SQS);

  async function retrySoon(record: SQSRecord, err: NotificationPendingError): Promise<void> {
    const seconds = notifyRetryDelaySeconds(
      Number(record.attributes.ApproximateReceiveCount),
      deps.backoff ?? NOTIFY_RETRY,
    );
    try {
      await deps.visibility.delay(record.receiptHandle, seconds);
      logger.warn('notification pending; trying again soon', {
        retryInSeconds: seconds,
        reason: err.message,
      });
    } catch (delayErr) {
      // The queue's visibility timeout still brings the message back.
      logger.error('could not shorten the retry of a pending notification', { error: delayErr as Error });
    }
  }

  async function recordHandler(record: SQSRecord): Promise<void> {
    const message = parseMessage(record.body, 'aggregate');
    logger.appendKeys({ importId: message.importId });
    try {
      await aggregateImport(message, deps);
    } catch (err) {
      if (err instanceof NotificationPendingError) await retrySoon(record, err);
      throw err;
    } finally {
      logger.removeKeys(['importId']);
    }
  }

  return async (event, context) => {
    logger.addContext(context);
    return processPartialResponse(event, recordHandler, processor, { context });
  };
}
