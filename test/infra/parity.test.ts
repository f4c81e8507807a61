/**
 * The stack and the emulator harness must provision the same names and settings: both read
 * `shared/resources.ts`, and this test proves neither adds its own. The harness's `provision()` runs
 * against recording SDK clients (no emulator is needed to see what it asks for); the stack is synthesized.
 */
import { CreateTableCommand, DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import {
  PutBucketNotificationConfigurationCommand,
  PutBucketVersioningCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { provision, tableInput } from '../../infra/local/provision.js';
import { createClients } from '../../shared/adapters/clients.js';
import { resourcesFor } from '../../shared/resources.js';
import { logicalIdOf, refId, synthesize, TEST_ENV } from './synth.js';

const STAGE = 'local';

// GIVEN the harness provisioning stage "local" (its SDK calls recorded) …
const sqs = mockClient(SQSClient);
const sns = mockClient(SNSClient);
const dynamodb = mockClient(DynamoDBClient);
const s3 = mockClient(S3Client);
sqs.on(CreateQueueCommand).callsFake((input) => ({ QueueUrl: `http://127.0.0.1/queue/${input.QueueName}` }));
sqs.on(GetQueueAttributesCommand).callsFake((input) => ({
  Attributes: {
    QueueArn: `arn:aws:sqs:ap-northeast-1:000000000000:${String(input.QueueUrl).split('/').pop()}`,
  },
}));
sns.on(CreateTopicCommand).callsFake((input) => ({ TopicArn: `arn:aws:sns:ap-northeast-1:0:${input.Name}` }));
sns.on(SubscribeCommand).resolves({});
dynamodb.resolves({});
s3.resolves({});
const harnessResources = resourcesFor(STAGE);
await provision(
  createClients({ region: 'ap-northeast-1', endpoint: 'http://127.0.0.1:1' }),
  harnessResources,
);

// … and the CDK stack of the same stage.
const { stack, template } = synthesize({ stage: STAGE }, { env: TEST_ENV });
const cfnQueues = Object.values(template.findResources('AWS::SQS::Queue'));

interface QueueSettings {
  readonly fifo: boolean;
  readonly retentionSeconds: number;
  readonly visibilityTimeoutSeconds?: number;
  readonly deduplicationScope?: string;
  readonly fifoThroughputLimit?: string;
  readonly redrive?: { readonly deadLetterQueue: string; readonly maxReceiveCount: number };
}

function queueNameOfArn(arn: string): string {
  return arn.split(':').pop() as string;
}

/** What the harness asked SQS for, by queue name. */
function harnessQueues(): Map<string, QueueSettings> {
  return new Map(
    sqs.commandCalls(CreateQueueCommand).map(({ args: [command] }) => {
      const a = command.input.Attributes ?? {};
      const redrive = a.RedrivePolicy ? JSON.parse(a.RedrivePolicy) : undefined;
      return [
        command.input.QueueName as string,
        {
          fifo: a.FifoQueue === 'true',
          retentionSeconds: Number(a.MessageRetentionPeriod),
          visibilityTimeoutSeconds:
            a.VisibilityTimeout === undefined ? undefined : Number(a.VisibilityTimeout),
          deduplicationScope: a.DeduplicationScope,
          fifoThroughputLimit: a.FifoThroughputLimit,
          redrive: redrive && {
            deadLetterQueue: queueNameOfArn(redrive.deadLetterTargetArn),
            maxReceiveCount: redrive.maxReceiveCount,
          },
        },
      ];
    }),
  );
}

/** What the template creates, by queue name. */
function stackQueues(): Map<string, QueueSettings> {
  const byId = template.findResources('AWS::SQS::Queue');
  return new Map(
    cfnQueues.map((queue) => {
      const p = queue.Properties;
      return [
        p.QueueName as string,
        {
          fifo: p.FifoQueue === true,
          retentionSeconds: p.MessageRetentionPeriod,
          visibilityTimeoutSeconds: p.VisibilityTimeout,
          deduplicationScope: p.DeduplicationScope,
          fifoThroughputLimit: p.FifoThroughputLimit,
          redrive: p.RedrivePolicy && {
            deadLetterQueue: byId[refId(p.RedrivePolicy.deadLetterTargetArn)]?.Properties.QueueName,
            maxReceiveCount: p.RedrivePolicy.maxReceiveCount,
          },
        },
      ];
    }),
  );
}

describe('Parity: CDK stack and emulator harness', () => {
  it('create the same queues with the same FIFO mode, visibility, retention and redrive', () => {
    // WHEN both sides' queues are read by name
    const harness = harnessQueues();
    const deployed = stackQueues();
    // THEN the names are the same, and every main queue has the same settings
    expect([...deployed.keys()].sort()).toEqual([...harness.keys()].sort());
    for (const def of Object.values(harnessResources.queues)) {
      expect(deployed.get(def.name), def.name).toEqual(harness.get(def.name));
    }
  });

  it('keep dead letters equally long, in queues of the same kind', () => {
    const harness = harnessQueues();
    const deployed = stackQueues();
    for (const def of Object.values(harnessResources.queues)) {
      const name = def.deadLetter.name;
      expect(deployed.get(name)?.fifo, name).toBe(harness.get(name)?.fifo);
      expect(deployed.get(name)?.retentionSeconds, name).toBe(harness.get(name)?.retentionSeconds);
    }
  });

  it('create the same tables: keys, attribute types, indexes, billing and TTL', () => {
    const created = dynamodb.commandCalls(CreateTableCommand).map(({ args: [c] }) => c.input);
    const ttl = dynamodb.commandCalls(UpdateTimeToLiveCommand).map(({ args: [c] }) => c.input);
    expect(created).toHaveLength(2);
    for (const input of created) {
      // The harness's CreateTable input is `tableInput(definition)`, the same function the CLI shows.
      const definition = Object.values(harnessResources.tables).find((t) => t.name === input.TableName);
      expect(definition && tableInput(definition)).toEqual(input);
      const ttlAttribute = ttl.find((t) => t.TableName === input.TableName)?.TimeToLiveSpecification;
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        TableName: input.TableName,
        BillingMode: input.BillingMode,
        KeySchema: input.KeySchema,
        GlobalSecondaryIndexes: input.GlobalSecondaryIndexes,
        TimeToLiveSpecification: ttlAttribute,
      });
      const table = Object.values(template.findResources('AWS::DynamoDB::Table')).find(
        (t) => t.Properties.TableName === input.TableName,
      );
      const byName = (a: { AttributeName?: string }, b: { AttributeName?: string }) =>
        String(a.AttributeName).localeCompare(String(b.AttributeName));
      expect([...(table?.Properties.AttributeDefinitions ?? [])].sort(byName)).toEqual(
        [...(input.AttributeDefinitions ?? [])].sort(byName),
      );
    }
  });

  it('version the bucket and send the same ObjectCreated events to the uploads queue', () => {
    const versioning = s3.commandCalls(PutBucketVersioningCommand)[0]?.args[0].input;
    const [harnessRule] =
      s3.commandCalls(PutBucketNotificationConfigurationCommand)[0]?.args[0].input.NotificationConfiguration
        ?.QueueConfigurations ?? [];
    const bucket = template.findResources('AWS::S3::Bucket')[logicalIdOf(stack.uploads.bucket)];
    const [deployedRule] = bucket?.Properties.NotificationConfiguration.QueueConfigurations ?? [];

    expect(bucket?.Properties.VersioningConfiguration.Status).toBe(
      versioning?.VersioningConfiguration?.Status,
    );
    expect(harnessRule?.Events).toEqual([deployedRule.Event]);
    const rules = (list: { Name?: string; Value?: string }[]) =>
      list.map((r) => `${String(r.Name).toLowerCase()}=${r.Value}`).sort();
    expect(rules(deployedRule.Filter.S3Key.Rules)).toEqual(
      rules(harnessRule?.Filter?.Key?.FilterRules ?? []),
    );
    expect(queueNameOfArn(String(harnessRule?.QueueArn))).toBe(
      template.findResources('AWS::SQS::Queue')[refId(deployedRule.Queue)]?.Properties.QueueName,
    );
  });

  it('name the bucket alike, the stack adding the account id as BUCKET_SUFFIX', () => {
    const harnessBucket = s3.commandCalls(PutBucketVersioningCommand)[0]?.args[0].input.Bucket;
    expect(harnessBucket).toBe(harnessResources.bucket.name);
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: resourcesFor(STAGE, 'contact-import', TEST_ENV.account).bucket.name,
    });
  });

  it('create the same topics and deliver feedback raw to the feedback queue', () => {
    const harnessTopics = sns.commandCalls(CreateTopicCommand).map(({ args: [c] }) => c.input.Name);
    const deployedTopics = Object.values(template.findResources('AWS::SNS::Topic')).map(
      (t) => t.Properties.TopicName,
    );
    expect(deployedTopics).toEqual(expect.arrayContaining(harnessTopics));
    const subscription = sns.commandCalls(SubscribeCommand)[0]?.args[0].input;
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: subscription?.Protocol,
      RawMessageDelivery: subscription?.Attributes?.RawMessageDelivery === 'true',
      Endpoint: { 'Fn::GetAtt': [logicalIdOf(stack.queues.feedback.queue), 'Arn'] },
    });
    expect(queueNameOfArn(String(subscription?.Endpoint))).toBe(harnessResources.queues.feedback.name);
  });
});
