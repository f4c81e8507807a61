import {
  DynamoDBClient,
  ProvisionedThroughputExceededException,
  ThrottlingException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import type { AwsConfig } from '../../../shared/config.js';

/** What one intercepted call does instead of (or on top of) reaching the emulator. */
export type Fault =
  | { readonly throw: Error }
  /** BatchGetItem / BatchWriteItem: send only the first `process` requests, report the rest unprocessed. */
  | { readonly process: number };

export interface FaultLog {
  /** Calls per command name (e.g. `BatchGetItemCommand`), faulty or not. */
  readonly calls: Map<string, number>;
}

/** A DynamoDB client of its own (so faults stay out of the shared one), pointing at the emulator. */
export function emulatorDynamoClient(aws: AwsConfig): DynamoDBClient {
  return new DynamoDBClient({
    region: aws.region,
    endpoint: aws.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
}

type Input = Record<string, unknown> & { RequestItems?: Record<string, unknown> };

function splitBatch(input: Input, process: number): { sent: Input; unprocessed: Record<string, unknown> } {
  const [table, request] = Object.entries(input.RequestItems ?? {})[0] ?? [];
  if (!table) return { sent: input, unprocessed: {} };
  if (Array.isArray(request)) {
    return {
      sent: { ...input, RequestItems: { [table]: request.slice(0, process) } },
      unprocessed: request.length > process ? { [table]: request.slice(process) } : {},
    };
  }
  const get = request as { Keys: unknown[] };
  return {
    sent: { ...input, RequestItems: { [table]: { ...get, Keys: get.Keys.slice(0, process) } } },
    unprocessed: get.Keys.length > process ? { [table]: { ...get, Keys: get.Keys.slice(process) } } : {},
  };
}

/**
 * Makes the next calls of one command misbehave, in order, through SDK middleware placed before the
 * SDK's own retries (so only the code under test can recover). Later calls reach the emulator untouched.
 *
 * @example
 * injectFaults(client, 'PutItemCommand', [{ throw: throttling() }, { throw: throttling() }]);
 */
export function injectFaults(client: DynamoDBClient, command: string, faults: readonly Fault[]): FaultLog {
  const log: FaultLog = { calls: new Map() };
  const queue = [...faults];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = String(context.commandName);
      log.calls.set(name, (log.calls.get(name) ?? 0) + 1);
      const fault = name === command ? queue.shift() : undefined;
      if (!fault) return next(args);
      if ('throw' in fault) throw fault.throw;
      const { sent, unprocessed } = splitBatch(args.input as Input, fault.process);
      const result = await next({ ...args, input: sent });
      const output = result.output as unknown as Record<string, unknown>;
      const field = command === 'BatchGetItemCommand' ? 'UnprocessedKeys' : 'UnprocessedItems';
      output[field] = unprocessed;
      return result;
    },
    { step: 'initialize', name: `faults-${command}-${Math.random()}` },
  );
  return log;
}

/** Counts the calls of each command the client sends. */
export function countCalls(client: DynamoDBClient): FaultLog {
  return injectFaults(client, '', []);
}

/** Records the partition keys and query values every call of the client sends. */
export function recordPartitionKeys(client: DynamoDBClient): string[] {
  const seen: string[] = [];
  const visit = (value: unknown, name?: string): void => {
    if (typeof value === 'string' && name === 'pk') seen.push(value);
    else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) visit(v, k);
    }
  };
  client.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as Input & { KeyConditionExpression?: string };
      visit(input);
      if (input.KeyConditionExpression) {
        for (const v of Object.values(input.ExpressionAttributeValues ?? {})) seen.push(String(v));
      }
      return next(args);
    },
    { step: 'initialize', name: 'record-partition-keys' },
  );
  return seen;
}

const metadata = { $metadata: {} };

export function throughputExceeded(): Error {
  return new ProvisionedThroughputExceededException({
    message: 'Injected: throughput exceeded',
    ...metadata,
  });
}

export function throttled(): Error {
  return new ThrottlingException({ message: 'Injected: rate exceeded', ...metadata });
}

/** A transaction cancelled because another transaction touched one of its items. */
export function transactionConflict(actions: number): Error {
  return new TransactionCanceledException({
    message: 'Injected: transaction conflict',
    CancellationReasons: Array.from({ length: actions }, (_v, i) => ({
      Code: i === 0 ? 'TransactionConflict' : 'None',
    })),
    ...metadata,
  });
}

/** A failure nothing retries: the writer "crashes" at this call. */
export function crash(): Error {
  return new Error('Injected: the writer crashed here');
}

/** A call held back until the test lets it go. */
export interface HeldCall {
  /** Resolves when the client sends the held command (it has not reached the emulator yet). */
  readonly reached: Promise<void>;
  /** Lets the held call go on to the emulator. */
  readonly release: () => void;
}

/**
 * Holds the client's next call of one command until `release()`, to put another writer's calls in between.
 *
 * @example
 * const put = holdNext(client, 'PutItemCommand');
 * const slow = store.write(ws, [write]);
 * await put.reached; // ...another writer goes first...
 * put.release();
 */
export function holdNext(client: DynamoDBClient, command: string): HeldCall {
  let reach = (): void => undefined;
  let release = (): void => undefined;
  const reached = new Promise<void>((resolve) => {
    reach = resolve;
  });
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let held = false;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (!held && String(context.commandName) === command) {
        held = true;
        reach();
        await released;
      }
      return next(args);
    },
    { step: 'initialize', name: `hold-${command}-${Math.random()}` },
  );
  return { reached, release };
}
