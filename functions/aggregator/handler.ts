/**
 * Aggregator Lambda (aggregate queue, batch size 1): writes an import's report, publishes its one
 * notification and completes the job. A failed record is retried by SQS (a pending notification within
 * seconds, see `aggregator.ts`); every step is idempotent.
 */
import { createClients } from '../../shared/adapters/clients.js';
import { DynamoImportLedger } from '../../shared/adapters/import-ledger.js';
import { createLogger } from '../../shared/adapters/logger.js';
import { S3ObjectStore } from '../../shared/adapters/s3-object-store.js';
import { SnsNotifier } from '../../shared/adapters/sns-notifier.js';
import { SqsMessageVisibility } from '../../shared/adapters/sqs-visibility.js';
import { DynamoWorkspaceStore } from '../../shared/adapters/workspace-store.js';
import { ConfigurationError, loadConfig, requireQueueUrl } from '../../shared/config.js';
import { aggregatorHandler } from './aggregator.js';

const config = loadConfig();
if (!config.notificationsTopicArn) {
  throw new ConfigurationError('TOPIC_ARN_NOTIFICATIONS is not set: the aggregator publishes to it');
}
const clients = createClients(config.aws);

export const handler = aggregatorHandler({
  ledger: new DynamoImportLedger(clients.dynamodb, config.resources.tables.imports.name),
  store: new S3ObjectStore(clients.s3, config.resources.bucket.name),
  workspaces: new DynamoWorkspaceStore(clients.dynamodb, config.resources.tables.contacts.name),
  notifier: new SnsNotifier(clients.sns, config.notificationsTopicArn),
  visibility: new SqsMessageVisibility(clients.sqs, requireQueueUrl(config, 'aggregate')),
  bucket: config.resources.bucket.name,
  reportUrlExpirySeconds: config.reportUrlExpirySeconds,
  logger: createLogger('aggregator'),
});
