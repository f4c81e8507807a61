/**
 * Processor Lambda (batches FIFO queue): applies one batch of rows to the contacts. Records are handled in
 * order; once a record fails, the later records of its message group in this batch are reported failed
 * too (SqsFifoPartialProcessorAsync with skipGroupOnError), so rows sharing a key value never overtake
 * each other, while other groups carry on.
 */
import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { createClients } from '../../shared/adapters/clients.js';
import { DynamoContactStore } from '../../shared/adapters/contact-store.js';
import { DynamoImportLedger } from '../../shared/adapters/import-ledger.js';
import { createLogger } from '../../shared/adapters/logger.js';
import { S3ObjectStore } from '../../shared/adapters/s3-object-store.js';
import { SqsSender } from '../../shared/adapters/sqs-sender.js';
import { DynamoWorkspaceStore } from '../../shared/adapters/workspace-store.js';
import { loadConfig, requireQueueUrl } from '../../shared/config.js';
import { aggregateSender } from '../../shared/pipeline/aggregate/enqueue.js';
import { parseMessage } from '../../shared/pipeline/messages.js';
import { type ProcessBatchDeps, processBatch } from '../../shared/pipeline/process-batch.js';

const config = loadConfig();
const clients = createClients(config.aws);
const logger = createLogger('processor');
const sendAggregate = aggregateSender(new SqsSender(clients.sqs, requireQueueUrl(config, 'aggregate')));
const deps: ProcessBatchDeps = {
  ledger: new DynamoImportLedger(clients.dynamodb, config.resources.tables.imports.name),
  contacts: new DynamoContactStore(clients.dynamodb, config.resources.tables.contacts.name),
  workspaces: new DynamoWorkspaceStore(clients.dynamodb, config.resources.tables.contacts.name),
  store: new S3ObjectStore(clients.s3, config.resources.bucket.name),
  logger,
};
const processor = new SqsFifoPartialProcessorAsync();

async function recordHandler(record: SQSRecord): Promise<void> {
  const message = parseMessage(record.body, 'batch');
  const { aggregate } = await processBatch(message, deps);
  if (aggregate)
    await sendAggregate({ kind: 'aggregate', workspace: message.workspace, importId: message.importId });
}

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  return processPartialResponse(event, recordHandler, processor, { context, skipGroupOnError: true });
};
