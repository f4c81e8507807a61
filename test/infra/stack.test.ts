import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ESM_REQUIRE_BANNER } from '../../infra/constructs/pipeline-function.js';
import { STACK_OUTPUTS } from '../../infra/outputs.js';
import { TABLE_WRITE_ACTIONS } from '../../infra/permissions.js';
import type { PipelineFunctionName } from '../../infra/stack.js';
import { loadConfig } from '../../shared/config.js';
import {
  FUNCTION_TIMEOUT_SECONDS,
  MAX_RECEIVE_COUNT,
  resourcesFor,
  VISIBILITY_TIMEOUT_FACTOR,
} from '../../shared/resources.js';
import {
  acknowledgements,
  allows,
  logicalIdOf,
  nagFindings,
  refId,
  render,
  statementsOfRole,
  synthesize,
  tlsOnlyResources,
} from './synth.js';

// GIVEN the stack of stage "test" as `cdk synth -c stage=test` builds it, with real esbuild bundles
// (synthesized once for the whole file: bundling five functions takes seconds).
const { app, stack, template } = synthesize({ stage: 'test' }, { bundle: true });
const resources = resourcesFor('test', 'contact-import', '<AWS::AccountId>');
const queues = template.findResources('AWS::SQS::Queue');
const functions = template.findResources('AWS::Lambda::Function');
const eventSources = Object.values(template.findResources('AWS::Lambda::EventSourceMapping'));

function statementsOf(name: PipelineFunctionName) {
  return statementsOfRole(template, logicalIdOf(stack.functions[name].role));
}

describe('Stack: contact import pipeline', () => {
  describe('cdk-nag AwsSolutions', () => {
    it('has no finding that is not acknowledged', () => {
      // WHEN the AwsSolutions pack checks every resource
      const findings = nagFindings(stack);
      // THEN nothing is left
      expect(findings).toEqual([]);
    });

    it('reports no error or warning annotation from CDK or cdk-nag', () => {
      const annotations = Annotations.fromStack(stack);
      expect(annotations.findError('*', Match.anyValue())).toEqual([]);
      expect(annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
    });

    it('names the rule and gives a specific reason for every acknowledged finding', () => {
      // WHEN every acknowledgement written to the template is collected
      const acknowledged = acknowledgements(template);
      // THEN each one names an AwsSolutions rule (and the finding) and says why in a full sentence
      expect(acknowledged.length).toBeGreaterThan(0);
      for (const { id, reason } of acknowledged) {
        expect(id).toMatch(/^AwsSolutions-[A-Z]+[0-9]+(\[.+\])?$/);
        expect(reason.length).toBeGreaterThan(40);
      }
      expect(new Set(acknowledged.map((a) => a.id.replace(/\[.*$/, '')))).toEqual(
        new Set(['AwsSolutions-L1', 'AwsSolutions-IAM5']),
      );
    });
  });

  describe('functions', () => {
    it('runs every function on Node.js 22, arm64, with an explicit log group and Powertools settings', () => {
      // splitter, processor, dead-batch, aggregator, sweeper, send-gate, sending-health
      expect(Object.keys(functions)).toHaveLength(7);
      for (const fn of Object.values(functions)) {
        expect(fn.Properties).toMatchObject({
          Runtime: 'nodejs22.x',
          Architectures: ['arm64'],
          Handler: 'index.handler',
          LoggingConfig: { LogGroup: { Ref: expect.any(String) } },
          Environment: {
            Variables: {
              NODE_OPTIONS: '--enable-source-maps',
              POWERTOOLS_SERVICE_NAME: expect.stringMatching(/^contact-import-/),
              POWERTOOLS_LOG_LEVEL: 'INFO',
              STAGE: 'test',
            },
          },
        });
      }
      template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    });

    it('sets the timeout of each function from resources.ts', () => {
      const names: Record<PipelineFunctionName, string> = {
        splitter: 'splitter',
        processor: 'processor',
        deadBatch: 'dead-batch',
        aggregator: 'aggregator',
        sweeper: 'sweeper',
        sendGate: 'send-gate',
      };
      for (const [name, suffix] of Object.entries(names) as [PipelineFunctionName, string][]) {
        template.hasResourceProperties('AWS::Lambda::Function', {
          FunctionName: `contact-import-test-${suffix}`,
          Timeout: FUNCTION_TIMEOUT_SECONDS[name],
        });
      }
    });

    it('gives every function the environment loadConfig() reads, naming the same resources', () => {
      for (const fn of Object.values(functions)) {
        // WHEN the function's environment (tokens rendered as text) is read the way the handler reads it
        const variables = Object.fromEntries(
          Object.entries(fn.Properties.Environment.Variables as Record<string, unknown>).map(([k, v]) => [
            k,
            render(v),
          ]),
        );
        const config = loadConfig(variables);
        // THEN it names this stack's resources and knows every queue and the topic
        expect(config.resources).toEqual(resources);
        expect(Object.keys(config.queueUrls).sort()).toEqual(['aggregate', 'batches', 'feedback', 'uploads']);
        expect(config.notificationsTopicArn).toBe(`<${logicalIdOf(stack.topics.notifications)}>`);
      }
    });

    it('bundles each handler as a minified ES module with the require banner, a source map and no external SDK', () => {
      for (const fn of Object.values(functions)) {
        const assetDir = join(app.outdir, `asset.${String(fn.Properties.Code.S3Key).replace('.zip', '')}`);
        const bundle = readFileSync(join(assetDir, 'index.mjs'), 'utf8');
        expect(bundle.startsWith(ESM_REQUIRE_BANNER)).toBe(true);
        expect(existsSync(join(assetDir, 'index.mjs.map'))).toBe(true);
        expect(bundle).not.toMatch(/from\s*["']@aws-sdk\//);
      }
    });

    it('runs the sweeper every five minutes', () => {
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(5 minutes)',
        Targets: [{ Arn: { 'Fn::GetAtt': [logicalIdOf(stack.functions.sweeper.fn), 'Arn'] } }],
      });
    });
  });

  describe('event sources', () => {
    it('reports batch item failures and limits concurrency on every event source', () => {
      // uploads, batches, batches DLQ (dead-batch), aggregate, SES feedback
      expect(eventSources).toHaveLength(5);
      for (const source of eventSources) {
        expect(source.Properties.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
        expect(source.Properties.ScalingConfig.MaximumConcurrency).toBeGreaterThanOrEqual(2);
      }
    });

    it('connects each queue to its consumer with the batch size and concurrency of resources.ts', () => {
      const expected = [
        [stack.queues.uploads.queue, stack.functions.splitter, resources.queues.uploads],
        [stack.queues.batches.queue, stack.functions.processor, resources.queues.batches],
        [stack.queues.aggregate.queue, stack.functions.aggregator, resources.queues.aggregate],
      ] as const;
      for (const [queue, fn, def] of expected) {
        template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
          EventSourceArn: { 'Fn::GetAtt': [logicalIdOf(queue), 'Arn'] },
          FunctionName: { Ref: logicalIdOf(fn.fn) },
          BatchSize: def.batchSize,
          ScalingConfig: { MaximumConcurrency: def.maxConcurrency },
        });
      }
      const drain = resources.queues.batches.deadLetter.drain;
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: { 'Fn::GetAtt': [logicalIdOf(stack.queues.batches.deadLetterQueue), 'Arn'] },
        FunctionName: { Ref: logicalIdOf(stack.functions.deadBatch.fn) },
        BatchSize: drain?.batchSize,
        ScalingConfig: { MaximumConcurrency: drain?.maxConcurrency },
      });
    });

    it('gives every consumed queue a visibility timeout of at least six times its consumer timeout', () => {
      for (const source of eventSources) {
        const queue = queues[refId(source.Properties.EventSourceArn)];
        const fn = functions[refId(source.Properties.FunctionName)];
        expect(queue?.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(
          VISIBILITY_TIMEOUT_FACTOR * fn?.Properties.Timeout,
        );
      }
    });
  });

  describe('queues', () => {
    it('gives every queue a dead-letter queue after at least five receives', () => {
      const deadLetterIds = new Set<string>();
      for (const [name, def] of Object.entries(resources.queues)) {
        const queue = Object.values(queues).find((q) => q.Properties.QueueName === def.name);
        const redrive = queue?.Properties.RedrivePolicy;
        expect(redrive?.maxReceiveCount, name).toBeGreaterThanOrEqual(MAX_RECEIVE_COUNT);
        const dlqId = refId(redrive.deadLetterTargetArn);
        expect(queues[dlqId]?.Properties.QueueName).toBe(def.deadLetter.name);
        deadLetterIds.add(dlqId);
      }
      expect(deadLetterIds.size).toBe(4);
      // … and the batches DLQ, drained by dead-batch, has its own (test/infra/dead-letters.test.ts).
      expect(Object.keys(queues)).toHaveLength(9);
    });

    it('runs the batches queue as high-throughput FIFO with a FIFO dead-letter queue', () => {
      template.hasResourceProperties('AWS::SQS::Queue', {
        QueueName: resources.queues.batches.name,
        FifoQueue: true,
        DeduplicationScope: 'messageGroup',
        FifoThroughputLimit: 'perMessageGroupId',
      });
      template.hasResourceProperties('AWS::SQS::Queue', {
        QueueName: resources.queues.batches.deadLetter.name,
        FifoQueue: true,
      });
    });

    it('encrypts every queue and denies every request without TLS', () => {
      template.allResourcesProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
      expect(tlsOnlyResources(template, 'AWS::SQS::QueuePolicy', 'Queues')).toEqual(
        new Set(Object.keys(queues)),
      );
    });
  });

  describe('upload bucket', () => {
    const bucketId = logicalIdOf(stack.uploads.bucket);

    it('is versioned, encrypted, private and access-logged to a separate bucket', () => {
      template.hasResourceProperties('AWS::S3::Bucket', {
        BucketName: { 'Fn::Join': ['', ['contact-import-test-uploads-', { Ref: 'AWS::AccountId' }]] },
        VersioningConfiguration: { Status: 'Enabled' },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        LoggingConfiguration: { DestinationBucketName: { Ref: logicalIdOf(stack.uploads.accessLogBucket) } },
      });
      template.allResourcesProperties('AWS::S3::Bucket', {
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
      });
    });

    it('denies every request without TLS on both buckets', () => {
      expect(tlsOnlyResources(template, 'AWS::S3::BucketPolicy', 'Bucket')).toEqual(
        new Set(Object.keys(template.findResources('AWS::S3::Bucket'))),
      );
    });

    it('expires reports, parts and old versions', () => {
      template.hasResourceProperties('AWS::S3::Bucket', {
        LifecycleConfiguration: {
          Rules: Match.arrayWith([
            Match.objectLike({ Prefix: 'reports/', ExpirationInDays: 30, Status: 'Enabled' }),
            Match.objectLike({ Prefix: 'parts/', ExpirationInDays: 21, Status: 'Enabled' }),
            Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 30 }, Status: 'Enabled' }),
          ]),
        },
      });
    });

    it('sends every object created under incoming/ to the uploads queue, whatever its suffix (RULES §1), once S3 may', () => {
      const bucket = template.findResources('AWS::S3::Bucket')[bucketId];
      expect(bucket?.Properties.NotificationConfiguration).toEqual({
        QueueConfigurations: [
          {
            Event: 's3:ObjectCreated:*',
            Filter: {
              S3Key: {
                // No suffix rule: S3 matches suffixes case-sensitively (LIST.CSV) and members.xlsx must be rejected.
                Rules: [{ Name: 'prefix', Value: 'incoming/' }],
              },
            },
            Queue: { 'Fn::GetAtt': [logicalIdOf(stack.queues.uploads.queue), 'Arn'] },
          },
        ],
      });
      const uploadsPolicy = Object.entries(template.findResources('AWS::SQS::QueuePolicy')).find(([, p]) =>
        (p.Properties.Queues as unknown[]).some((q) => refId(q) === logicalIdOf(stack.queues.uploads.queue)),
      );
      expect(bucket?.DependsOn).toContain(uploadsPolicy?.[0]);
      expect(uploadsPolicy?.[1].Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({
          Effect: 'Allow',
          Principal: { Service: 's3.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Condition: expect.objectContaining({ ArnLike: { 'aws:SourceArn': expect.anything() } }),
        }),
      );
    });
  });

  describe('tables', () => {
    it('bills on demand with point-in-time recovery, and outside production can be deleted', () => {
      template.resourceCountIs('AWS::DynamoDB::Table', 2);
      template.allResourcesProperties('AWS::DynamoDB::Table', {
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: false,
      });
      template.allResources('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
    });
  });

  describe('topics', () => {
    it('encrypts every topic with the rotating topic key and denies publishing without TLS', () => {
      template.resourceCountIs('AWS::SNS::Topic', 3);
      template.allResourcesProperties('AWS::SNS::Topic', {
        KmsMasterKeyId: { 'Fn::GetAtt': [logicalIdOf(stack.topicKey), 'Arn'] },
      });
      template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
      expect(tlsOnlyResources(template, 'AWS::SNS::TopicPolicy', 'Topics')).toEqual(
        new Set(Object.keys(template.findResources('AWS::SNS::Topic'))),
      );
    });

    it('lets CloudWatch alarms use the topic key, so alarms reach the encrypted alarm topic', () => {
      template.hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            }),
          ]),
        },
      });
    });

    it('delivers the feedback topic raw to the feedback queue', () => {
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'sqs',
        RawMessageDelivery: true,
        TopicArn: { Ref: logicalIdOf(stack.topics.feedback) },
        Endpoint: { 'Fn::GetAtt': [logicalIdOf(stack.queues.feedback.queue), 'Arn'] },
      });
    });
  });

  describe('least privilege', () => {
    const contacts = logicalIdOf(stack.tables.contacts.table);
    const imports = logicalIdOf(stack.tables.imports.table);

    it('lets no function use a wildcard action or a wildcard resource', () => {
      for (const name of Object.keys(stack.functions) as PipelineFunctionName[]) {
        for (const statement of statementsOf(name)) {
          expect(
            statement.actions.filter((a) => a.includes('*')),
            name,
          ).toEqual([]);
          expect(statement.resources, name).not.toContain('*');
        }
      }
    });

    it('lets the send gate read the contacts table and nothing else', () => {
      const statements = statementsOf('sendGate');
      expect(allows(statements, ['dynamodb:GetItem'], contacts)).toBe(true);
      expect(allows(statements, TABLE_WRITE_ACTIONS, contacts)).toBe(false);
      expect(allows(statements, ['dynamodb:GetItem'], imports)).toBe(false);
      for (const action of ['s3:GetObject', 'sqs:SendMessage', 'sns:Publish']) {
        expect(allows(statements, [action], '')).toBe(false);
      }
    });

    it('does not let the aggregator touch the contacts table at all', () => {
      const statements = statementsOf('aggregator');
      expect(allows(statements, TABLE_WRITE_ACTIONS, contacts)).toBe(false);
      expect(statements.some((s) => s.resources.some((r) => r.includes(contacts)))).toBe(false);
    });

    it('lets the splitter read workspace settings from the contacts table but not write it', () => {
      const statements = statementsOf('splitter');
      expect(allows(statements, ['dynamodb:GetItem', 'dynamodb:Query'], contacts)).toBe(true);
      expect(allows(statements, TABLE_WRITE_ACTIONS, contacts)).toBe(false);
    });

    it('lets only the processor write contacts', () => {
      const writers = (Object.keys(stack.functions) as PipelineFunctionName[]).filter((name) =>
        allows(statementsOf(name), TABLE_WRITE_ACTIONS, contacts),
      );
      expect(writers).toEqual(['processor']);
    });

    it('grants each function the objects, queues, tables and topic its use case needs', () => {
      const bucket = logicalIdOf(stack.uploads.bucket);
      const q = (id: keyof typeof stack.queues) => logicalIdOf(stack.queues[id].queue);
      const splitter = statementsOf('splitter');
      expect(allows(splitter, ['s3:GetObjectVersion'], `<${bucket}.Arn>/incoming/*`)).toBe(true);
      expect(allows(splitter, ['s3:PutObject'], `<${bucket}.Arn>/parts/*`)).toBe(true);
      expect(allows(splitter, ['s3:PutObject'], `<${bucket}.Arn>/incoming/*`)).toBe(false);
      expect(allows(splitter, ['sqs:SendMessage'], q('batches'))).toBe(true);
      expect(allows(splitter, ['sqs:SendMessage'], q('uploads'))).toBe(true);
      expect(allows(splitter, ['dynamodb:PutItem'], imports)).toBe(true);

      const deadBatch = statementsOf('deadBatch');
      expect(allows(deadBatch, ['s3:PutObject'], `<${bucket}.Arn>/parts/*`)).toBe(true);
      expect(allows(deadBatch, ['s3:GetObject'], bucket)).toBe(false);
      expect(allows(deadBatch, ['sqs:SendMessage'], q('aggregate'))).toBe(true);

      const aggregator = statementsOf('aggregator');
      expect(allows(aggregator, ['s3:PutObject', 's3:GetObject'], `<${bucket}.Arn>/reports/*`)).toBe(true);
      expect(allows(aggregator, ['s3:PutObject'], `<${bucket}.Arn>/parts/*`)).toBe(false);
      expect(allows(aggregator, ['sns:Publish'], logicalIdOf(stack.topics.notifications))).toBe(true);
      expect(allows(aggregator, ['sqs:SendMessage'], '')).toBe(false);

      const sweeper = statementsOf('sweeper');
      expect(allows(sweeper, ['dynamodb:Query'], `<${imports}.Arn>/index/byStatus`)).toBe(true);
      // The cells of a lost batch are read back from the version of the upload the import pinned.
      expect(allows(sweeper, ['s3:GetObjectVersion'], `<${bucket}.Arn>/incoming/*`)).toBe(true);
      expect(allows(sweeper, ['s3:PutObject'], `<${bucket}.Arn>/incoming/*`)).toBe(false);
      expect(allows(sweeper, ['sqs:SendMessage'], q('aggregate'))).toBe(true);
      expect(allows(sweeper, ['sns:Publish'], '')).toBe(false);
    });
  });

  describe('alarms', () => {
    const alarmTopic = { Ref: logicalIdOf(stack.topics.alarms) };

    it('alarms on any dead letter and on an old message, for every queue, to the alarm topic', () => {
      for (const queue of Object.values(stack.queues)) {
        template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Dimensions: [
            { Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalIdOf(queue.deadLetterQueue), 'QueueName'] } },
          ],
          Threshold: 0,
          ComparisonOperator: 'GreaterThanThreshold',
          AlarmActions: [alarmTopic],
        });
        template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          MetricName: 'ApproximateAgeOfOldestMessage',
          Dimensions: [
            { Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalIdOf(queue.queue), 'QueueName'] } },
          ],
          AlarmActions: [alarmTopic],
        });
      }
    });

    it('alarms on errors of every function', () => {
      for (const fn of Object.values(stack.functions)) {
        template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          MetricName: 'Errors',
          Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalIdOf(fn.fn) } }],
          AlarmActions: [alarmTopic],
        });
      }
    });
  });

  describe('outputs', () => {
    it('outputs every name the CLI needs, and no SFTP endpoint without partners', () => {
      const outputs = Object.keys(template.toJSON().Outputs);
      const expected = Object.values(STACK_OUTPUTS).flatMap((v) =>
        typeof v === 'string' ? [v] : Object.values(v),
      );
      expect(new Set(outputs)).toEqual(
        new Set(
          expected.filter((key) => key !== STACK_OUTPUTS.sftpServerId && key !== STACK_OUTPUTS.sftpEndpoint),
        ),
      );
      template.hasOutput(STACK_OUTPUTS.stage, { Value: 'test' });
      template.hasOutput(STACK_OUTPUTS.queueUrls.batches, {
        Value: { Ref: logicalIdOf(stack.queues.batches.queue) },
      });
      template.resourceCountIs('AWS::Transfer::Server', 0);
    });
  });
});
