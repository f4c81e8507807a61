/**
 * One DynamoDB table behind the document client, with the limits and retries every store needs in one
 * place: batches chunked to AWS's sizes, partial batch results retried with backoff, throttling and
 * transaction conflicts retried, item and transaction sizes checked before sending.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  type DeleteCommandInput,
  DynamoDBDocumentClient,
  GetCommand,
  type NativeAttributeValue,
  PutCommand,
  type PutCommandInput,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { WriteTooLargeError } from '../../pipeline/ports.js';
import {
  assertItemSize,
  BATCH_GET_MAX_KEYS,
  BATCH_WRITE_MAX_ITEMS,
  chunk,
  itemSize,
  TRANSACTION_MAX_ACTIONS,
  TRANSACTION_MAX_BYTES,
} from './limits.js';
import { backoff, DEFAULT_RETRY_POLICY, type RetryPolicy, withRetry } from './retry.js';

export type Item = Record<string, NativeAttributeValue>;
/** A primary key: `pk` and `sk`. */
export interface Key {
  readonly pk: string;
  readonly sk: string;
  readonly [name: string]: string;
}

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
/** A transaction action without its table name (the table adds it). */
export type TransactAction =
  | { readonly Put: Omit<NonNullable<TransactItem['Put']>, 'TableName'> }
  | { readonly Update: Omit<NonNullable<TransactItem['Update']>, 'TableName'> }
  | { readonly ConditionCheck: Omit<NonNullable<TransactItem['ConditionCheck']>, 'TableName'> }
  | { readonly Delete: Omit<NonNullable<TransactItem['Delete']>, 'TableName'> };

/** A request of a batch write: put an item or delete a key. */
export type BatchWriteRequest = { readonly put: Item } | { readonly delete: Key };

/** Partial batch results kept coming back until the retries ran out. */
export class UnprocessedItemsError extends Error {
  constructor(
    readonly operation: string,
    readonly remaining: number,
    table: string,
  ) {
    super(`${operation} on ${table} left ${remaining} requests unprocessed after every retry`);
    this.name = 'UnprocessedItemsError';
  }
}

/** Whether a call failed only because its condition did not hold. */
export function isConditionFailed(err: unknown): boolean {
  return (err as Error | undefined)?.name === 'ConditionalCheckFailedException';
}

function keyId(key: Item): string {
  return `${String(key.pk)}\n${String(key.sk)}`;
}

function actionSize(action: TransactAction): number {
  if ('Put' in action) return itemSize(action.Put.Item ?? {});
  const body =
    'Update' in action ? action.Update : 'Delete' in action ? action.Delete : action.ConditionCheck;
  return itemSize(body.Key ?? {}) + itemSize(body.ExpressionAttributeValues ?? {});
}

/**
 * @example
 * const table = new DynamoTable(clients.dynamodb, 'contact-import-local-contacts');
 * const items = await table.batchGet(keys); // any number of keys
 */
export class DynamoTable {
  readonly doc: DynamoDBDocumentClient;
  readonly policy: RetryPolicy;

  constructor(
    client: DynamoDBClient,
    readonly name: string,
    retry: Partial<RetryPolicy> = {},
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    this.policy = { ...DEFAULT_RETRY_POLICY, ...retry };
  }

  /** One item by key, read strongly consistent. */
  async get(key: Key): Promise<Item | undefined> {
    const out = await withRetry(this.policy, () =>
      this.doc.send(new GetCommand({ TableName: this.name, Key: key, ConsistentRead: true })),
    );
    return out.Item;
  }

  /** Puts an item (checked against the 400 KB limit first). */
  async put(input: Omit<PutCommandInput, 'TableName'>): Promise<void> {
    assertItemSize(input.Item ?? {}, `Item ${keyId(input.Item ?? {})}`);
    await withRetry(this.policy, () => this.doc.send(new PutCommand({ ...input, TableName: this.name })));
  }

  /** Updates an item; returns the attributes asked for with `ReturnValues`. */
  async update(input: Omit<UpdateCommandInput, 'TableName'>): Promise<Item | undefined> {
    const out = await withRetry(this.policy, () =>
      this.doc.send(new UpdateCommand({ ...input, TableName: this.name })),
    );
    return out.Attributes;
  }

  /** Deletes an item; returns the attributes asked for with `ReturnValues` (`ALL_OLD`: the item deleted). */
  async delete(input: Omit<DeleteCommandInput, 'TableName'>): Promise<Item | undefined> {
    const out = await withRetry(this.policy, () =>
      this.doc.send(new DeleteCommand({ ...input, TableName: this.name })),
    );
    return out.Attributes;
  }

  /** Every page of a query (table or index), in order. */
  async *query(input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>): AsyncGenerator<Item[]> {
    let start: Item | undefined;
    do {
      const out = await withRetry(this.policy, () =>
        this.doc.send(new QueryCommand({ ...input, TableName: this.name, ExclusiveStartKey: start })),
      );
      yield out.Items ?? [];
      start = out.LastEvaluatedKey;
    } while (start);
  }

  /**
   * Items by key, any number of keys (duplicates allowed): 100 keys a call, strongly consistent unless
   * `consistent` is false, `UnprocessedKeys` retried with backoff. Missing items are simply absent; the
   * order is not kept.
   */
  async batchGet(keys: readonly Key[], consistent = true): Promise<Item[]> {
    const unique = [...new Map(keys.map((k) => [keyId(k), k])).values()];
    const pages = await Promise.all(
      chunk(unique, BATCH_GET_MAX_KEYS).map((c) => this.batchGetChunk(c, consistent)),
    );
    return pages.flat();
  }

  private async batchGetChunk(keys: Key[], consistent: boolean): Promise<Item[]> {
    const found: Item[] = [];
    let pending: Item[] = keys;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) await this.backoffOrFail('BatchGetItem', attempt, pending.length);
      const request = pending;
      const out = await withRetry(this.policy, () =>
        this.doc.send(
          new BatchGetCommand({
            RequestItems: { [this.name]: { Keys: request, ConsistentRead: consistent } },
          }),
        ),
      );
      found.push(...(out.Responses?.[this.name] ?? []));
      pending = out.UnprocessedKeys?.[this.name]?.Keys ?? [];
    }
    return found;
  }

  /** Puts and deletes without conditions, any number: 25 a call, `UnprocessedItems` retried with backoff. */
  async batchWrite(requests: readonly BatchWriteRequest[]): Promise<void> {
    const writes = requests.map((r) => {
      if ('delete' in r) return { DeleteRequest: { Key: r.delete } };
      assertItemSize(r.put, `Item ${keyId(r.put)}`);
      return { PutRequest: { Item: r.put } };
    });
    for (const part of chunk(writes, BATCH_WRITE_MAX_ITEMS)) {
      let pending: typeof writes = part;
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 0) await this.backoffOrFail('BatchWriteItem', attempt, pending.length);
        const request = pending;
        const out = await withRetry(this.policy, () =>
          this.doc.send(new BatchWriteCommand({ RequestItems: { [this.name]: request } })),
        );
        pending = (out.UnprocessedItems?.[this.name] ?? []) as typeof writes;
      }
    }
  }

  private async backoffOrFail(operation: string, attempt: number, remaining: number): Promise<void> {
    if (attempt >= this.policy.maxAttempts) throw new UnprocessedItemsError(operation, remaining, this.name);
    await backoff(this.policy, attempt - 1);
  }

  /**
   * One all-or-nothing transaction. Throws WriteTooLargeError before sending when it has more than 100
   * actions or 4 MB of items; retries cancellations caused only by conflicts with other transactions.
   */
  async transact(actions: readonly TransactAction[], label: string): Promise<void> {
    if (actions.length > TRANSACTION_MAX_ACTIONS) {
      throw new WriteTooLargeError('transaction actions', actions.length, TRANSACTION_MAX_ACTIONS, label);
    }
    for (const action of actions) if ('Put' in action) assertItemSize(action.Put.Item ?? {}, label);
    const bytes = actions.reduce((sum, a) => sum + actionSize(a), 0);
    if (bytes > TRANSACTION_MAX_BYTES) {
      throw new WriteTooLargeError('transaction size in bytes', bytes, TRANSACTION_MAX_BYTES, label);
    }
    const TransactItems = actions.map((action) => {
      const [kind, body] = Object.entries(action)[0] as [string, object];
      return { [kind]: { ...body, TableName: this.name } } as TransactItem;
    });
    await withRetry(this.policy, () => this.doc.send(new TransactWriteCommand({ TransactItems })));
  }
}
