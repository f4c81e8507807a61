/**
 * A splitter that cuts one workspace's files into small batches, for the tests that need the rows of a file
 * spread over many batch messages (the deployed splitter's batches hold up to 1,000 rows, so a file small
 * enough for a test would travel in one batch per message group).
 */
import type { S3Event, SQSRecord } from 'aws-lambda';
import type { SqsFunction } from '../../../infra/local/runner.js';
import { createClients } from '../../../shared/adapters/clients.js';
import { DynamoImportLedger } from '../../../shared/adapters/import-ledger.js';
import { createLogger } from '../../../shared/adapters/logger.js';
import { S3ObjectStore } from '../../../shared/adapters/s3-object-store.js';
import { SnsNotifier } from '../../../shared/adapters/sns-notifier.js';
import { SqsSender } from '../../../shared/adapters/sqs-sender.js';
import { DynamoWorkspaceStore } from '../../../shared/adapters/workspace-store.js';
import { loadConfig, requireQueueUrl } from '../../../shared/config.js';
import { aggregateSender } from '../../../shared/pipeline/aggregate/enqueue.js';
import { type ManifestEntry, partsPrefix } from '../../../shared/pipeline/messages.js';
import type { ObjectStore } from '../../../shared/pipeline/part-store.js';
import {
  type ObjectCreated,
  type SplitDeps,
  type SplitTuning,
  splitFile,
} from '../../../shared/pipeline/split/split-file.js';
import { parseManifest } from '../../../shared/pipeline/sweep.js';

/** The S3 notification of an upload to `incoming/<workspace>/…`, or undefined for any other message. */
function uploadTo(workspace: string, record: SQSRecord): ObjectCreated | undefined {
  const parsed = JSON.parse(record.body) as Partial<S3Event>;
  const [s3] = Array.isArray(parsed.Records) ? parsed.Records : [];
  if (!s3?.eventName?.startsWith('ObjectCreated:')) return undefined;
  const key = decodeURIComponent(s3.s3.object.key.replace(/\+/g, ' '));
  if (key.split('/')[1] !== workspace) return undefined;
  return {
    kind: 'object',
    bucket: s3.s3.bucket.name,
    key,
    ...(s3.s3.object.versionId ? { versionId: s3.s3.object.versionId } : {}),
  };
}

/**
 * Wraps the splitter handler: uploads to `workspace` are split by `splitFile` with `tuning` (the same code the
 * handler runs, with the same adapters); every other message goes to the real handler.
 *
 * @example
 * const pipeline = usePipeline({
 *   wrap: (name, handler) => (name === 'splitter' ? smallBatches('order', { maxBatchRows: 1 }, handler) : handler),
 * });
 */
export function smallBatches(
  workspace: string,
  tuning: Partial<SplitTuning>,
  splitter: SqsFunction,
): SqsFunction {
  let deps: Omit<SplitDeps, 'remainingTimeMs'> | undefined;
  const build = (): Omit<SplitDeps, 'remainingTimeMs'> => {
    // The runner has set the environment by the time the first message arrives.
    const config = loadConfig();
    const clients = createClients(config.aws);
    return {
      store: new S3ObjectStore(clients.s3, config.resources.bucket.name),
      ledger: new DynamoImportLedger(clients.dynamodb, config.resources.tables.imports.name),
      workspaces: new DynamoWorkspaceStore(clients.dynamodb, config.resources.tables.contacts.name),
      batches: new SqsSender(clients.sqs, requireQueueUrl(config, 'batches')),
      continuations: new SqsSender(clients.sqs, requireQueueUrl(config, 'uploads')),
      sendAggregate: aggregateSender(new SqsSender(clients.sqs, requireQueueUrl(config, 'aggregate'))),
      operators: new SnsNotifier(clients.sns, config.alarmsTopicArn ?? ''),
      logger: createLogger('splitter-small-batches'),
      limits: config.limits,
      tuning,
    };
  };
  return async (event, context) => {
    const mine = event.Records.filter((record) => uploadTo(workspace, record) !== undefined);
    const rest = event.Records.filter((record) => !mine.includes(record));
    const failed: string[] = [];
    for (const record of mine) {
      deps ??= build();
      try {
        await splitFile(uploadTo(workspace, record) as ObjectCreated, {
          ...deps,
          remainingTimeMs: () => context.getRemainingTimeInMillis(),
        });
      } catch (err) {
        // As the handler's batch processor does: the message fails and SQS delivers it again.
        deps.logger.error('split failed; the message will be retried', { error: err as Error });
        failed.push(record.messageId);
      }
    }
    const response = rest.length > 0 ? await splitter({ Records: rest }, context) : undefined;
    return {
      batchItemFailures: [
        ...failed.map((itemIdentifier) => ({ itemIdentifier })),
        ...(response?.batchItemFailures ?? []),
      ],
    };
  };
}

/**
 * Every batch the splitter sent for an import, as its manifests list them (batch number and rows).
 *
 * @example
 * const batches = await batchesOf(pipeline.store, 'order', upload.importId);
 */
export async function batchesOf(
  store: ObjectStore,
  workspace: string,
  importId: string,
): Promise<ManifestEntry[]> {
  const entries: ManifestEntry[] = [];
  for (const key of await store.list(`${partsPrefix(workspace, importId)}manifest/`)) {
    entries.push(...parseManifest(key, (await store.getText(key)) ?? '[]'));
  }
  return entries;
}
