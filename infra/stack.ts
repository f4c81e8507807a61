/**
 * The contact import pipeline in one stack. Every name and queue/table setting comes from
 * `resourcesFor(stage, prefix, account)` of `shared/resources.ts` — the definition the local emulator
 * provisioning reads too — so what the tests run against and what deploys cannot drift apart.
 */
import {
  CfnOutput,
  type CfnResource,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  Tags,
  Validations,
} from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import {
  type FunctionName,
  INCOMING_PREFIX,
  PARTS_PREFIX,
  type QueueId,
  REPORTS_PREFIX,
  type Resources,
  resourcesFor,
  SWEEP_INTERVAL_MINUTES,
} from '../shared/resources.js';
import { PartnerSftp, type SftpPartner } from './constructs/partner-sftp.js';
import { PipelineAlarms } from './constructs/pipeline-alarms.js';
import {
  type PipelineEnvironment,
  PipelineFunction,
  type PowertoolsLogLevel,
} from './constructs/pipeline-function.js';
import { PipelineQueue } from './constructs/pipeline-queue.js';
import { PipelineTable } from './constructs/pipeline-table.js';
import { SendingHealth } from './constructs/sending-health.js';
import { UploadBucket } from './constructs/upload-bucket.js';
import type { WarmThroughput } from './context.js';
import { InvalidPropsError } from './errors.js';
import { STACK_OUTPUTS } from './outputs.js';
import {
  allowList,
  allowObjects,
  allowPublish,
  allowSend,
  allowTable,
  OBJECT_READ_ACTIONS,
  OBJECT_STREAM_WRITE_ACTIONS,
} from './permissions.js';

/** The functions this stack deploys: handler module (relative to the repository root) and memory. */
export const PIPELINE_FUNCTIONS = {
  splitter: { entry: 'functions/splitter/handler.ts', memorySize: 1024 },
  processor: { entry: 'functions/processor/handler.ts', memorySize: 1024 },
  deadBatch: { entry: 'functions/dead-batch/handler.ts', memorySize: 512 },
  aggregator: { entry: 'functions/aggregator/handler.ts', memorySize: 1024 },
  sweeper: { entry: 'functions/sweeper/handler.ts', memorySize: 512 },
  sendGate: { entry: 'functions/send-gate/handler.ts', memorySize: 256 },
} as const satisfies Partial<Record<FunctionName, { entry: string; memorySize: number }>>;

export type PipelineFunctionName = keyof typeof PIPELINE_FUNCTIONS;

/** The longest presigned URL S3 accepts is seven days, but one signed with a Lambda role's
 * temporary credentials dies with them (hours): twelve hours is a lifetime the credentials usually reach. */
const DEFAULT_REPORT_URL_EXPIRY_SECONDS = 12 * 3600;

export interface ContactImportStackProps extends StackProps {
  /** The stage, e.g. `prod`: part of every resource name. */
  readonly stage: string;
  /**
   * The first part of every resource name.
   * @default 'contact-import'
   */
  readonly resourcePrefix?: string;
  /**
   * Deletion protection on the tables, termination protection on the stack, and RETAIN removal
   * policies on everything that holds data.
   * @default false
   */
  readonly production?: boolean;
  /**
   * Subscribed (email) to the alarm topic.
   * @default - no subscription
   */
  readonly alarmEmail?: string;
  /**
   * Subscribed (email) to the import notifications topic.
   * @default - no subscription
   */
  readonly notificationEmail?: string;
  /**
   * Partners delivering by SFTP; a Transfer Family server is created when there is at least one.
   * @default - no SFTP server
   */
  readonly sftpPartners?: readonly SftpPartner[];
  /**
   * An existing SES configuration set whose send, bounce and complaint events go to the feedback
   * topic (and from there to the feedback queue that sending health consumes).
   * @default - no SES events
   */
  readonly sesConfigurationSet?: string;
  /**
   * Powertools log level of every function.
   * @default 'INFO'
   */
  readonly logLevel?: PowertoolsLogLevel;
  /**
   * Warm throughput of the contacts table, for imports faster than a new on-demand table serves.
   * @default - none (a new table serves 4,000 write and 12,000 read units a second at once)
   */
  readonly contactsWarmThroughput?: WarmThroughput;
  /**
   * Lifetime of the presigned report URL in the notification.
   * @default 43200 (12 hours)
   */
  readonly reportUrlExpirySeconds?: number;
  /**
   * A job without progress this long is finished by the sweeper.
   * @default 30
   */
  readonly stallMinutes?: number;
  /**
   * Age of a queue's oldest message that raises an alarm.
   * @default Duration.hours(1)
   */
  readonly maxMessageAge?: Duration;
}

const QUEUE_CONSTRUCT_IDS: Record<QueueId, string> = {
  uploads: 'UploadsQueue',
  batches: 'BatchesQueue',
  aggregate: 'AggregateQueue',
  feedback: 'FeedbackQueue',
};

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function checkEmail(name: string, value: string | undefined): void {
  if (value !== undefined && !EMAIL.test(value)) {
    throw new InvalidPropsError(`${name} must be an email address, got "${value}"`);
  }
}

function pascal(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/**
 * @example
 * new ContactImportStack(app, 'contact-import-prod', { stage: 'prod', production: true });
 */
export class ContactImportStack extends Stack {
  /** Names and settings of everything, as `shared/resources.ts` defines them for this stage. */
  readonly resources: Resources;
  /** The first part of every resource name. */
  readonly resourcePrefix: string;
  /** Encrypts the topics. */
  readonly topicKey: kms.Key;
  readonly uploads: UploadBucket;
  readonly queues: Readonly<Record<QueueId, PipelineQueue>>;
  readonly tables: { readonly contacts: PipelineTable; readonly imports: PipelineTable };
  readonly topics: {
    readonly notifications: sns.Topic;
    readonly feedback: sns.Topic;
    readonly alarms: sns.Topic;
  };
  readonly functions: Readonly<Record<PipelineFunctionName, PipelineFunction>>;
  readonly alarms: PipelineAlarms;
  /** The SFTP server, when there are partners. */
  readonly sftp: PartnerSftp | undefined;
  /** SES feedback → sending-health function (RULES §8). */
  readonly sendingHealth: SendingHealth;

  constructor(scope: Construct, id: string, props: ContactImportStackProps) {
    const production = props.production ?? false;
    super(scope, id, { ...props, terminationProtection: props.terminationProtection ?? production });
    checkEmail('alarmEmail', props.alarmEmail);
    checkEmail('notificationEmail', props.notificationEmail);
    const prefix = props.resourcePrefix ?? 'contact-import';
    this.resourcePrefix = prefix;
    const retain = production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    // The account id makes the bucket name globally unique; the functions get it as BUCKET_SUFFIX.
    this.resources = resourcesFor(props.stage, prefix, this.account);
    const namePrefix = `${prefix}-${props.stage}`;
    Tags.of(this).add('project', prefix);
    Tags.of(this).add('stage', props.stage);

    this.topicKey = new kms.Key(this, 'TopicKey', {
      alias: `alias/${namePrefix}-topics`,
      description: `Encrypts the ${namePrefix} SNS topics`,
      enableKeyRotation: true,
      removalPolicy: retain,
    });
    // CloudWatch alarms publish to the encrypted alarm topic as the CloudWatch service.
    this.letServiceUseTopicKey('CloudWatchAlarmsUseKey', 'cloudwatch.amazonaws.com');
    const topic = (constructId: string, topicName: string) =>
      new sns.Topic(this, constructId, { topicName, masterKey: this.topicKey, enforceSSL: true });
    this.topics = {
      notifications: topic('NotificationsTopic', this.resources.topics.notifications.name),
      feedback: topic('FeedbackTopic', this.resources.topics.feedback.name),
      alarms: topic('AlarmTopic', this.resources.topics.alarms.name),
    };
    if (props.notificationEmail) {
      this.topics.notifications.addSubscription(new subscriptions.EmailSubscription(props.notificationEmail));
    }
    if (props.alarmEmail) {
      this.topics.alarms.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    }

    const queueIds = Object.keys(this.resources.queues) as QueueId[];
    this.queues = Object.fromEntries(
      queueIds.map((queueId) => [
        queueId,
        new PipelineQueue(this, QUEUE_CONSTRUCT_IDS[queueId], {
          definition: this.resources.queues[queueId],
          removalPolicy: retain,
        }),
      ]),
    ) as Record<QueueId, PipelineQueue>;
    this.topics.feedback.addSubscription(
      new subscriptions.SqsSubscription(this.queues.feedback.queue, { rawMessageDelivery: true }),
    );

    this.uploads = new UploadBucket(this, 'Uploads', {
      bucketName: this.resources.bucket.name,
      uploadsQueue: this.queues.uploads.queue,
      removalPolicy: retain,
    });
    this.tables = {
      contacts: new PipelineTable(this, 'ContactsTable', {
        definition: this.resources.tables.contacts,
        production,
        warmThroughput: props.contactsWarmThroughput,
      }),
      imports: new PipelineTable(this, 'ImportsTable', {
        definition: this.resources.tables.imports,
        production,
      }),
    };

    const environment: PipelineEnvironment = {
      stage: props.stage,
      resourcePrefix: prefix,
      bucketSuffix: this.account,
      queueUrls: Object.fromEntries(queueIds.map((q) => [q, this.queues[q].queue.queueUrl])) as Record<
        QueueId,
        string
      >,
      notificationsTopicArn: this.topics.notifications.topicArn,
      alarmsTopicArn: this.topics.alarms.topicArn,
      reportUrlExpirySeconds: props.reportUrlExpirySeconds ?? DEFAULT_REPORT_URL_EXPIRY_SECONDS,
      stallMinutes: props.stallMinutes ?? 30,
    };
    const names = Object.keys(PIPELINE_FUNCTIONS) as PipelineFunctionName[];
    this.functions = Object.fromEntries(
      names.map((name) => [
        name,
        new PipelineFunction(this, pascal(name), {
          name,
          ...PIPELINE_FUNCTIONS[name],
          environment,
          logLevel: props.logLevel,
          logRemovalPolicy: retain,
        }),
      ]),
    ) as Record<PipelineFunctionName, PipelineFunction>;

    this.connectConsumers();
    new events.Rule(this, 'SweepSchedule', {
      description: `Runs the ${namePrefix} sweeper every ${SWEEP_INTERVAL_MINUTES} minutes`,
      schedule: events.Schedule.rate(Duration.minutes(SWEEP_INTERVAL_MINUTES)),
      targets: [new targets.LambdaFunction(this.functions.sweeper.fn, { retryAttempts: 2 })],
    });
    this.grantAccess();

    this.alarms = new PipelineAlarms(this, 'Alarms', {
      topic: this.topics.alarms,
      namePrefix,
      maxMessageAge: props.maxMessageAge,
    });
    for (const queueId of queueIds) this.alarms.watchPipelineQueue(queueId, this.queues[queueId]);
    for (const name of names) this.alarms.watchFunction(name, this.functions[name].fn);

    this.sendingHealth = new SendingHealth(this, 'SendingHealth', {
      resources: this.resources,
      environment,
      contactsTable: this.tables.contacts,
      notificationsTopic: this.topics.notifications,
      alarmTopic: this.topics.alarms,
      feedback: { topic: this.topics.feedback, queue: this.queues.feedback },
      topicKey: this.topicKey,
      sesConfigurationSet: props.sesConfigurationSet,
      logLevel: props.logLevel,
      removalPolicy: retain,
      maxMessageAge: props.maxMessageAge,
    });
    this.sftp = props.sftpPartners?.length
      ? new PartnerSftp(this, 'PartnerSftp', {
          bucket: this.uploads.bucket,
          bucketName: this.resources.bucket.name,
          partners: props.sftpPartners,
          logRemovalPolicy: retain,
        })
      : undefined;
    // The splitter names SFTP uploads in the history by the partner role's session (`imports list`).
    if (this.sftp) this.functions.splitter.fn.addEnvironment('SFTP_ROLE_ID', this.sftp.accessRole.roleId);

    this.addOutputs();
    this.suppressAcceptedFindings();
  }

  /** The deployed function of a pipeline function name, if this stack deploys one. */
  functionFor(name: FunctionName): PipelineFunction | undefined {
    return (this.functions as Partial<Record<FunctionName, PipelineFunction>>)[name];
  }

  /** Each queue's consumer (and dead-letter drain) as `resources.ts` names them. */
  private connectConsumers(): void {
    for (const queue of Object.values(this.queues)) {
      const consumer = this.functionFor(queue.definition.consumer);
      if (consumer) queue.consumeWith(consumer.fn);
      const drain = queue.definition.deadLetter.drain;
      const drainer = drain && this.functionFor(drain.consumer);
      if (drainer) queue.drainWith(drainer.fn);
    }
  }

  /** What each function may do — exactly what its use case needs, on exactly the resources it uses. */
  private grantAccess(): void {
    const { splitter, processor, deadBatch, aggregator, sweeper, sendGate } = this.functions;
    const bucket = this.uploads.bucket;
    const { contacts, imports } = this.tables;
    const queue = (id: QueueId) => this.queues[id].queue;

    // Splitter: reads the upload, writes invalid rows and manifests to parts, sends batches and its own
    // continuation, creates the job; reads workspace settings and custom fields (never writes contacts).
    allowObjects(splitter.role, bucket, INCOMING_PREFIX, OBJECT_READ_ACTIONS);
    allowObjects(splitter.role, bucket, PARTS_PREFIX, ['s3:PutObject']);
    allowList(splitter.role, bucket);
    allowSend(splitter.role, queue('batches'), queue('uploads'));
    allowTable(splitter.role, imports, 'readWrite');
    allowTable(splitter.role, contacts, 'read');
    // Rejections no registered workspace can be told about go to the operators (RULES §1).
    allowPublish(splitter.role, this.topics.alarms, this.topicKey);

    // Processor: the only writer of contacts; writes the batch's part file, counts the batch, and the
    // last batch enqueues aggregation.
    allowTable(processor.role, contacts, 'readWrite');
    allowTable(processor.role, imports, 'readWrite');
    allowObjects(processor.role, bucket, PARTS_PREFIX, ['s3:GetObject', 's3:PutObject']);
    allowList(processor.role, bucket);
    allowSend(processor.role, queue('aggregate'));

    // Dead batch: the dead batch's rows become PROCESSING_FAILED in a part file, counted like any batch.
    allowObjects(deadBatch.role, bucket, PARTS_PREFIX, ['s3:PutObject']);
    allowTable(deadBatch.role, imports, 'readWrite');
    allowSend(deadBatch.role, queue('aggregate'));

    // Aggregator: merges parts with the upload's header into reports, presigns the report URL (a GET),
    // claims and completes the job, publishes the notification. No access to contacts.
    allowObjects(aggregator.role, bucket, PARTS_PREFIX, ['s3:GetObject']);
    allowObjects(aggregator.role, bucket, INCOMING_PREFIX, OBJECT_READ_ACTIONS);
    allowObjects(aggregator.role, bucket, REPORTS_PREFIX, ['s3:GetObject', ...OBJECT_STREAM_WRITE_ACTIONS]);
    allowList(aggregator.role, bucket);
    allowTable(aggregator.role, imports, 'readWrite');
    allowPublish(aggregator.role, this.topics.notifications, this.topicKey);

    // Sweeper: finds stalled jobs (byStatus index), writes the parts of lost batches with their cells read
    // back from the upload's pinned version, enqueues aggregation.
    allowTable(sweeper.role, imports, 'readWrite');
    allowObjects(sweeper.role, bucket, INCOMING_PREFIX, OBJECT_READ_ACTIONS);
    allowObjects(sweeper.role, bucket, PARTS_PREFIX, ['s3:GetObject', 's3:PutObject']);
    allowList(sweeper.role, bucket);
    allowSend(sweeper.role, queue('aggregate'));

    // Send gate: reads the workspace's settings item (flags, suspension record); invoked by senders.
    allowTable(sendGate.role, contacts, 'read');
  }

  /** Lets an AWS service publish to the encrypted topics (SNS asks KMS for a data key on its behalf). */
  private letServiceUseTopicKey(sid: string, service: string, conditions?: Record<string, unknown>): void {
    this.topicKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid,
        principals: [new iam.ServicePrincipal(service)],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions,
      }),
    );
  }

  private addOutputs(): void {
    const output = (key: string, value: string, description: string) =>
      new CfnOutput(this, key, { value, description });
    output(STACK_OUTPUTS.stage, this.resources.stage, 'STAGE of the functions and the CLI');
    output(STACK_OUTPUTS.region, this.region, 'AWS_REGION of the functions and the CLI');
    output(STACK_OUTPUTS.resourcePrefix, this.resourcePrefix, 'RESOURCE_PREFIX');
    output(STACK_OUTPUTS.bucketSuffix, this.account, 'BUCKET_SUFFIX');
    output(
      STACK_OUTPUTS.bucket,
      this.uploads.bucket.bucketName,
      'Upload bucket: drop CSVs under incoming/<ws>/<channel>/<key>/',
    );
    output(STACK_OUTPUTS.contactsTable, this.tables.contacts.table.tableName, 'Contacts table');
    output(STACK_OUTPUTS.importsTable, this.tables.imports.table.tableName, 'Imports table');
    output(
      STACK_OUTPUTS.notificationsTopic,
      this.topics.notifications.topicArn,
      'One notification per import',
    );
    output(STACK_OUTPUTS.feedbackTopic, this.topics.feedback.topicArn, 'SES sending feedback');
    output(STACK_OUTPUTS.alarmTopic, this.topics.alarms.topicArn, 'Operational alarms');
    for (const [queueId, queue] of Object.entries(this.queues) as [QueueId, PipelineQueue][]) {
      output(STACK_OUTPUTS.queueUrls[queueId], queue.queue.queueUrl, `${queueId} queue`);
      output(
        STACK_OUTPUTS.deadLetterQueueUrls[queueId],
        queue.deadLetterQueue.queueUrl,
        `${queueId} dead letters`,
      );
    }
    output(
      STACK_OUTPUTS.sendGateFunction,
      this.functions.sendGate.fn.functionArn,
      'Send gate: invoke with {"workspace","channel"} (lambda:InvokeFunction)',
    );
    if (this.sftp) {
      output(STACK_OUTPUTS.sftpServerId, this.sftp.server.attrServerId, 'Transfer Family server id');
      output(STACK_OUTPUTS.sftpEndpoint, this.sftp.endpoint, 'SFTP host name for partners');
    }
  }

  /** cdk-nag findings that are accepted by design, each with its rule and reason. */
  private suppressAcceptedFindings(): void {
    for (const fn of Object.values(this.functions)) {
      Validations.of(fn.fn.node.defaultChild as CfnResource).acknowledge({
        id: 'AwsSolutions-L1',
        reason:
          'Node.js 22 is the runtime the team pins (DESIGN.md): code, tests and the SDK lock target it.',
      });
    }
  }
}
