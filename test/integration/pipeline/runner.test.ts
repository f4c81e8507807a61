import { SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Runner, type SqsFunction, startRunner } from '../../../infra/local/runner.js';
import { useEmulator } from '../../helpers/emulator.js';

const env = useEmulator();

interface Seen {
  readonly body: string;
  readonly group: string | undefined;
  readonly receiveCount: number;
  readonly arn: string;
  readonly remainingMs: number;
}

const seen: Record<string, Seen[]> = { processor: [], deadBatch: [], aggregator: [] };
/** The bodies of each processor invocation. */
const invocations: string[][] = [];
/** Bodies the fake processor fails once, and bodies it always fails. */
const failOnce = new Set<string>();
const alwaysFail = new Set<string>();

function recorder(name: string, decide: (r: SQSRecord) => boolean): SqsFunction {
  return async (event: SQSEvent, context): Promise<SQSBatchResponse> => {
    const failures: { itemIdentifier: string }[] = [];
    if (name === 'processor') invocations.push(event.Records.map((r) => r.body));
    for (const r of event.Records) {
      seen[name]?.push({
        body: r.body,
        group: r.attributes.MessageGroupId,
        receiveCount: Number(r.attributes.ApproximateReceiveCount),
        arn: r.eventSourceARN,
        remainingMs: context.getRemainingTimeInMillis(),
      });
      if (!decide(r)) failures.push({ itemIdentifier: r.messageId });
    }
    return { batchItemFailures: failures };
  };
}

let runner: Runner;

beforeAll(async () => {
  runner = await startRunner({
    endpoint: env.config.aws.endpoint as string,
    provisioned: env.provisioned,
    sweepIntervalMs: 0,
    disabled: ['splitter', 'sendingHealth', 'sweeper'],
    handlers: {
      processor: recorder('processor', (r) => {
        if (alwaysFail.has(r.body)) return false;
        if (failOnce.delete(r.body)) return false;
        return true;
      }),
      deadBatch: recorder('deadBatch', () => true),
      aggregator: recorder('aggregator', () => true),
    },
  });
});

afterAll(async () => {
  await runner?.stop();
});

async function sendBatch(body: string, group: string) {
  await env.clients.sqs.send(
    new SendMessageCommand({
      QueueUrl: env.provisioned.queues.batches.url,
      MessageBody: body,
      MessageGroupId: group,
      MessageDeduplicationId: body,
    }),
  );
}

describe('Local runner', () => {
  it('hands each record with its FIFO attributes, queue ARN and a Lambda context to the handler', async () => {
    // Act
    await sendBatch('a-1', 'g1');
    await runner.idle();

    // Assess
    const record = seen.processor?.find((s) => s.body === 'a-1');
    expect(record).toMatchObject({ group: 'g1', receiveCount: 1, arn: env.provisioned.queues.batches.arn });
    expect(record?.remainingMs).toBeGreaterThan(100_000);
  });

  it('hands a FIFO queue to the handler one message group at a time, in the order sent', async () => {
    // Prepare
    const sent = [
      ['m-1', 'gm1'],
      ['n-1', 'gm2'],
      ['m-2', 'gm1'],
      ['n-2', 'gm2'],
    ] as const;

    // Act
    await env.clients.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: env.provisioned.queues.batches.url,
        Entries: sent.map(([body, group], i) => ({
          Id: String(i),
          MessageBody: body,
          MessageGroupId: group,
          MessageDeduplicationId: body,
        })),
      }),
    );
    await runner.idle();

    // Assess
    const ofGroups = invocations.filter((bodies) => bodies.some((b) => /^[mn]-/.test(b)));
    for (const bodies of ofGroups) expect(new Set(bodies.map((b) => b[0])).size).toBe(1);
    expect(ofGroups.flat().filter((b) => b.startsWith('m-'))).toEqual(['m-1', 'm-2']);
    expect(ofGroups.flat().filter((b) => b.startsWith('n-'))).toEqual(['n-1', 'n-2']);
  });

  it('deletes what succeeded and delivers only the reported failure again', async () => {
    // Prepare
    failOnce.add('b-1');

    // Act
    for (const body of ['b-1', 'b-2', 'b-3']) await sendBatch(body, 'g2');
    await runner.idle();

    // Assess
    const deliveries = (body: string) =>
      (seen.processor ?? []).filter((s) => s.body === body).map((s) => s.receiveCount);
    expect(deliveries('b-1')).toEqual([1, 2]);
    expect(deliveries('b-2')).toEqual([1]);
    expect(deliveries('b-3')).toEqual([1]);
  });

  it('dead-letters a message that fails every receive and drains it to dead-batch', async () => {
    // Prepare
    alwaysFail.add('poison');

    // Act
    await sendBatch('poison', 'g3');
    await runner.idle();

    // Assess
    const attempts = (seen.processor ?? []).filter((s) => s.body === 'poison');
    expect(attempts.map((a) => a.receiveCount)).toEqual([1, 2, 3, 4, 5]);
    expect(seen.deadBatch?.map((s) => s.body)).toEqual(['poison']);
    expect(seen.deadBatch?.[0]?.arn).toBe(env.provisioned.queues.batches.dlqArn);
  });

  it('consumes the aggregate queue with its own handler', async () => {
    await env.clients.sqs.send(
      new SendMessageCommand({ QueueUrl: env.provisioned.queues.aggregate.url, MessageBody: 'agg' }),
    );

    await runner.idle();

    expect(seen.aggregator?.map((s) => s.body)).toEqual(['agg']);
  });
});
