/**
 * The upload bucket: versioned, private, TLS only, encrypted, access-logged to its own log bucket,
 * with lifecycle rules for the pipeline's working files, and `incoming/**.csv` events sent to the
 * uploads queue.
 *
 * The notification is written straight into the bucket's CloudFormation resource rather than through
 * CDK's notifications custom resource (a Lambda function of its own): the bucket name is fixed, so the
 * queue policy can name the bucket before the bucket exists, and the bucket is created after the policy.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { INCOMING_PREFIX, PARTS_PREFIX, REPORTS_PREFIX } from '../../shared/resources.js';
import { InvalidPropsError } from '../errors.js';

export interface UploadBucketProps {
  /** The bucket's name (`resources.bucket.name`). */
  readonly bucketName: string;
  /** Receives an event for every object created under `incoming/`, whatever its name ends in. */
  readonly uploadsQueue: sqs.Queue;
  /**
   * Days a report (`reports/`) is kept.
   * @default 30
   */
  readonly reportRetentionDays?: number;
  /**
   * Days a part file (`parts/`) is kept; longer than a dead letter (14 days), so a redriven batch
   * still finds its import's parts.
   * @default 21
   */
  readonly partRetentionDays?: number;
  /**
   * Days an overwritten or deleted object version is kept.
   * @default 30
   */
  readonly noncurrentVersionRetentionDays?: number;
  /**
   * Days a server access log is kept.
   * @default 90
   */
  readonly accessLogRetentionDays?: number;
  /**
   * What happens to both buckets when the stack is deleted (DESTROY fails on a bucket that is not empty).
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

function days(name: string, value: number | undefined, fallback: number): Duration {
  const n = value ?? fallback;
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidPropsError(`${name} must be a positive integer, got ${n}`);
  return Duration.days(n);
}

/**
 * @example
 * const uploads = new UploadBucket(this, 'Uploads', { bucketName, uploadsQueue: queues.uploads.queue });
 * uploads.bucket.arnForObjects('incoming/*');
 */
export class UploadBucket extends Construct {
  readonly bucket: s3.Bucket;
  readonly accessLogBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: UploadBucketProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.DESTROY;
    const lifecycle = {
      reports: days('reportRetentionDays', props.reportRetentionDays, 30),
      parts: days('partRetentionDays', props.partRetentionDays, 21),
      noncurrent: days('noncurrentVersionRetentionDays', props.noncurrentVersionRetentionDays, 30),
      accessLogs: days('accessLogRetentionDays', props.accessLogRetentionDays, 90),
    };

    this.accessLogBucket = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: lifecycle.accessLogs }],
      removalPolicy,
    });

    const stack = Stack.of(this);
    const bucketArn = stack.formatArn({ service: 's3', region: '', account: '', resource: props.bucketName });
    const { policyDependable } = props.uploadsQueue.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'UploadBucketNotifications',
        principals: [new iam.ServicePrincipal('s3.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [props.uploadsQueue.queueArn],
        conditions: {
          ArnLike: { 'aws:SourceArn': bucketArn },
          StringEquals: { 'aws:SourceAccount': stack.account },
        },
      }),
    );

    this.bucket = new s3.Bucket(this, 'Bucket', {
      bucketName: props.bucketName,
      versioned: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: 'uploads/',
      lifecycleRules: [
        { id: 'expire-reports', prefix: REPORTS_PREFIX, expiration: lifecycle.reports },
        { id: 'expire-parts', prefix: PARTS_PREFIX, expiration: lifecycle.parts },
        {
          id: 'expire-noncurrent-versions',
          noncurrentVersionExpiration: lifecycle.noncurrent,
          abortIncompleteMultipartUploadAfter: Duration.days(7),
          expiredObjectDeleteMarker: true,
        },
      ],
      removalPolicy,
    });
    const cfnBucket = this.bucket.node.defaultChild as s3.CfnBucket;
    // ObjectCreated:* covers Put, Post, Copy (an SFTP rename) and CompleteMultipartUpload.
    cfnBucket.notificationConfiguration = {
      queueConfigurations: [
        {
          event: s3.EventType.OBJECT_CREATED,
          queue: props.uploadsQueue.queueArn,
          filter: {
            s3Key: {
              rules: [{ name: 'prefix', value: INCOMING_PREFIX }],
            },
          },
        },
      ],
    };
    // S3 checks that it may send to the queue when the notification is configured.
    if (policyDependable) this.bucket.node.addDependency(policyDependable);
  }
}
