/**
 * How a stage hands a finished import to the aggregator: claim the aggregation on the job item (exactly
 * one caller wins, and only once every batch is recorded), then send one message to the aggregate queue.
 */
import type { AggregateMessage } from '../messages.js';
import type { ImportLedger } from '../ports.js';
import type { MessageSender } from '../split/ports.js';

/** Sends one message to the aggregate queue (an SQS sender in production). */
export type SendAggregate = (message: AggregateMessage) => Promise<void>;

/**
 * Claims the aggregation of an import and, when this caller wins, enqueues it. Returns whether it did.
 *
 * @example
 * if (await enqueueAggregationIfComplete(ledger, send, 'acme', importId)) logger.info('aggregation enqueued');
 */
export async function enqueueAggregationIfComplete(
  ledger: ImportLedger,
  send: SendAggregate,
  workspace: string,
  importId: string,
): Promise<boolean> {
  if (!(await ledger.claimAggregation(workspace, importId))) return false;
  await send({ kind: 'aggregate', workspace, importId });
  return true;
}

/**
 * The SendAggregate of a queue sender (the aggregate queue is a standard queue: no group, no dedup id).
 *
 * @example
 * const sendAggregate = aggregateSender(new SqsSender(clients.sqs, requireQueueUrl(config, 'aggregate')));
 */
export function aggregateSender(queue: MessageSender): SendAggregate {
  return (message) => queue.send([{ body: JSON.stringify(message) }]);
}
