import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import type { PipelineEnvironment } from '../../infra/constructs/pipeline-function.js';
import { PipelineQueue } from '../../infra/constructs/pipeline-queue.js';
import { PipelineTable } from '../../infra/constructs/pipeline-table.js';
import {
  SENDING_HEALTH_TABLE_ACTIONS,
  SendingHealth,
  type SendingHealthProps,
} from '../../infra/constructs/sending-health.js';
import { readPipelineContext } from '../../infra/context.js';
import { InvalidPropsError } from '../../infra/errors.js';
import { FUNCTION_TIMEOUT_SECONDS, resourcesFor } from '../../shared/resources.js';
import { logicalIdOf, nagFindings, statementsOfRole, TEST_ENV, tlsOnlyResources } from './synth.js';

const resources = resourcesFor('test', 'contact-import', TEST_ENV.account);

const ENVIRONMENT: PipelineEnvironment = {
  stage: 'test',
  resourcePrefix: 'contact-import',
  bucketSuffix: TEST_ENV.account,
  queueUrls: {
    uploads: 'https://sqs/uploads',
    batches: 'https://sqs/batches.fifo',
    aggregate: 'https://sqs/aggregate',
    feedback: 'https://sqs/ses-feedback',
  },
  notificationsTopicArn: 'arn:aws:sns:ap-northeast-1:123456789012:contact-import-test-notifications',
  alarmsTopicArn: 'arn:aws:sns:ap-northeast-1:123456789012:contact-import-test-alarms',
  reportUrlExpirySeconds: 3600,
  stallMinutes: 30,
};

interface Fixture {
  readonly stack: Stack;
  readonly health: SendingHealth;
  readonly table: PipelineTable;
  readonly notifications: sns.Topic;
  readonly template: Template;
}

/**
 * A small stack with what the construct needs from the pipeline stack: the contacts table, the encrypted
 * notifications and alarm topics. Context as `cdk synth -c key=value` passes it.
 */
function build(
  context: Record<string, unknown> = {},
  overrides: (stack: Stack) => Partial<SendingHealthProps> = () => ({}),
): Fixture {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
  const stack = new Stack(app, 'SendingHealthTest', { env: TEST_ENV });
  const key = new kms.Key(stack, 'TopicKey', { enableKeyRotation: true });
  const topic = (id: string) => new sns.Topic(stack, id, { masterKey: key, enforceSSL: true });
  const table = new PipelineTable(stack, 'Contacts', { definition: resources.tables.contacts });
  const notifications = topic('Notifications');
  const health = new SendingHealth(stack, 'SendingHealth', {
    resources,
    environment: ENVIRONMENT,
    contactsTable: table,
    notificationsTopic: notifications,
    alarmTopic: topic('Alarms'),
    sesConfigurationSet: readPipelineContext(app.node).sesConfigurationSet,
    ...overrides(stack),
  });
  return { stack, health, table, notifications, template: Template.fromStack(stack) };
}

describe('Construct: SendingHealth', () => {
  describe('without an SES configuration set', () => {
    // GIVEN the construct in a stack without context
    const { stack, health, table, notifications, template } = build();
    const queueId = logicalIdOf(health.feedbackQueue.queue);
    const dlqId = logicalIdOf(health.feedbackQueue.deadLetterQueue);
    const topicId = logicalIdOf(health.feedbackTopic);

    it('delivers the feedback topic raw to the feedback queue, which dead-letters after 5 receives', () => {
      // THEN the topic is encrypted and subscribed with raw delivery
      template.hasResourceProperties('AWS::SNS::Topic', {
        TopicName: 'contact-import-test-ses-feedback',
        KmsMasterKeyId: Match.anyValue(),
      });
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'sqs',
        RawMessageDelivery: true,
        TopicArn: { Ref: topicId },
        Endpoint: { 'Fn::GetAtt': [queueId, 'Arn'] },
      });
      // AND the queue is encrypted, hides a message 6 × the function timeout, and has a dead-letter queue
      template.hasResourceProperties('AWS::SQS::Queue', {
        QueueName: 'contact-import-test-ses-feedback',
        SqsManagedSseEnabled: true,
        VisibilityTimeout: 6 * FUNCTION_TIMEOUT_SECONDS.sendingHealth,
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] }, maxReceiveCount: 5 },
      });
      template.hasResourceProperties('AWS::SQS::Queue', {
        QueueName: 'contact-import-test-ses-feedback-dlq',
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 14 * 24 * 3600,
      });
    });

    it('accepts only TLS on the topic and both queues', () => {
      expect(tlsOnlyResources(template, 'AWS::SNS::TopicPolicy', 'Topics')).toContain(topicId);
      const queues = tlsOnlyResources(template, 'AWS::SQS::QueuePolicy', 'Queues');
      expect([queueId, dlqId].every((id) => queues.has(id))).toBe(true);
    });

    it('runs the sending-health handler on Node.js 22 arm64, fed 10 records at a time with partial failures', () => {
      template.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: 'contact-import-test-sending-health',
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Timeout: FUNCTION_TIMEOUT_SECONDS.sendingHealth,
        Environment: {
          Variables: Match.objectLike({
            STAGE: 'test',
            TOPIC_ARN_NOTIFICATIONS: ENVIRONMENT.notificationsTopicArn,
          }),
        },
      });
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
        BatchSize: 10,
        ScalingConfig: { MaximumConcurrency: 5 },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
    });

    it('lets the function read and write the contacts table, publish notifications, and nothing more', () => {
      // WHEN the statements of the function's role are read
      const statements = statementsOfRole(template, logicalIdOf(health.function.role));
      const onTable = statements.filter((s) => s.resources.some((r) => r.includes(logicalIdOf(table.table))));
      // THEN the table grant names exactly the item actions used, on the table alone (no index, no Scan)
      expect(onTable).toEqual([
        expect.objectContaining({
          actions: [...SENDING_HEALTH_TABLE_ACTIONS],
          resources: [`<${logicalIdOf(table.table)}.Arn>`],
        }),
      ]);
      const actions = statements.flatMap((s) => s.actions);
      for (const denied of ['dynamodb:DeleteItem', 'dynamodb:Scan', 'dynamodb:BatchWriteItem']) {
        expect(actions).not.toContain(denied);
      }
      // AND it may publish to the notifications topic only, with its key
      const publish = statements.filter((s) => s.actions.includes('sns:Publish'));
      expect(publish.map((s) => s.resources)).toEqual([[`<${logicalIdOf(notifications)}>`]]);
      expect(statements.some((s) => s.resources.includes('*'))).toBe(false);
    });

    it('alarms on dead letters, a late queue and function errors, to the alarm topic', () => {
      const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map(
        (a) => a.Properties.AlarmName,
      );
      expect(alarms.sort()).toEqual([
        'contact-import-test-feedback-dlq-depth',
        'contact-import-test-feedback-oldest-message',
        'contact-import-test-sendingHealth-errors',
      ]);
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: 'contact-import-test-sendingHealth-errors',
        AlarmActions: [{ Ref: Match.stringLikeRegexp('^Alarms') }],
      });
    });

    it('connects no SES configuration set', () => {
      template.resourceCountIs('AWS::SES::ConfigurationSetEventDestination', 0);
    });

    it('has no unacknowledged cdk-nag AwsSolutions finding', () => {
      expect(nagFindings(stack)).toEqual([]);
      expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
    });
  });

  describe('with the SES configuration set of context "sesConfigurationSet"', () => {
    // GIVEN `cdk synth -c sesConfigurationSet=brand-emails`
    const { stack, health, template } = build({ sesConfigurationSet: 'brand-emails' });
    const topicId = logicalIdOf(health.feedbackTopic);

    it('publishes its send, bounce and complaint events to the feedback topic', () => {
      template.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
        ConfigurationSetName: 'brand-emails',
        EventDestination: {
          Enabled: true,
          MatchingEventTypes: ['send', 'bounce', 'complaint'],
          SnsDestination: { TopicARN: { Ref: topicId } },
        },
      });
    });

    it('lets SES of this account use the topic key and publish to the topic', () => {
      template.hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Sid: 'SendingHealthSesUsesKey',
              Principal: { Service: 'ses.amazonaws.com' },
              Condition: { StringEquals: { 'aws:SourceAccount': TEST_ENV.account } },
            }),
          ]),
        },
      });
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [{ Ref: topicId }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Action: 'sns:Publish', Principal: { Service: 'ses.amazonaws.com' } }),
          ]),
        },
      });
    });

    it('has no unacknowledged cdk-nag AwsSolutions finding', () => {
      expect(nagFindings(stack)).toEqual([]);
    });
  });

  describe('with the feedback topic and queue of the stack', () => {
    it('consumes the given queue and creates no topic, queue or queue alarm of its own', () => {
      // GIVEN a stack that already has the feedback topic and queue
      let given: { topic: sns.Topic; queue: PipelineQueue } | undefined;
      const { template, health } = build({}, (stack) => {
        const topicKey = new kms.Key(stack, 'FeedbackKey', { enableKeyRotation: true });
        given = {
          topic: new sns.Topic(stack, 'StackFeedbackTopic', { masterKey: topicKey, enforceSSL: true }),
          queue: new PipelineQueue(stack, 'StackFeedbackQueue', { definition: resources.queues.feedback }),
        };
        return { feedback: given, sesConfigurationSet: 'brand-emails' };
      });
      // THEN the construct uses them
      expect(health.feedbackQueue).toBe(given?.queue);
      template.resourceCountIs('AWS::SQS::Queue', 2);
      template.resourceCountIs('AWS::SNS::Subscription', 0);
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: { 'Fn::GetAtt': [logicalIdOf(health.feedbackQueue.queue), 'Arn'] },
      });
      const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
      expect(alarms.map((a) => a.Properties.AlarmName)).toEqual(['contact-import-test-sendingHealth-errors']);
    });
  });

  describe('invalid properties', () => {
    it('fails at synth time with the value when the configuration set name is invalid', () => {
      expect(() => build({ sesConfigurationSet: 'brand emails!' })).toThrow(InvalidPropsError);
      expect(() => build({ sesConfigurationSet: 'brand emails!' })).toThrow('got "brand emails!"');
    });

    it('fails at synth time when the notifications topic is not encrypted', () => {
      const act = () =>
        build({}, (stack) => ({ notificationsTopic: new sns.Topic(stack, 'Plain', { enforceSSL: true }) }));
      expect(act).toThrow(/notificationsTopic SendingHealthTest\/Plain must be encrypted with a KMS key/);
    });

    it('fails at synth time when SES could not be allowed to use the feedback topic key', () => {
      const act = () =>
        build({ sesConfigurationSet: 'brand-emails' }, (stack) => ({
          feedback: {
            topic: new sns.Topic(stack, 'Imported', {
              masterKey: kms.Key.fromKeyArn(
                stack,
                'ImportedKey',
                'arn:aws:kms:ap-northeast-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
              ),
              enforceSSL: true,
            }),
            queue: new PipelineQueue(stack, 'Q', { definition: resources.queues.feedback }),
          },
        }));
      expect(act).toThrow(/must be encrypted with a KMS key of this app/);
    });
  });
});
