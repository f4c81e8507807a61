/**
 * The names of the stack and of its outputs: one place for the CDK stack that writes them and for the
 * CLI or an operator that reads them (`cdk deploy --outputs-file outputs.json`).
 */
import type { QueueId } from '../shared/resources.js';

/** Output keys of the pipeline stack. */
export const STACK_OUTPUTS = {
  stage: 'Stage',
  region: 'Region',
  resourcePrefix: 'ResourcePrefix',
  bucketSuffix: 'BucketSuffix',
  bucket: 'BucketName',
  contactsTable: 'ContactsTableName',
  importsTable: 'ImportsTableName',
  notificationsTopic: 'NotificationsTopicArn',
  feedbackTopic: 'FeedbackTopicArn',
  alarmTopic: 'AlarmTopicArn',
  queueUrls: {
    uploads: 'UploadsQueueUrl',
    batches: 'BatchesQueueUrl',
    aggregate: 'AggregateQueueUrl',
    feedback: 'FeedbackQueueUrl',
  } satisfies Record<QueueId, string>,
  deadLetterQueueUrls: {
    uploads: 'UploadsDeadLetterQueueUrl',
    batches: 'BatchesDeadLetterQueueUrl',
    aggregate: 'AggregateDeadLetterQueueUrl',
    feedback: 'FeedbackDeadLetterQueueUrl',
  } satisfies Record<QueueId, string>,
  sendGateFunction: 'SendGateFunctionArn',
  sftpServerId: 'SftpServerId',
  sftpEndpoint: 'SftpEndpoint',
} as const;

/**
 * The CloudFormation stack name of a stage.
 *
 * @example
 * stackNameFor('prod'); // 'contact-import-prod'
 */
export function stackNameFor(stage: string, resourcePrefix = 'contact-import'): string {
  return `${resourcePrefix}-${stage}`;
}
