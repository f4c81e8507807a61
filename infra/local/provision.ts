/**
 * Creates every resource of `shared/resources.ts` in the local emulator: what `cdk deploy` creates in
 * AWS, minus what the emulator has no use for (IAM, alarms, encryption keys). Idempotent.
 */
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateBucketCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketVersioningCommand,
} from '@aws-sdk/client-s3';
import { CreateTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, type QueueAttributeName } from '@aws-sdk/client-sqs';
import type { Clients } from '../../shared/adapters/clients.js';
import {
  INCOMING_PREFIX,
  type QueueDefinition,
  type QueueId,
  type Resources,
  type TableDefinition,
} from '../../shared/resources.js';

export interface ProvisionedQueue {
  readonly url: string;
  readonly arn: string;
  readonly dlqUrl: string;
  readonly dlqArn: string;
  /** The dead-letter queue of the dead-letter queue's drain, when the definition has a drain. */
  readonly drainDlqUrl?: string;
  readonly drainDlqArn?: string;
}

export interface Provisioned {
  readonly bucket: string;
  readonly queues: Record<QueueId, ProvisionedQueue>;
  readonly topics: { readonly notifications: string; readonly feedback: string; readonly alarms: string };
  readonly tables: { readonly contacts: string; readonly imports: string };
}

async function createQueue(
  clients: Clients,
  name: string,
  attributes: Partial<Record<QueueAttributeName, string>>,
) {
  const { QueueUrl } = await clients.sqs.send(
    new CreateQueueCommand({ QueueName: name, Attributes: attributes }),
  );
  if (!QueueUrl) throw new Error(`CreateQueue returned no URL for ${name}`);
  const { Attributes } = await clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  const arn = Attributes?.QueueArn;
  if (!arn) throw new Error(`Queue ${name} has no ARN`);
  return { url: QueueUrl, arn };
}

function redrive(target: { readonly arn: string }, maxReceiveCount: number): string {
  return JSON.stringify({ deadLetterTargetArn: target.arn, maxReceiveCount });
}

async function provisionQueue(clients: Clients, def: QueueDefinition): Promise<ProvisionedQueue> {
  const fifo: Partial<Record<QueueAttributeName, string>> = def.fifo ? { FifoQueue: 'true' } : {};
  const drain = def.deadLetter.drain;
  const drainDlq = drain
    ? await createQueue(clients, drain.deadLetter.name, {
        ...fifo,
        MessageRetentionPeriod: String(drain.deadLetter.retentionSeconds),
      })
    : undefined;
  const dlq = await createQueue(clients, def.deadLetter.name, {
    ...fifo,
    MessageRetentionPeriod: String(def.deadLetter.retentionSeconds),
    ...(drain && drainDlq
      ? {
          VisibilityTimeout: String(drain.visibilityTimeoutSeconds),
          RedrivePolicy: redrive(drainDlq, drain.deadLetter.maxReceiveCount),
        }
      : {}),
  });
  const main = await createQueue(clients, def.name, {
    ...fifo,
    ...(def.fifo ? { DeduplicationScope: 'messageGroup', FifoThroughputLimit: 'perMessageGroupId' } : {}),
    VisibilityTimeout: String(def.visibilityTimeoutSeconds),
    MessageRetentionPeriod: String(def.retentionSeconds),
    RedrivePolicy: redrive(dlq, def.deadLetter.maxReceiveCount),
  });
  return {
    url: main.url,
    arn: main.arn,
    dlqUrl: dlq.url,
    dlqArn: dlq.arn,
    ...(drainDlq ? { drainDlqUrl: drainDlq.url, drainDlqArn: drainDlq.arn } : {}),
  };
}

/** The CreateTable input for a table definition (on-demand billing, as deployed). */
export function tableInput(def: TableDefinition): CreateTableCommandInput {
  const attributes = new Set([
    def.partitionKey,
    def.sortKey,
    ...def.indexes.flatMap((i) => [i.partitionKey, i.sortKey]),
  ]);
  return {
    TableName: def.name,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attributes].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
    KeySchema: [
      { AttributeName: def.partitionKey, KeyType: 'HASH' },
      { AttributeName: def.sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: def.indexes.length
      ? def.indexes.map((i) => ({
          IndexName: i.name,
          KeySchema: [
            { AttributeName: i.partitionKey, KeyType: 'HASH' },
            { AttributeName: i.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: i.projection },
        }))
      : undefined,
  };
}

async function provisionTable(clients: Clients, def: TableDefinition): Promise<void> {
  try {
    await clients.dynamodb.send(new CreateTableCommand(tableInput(def)));
  } catch (err) {
    if (!(err instanceof ResourceInUseException)) throw err;
  }
  await clients.dynamodb.send(new DescribeTableCommand({ TableName: def.name }));
  if (def.ttlAttribute) {
    await clients.dynamodb.send(
      new UpdateTimeToLiveCommand({
        TableName: def.name,
        TimeToLiveSpecification: { AttributeName: def.ttlAttribute, Enabled: true },
      }),
    );
  }
}

/**
 * Provisions the bucket (versioned, notifications of every object under `incoming/` to the uploads queue), the queues
 * with their dead-letter queues, the topics and the tables.
 *
 * @example
 * const provisioned = await provision(createClients(config.aws), resourcesFor('local'));
 */
export async function provision(clients: Clients, resources: Resources): Promise<Provisioned> {
  const bucket = resources.bucket.name;
  await clients.s3.send(new CreateBucketCommand({ Bucket: bucket })).catch((err: Error) => {
    if (err.name !== 'BucketAlreadyOwnedByYou') throw err;
  });
  await clients.s3.send(
    new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
  );

  const queueIds = Object.keys(resources.queues) as QueueId[];
  const queues = Object.fromEntries(
    await Promise.all(
      queueIds.map(async (id) => [id, await provisionQueue(clients, resources.queues[id])] as const),
    ),
  ) as Record<QueueId, ProvisionedQueue>;

  await clients.s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: bucket,
      NotificationConfiguration: {
        QueueConfigurations: [
          {
            Id: 'incoming',
            QueueArn: queues.uploads.arn,
            Events: ['s3:ObjectCreated:*'],
            Filter: {
              Key: {
                FilterRules: [{ Name: 'prefix', Value: INCOMING_PREFIX }],
              },
            },
          },
        ],
      },
    }),
  );

  const [notifications, feedback, alarms] = await Promise.all([
    clients.sns.send(new CreateTopicCommand({ Name: resources.topics.notifications.name })),
    clients.sns.send(new CreateTopicCommand({ Name: resources.topics.feedback.name })),
    clients.sns.send(new CreateTopicCommand({ Name: resources.topics.alarms.name })),
  ]);
  if (!notifications.TopicArn || !feedback.TopicArn || !alarms.TopicArn) {
    throw new Error('CreateTopic returned no ARN');
  }
  await clients.sns.send(
    new SubscribeCommand({
      TopicArn: feedback.TopicArn,
      Protocol: 'sqs',
      Endpoint: queues.feedback.arn,
      Attributes: { RawMessageDelivery: 'true' },
    }),
  );

  await Promise.all([
    provisionTable(clients, resources.tables.contacts),
    provisionTable(clients, resources.tables.imports),
  ]);

  return {
    bucket,
    queues,
    topics: { notifications: notifications.TopicArn, feedback: feedback.TopicArn, alarms: alarms.TopicArn },
    tables: { contacts: resources.tables.contacts.name, imports: resources.tables.imports.name },
  };
}
