/**
 * Aggregator Lambda (aggregate queue, batch size 1): writes an import's report, publishes its one
 * notification and completes the job. A failed record is retried by SQS; every step is idempotent.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { createClients } from '../../shared/adapters/clients.js';
import { DynamoImportLedger } from '../../shared/adapters/import-ledger.js';
import { createLogger } from '../../shared/adapters/logger.js';
import { S3ObjectStore } from '../../shared/adapters/s3-object-store.js';
import { SnsNotifier } from '../../shared/adapters/sns-notifier.js';
import { DynamoWorkspaceStore } from '../../shared/adapters/workspace-store.js';
import { ConfigurationError, loadConfig } from '../../shared/config.js';
import { type AggregateDeps, aggregateImport } from '../../shared/pipeline/aggregate/aggregate.js';
import { parseMessage } from '../../shared/pipeline/messages.js';

const config = loadConfig();
if (!config.notificationsTopicArn) {
  throw new ConfigurationError('TOPIC_ARN_NOTIFICATIONS is not set: the aggregator publishes to it');
}
const clients = createClients(config.aws);
const logger = createLogger('aggregator');
const deps: AggregateDeps = {
  ledger: new DynamoImportLedger(clients.dynamodb, config.resources.tables.imports.name),
  store: new S3ObjectStore(clients.s3, config.resources.bucket.name),
  workspaces: new DynamoWorkspaceStore(clients.dynamodb, config.resources.tables.contacts.name),
  notifier: new SnsNotifier(clients.sns, config.notificationsTopicArn),
  bucket: config.resources.bucket.name,
  reportUrlExpirySeconds: config.reportUrlExpirySeconds,
  logger,
};
const processor = new BatchProcessor(EventType.SQS);

async function recordHandler(record: SQSRecord): Promise<void> {
  const message = parseMessage(record.body, 'aggregate');
  logger.appendKeys({ importId: message.importId });
  try {
    await aggregateImport(message, deps);
  } finally {
    logger.removeKeys(['importId']);
  }
}

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  return processPartialResponse(event, recordHandler, processor, { context });
};
