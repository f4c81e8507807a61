/**
 * The alarms an operator needs: a dead letter exists, a queue is falling behind, a function fails.
 * Every alarm notifies the alarm topic (and says when it is OK again).
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { InvalidPropsError } from '../errors.js';
import type { PipelineQueue } from './pipeline-queue.js';

export interface PipelineAlarmsProps {
  /** Where every alarm goes. */
  readonly topic: sns.ITopic;
  /** Prefix of every alarm name, e.g. `contact-import-prod`. */
  readonly namePrefix: string;
  /**
   * Age of a queue's oldest message that means the pipeline is falling behind.
   * @default Duration.hours(1)
   */
  readonly maxMessageAge?: Duration;
}

/**
 * @example
 * const alarms = new PipelineAlarms(this, 'Alarms', { topic: alarmTopic, namePrefix: 'contact-import-prod' });
 * alarms.watchPipelineQueue('batches', batchesQueue);
 * alarms.watchFunction('splitter', splitter.fn);
 */
export class PipelineAlarms extends Construct {
  private readonly action: SnsAction;
  private readonly namePrefix: string;
  private readonly maxMessageAge: Duration;

  constructor(scope: Construct, id: string, props: PipelineAlarmsProps) {
    super(scope, id);
    this.action = new SnsAction(props.topic);
    this.namePrefix = props.namePrefix;
    this.maxMessageAge = props.maxMessageAge ?? Duration.hours(1);
    if (this.maxMessageAge.toSeconds() < 60) {
      throw new InvalidPropsError(`maxMessageAge must be at least 60 seconds, got ${this.maxMessageAge}`);
    }
  }

  /** Alarms when a dead letter exists and when the queue's oldest waiting message is too old. */
  watchQueue(name: string, queue: sqs.IQueue, deadLetterQueue: sqs.IQueue): void {
    this.watchDeadLetters(name, deadLetterQueue);
    this.alarm(`${name}-oldest-message`, {
      metric: queue.metricApproximateAgeOfOldestMessage({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      threshold: this.maxMessageAge.toSeconds(),
      description: `The oldest message of the ${name} queue is older than ${this.maxMessageAge.toHumanString()}: the pipeline is falling behind.`,
    });
  }

  /** `watchQueue` for a pipeline queue, and its drain's dead letters when its dead-letter queue is drained. */
  watchPipelineQueue(name: string, queue: PipelineQueue): void {
    this.watchQueue(name, queue.queue, queue.deadLetterQueue);
    if (queue.drainDeadLetterQueue) this.watchDeadLetters(`${name}-drain`, queue.drainDeadLetterQueue);
  }

  /**
   * Alarms when a message is visible in a dead-letter queue. `name` names the queue the letters died in
   * (`batches`, or `batches-drain` for what the dead-batch drain of the batches DLQ could not handle).
   */
  watchDeadLetters(name: string, deadLetterQueue: sqs.IQueue): void {
    this.alarm(`${name}-dlq-depth`, {
      metric: deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      threshold: 0,
      description: `Messages are waiting in the ${name} dead-letter queue: inspect and redrive them (README, dead letters).`,
    });
  }

  /** Alarms when a function invocation fails. */
  watchFunction(name: string, fn: lambda.IFunction): void {
    this.alarm(`${name}-errors`, {
      metric: fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 0,
      description: `The ${name} function failed; its log group says why.`,
    });
  }

  private alarm(name: string, opts: { metric: cloudwatch.IMetric; threshold: number; description: string }) {
    const alarm = new cloudwatch.Alarm(this, name, {
      alarmName: `${this.namePrefix}-${name}`,
      alarmDescription: opts.description,
      metric: opts.metric,
      threshold: opts.threshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(this.action);
    alarm.addOkAction(this.action);
  }
}
