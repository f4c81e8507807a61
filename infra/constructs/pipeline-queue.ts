/**
 * A pipeline queue and its dead-letter queue, both built from one `QueueDefinition` of
 * `shared/resources.ts`: encrypted (SSE-SQS), TLS only, FIFO in high-throughput mode when FIFO. A
 * dead-letter queue a function drains is an event source too, so it gets a dead-letter queue of its own.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  FUNCTION_TIMEOUT_SECONDS,
  MAX_RECEIVE_COUNT,
  type QueueDefinition,
  VISIBILITY_TIMEOUT_FACTOR,
} from '../../shared/resources.js';
import { InvalidPropsError } from '../errors.js';

export interface PipelineQueueProps {
  /** Name and settings of the queue and of its dead-letter queue. */
  readonly definition: QueueDefinition;
  /**
   * What happens to both queues when the stack is deleted.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

function validate(def: QueueDefinition): void {
  const targets = [def.deadLetter, ...(def.deadLetter.drain ? [def.deadLetter.drain.deadLetter] : [])];
  for (const target of targets) {
    if (target.maxReceiveCount < MAX_RECEIVE_COUNT) {
      throw new InvalidPropsError(
        `queue ${def.name} (dead letters to ${target.name}): maxReceiveCount must be at least ${MAX_RECEIVE_COUNT}, got ${target.maxReceiveCount}`,
      );
    }
  }
  const least = FUNCTION_TIMEOUT_SECONDS[def.consumer] * VISIBILITY_TIMEOUT_FACTOR;
  if (def.visibilityTimeoutSeconds < least) {
    throw new InvalidPropsError(
      `queue ${def.name}: visibility timeout must be at least ${least}s (${VISIBILITY_TIMEOUT_FACTOR} × the ${def.consumer} timeout), got ${def.visibilityTimeoutSeconds}s`,
    );
  }
  for (const name of [def.name, ...targets.map((t) => t.name)]) {
    if (name.endsWith('.fifo') !== def.fifo) {
      throw new InvalidPropsError(`queue name "${name}" must end in .fifo exactly when the queue is FIFO`);
    }
  }
}

/**
 * @example
 * const batches = new PipelineQueue(this, 'Batches', { definition: resources.queues.batches });
 * batches.consumeWith(processor.fn);
 */
export class PipelineQueue extends Construct {
  readonly definition: QueueDefinition;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  /** Where the dead-letter queue's drain puts what it cannot handle; only when the definition has a drain. */
  readonly drainDeadLetterQueue: sqs.Queue | undefined;

  constructor(scope: Construct, id: string, props: PipelineQueueProps) {
    super(scope, id);
    const def = props.definition;
    validate(def);
    this.definition = def;
    const fifo = def.fifo ? true : undefined;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.DESTROY;
    const drain = def.deadLetter.drain;

    this.drainDeadLetterQueue = drain
      ? new sqs.Queue(this, 'DrainDeadLetterQueue', {
          queueName: drain.deadLetter.name,
          fifo,
          encryption: sqs.QueueEncryption.SQS_MANAGED,
          enforceSSL: true,
          retentionPeriod: Duration.seconds(drain.deadLetter.retentionSeconds),
          removalPolicy,
        })
      : undefined;
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      queueName: def.deadLetter.name,
      fifo,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.seconds(def.deadLetter.retentionSeconds),
      visibilityTimeout: drain ? Duration.seconds(drain.visibilityTimeoutSeconds) : undefined,
      deadLetterQueue:
        drain && this.drainDeadLetterQueue
          ? { queue: this.drainDeadLetterQueue, maxReceiveCount: drain.deadLetter.maxReceiveCount }
          : undefined,
      removalPolicy,
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      queueName: def.name,
      fifo,
      // High-throughput FIFO: deduplication and throughput are counted per message group (partition).
      deduplicationScope: def.fifo ? sqs.DeduplicationScope.MESSAGE_GROUP : undefined,
      fifoThroughputLimit: def.fifo ? sqs.FifoThroughputLimit.PER_MESSAGE_GROUP_ID : undefined,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(def.visibilityTimeoutSeconds),
      retentionPeriod: Duration.seconds(def.retentionSeconds),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: def.deadLetter.maxReceiveCount },
      removalPolicy,
    });
  }

  /** Makes `fn` the consumer of the queue, with the batch size and concurrency of the definition. */
  consumeWith(fn: IFunction): void {
    fn.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: this.definition.batchSize,
        maxConcurrency: this.definition.maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );
  }

  /** Makes `fn` the consumer of the dead-letter queue, as the definition's drain says. */
  drainWith(fn: IFunction): void {
    const drain = this.definition.deadLetter.drain;
    if (!drain) {
      throw new InvalidPropsError(`queue ${this.definition.name} has no dead-letter drain in resources.ts`);
    }
    fn.addEventSource(
      new SqsEventSource(this.deadLetterQueue, {
        batchSize: drain.batchSize,
        maxConcurrency: drain.maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );
  }
}
