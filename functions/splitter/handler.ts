/**
 * Splitter Lambda (uploads queue): an S3 ObjectCreated notification, or a continuation of a split that ran
 * out of time, becomes batches on the FIFO batches queue (see `splitFile`).
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, S3Event, SQSEvent, SQSRecord } from 'aws-lambda';
import { createClients } from '../../shared/adapters/clients.js';
import { DynamoImportLedger } from '../../shared/adapters/import-ledger.js';
import { createLogger } from '../../shared/adapters/logger.js';
import { S3ObjectStore } from '../../shared/adapters/s3-object-store.js';
import { SnsNotifier } from '../../shared/adapters/sns-notifier.js';
import { SqsSender } from '../../shared/adapters/sqs-sender.js';
import { DynamoWorkspaceStore } from '../../shared/adapters/workspace-store.js';
import { ConfigurationError, loadConfig, requireQueueUrl } from '../../shared/config.js';
import { describeText } from '../../shared/ids.js';
import { aggregateSender } from '../../shared/pipeline/aggregate/enqueue.js';
import { isContinuation } from '../../shared/pipeline/split/messages.js';
import { type SplitDeps, type SplitRequest, splitFile } from '../../shared/pipeline/split/split-file.js';

const config = loadConfig();
if (!config.alarmsTopicArn) {
  throw new ConfigurationError(
    'TOPIC_ARN_ALARMS is not set: the splitter tells the operators about unattributable uploads',
  );
}
const clients = createClients(config.aws);
const logger = createLogger('splitter');
const bucket = config.resources.bucket.name;
const store = new S3ObjectStore(clients.s3, bucket);
const deps: Omit<SplitDeps, 'remainingTimeMs'> = {
  store,
  // S3 events name the version; the emulator's carry only the ETag, so the splitter pins by it there.
  versions: store,
  ledger: new DynamoImportLedger(clients.dynamodb, config.resources.tables.imports.name),
  workspaces: new DynamoWorkspaceStore(clients.dynamodb, config.resources.tables.contacts.name),
  batches: new SqsSender(clients.sqs, requireQueueUrl(config, 'batches')),
  continuations: new SqsSender(clients.sqs, requireQueueUrl(config, 'uploads')),
  sendAggregate: aggregateSender(new SqsSender(clients.sqs, requireQueueUrl(config, 'aggregate'))),
  operators: new SnsNotifier(clients.sns, config.alarmsTopicArn),
  logger,
  limits: config.limits,
  ...(config.sftpRoleId ? { sftpRoleId: config.sftpRoleId } : {}),
};
const processor = new BatchProcessor(EventType.SQS);

export class UnrecognisedUploadMessageError extends Error {
  constructor(body: string) {
    super(
      `The uploads queue message is neither an S3 notification nor a split continuation: ${describeText(body)}`,
    );
    this.name = 'UnrecognisedUploadMessageError';
  }
}

export class ForeignBucketError extends Error {
  constructor(name: string) {
    super(`The notification is for bucket "${name}", but this splitter reads "${bucket}"`);
    this.name = 'ForeignBucketError';
  }
}

/** What a message of the uploads queue asks for: nothing (S3's test event), new objects, or a continuation. */
function requestsOf(body: string): SplitRequest[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new UnrecognisedUploadMessageError(body);
  }
  // S3 sends one test event when the notification is configured.
  if ((parsed as { Event?: unknown }).Event === 's3:TestEvent') return [];
  if (isContinuation(parsed)) return [parsed];
  const records = (parsed as Partial<S3Event>).Records;
  if (!Array.isArray(records)) throw new UnrecognisedUploadMessageError(body);
  return records
    .filter((record) => record.eventName?.startsWith('ObjectCreated:'))
    .map((record) => {
      if (record.s3.bucket.name !== bucket) throw new ForeignBucketError(record.s3.bucket.name);
      return {
        kind: 'object',
        bucket: record.s3.bucket.name,
        // Keys arrive URL-encoded, spaces as '+'.
        key: decodeURIComponent(record.s3.object.key.replace(/\+/g, ' ')),
        ...(record.s3.object.versionId ? { versionId: record.s3.object.versionId } : {}),
        ...(record.s3.object.eTag ? { eTag: record.s3.object.eTag } : {}),
        ...(record.eventTime ? { eventTime: record.eventTime } : {}),
        ...(record.userIdentity?.principalId ? { principalId: record.userIdentity.principalId } : {}),
      };
    });
}

async function recordHandler(record: SQSRecord, context: Context): Promise<void> {
  for (const request of requestsOf(record.body)) {
    const result = await splitFile(request, {
      ...deps,
      remainingTimeMs: () => context.getRemainingTimeInMillis(),
    });
    logger.info('split request handled', { ...result });
  }
}

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  // One record after the other: a split uses the whole invocation's time budget.
  return processPartialResponse(event, recordHandler, processor, { context, processInParallel: false });
};
