import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import {
  environmentVariables,
  type PipelineEnvironment,
  PipelineFunction,
  type PipelineFunctionProps,
} from '../../infra/constructs/pipeline-function.js';
import { PipelineQueue } from '../../infra/constructs/pipeline-queue.js';
import { InvalidPropsError } from '../../infra/errors.js';
import { loadConfig } from '../../shared/config.js';
import { resourcesFor } from '../../shared/resources.js';

const ENVIRONMENT: PipelineEnvironment = {
  stage: 'dev',
  resourcePrefix: 'contact-import',
  bucketSuffix: '123456789012',
  queueUrls: {
    uploads: 'https://sqs/uploads',
    batches: 'https://sqs/batches.fifo',
    aggregate: 'https://sqs/aggregate',
    feedback: 'https://sqs/feedback',
  },
  notificationsTopicArn: 'arn:aws:sns:ap-northeast-1:123456789012:contact-import-dev-notifications',
  alarmsTopicArn: 'arn:aws:sns:ap-northeast-1:123456789012:contact-import-dev-alarms',
  reportUrlExpirySeconds: 3600,
  stallMinutes: 15,
};

/** A stack that does not bundle (construct tests look at properties, not code). */
function newStack(): Stack {
  return new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Test');
}

function build(overrides: Partial<PipelineFunctionProps>) {
  return () =>
    new PipelineFunction(newStack(), 'Fn', {
      name: 'sweeper',
      entry: 'functions/sweeper/handler.ts',
      environment: ENVIRONMENT,
      ...overrides,
    });
}

describe('Function: environmentVariables', () => {
  it('gives the handler exactly what loadConfig() needs to find every resource', () => {
    // WHEN the variables are read back the way a handler reads them
    const config = loadConfig(environmentVariables(ENVIRONMENT));
    // THEN names, queue URLs, topic and tuning come back unchanged
    expect(config.resources).toEqual(resourcesFor('dev', 'contact-import', '123456789012'));
    expect(config.queueUrls).toEqual(ENVIRONMENT.queueUrls);
    expect(config.notificationsTopicArn).toBe(ENVIRONMENT.notificationsTopicArn);
    expect(config.reportUrlExpirySeconds).toBe(3600);
    expect(config.stallMinutes).toBe(15);
  });
});

describe('Construct: PipelineFunction', () => {
  it('creates a role whose only own permission is writing to its log group', () => {
    // GIVEN a function without any grant
    const fn = build({})();
    // WHEN the template is read
    const template = Template.fromStack(Stack.of(fn));
    // THEN the role has no managed policy and one statement: log events into its log group
    template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    expect(policies).toHaveLength(1);
    expect(policies[0]?.Properties.PolicyDocument.Statement).toEqual([
      expect.objectContaining({
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^FnLogs/), 'Arn'] },
      }),
    ]);
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/aws/lambda/contact-import-dev-sweeper',
      RetentionInDays: 30,
    });
  });

  it('fails at synth time with the value when the memory size is out of range', () => {
    expect(build({ memorySize: 64 })).toThrow(InvalidPropsError);
    expect(build({ memorySize: 64 })).toThrow('got 64');
  });

  it('fails at synth time with the path when the entry does not exist', () => {
    expect(build({ entry: 'functions/nope/handler.ts' })).toThrow('entry "functions/nope/handler.ts"');
  });

  it('fails at synth time with the value when the log level or a tuning value is invalid', () => {
    expect(build({ logLevel: 'VERBOSE' as never })).toThrow('got "VERBOSE"');
    expect(build({ environment: { ...ENVIRONMENT, reportUrlExpirySeconds: 8 * 24 * 3600 } })).toThrow(
      'got 691200',
    );
    expect(build({ environment: { ...ENVIRONMENT, stallMinutes: 0 } })).toThrow(
      'stallMinutes must be a positive integer, got 0',
    );
  });

  it('fails at synth time with the name when the function name would exceed 64 characters', () => {
    const resourcePrefix = 'a-very-long-resource-prefix-for-a-very-long-product-name';
    expect(build({ environment: { ...ENVIRONMENT, resourcePrefix } })).toThrow(
      `"${resourcePrefix}-dev-sweeper"`,
    );
  });
});

describe('Construct: PipelineQueue', () => {
  const batches = resourcesFor('dev').queues.batches;

  it('fails at synth time when messages would dead-letter after fewer than five receives', () => {
    const definition = { ...batches, deadLetter: { ...batches.deadLetter, maxReceiveCount: 2 } };
    expect(() => new PipelineQueue(newStack(), 'Q', { definition })).toThrow(
      'maxReceiveCount must be at least 5, got 2',
    );
  });

  it('fails at synth time when the visibility timeout is shorter than six consumer timeouts', () => {
    const definition = { ...batches, visibilityTimeoutSeconds: 120 };
    expect(() => new PipelineQueue(newStack(), 'Q', { definition })).toThrow(/at least 720s .* got 120s/);
  });

  it('refuses to drain a dead-letter queue that resources.ts gives no drain', () => {
    const queue = new PipelineQueue(newStack(), 'Q', { definition: resourcesFor('dev').queues.uploads });
    const fn = new PipelineFunction(Stack.of(queue), 'Fn', {
      name: 'deadBatch',
      entry: 'functions/dead-batch/handler.ts',
      environment: ENVIRONMENT,
    });
    expect(() => queue.drainWith(fn.fn)).toThrow('contact-import-dev-uploads has no dead-letter drain');
  });
});
