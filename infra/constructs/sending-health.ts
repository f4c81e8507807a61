/**
 * Sending health (RULES §8) as one construct: SES events of an (optional) configuration set go to the
 * feedback topic, which delivers them raw to the feedback queue (with its dead-letter queue), consumed by
 * the sending-health function. The function may read and write the contacts table and publish to the
 * notifications topic, nothing else. Alarms watch the queues it creates and the function.
 */
import { type CfnResource, type Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { Resources } from '../../shared/resources.js';
import { InvalidPropsError } from '../errors.js';
import { allowPublish } from '../permissions.js';
import { PipelineAlarms } from './pipeline-alarms.js';
import { type PipelineEnvironment, PipelineFunction, type PowertoolsLogLevel } from './pipeline-function.js';
import { PipelineQueue } from './pipeline-queue.js';
import type { PipelineTable } from './pipeline-table.js';

/** The handler module, relative to the repository root. */
export const SENDING_HEALTH_ENTRY = 'functions/sending-health/handler.ts';

/**
 * What the function does on the contacts table: find contacts by identity (Get, BatchGet), write them with
 * optimistic locking and claims (Put, Update), count events in transactions (Put, Update, condition
 * checks), read the hourly buckets (Query) and the workspace settings item (Get). No Scan, no Delete.
 */
export const SENDING_HEALTH_TABLE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
] as const;

/** The SES events sending health consumes (deliveries, opens, clicks would only cost money). */
export const SENDING_HEALTH_SES_EVENTS = [
  ses.EmailSendingEvent.SEND,
  ses.EmailSendingEvent.BOUNCE,
  ses.EmailSendingEvent.COMPLAINT,
] as const;

/** SES configuration set names: letters, digits, `_` and `-`, at most 64. */
const CONFIGURATION_SET_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export interface SendingHealthProps {
  /** Names and settings of `shared/resources.ts`: the feedback queue and topic. */
  readonly resources: Resources;
  /** What the function reads from its environment (the stack's pipeline environment). */
  readonly environment: PipelineEnvironment;
  /** Contacts, the identity index, the hourly counts and the workspace flag live here. */
  readonly contactsTable: PipelineTable;
  /** Receives `sending_suspended` / `sending_reinstated`; must be encrypted with a KMS key. */
  readonly notificationsTopic: sns.Topic;
  /** Receives every alarm of this construct. */
  readonly alarmTopic: sns.ITopic;
  /**
   * The feedback topic and queue, when the stack has created them already (it then also subscribes the
   * queue and watches it).
   * @default - both are created here from `resources`, the queue subscribed raw and watched
   */
  readonly feedback?: { readonly topic: sns.Topic; readonly queue: PipelineQueue };
  /**
   * Encrypts the feedback topic created here.
   * @default - a new customer-managed key with rotation
   */
  readonly topicKey?: kms.Key;
  /**
   * An existing SES configuration set whose send, bounce and complaint events go to the feedback topic
   * (context `sesConfigurationSet`). Every EDM sent with it must carry the message tag `workspace`.
   * @default - no SES events are connected
   */
  readonly sesConfigurationSet?: string;
  /**
   * Powertools log level of the function.
   * @default 'INFO'
   */
  readonly logLevel?: PowertoolsLogLevel;
  /**
   * What happens to the queues, the key and the log group when the stack is deleted.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Age of the feedback queue's oldest message that raises an alarm.
   * @default Duration.hours(1)
   */
  readonly maxMessageAge?: Duration;
}

function checkProps(props: SendingHealthProps): void {
  const consumer = props.resources.queues.feedback.consumer;
  if (consumer !== 'sendingHealth') {
    throw new InvalidPropsError(`the feedback queue must be consumed by sendingHealth, got "${consumer}"`);
  }
  if (!props.notificationsTopic.masterKey) {
    throw new InvalidPropsError(
      `notificationsTopic ${props.notificationsTopic.node.path} must be encrypted with a KMS key (masterKey)`,
    );
  }
  const name = props.sesConfigurationSet;
  if (name !== undefined && !CONFIGURATION_SET_NAME.test(name)) {
    throw new InvalidPropsError(
      `sesConfigurationSet must be 1-64 letters, digits, "_" or "-", got "${name}"`,
    );
  }
}

/**
 * @example
 * new SendingHealth(this, 'SendingHealth', {
 *   resources, environment, contactsTable: tables.contacts,
 *   notificationsTopic: topics.notifications, alarmTopic: topics.alarms,
 *   sesConfigurationSet: context.sesConfigurationSet,
 * });
 */
export class SendingHealth extends Construct {
  readonly feedbackTopic: sns.Topic;
  readonly feedbackQueue: PipelineQueue;
  readonly function: PipelineFunction;
  readonly alarms: PipelineAlarms;
  /** Present when a configuration set was given. */
  readonly eventDestination: ses.ConfigurationSetEventDestination | undefined;

  constructor(scope: Construct, id: string, props: SendingHealthProps) {
    super(scope, id);
    checkProps(props);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.DESTROY;
    const { resources, environment } = props;
    const namePrefix = `${environment.resourcePrefix}-${environment.stage}`;
    this.alarms = new PipelineAlarms(this, 'Alarms', {
      topic: props.alarmTopic,
      namePrefix,
      maxMessageAge: props.maxMessageAge,
    });

    if (props.feedback) {
      this.feedbackTopic = props.feedback.topic;
      this.feedbackQueue = props.feedback.queue;
    } else {
      const key =
        props.topicKey ??
        new kms.Key(this, 'FeedbackTopicKey', {
          alias: `alias/${namePrefix}-ses-feedback`,
          description: `Encrypts the ${namePrefix} SES feedback topic`,
          enableKeyRotation: true,
          removalPolicy,
        });
      this.feedbackTopic = new sns.Topic(this, 'FeedbackTopic', {
        topicName: resources.topics.feedback.name,
        masterKey: key,
        enforceSSL: true,
      });
      this.feedbackQueue = new PipelineQueue(this, 'FeedbackQueue', {
        definition: resources.queues.feedback,
        removalPolicy,
      });
      this.feedbackTopic.addSubscription(
        new subscriptions.SqsSubscription(this.feedbackQueue.queue, { rawMessageDelivery: true }),
      );
      this.alarms.watchPipelineQueue('feedback', this.feedbackQueue);
    }

    this.function = new PipelineFunction(this, 'Function', {
      name: 'sendingHealth',
      entry: SENDING_HEALTH_ENTRY,
      memorySize: 512,
      environment,
      logLevel: props.logLevel,
      logRemovalPolicy: removalPolicy,
    });
    Validations.of(this.function.fn.node.defaultChild as CfnResource).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'Node.js 22 is the runtime the team pins (DESIGN.md): code, tests and the SDK lock target it.',
    });
    this.feedbackQueue.consumeWith(this.function.fn);
    this.grantAccess(props);
    this.alarms.watchFunction('sendingHealth', this.function.fn);

    this.eventDestination = props.sesConfigurationSet
      ? this.connectSes(props.sesConfigurationSet)
      : undefined;
  }

  private grantAccess(props: SendingHealthProps): void {
    const role = this.function.role;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [...SENDING_HEALTH_TABLE_ACTIONS],
        resources: [props.contactsTable.table.tableArn],
      }),
    );
    allowPublish(role, props.notificationsTopic, props.notificationsTopic.masterKey as kms.IKey);
  }

  /** SES publishes the configuration set's events to the feedback topic (and may use its key). */
  private connectSes(configurationSetName: string): ses.ConfigurationSetEventDestination {
    const key = this.feedbackTopic.masterKey;
    const statement = new iam.PolicyStatement({
      sid: 'SendingHealthSesUsesKey',
      principals: [new iam.ServicePrincipal('ses.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
    });
    if (!key?.addToResourcePolicy(statement).statementAdded) {
      throw new InvalidPropsError(
        `the feedback topic ${this.feedbackTopic.node.path} must be encrypted with a KMS key of this app, so SES may be allowed to use it`,
      );
    }
    return new ses.ConfigurationSetEventDestination(this, 'SesEvents', {
      configurationSet: ses.ConfigurationSet.fromConfigurationSetName(
        this,
        'SesConfigurationSet',
        configurationSetName,
      ),
      destination: ses.EventDestination.snsTopic(this.feedbackTopic),
      events: [...SENDING_HEALTH_SES_EVENTS],
    });
  }
}
