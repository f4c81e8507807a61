/**
 * The local stand-in for Lambda: for every queue of `shared/resources.ts` it does what the SQS event
 * source mapping does — long-poll, batch up to `batchSize`, run at most `maxConcurrency` invocations,
 * call the SAME handler module Lambda calls, delete what succeeded (honouring `batchItemFailures`), and
 * leave failures to reappear after a visibility timeout and dead-letter through the queue's redrive
 * policy. The batches DLQ is drained by dead-batch, and the sweeper runs on a timer.
 *
 * The one liberty taken: a failed message is made visible again after `retryDelaySeconds` (default 1)
 * instead of the queue's full visibility timeout, so local retries take seconds, not half an hour. A
 * message whose handler chose its own delay (ChangeMessageVisibility through `SqsMessageVisibility`, e.g.
 * the aggregator's backoff of a pending notification) keeps that delay, as it does under Lambda.
 *
 * FIFO queues (the batches queue and its DLQ) — what is emulated, and what is not:
 * - One in-flight batch per message group: moto never returns a message of a group that has a message
 *   received and neither deleted nor visible again, and returns a group's messages in the order sent
 *   (test/integration/fifo-groups.test.ts). The runner adds what Lambda does on top: a receive that brings
 *   several groups becomes one invocation per group (run at once), never one invocation mixing groups.
 * - `fifoPollers` receives at a time (default 8, capped by `maxConcurrency`), each a short poll
 *   (`WaitTimeSeconds` 0) followed by a pause of up to `fifoIdleMs` while the queue yields nothing: moto
 *   answers a long poll of a FIFO queue whose visible messages all belong to busy groups by spinning while
 *   holding the interpreter (the emulator serves one request at a time), which would stall every other
 *   request for the whole wait.
 * - Not emulated: which free group SQS serves first (moto: the group of the oldest visible message; SQS
 *   documents no order), how Lambda scales its FIFO pollers (up to `maxConcurrency` 20 invocations; here at
 *   most `fifoPollers` receives, each running its groups), and the full visibility timeout of a failure
 *   (see above). So the local runner shows which batches may run together, not AWS's throughput.
 *
 * Handler modules build their clients from the environment when they are first imported, so the runner
 * sets the environment (endpoint, queue URLs, topic) before it imports them. One process talks to one
 * emulator: a second runner in the same process reuses the modules the first one imported.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { Context, ScheduledEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createLogger } from '../../shared/adapters/logger.js';
import { onMessageDelayed } from '../../shared/adapters/sqs-visibility.js';
import { queueUrlVariable } from '../../shared/config.js';
import {
  FUNCTION_TIMEOUT_SECONDS,
  type FunctionName,
  type QueueId,
  type Resources,
  resourcesFor,
  SWEEP_INTERVAL_MINUTES,
} from '../../shared/resources.js';
import { lambdaContext, sqsRecord } from './lambda-context.js';
import type { Provisioned } from './provision.js';

export { lambdaContext } from './lambda-context.js';

/** A handler as Lambda calls it for an SQS event source. */
export type SqsFunction = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | undefined>;
/** A handler as Lambda calls it for a schedule. */
export type ScheduledFunction = (event: ScheduledEvent, context: Context) => Promise<unknown>;

/** Where each function's handler lives, relative to this file (the same modules CDK bundles). */
const HANDLER_MODULES: Record<FunctionName, string> = {
  splitter: '../../functions/splitter/handler.js',
  processor: '../../functions/processor/handler.js',
  deadBatch: '../../functions/dead-batch/handler.js',
  aggregator: '../../functions/aggregator/handler.js',
  sweeper: '../../functions/sweeper/handler.js',
  sendingHealth: '../../functions/sending-health/handler.js',
  sendGate: '../../functions/send-gate/handler.js',
};

export class RunnerTimeoutError extends Error {
  constructor(waitedMs: number, pending: string) {
    super(`The pipeline was still busy after ${waitedMs} ms: ${pending}`);
    this.name = 'RunnerTimeoutError';
  }
}

export interface RunnerOptions {
  /** Emulator endpoint, e.g. `http://127.0.0.1:5000`. */
  readonly endpoint: string;
  /** What `provision()` created: queue URLs/ARNs and the topic. */
  readonly provisioned: Provisioned;
  /** @default loadConfig-compatible `resourcesFor(STAGE ?? 'local', RESOURCE_PREFIX, BUCKET_SUFFIX)` */
  readonly resources?: Resources;
  /** @default process.env.AWS_REGION ?? 'ap-northeast-1' */
  readonly region?: string;
  /** Pollers per queue, capped by the queue's `maxConcurrency` (2 cores do not need 20). @default 2 */
  readonly workersPerQueue?: number;
  /** Seconds a failed message stays invisible before its retry. @default 1 */
  readonly retryDelaySeconds?: number;
  /** Long-poll wait of each receive of a standard queue, seconds; also the longest `stop()` waits for a poller. @default 1 */
  readonly waitTimeSeconds?: number;
  /** Pollers of a FIFO queue (short polls), capped by the queue's `maxConcurrency`. @default 8 */
  readonly fifoPollers?: number;
  /** Longest pause of a FIFO poller between two empty receives, milliseconds. @default 200 */
  readonly fifoIdleMs?: number;
  /** Milliseconds between sweeper runs; 0 never runs it on a timer. @default SWEEP_INTERVAL_MINUTES */
  readonly sweepIntervalMs?: number;
  /** Functions whose queues are not consumed (e.g. `['sendingHealth']`). @default none */
  readonly disabled?: readonly FunctionName[];
  /** Replaces a handler module (tests: fault injection, fakes). */
  readonly handlers?: Partial<Record<FunctionName, SqsFunction | ScheduledFunction>>;
  /** Wraps a handler, e.g. to crash after the real handler ran once. */
  readonly wrap?: (name: FunctionName, handler: SqsFunction) => SqsFunction;
}

export interface RunnerStats {
  /** Invocations per function. */
  readonly invocations: Partial<Record<FunctionName, number>>;
  /** Messages whose invocation reported them failed, per function. */
  readonly failedMessages: Partial<Record<FunctionName, number>>;
}

export interface Runner {
  /** Stops polling, waits for invocations in flight, stops the sweeper timer. */
  stop(): Promise<void>;
  /**
   * Resolves when every consumed queue is empty (nothing visible, in flight or delayed) and no invocation is
   * running, twice in a row; rejects with RunnerTimeoutError after `timeoutMs`.
   */
  idle(opts?: { readonly timeoutMs?: number }): Promise<void>;
  /**
   * Runs the sweeper once, as the schedule does; `at` is the event's time (default now), so a test can fire
   * the schedule as it would run after the stall time without waiting for it.
   */
  sweep(at?: Date): Promise<void>;
  readonly stats: RunnerStats;
}

interface Consumer {
  readonly name: FunctionName;
  readonly queueId: QueueId;
  readonly url: string;
  readonly arn: string;
  readonly batchSize: number;
  readonly workers: number;
  /** A FIFO queue: short polls, one invocation per message group. */
  readonly fifo: boolean;
}

function consumersOf(resources: Resources, provisioned: Provisioned, opts: RunnerOptions): Consumer[] {
  const disabled = new Set(opts.disabled ?? []);
  const consumers: Consumer[] = [];
  for (const queueId of Object.keys(resources.queues) as QueueId[]) {
    const def = resources.queues[queueId];
    const queue = provisioned.queues[queueId];
    const perQueue = def.fifo ? (opts.fifoPollers ?? 8) : (opts.workersPerQueue ?? 2);
    consumers.push({
      name: def.consumer,
      queueId,
      url: queue.url,
      arn: queue.arn,
      batchSize: def.batchSize,
      workers: Math.min(def.maxConcurrency, perQueue),
      fifo: def.fifo,
    });
    const drain = def.deadLetter.drain;
    if (drain) {
      consumers.push({
        name: drain.consumer,
        queueId,
        url: queue.dlqUrl,
        arn: queue.dlqArn,
        batchSize: drain.batchSize,
        workers: Math.min(drain.maxConcurrency, perQueue),
        fifo: def.fifo,
      });
    }
  }
  return consumers.filter((c) => !disabled.has(c.name));
}

/** The environment the handler modules read through `loadConfig()`. */
function exportEnvironment(endpoint: string, region: string, provisioned: Provisioned): void {
  process.env.AWS_ENDPOINT_URL = endpoint;
  process.env.AWS_REGION = region;
  for (const id of Object.keys(provisioned.queues) as QueueId[]) {
    process.env[queueUrlVariable(id)] = provisioned.queues[id].url;
  }
  process.env.TOPIC_ARN_NOTIFICATIONS = provisioned.topics.notifications;
  process.env.TOPIC_ARN_ALARMS = provisioned.topics.alarms;
}

/** The handler of a function, or undefined when its module does not exist (yet) in this checkout. */
async function loadHandler<T>(name: FunctionName, override: unknown): Promise<T | undefined> {
  if (override) return override as T;
  const url = new URL(HANDLER_MODULES[name], import.meta.url);
  const path = fileURLToPath(url);
  if (!existsSync(path) && !existsSync(path.replace(/\.js$/, '.ts'))) return undefined;
  const mod = (await import(url.href)) as { handler?: T };
  if (typeof mod.handler !== 'function') throw new Error(`${url.pathname} exports no handler function`);
  return mod.handler;
}

/** Ten at a time, as the batch APIs require. */
function tens<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += 10) out.push(items.slice(i, i + 10));
  return out;
}

/**
 * Starts consuming every queue with the real handlers.
 *
 * @example
 * const runner = await startRunner({ endpoint: emulator.endpoint, provisioned });
 * await s3.send(new PutObjectCommand({ Bucket, Key: 'incoming/acme/line/phone/a.csv', Body }));
 * await runner.idle();
 * await runner.stop();
 */
export async function startRunner(opts: RunnerOptions): Promise<Runner> {
  const region = opts.region ?? process.env.AWS_REGION ?? 'ap-northeast-1';
  exportEnvironment(opts.endpoint, region, opts.provisioned);
  const resources =
    opts.resources ??
    resourcesFor(
      process.env.STAGE ?? 'local',
      process.env.RESOURCE_PREFIX ?? 'contact-import',
      process.env.BUCKET_SUFFIX ?? '',
    );
  const logger = createLogger('local-runner');
  const sqs = new SQSClient({
    region,
    endpoint: opts.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  const handlers = new Map<FunctionName, SqsFunction>();
  const consumers: Consumer[] = [];
  for (const consumer of consumersOf(resources, opts.provisioned, opts)) {
    if (!handlers.has(consumer.name)) {
      const handler = await loadHandler<SqsFunction>(consumer.name, opts.handlers?.[consumer.name]);
      if (!handler) {
        logger.warn('no handler module; its queue is not consumed', { function: consumer.name });
        continue;
      }
      handlers.set(consumer.name, opts.wrap ? opts.wrap(consumer.name, handler) : handler);
    }
    consumers.push(consumer);
  }
  const sweeper = opts.disabled?.includes('sweeper')
    ? undefined
    : await loadHandler<ScheduledFunction>('sweeper', opts.handlers?.sweeper);

  const stats = { invocations: {}, failedMessages: {} } as {
    invocations: Partial<Record<FunctionName, number>>;
    failedMessages: Partial<Record<FunctionName, number>>;
  };
  const count = (table: Partial<Record<FunctionName, number>>, name: FunctionName, n: number) => {
    table[name] = (table[name] ?? 0) + n;
  };
  let inFlight = 0;
  let stopping = false;
  // Receipt handles whose handler set their visibility itself: not released after a failure.
  const delayedByHandler = new Set<string>();
  const stopListening = onMessageDelayed((receiptHandle) => delayedByHandler.add(receiptHandle));

  async function release(consumer: Consumer, messages: readonly Message[], delaySeconds: number) {
    for (const group of tens(messages)) {
      await sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: consumer.url,
          Entries: group.map((m, i) => ({
            Id: String(i),
            ReceiptHandle: m.ReceiptHandle ?? '',
            VisibilityTimeout: delaySeconds,
          })),
        }),
      );
    }
  }

  async function invoke(consumer: Consumer, messages: readonly Message[]): Promise<void> {
    const handler = handlers.get(consumer.name) as SqsFunction;
    const event: SQSEvent = { Records: messages.map((m) => sqsRecord(m, consumer.arn, region)) };
    const ids = new Set(event.Records.map((r) => r.messageId));
    let failed: Set<string>;
    count(stats.invocations, consumer.name, 1);
    try {
      const context = lambdaContext(consumer.name, FUNCTION_TIMEOUT_SECONDS[consumer.name], region);
      const response = await handler(event, context);
      failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
      // Lambda fails the whole batch when a reported identifier is not one of its messages.
      if ([...failed].some((id) => !ids.has(id))) failed = ids;
    } catch (err) {
      logger.warn('invocation failed; the whole batch will be retried', {
        function: consumer.name,
        messages: ids.size,
        error: err as Error,
      });
      failed = ids;
    }
    const succeeded = messages.filter((m) => !failed.has(m.MessageId ?? ''));
    for (const group of tens(succeeded)) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: consumer.url,
          Entries: group.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
        }),
      );
    }
    const retried = messages.filter((m) => failed.has(m.MessageId ?? ''));
    if (retried.length > 0) count(stats.failedMessages, consumer.name, retried.length);
    const released = retried.filter((m) => !delayedByHandler.has(m.ReceiptHandle ?? ''));
    for (const m of messages) delayedByHandler.delete(m.ReceiptHandle ?? '');
    if (released.length > 0) await release(consumer, released, opts.retryDelaySeconds ?? 1);
  }

  /** Lambda hands a FIFO queue's messages to a function one message group at a time. */
  function invocationsOf(consumer: Consumer, messages: readonly Message[]): Message[][] {
    if (!consumer.fifo) return [[...messages]];
    const groups = new Map<string, Message[]>();
    for (const message of messages) {
      const group = message.Attributes?.MessageGroupId ?? '';
      const list = groups.get(group);
      if (list) list.push(message);
      else groups.set(group, [message]);
    }
    return [...groups.values()];
  }

  const fifoIdleMs = opts.fifoIdleMs ?? 200;

  async function poll(consumer: Consumer): Promise<void> {
    let emptyReceives = 0;
    while (!stopping) {
      let messages: Message[];
      try {
        const res = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: consumer.url,
            MaxNumberOfMessages: consumer.batchSize,
            WaitTimeSeconds: consumer.fifo ? 0 : (opts.waitTimeSeconds ?? 1),
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
        );
        messages = res.Messages ?? [];
      } catch (err) {
        if (stopping) return;
        logger.error('receiving failed', { queue: consumer.url, error: err as Error });
        await sleep(500);
        continue;
      }
      if (messages.length === 0) {
        // A short poll came back empty: wait 50, 100, then 200 ms before the next.
        emptyReceives = Math.min(emptyReceives + 1, 8);
        if (consumer.fifo) await sleep(Math.min(fifoIdleMs, 25 * 2 ** emptyReceives));
        continue;
      }
      emptyReceives = 0;
      if (stopping) {
        await release(consumer, messages, 0);
        return;
      }
      const invocations = invocationsOf(consumer, messages);
      inFlight += invocations.length;
      await Promise.all(
        invocations.map(async (batch) => {
          try {
            await invoke(consumer, batch);
          } catch (err) {
            // While stopping, the emulator may already be gone (a benchmark resets it under running work).
            const log = stopping ? logger.warn : logger.error;
            log.call(logger, 'acknowledging failed', { function: consumer.name, error: err as Error });
          } finally {
            inFlight -= 1;
          }
        }),
      );
    }
  }

  let sweeping: Promise<void> | undefined;
  function sweep(at: Date = new Date()): Promise<void> {
    sweeping ??= (async () => {
      inFlight += 1;
      try {
        const event: ScheduledEvent = {
          version: '0',
          id: randomUUID(),
          'detail-type': 'Scheduled Event',
          source: 'aws.events',
          account: '000000000000',
          time: at.toISOString(),
          region,
          resources: [],
          detail: {},
        };
        await sweeper?.(event, lambdaContext('sweeper', FUNCTION_TIMEOUT_SECONDS.sweeper, region));
      } finally {
        inFlight -= 1;
        sweeping = undefined;
      }
    })();
    return sweeping;
  }

  const pollers = consumers.flatMap((c) => Array.from({ length: c.workers }, () => poll(c)));
  const sweepEvery = opts.sweepIntervalMs ?? SWEEP_INTERVAL_MINUTES * 60_000;
  const timer =
    sweepEvery > 0
      ? setInterval(() => {
          sweep().catch((err: Error) => logger.error('sweeper run failed', { error: err }));
        }, sweepEvery)
      : undefined;
  timer?.unref();

  async function depth(consumer: Consumer): Promise<number> {
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: consumer.url,
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
        ],
      }),
    );
    return (
      Number(Attributes.ApproximateNumberOfMessages ?? 0) +
      Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0) +
      Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0)
    );
  }

  async function pending(): Promise<string[]> {
    const depths = await Promise.all(consumers.map(async (c) => [c, await depth(c)] as const));
    const busy = depths.filter(([, n]) => n > 0).map(([c, n]) => `${n} message(s) for ${c.name}`);
    return inFlight > 0 ? [...busy, `${inFlight} invocation(s) running`] : busy;
  }

  return {
    stats,
    sweep,
    async idle({ timeoutMs = 120_000 } = {}) {
      const started = Date.now();
      let quiet = 0;
      for (;;) {
        const busy = await pending();
        quiet = busy.length === 0 ? quiet + 1 : 0;
        if (quiet >= 2) return;
        if (Date.now() - started > timeoutMs) throw new RunnerTimeoutError(timeoutMs, busy.join(', '));
        await sleep(100);
      }
    },
    async stop() {
      stopping = true;
      stopListening();
      if (timer) clearInterval(timer);
      await Promise.all(pollers);
      await sweeping?.catch(() => undefined);
      sqs.destroy();
    },
  };
}
