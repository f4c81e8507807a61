import type {
  Message,
  SendMessageBatchCommandInput,
  SendMessageBatchCommandOutput,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import { createClients, destroyClients } from '../../../shared/adapters/clients.js';
import { SqsSender } from '../../../shared/adapters/sqs-sender.js';
import { useEmulator } from '../../helpers/emulator.js';
import { drain as drainQueue } from '../../helpers/split/queues.js';

const env = useEmulator();
const made: ReturnType<typeof createClients>[] = [];

afterEach(() => {
  for (const clients of made.splice(0)) destroyClients(clients);
});

/** A client of its own, so that a fault injected into it stays in the test. */
function ownClient(): SQSClient {
  const clients = createClients(env.config.aws);
  made.push(clients);
  return clients.sqs;
}

/**
 * Makes SQS report one entry of the first SendMessageBatch as `Failed`: the entry is taken out of the
 * request before it is sent, and a failure is added to the response, as when SQS fails an entry.
 */
function failFirstEntryOnce(sqs: SQSClient, index: number): void {
  let injected = false;
  sqs.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as SendMessageBatchCommandInput;
      if (injected || !input.Entries) return next(args);
      injected = true;
      const dropped = input.Entries[index];
      const result = await next({
        ...args,
        input: { ...input, Entries: input.Entries.filter((_, i) => i !== index) },
      });
      const output = result.output as SendMessageBatchCommandOutput;
      output.Failed = [
        ...(output.Failed ?? []),
        { Id: dropped?.Id, Code: 'InternalError', SenderFault: false },
      ];
      return result;
    },
    { step: 'initialize', name: 'failFirstEntryOnce' },
  );
}

const drain = (queueUrl: string, count: number, polls?: number) =>
  drainQueue(env.clients.sqs, queueUrl, count, polls);

function byGroup(messages: Message[]): Record<string, string[]> {
  const groups: Record<string, string[]> = {};
  for (const m of messages) {
    const group = m.Attributes?.MessageGroupId ?? '';
    groups[group] = [...(groups[group] ?? []), m.Body ?? ''];
  }
  return groups;
}

describe('Class: SqsSender (emulator)', () => {
  it('delivers FIFO messages in order per group, each once', async () => {
    // Prepare
    const queue = env.provisioned.queues.batches.url;
    const messages = Array.from({ length: 25 }, (_, i) => ({
      body: `g${i % 3}-${i}`,
      groupId: `imp#${i % 3}`,
      deduplicationId: `imp#${i}`,
    }));

    // Act
    await new SqsSender(ownClient(), queue).send(messages);

    // Assess
    const received = await drain(queue, 25);
    expect(received).toHaveLength(25);
    expect(byGroup(received)).toEqual({
      'imp#0': messages.filter((_, i) => i % 3 === 0).map((m) => m.body),
      'imp#1': messages.filter((_, i) => i % 3 === 1).map((m) => m.body),
      'imp#2': messages.filter((_, i) => i % 3 === 2).map((m) => m.body),
    });
  });

  it('retries an entry SQS failed, and the group keeps its order', async () => {
    // Prepare
    const queue = env.provisioned.queues.batches.url;
    const sqs = ownClient();
    failFirstEntryOnce(sqs, 1);
    const messages = Array.from({ length: 6 }, (_, i) => ({
      body: `m${i}`,
      groupId: `retry#${i % 2}`,
      deduplicationId: `retry#${i}`,
    }));

    // Act
    await new SqsSender(sqs, queue, { baseDelayMs: 1 }).send(messages);

    // Assess
    const received = await drain(queue, 6);
    expect(byGroup(received)).toEqual({ 'retry#0': ['m0', 'm2', 'm4'], 'retry#1': ['m1', 'm3', 'm5'] });
  });

  it('lets the FIFO queue drop a batch sent again with the same deduplication id', async () => {
    const queue = env.provisioned.queues.batches.url;
    const sender = new SqsSender(ownClient(), queue);
    const batch = [{ body: 'once', groupId: 'dedup#0', deduplicationId: 'dedup#1' }];

    await sender.send(batch);
    await sender.send(batch);

    expect((await drain(queue, 2, 3)).map((m) => m.Body)).toEqual(['once']);
  });
});
