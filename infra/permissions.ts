/**
 * Small, explicit grants: each names the actions a pipeline function uses on the resources it uses,
 * instead of CDK's broad `grantReadWriteData`-style helpers (which add Scan, DescribeTable, `index/*`…).
 */
import { type CfnResource, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { INCOMING_PREFIX, PARTS_PREFIX, REPORTS_PREFIX } from '../shared/resources.js';
import type { PipelineTable } from './constructs/pipeline-table.js';
import { InvalidPropsError } from './errors.js';

/** Item reads, including the condition checks of a transaction. */
export const TABLE_READ_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
] as const;

/** Item writes (a TransactWriteItems call is authorised action by action against these). */
export const TABLE_WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
] as const;

/** `s3:GetObject` also authorises HeadObject; `GetObjectVersion` reads the version an event named. */
export const OBJECT_READ_ACTIONS = ['s3:GetObject', 's3:GetObjectVersion'] as const;

/** Streams are uploaded in parts: an aborted multipart upload must be cleaned up. */
export const OBJECT_STREAM_WRITE_ACTIONS = ['s3:PutObject', 's3:AbortMultipartUpload'] as const;

export type TableAccess = 'read' | 'write' | 'readWrite';

/**
 * Allows item reads and/or writes on a table; reads include Query on each named index.
 *
 * @example
 * allowTable(splitter.role, contacts, 'read');
 */
export function allowTable(role: iam.IRole, table: PipelineTable, access: TableAccess): void {
  const read = access !== 'write';
  const write = access !== 'read';
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: [...(read ? TABLE_READ_ACTIONS : []), ...(write ? TABLE_WRITE_ACTIONS : [])],
      resources: [table.table.tableArn, ...(read ? table.indexArns() : [])],
    }),
  );
}

/** Why a grant on every key under a prefix is as narrow as it can be. */
const PREFIX_REASONS: Record<string, string> = {
  [INCOMING_PREFIX]:
    'Uploads are named by whoever uploads them (incoming/<ws>/<channel>/<key>/<file>.csv); the grant stops at the incoming/ prefix.',
  [PARTS_PREFIX]:
    'Part files and manifests are created at run time per import and batch (parts/<ws>/<importId>/…); the grant stops at the parts/ prefix.',
  [REPORTS_PREFIX]:
    'Reports are created at run time per import (reports/<ws>/<importId>/…); the grant stops at the reports/ prefix.',
};

/**
 * Records, on the role's policy, why the cdk-nag IAM5 finding for `<bucket>/<prefix>*` is accepted.
 *
 * @example
 * acknowledgePrefixGrant(role, bucket, 'parts/');
 */
export function acknowledgePrefixGrant(role: iam.IRole, bucket: s3.IBucket, prefix: string, reason?: string) {
  const cfnBucket = bucket.node.defaultChild as CfnResource;
  const logicalId = Stack.of(bucket).resolve(cfnBucket.logicalId) as string;
  const why = reason ?? PREFIX_REASONS[prefix];
  if (!why) throw new InvalidPropsError(`no reason is recorded for a grant on every key under "${prefix}"`);
  const policy = role.node.tryFindChild('DefaultPolicy') ?? role;
  Validations.of(policy).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>/${prefix}*]`,
    reason: why,
  });
}

/**
 * Allows object actions under one key prefix of the bucket.
 *
 * @example
 * allowObjects(processor.role, bucket, 'parts/', ['s3:GetObject', 's3:PutObject']);
 */
export function allowObjects(
  role: iam.IRole,
  bucket: s3.IBucket,
  prefix: string,
  actions: readonly string[],
): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: [...actions], resources: [bucket.arnForObjects(`${prefix}*`)] }),
  );
  acknowledgePrefixGrant(role, bucket, prefix);
}

/**
 * Allows ListBucket. S3 answers a read of a missing key with 404 only to a caller that may list the
 * bucket (403 otherwise), and the adapters rely on "missing means undefined".
 */
export function allowList(role: iam.IRole, bucket: s3.IBucket): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }),
  );
}

/** Allows SendMessage (and so SendMessageBatch) to the queues. */
export function allowSend(role: iam.IRole, ...queues: sqs.IQueue[]): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: queues.map((q) => q.queueArn) }),
  );
}

/** Allows Publish to a KMS-encrypted topic: SNS encrypts with a data key of the topic's key. */
export function allowPublish(role: iam.IRole, topic: sns.ITopic, key: kms.IKey): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [topic.topicArn] }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [key.keyArn] }),
  );
}
