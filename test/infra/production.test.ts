import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { logicalIdOf, nagFindings, synthesize } from './synth.js';

// GIVEN a production deployment with every optional context key set, as the CLI passes them (strings)
const { stack, template } = synthesize({
  stage: 'prod',
  production: 'true',
  alarmEmail: 'ops@example.com',
  notificationEmail: 'imports@example.com',
  sesConfigurationSet: 'marketing',
  logLevel: 'DEBUG',
  contactsWarmWriteUnits: '26000',
});

describe('Stack: production options', () => {
  it('protects the tables from deletion and retains them with the stack', () => {
    template.allResourcesProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: true });
    template.allResources('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('retains the buckets, the topic key and the log groups, and protects the stack from termination', () => {
    template.allResources('AWS::S3::Bucket', { DeletionPolicy: 'Retain' });
    template.allResources('AWS::KMS::Key', { DeletionPolicy: 'Retain' });
    template.allResources('AWS::Logs::LogGroup', { DeletionPolicy: 'Retain' });
    expect(stack.terminationProtection).toBe(true);
  });

  it('subscribes the alarm and notification addresses to their topics', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      TopicArn: { Ref: logicalIdOf(stack.topics.alarms) },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'imports@example.com',
      TopicArn: { Ref: logicalIdOf(stack.topics.notifications) },
    });
  });

  it('sends the SES configuration set events to the feedback topic, which may use the topic key', () => {
    template.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      ConfigurationSetName: 'marketing',
      EventDestination: {
        Enabled: true,
        MatchingEventTypes: Match.arrayEquals(['send', 'bounce', 'complaint']),
        SnsDestination: { TopicARN: { Ref: logicalIdOf(stack.topics.feedback) } },
      },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Sid: 'SendingHealthSesUsesKey', Principal: { Service: 'ses.amazonaws.com' } }),
        ]),
      },
    });
  });

  it('sets the Powertools log level of every function', () => {
    template.allResourcesProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ POWERTOOLS_LOG_LEVEL: 'DEBUG', STAGE: 'prod' }) },
    });
  });

  it('pre-warms the contacts table for imports, and only that table', () => {
    // THEN the contacts table serves 26,000 write units at once, reads at a new table's default
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: stack.resources.tables.contacts.name,
      WarmThroughput: { WriteUnitsPerSecond: 26_000, ReadUnitsPerSecond: 12_000 },
    });
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: stack.resources.tables.imports.name,
      WarmThroughput: Match.absent(),
    });
  });

  it('has no unacknowledged cdk-nag finding', () => {
    expect(nagFindings(stack)).toEqual([]);
  });
});
