/**
 * Counts every DynamoDB call a metered client makes and prices it as DynamoDB bills it (see capacity.ts),
 * from the sizes of the items before and after each write.
 *
 * The sizes come from a mirror of the items as last seen: every item a read returns (a key a read did not
 * find is known absent), every item a put writes, every item an update returns (the meter asks updates for
 * `ReturnValues: ALL_NEW` and hides the answer from the caller). Only what the mirror cannot know is read
 * with an unmetered client: an item written before it was ever read, the result of an update whose caller
 * asked for other return values, or of a transaction. Writes to one item are metered one at a time, so that
 * each one's "before" and "after" are exact; this changes timing, never counts.
 */
import {
  type AttributeValue,
  DescribeTableCommand,
  type DynamoDBClient,
  GetItemCommand,
  type GlobalSecondaryIndexDescription,
} from '@aws-sdk/client-dynamodb';
import {
  type AttributeMap,
  indexWriteUnits,
  itemBytes,
  keyString,
  primaryKey,
  type ReadConsistency,
  readUnits,
  type TableSchema,
  writeUnits,
} from './capacity.js';

export interface TableUsage {
  /** Calls by operation name (`PutItem`, `BatchGetItem`...). */
  readonly calls: Record<string, number>;
  readUnits: number;
  /** Write units of the table itself (transactions included, counted twice as billed). */
  writeUnits: number;
  /** Write units of the table's global secondary indexes. */
  indexWriteUnits: number;
  /** Part of `writeUnits` spent in transactions. */
  transactionalWriteUnits: number;
  /** Writes whose condition failed (billed, nothing written). */
  failedConditions: number;
  /** Transactions cancelled (billed as if prepared, nothing written). */
  cancelledTransactions: number;
  /** Read calls and read units by what they were for (the functions that made them, see `AwsMeter`). */
  readonly reads: Record<string, { calls: number; units: number }>;
}

/** Usage per table name. */
export type DynamoUsage = Record<string, TableUsage>;

function emptyTableUsage(): TableUsage {
  return {
    calls: {},
    readUnits: 0,
    writeUnits: 0,
    indexWriteUnits: 0,
    transactionalWriteUnits: 0,
    failedConditions: 0,
    cancelledTransactions: 0,
    reads: {},
  };
}

/** Calls, read units and write units (indexes included) over every table of a usage. */
export function dynamoTotals(usage: DynamoUsage): { calls: number; readUnits: number; writeUnits: number } {
  let calls = 0;
  let read = 0;
  let write = 0;
  for (const table of Object.values(usage)) {
    calls += Object.values(table.calls).reduce((sum, n) => sum + n, 0);
    read += table.readUnits;
    write += table.writeUnits + table.indexWriteUnits;
  }
  return { calls, readUnits: read, writeUnits: write };
}

/**
 * One value in the wire format, from the document client's native form (what lib-dynamodb marshals).
 *
 * @example
 * toWire(new Set(['a'])); // { SS: ['a'] }
 * toWire({ uid: 'U1' }); // { M: { uid: { S: 'U1' } } }
 */
export function toWire(value: unknown): AttributeValue {
  if (value === null || value === undefined) return { NULL: true };
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number' || typeof value === 'bigint') return { N: String(value) };
  if (typeof value === 'boolean') return { BOOL: value };
  if (value instanceof Uint8Array) return { B: value };
  if (value instanceof Set) {
    const members = [...value];
    if (members.every((m) => typeof m === 'number' || typeof m === 'bigint'))
      return { NS: members.map(String) };
    if (members.every((m) => m instanceof Uint8Array)) return { BS: members as Uint8Array[] };
    return { SS: members.map(String) };
  }
  if (Array.isArray(value)) return { L: value.map(toWire) };
  if (typeof value === 'object' && 'value' in value && Object.keys(value).length === 1) {
    return { N: String((value as { value: unknown }).value) };
  }
  return { M: toWireMap(value as Record<string, unknown>) };
}

/** An item in the wire format, from the native form (undefined attributes dropped, as the client does). */
export function toWireMap(item: Record<string, unknown>): AttributeMap {
  const out: AttributeMap = {};
  for (const [name, value] of Object.entries(item)) if (value !== undefined) out[name] = toWire(value);
  return out;
}

type Input = Record<string, unknown>;
type WriteKind = 'put' | 'update' | 'delete' | 'check';

interface WriteTarget {
  readonly table: string;
  readonly key: AttributeMap;
  readonly kind: WriteKind;
  /** The item written, for a put. */
  readonly item?: AttributeMap;
  /** A put that may only create: when it succeeds, the item did not exist. */
  readonly createOnly?: boolean;
}

/** Converts the item-valued fields of a request or response to the wire format when they are native. */
class Wire {
  constructor(private readonly native: boolean) {}
  map(value: unknown): AttributeMap {
    return this.native ? toWireMap(value as Record<string, unknown>) : (value as AttributeMap);
  }
  optional(value: unknown): AttributeMap | undefined {
    return value === undefined || value === null ? undefined : this.map(value);
  }
}

/** `attribute_not_exists(<partition key>)`, the condition of a put that may only create. */
function createsOnly(body: Input, schema: TableSchema): boolean {
  const condition = String(body.ConditionExpression ?? '').trim();
  const match = /^attribute_not_exists\(\s*([#\w]+)\s*\)$/.exec(condition);
  if (!match) return false;
  const name = match[1] as string;
  const resolved = name.startsWith('#')
    ? (body.ExpressionAttributeNames as Record<string, string> | undefined)?.[name]
    : name;
  return resolved === schema.partitionKey;
}

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);

/** The tables a request names (to describe them before metering it). */
function tablesOf(operation: string, input: Input): string[] {
  if (operation === 'BatchWriteItem' || operation === 'BatchGetItem') {
    return Object.keys(input.RequestItems as Input);
  }
  if (operation === 'TransactWriteItems') {
    return (input.TransactItems as Input[]).map((action) => {
      const body = Object.values(action).find((v) => v !== undefined) as Input;
      return String(body.TableName);
    });
  }
  return typeof input.TableName === 'string' ? [input.TableName] : [];
}

/**
 * @example
 * const meter = new DynamoMeter(probeClient);
 * // installed on clients through AwsMeter; then:
 * dynamoTotals(meter.usage()).writeUnits;
 */
export class DynamoMeter {
  private tables: DynamoUsage = {};
  private readonly schemas = new Map<string, TableSchema>();
  /** Items as last seen, by table and key; null: known absent. */
  private readonly mirror = new Map<string, AttributeMap | null>();
  /** The last write queued on each item. */
  private readonly tails = new Map<string, Promise<void>>();

  constructor(private readonly probe: DynamoDBClient) {}

  /** What was metered since the last reset. */
  usage(): DynamoUsage {
    return structuredClone(this.tables);
  }

  reset(): void {
    this.tables = {};
  }

  /** The schema of a table, as DynamoDB describes it (keys and global secondary indexes). */
  async schema(table: string): Promise<TableSchema> {
    const known = this.schemas.get(table);
    if (known) return known;
    const { Table } = await this.probe.send(new DescribeTableCommand({ TableName: table }));
    const keyOf = (schema: { AttributeName?: string; KeyType?: string }[] | undefined) => ({
      partitionKey: String(schema?.find((k) => k.KeyType === 'HASH')?.AttributeName),
      sortKey: schema?.find((k) => k.KeyType === 'RANGE')?.AttributeName,
    });
    const index = (gsi: GlobalSecondaryIndexDescription) => ({
      name: String(gsi.IndexName),
      ...keyOf(gsi.KeySchema),
      projection: (gsi.Projection?.ProjectionType ?? 'ALL') as 'KEYS_ONLY' | 'INCLUDE' | 'ALL',
      nonKeyAttributes: gsi.Projection?.NonKeyAttributes ?? [],
    });
    const schema = {
      name: table,
      ...keyOf(Table?.KeySchema),
      indexes: (Table?.GlobalSecondaryIndexes ?? []).map(index),
    };
    this.schemas.set(table, schema);
    return schema;
  }

  /**
   * Meters one call. `input` is the request as the caller wrote it (`native`: the document client's form);
   * `send` performs it with the request it is given and returns the output in the same form. `purpose`
   * labels a read in the breakdown by purpose.
   */
  async call(
    operation: string,
    input: Input,
    native: boolean,
    purpose: string,
    send: (input: Input) => Promise<Input>,
  ): Promise<Input> {
    const tables = tablesOf(operation, input);
    for (const table of tables) await this.schema(table);
    if (WRITES.has(operation)) return this.write(operation, input, new Wire(native), send);
    const output = await send(input);
    const before = tables.map((table) => this.usageOf(table).readUnits);
    this.read(operation, input, output, new Wire(native));
    for (const [i, table] of tables.entries()) {
      const reads = this.usageOf(table).reads;
      const label = `${operation} ${purpose}`;
      const seen = reads[label] ?? { calls: 0, units: 0 };
      reads[label] = seen;
      seen.calls += 1;
      seen.units += this.usageOf(table).readUnits - (before[i] ?? 0);
    }
    return output;
  }

  private usageOf(table: string): TableUsage {
    let usage = this.tables[table];
    if (!usage) {
      usage = emptyTableUsage();
      this.tables[table] = usage;
    }
    return usage;
  }

  private count(table: string, operation: string): void {
    const calls = this.usageOf(table).calls;
    calls[operation] = (calls[operation] ?? 0) + 1;
  }

  private id(table: string, key: AttributeMap): string {
    return `${table}\n${keyString(this.schemas.get(table) as TableSchema, key)}`;
  }

  /** The item as stored now: from the mirror, or read with the unmetered client. */
  private async stored(table: string, key: AttributeMap): Promise<AttributeMap | undefined> {
    const known = this.mirror.get(this.id(table, key));
    if (known !== undefined) return known ?? undefined;
    return this.refresh(table, key);
  }

  private async refresh(table: string, key: AttributeMap): Promise<AttributeMap | undefined> {
    const schema = this.schemas.get(table) as TableSchema;
    const { Item } = await this.probe.send(
      new GetItemCommand({ TableName: table, Key: primaryKey(schema, key), ConsistentRead: true }),
    );
    this.mirror.set(this.id(table, key), Item ?? null);
    return Item;
  }

  /** Runs `run` once every earlier write to the same items is metered (queued synchronously: no deadlock). */
  private async exclusive<T>(ids: readonly string[], run: () => Promise<T>): Promise<T> {
    const unique = [...new Set(ids)];
    const earlier = unique.map((id) => this.tails.get(id));
    let release: () => void = () => undefined;
    const done = new Promise<void>((resolve) => {
      release = resolve;
    });
    for (const id of unique) this.tails.set(id, done);
    await Promise.all(earlier);
    try {
      return await run();
    } finally {
      release();
      for (const id of unique) if (this.tails.get(id) === done) this.tails.delete(id);
    }
  }

  private targets(operation: string, input: Input, wire: Wire): WriteTarget[] {
    const schemaOf = (table: string) => this.schemas.get(table) as TableSchema;
    const put = (table: string, body: Input): WriteTarget => {
      const item = wire.map(body.Item);
      return { table, key: item, kind: 'put', item, createOnly: createsOnly(body, schemaOf(table)) };
    };
    switch (operation) {
      case 'PutItem':
        return [put(String(input.TableName), input)];
      case 'UpdateItem':
        return [{ table: String(input.TableName), key: wire.map(input.Key), kind: 'update' }];
      case 'DeleteItem':
        return [{ table: String(input.TableName), key: wire.map(input.Key), kind: 'delete' }];
      case 'BatchWriteItem':
        return Object.entries(input.RequestItems as Record<string, Input[]>).flatMap(([table, requests]) =>
          requests.map((request): WriteTarget => {
            if (request.PutRequest) return put(table, request.PutRequest as Input);
            const key = wire.map((request.DeleteRequest as Input).Key);
            return { table, key, kind: 'delete' };
          }),
        );
      case 'TransactWriteItems':
        return (input.TransactItems as Input[]).map((action): WriteTarget => {
          const [verb, body] = Object.entries(action).find(([, v]) => v !== undefined) as [string, Input];
          const table = String(body.TableName);
          if (verb === 'Put') return put(table, body);
          const kind: WriteKind = verb === 'Update' ? 'update' : verb === 'Delete' ? 'delete' : 'check';
          return { table, key: wire.map(body.Key), kind };
        });
      default:
        return [];
    }
  }

  private write(
    operation: string,
    input: Input,
    wire: Wire,
    send: (input: Input) => Promise<Input>,
  ): Promise<Input> {
    const targets = this.targets(operation, input, wire);
    const transactional = operation === 'TransactWriteItems';
    // An update tells what it left when asked; the caller's own return values are left alone.
    const askNew = operation === 'UpdateItem' && (input.ReturnValues ?? 'NONE') === 'NONE';
    const request = askNew ? { ...input, ReturnValues: 'ALL_NEW' } : input;
    return this.exclusive(
      targets.map((t) => this.id(t.table, t.key)),
      async () => {
        for (const table of new Set(targets.map((t) => t.table))) this.count(table, operation);
        const before = await Promise.all(
          targets.map((t) =>
            t.createOnly && !this.mirror.has(this.id(t.table, t.key))
              ? undefined
              : this.stored(t.table, t.key),
          ),
        );
        let output: Input;
        try {
          output = await send(request);
        } catch (err) {
          const createdBefore = targets.map((t, i) =>
            t.createOnly && before[i] === undefined ? this.refresh(t.table, t.key) : before[i],
          );
          this.billFailure(err as Error, targets, await Promise.all(createdBefore), transactional);
          throw err;
        }
        for (const [i, target] of targets.entries()) {
          const old = before[i];
          let now: AttributeMap | undefined;
          if (target.kind === 'put') now = target.item;
          else if (target.kind === 'check') now = old;
          else if (target.kind === 'update') {
            now = askNew ? wire.optional(output.Attributes) : await this.refresh(target.table, target.key);
          }
          this.mirror.set(this.id(target.table, target.key), now ?? null);
          const usage = this.usageOf(target.table);
          const units = writeUnits(itemBytes(old), itemBytes(now), transactional);
          usage.writeUnits += units;
          if (transactional) usage.transactionalWriteUnits += units;
          usage.indexWriteUnits += indexWriteUnits(this.schemas.get(target.table) as TableSchema, old, now);
        }
        if (!askNew) return output;
        const { Attributes: _hidden, ...rest } = output;
        return rest;
      },
    );
  }

  /** A failed condition is billed for the item as stored; a cancelled transaction for every item it named. */
  private billFailure(
    err: Error,
    targets: readonly WriteTarget[],
    before: readonly (AttributeMap | undefined)[],
    transactional: boolean,
  ): void {
    const conditional = err.name === 'ConditionalCheckFailedException';
    const cancelled = err.name === 'TransactionCanceledException';
    if (!conditional && !cancelled) return;
    for (const [i, target] of targets.entries()) {
      const usage = this.usageOf(target.table);
      const units = writeUnits(itemBytes(before[i]), 0, transactional);
      usage.writeUnits += units;
      if (transactional) usage.transactionalWriteUnits += units;
    }
    const first = targets[0];
    if (!first) return;
    if (conditional) this.usageOf(first.table).failedConditions += 1;
    else this.usageOf(first.table).cancelledTransactions += 1;
  }

  /** Remembers what a read returned: the items found, and the keys not found. */
  private seen(table: string, key: AttributeMap, item: AttributeMap | undefined): void {
    this.mirror.set(this.id(table, key), item ?? null);
  }

  private read(operation: string, input: Input, output: Input, wire: Wire): void {
    const consistency = (consistent: unknown): ReadConsistency => (consistent ? 'strong' : 'eventual');
    const projected = (request: Input) => request.ProjectionExpression !== undefined;
    if (operation === 'GetItem') {
      const table = String(input.TableName);
      this.count(table, operation);
      const item = wire.optional(output.Item);
      if (!projected(input)) this.seen(table, wire.map(input.Key), item);
      this.usageOf(table).readUnits += readUnits(itemBytes(item), consistency(input.ConsistentRead));
      return;
    }
    if (operation === 'BatchGetItem') {
      const responses = (output.Responses ?? {}) as Record<string, unknown[]>;
      const unprocessed = (output.UnprocessedKeys ?? {}) as Record<string, { Keys?: unknown[] }>;
      for (const [table, request] of Object.entries(input.RequestItems as Record<string, Input>)) {
        this.count(table, operation);
        const schema = this.schemas.get(table) as TableSchema;
        const found = new Map(
          (responses[table] ?? []).map((raw) => {
            const item = wire.map(raw);
            return [keyString(schema, item), item] as const;
          }),
        );
        const pending = new Set(
          (unprocessed[table]?.Keys ?? []).map((key) => keyString(schema, wire.map(key))),
        );
        for (const rawKey of request.Keys as unknown[]) {
          const key = wire.map(rawKey);
          const id = keyString(schema, key);
          if (pending.has(id)) continue;
          const item = found.get(id);
          if (!projected(request)) this.seen(table, key, item);
          this.usageOf(table).readUnits += readUnits(itemBytes(item), consistency(request.ConsistentRead));
        }
      }
      return;
    }
    if (operation === 'Query' || operation === 'Scan') {
      const table = String(input.TableName);
      this.count(table, operation);
      const items = ((output.Items ?? []) as unknown[]).map((raw) => wire.map(raw));
      // A table read returns whole items (remember them); an index read returns its projection.
      if (input.IndexName === undefined && !projected(input)) {
        for (const item of items) this.seen(table, item, item);
      }
      const bytes = items.reduce((sum, item) => sum + itemBytes(item), 0);
      this.usageOf(table).readUnits += readUnits(bytes, consistency(input.ConsistentRead));
      return;
    }
    for (const table of tablesOf(operation, input)) this.count(table, operation);
  }
}
