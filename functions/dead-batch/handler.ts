/**
 * Dead-batch Lambda (drains the batches DLQ): a batch that failed every delivery still counts — its rows
 * become `failed` / PROCESSING_FAILED, the batch is recorded once, and the import moves on to its report.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { createClients } from '../../shared/adapters/clients.js';
import { DynamoImportLedger } from '../../shared/adapters/import-ledger.js';
import { createLogger } from '../../shared/adapters/logger.js';
import { S3ObjectStore } from '../../shared/adapters/s3-object-store.js';
import { SqsSender } from '../../shared/adapters/sqs-sender.js';
import { loadConfig, requireQueueUrl } from '../../shared/config.js';
import { aggregateSender } from '../../shared/pipeline/aggregate/enqueue.js';
import { type DeadBatchDeps, failDeadBatch } from '../../shared/pipeline/dead-batch.js';
import { parseMessage } from '../../shared/pipeline/messages.js';
import { MAX_RECEIVE_COUNT } from '../../shared/resources.js';

const config = loadConfig();
const clients = createClients(config.aws);
const logger = createLogger('dead-batch');
const sendAggregate = aggregateSender(new SqsSender(clients.sqs, requireQueueUrl(config, 'aggregate')));
const deps: DeadBatchDeps = {
  ledger: new DynamoImportLedger(clients.dynamodb, config.resources.tables.imports.name),
  store: new S3ObjectStore(clients.s3, config.resources.bucket.name),
  sendAggregate,
  logger,
};
const processor = new BatchProcessor(EventType.SQS);
const REASON = `the batch failed ${MAX_RECEIVE_COUNT} deliveries and was dead-lettered`;

async function recordHandler(record: SQSRecord): Promise<void> {
  await failDeadBatch(parseMessage(record.body, 'batch'), REASON, deps);
}

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  return processPartialResponse(event, recordHandler, processor, { context });
};
