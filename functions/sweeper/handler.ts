/**
 * Sweeper Lambda (EventBridge schedule): finishes imports that made no progress for `STALL_MINUTES`.
 */
import type { Context, ScheduledEvent } from 'aws-lambda';
import { createClients } from '../../shared/adapters/clients.js';
import { DynamoImportLedger } from '../../shared/adapters/import-ledger.js';
import { createLogger } from '../../shared/adapters/logger.js';
import { S3ObjectStore } from '../../shared/adapters/s3-object-store.js';
import { SqsSender } from '../../shared/adapters/sqs-sender.js';
import { loadConfig, requireQueueUrl } from '../../shared/config.js';
import { aggregateSender } from '../../shared/pipeline/aggregate/enqueue.js';
import { type SweepDeps, type SweptImport, sweepStalledImports } from '../../shared/pipeline/sweep.js';

const config = loadConfig();
const clients = createClients(config.aws);
const logger = createLogger('sweeper');
const sendAggregate = aggregateSender(new SqsSender(clients.sqs, requireQueueUrl(config, 'aggregate')));
const deps: SweepDeps = {
  ledger: new DynamoImportLedger(clients.dynamodb, config.resources.tables.imports.name),
  store: new S3ObjectStore(clients.s3, config.resources.bucket.name),
  sendAggregate,
  logger,
  stallMinutes: config.stallMinutes,
  limits: config.limits,
};

export const handler = async (event: ScheduledEvent, context: Context): Promise<SweptImport[]> => {
  logger.addContext(context);
  const swept = await sweepStalledImports({
    ...deps,
    now: () => new Date(event.time),
    remainingTimeMs: () => context.getRemainingTimeInMillis(),
  });
  logger.info('sweep done', { imports: swept.length });
  return swept;
};
