/**
 * DynamoDB's billing rules, as pure functions over items in the wire format (AttributeValue maps), so the
 * benchmarks can price every call exactly as DynamoDB bills it. The emulator (moto) answers
 * ReturnConsumedCapacity with a constant 1.0 whatever the item size, so the units are computed here.
 *
 * Rules (DynamoDB Developer Guide, "Read and write operations", "Item sizes", GSI throughput):
 * - item size = Σ UTF-8 length of each attribute name + the size of its value;
 * - a write costs ⌈max(size before, size after) / 1 KB⌉ write units, at least 1; ×2 in a transaction;
 * - a read costs ⌈size / 4 KB⌉ read units when strongly consistent (½ eventually consistent, ×2 in a
 *   transaction), at least one such unit even when the item does not exist;
 * - a global secondary index costs extra writes: 1 to put or delete an index entry, 2 (delete + put) when
 *   an indexed key attribute changes, 1 when only projected attributes change; an entry's size is the
 *   table key + the index key + the projected attributes + 100 bytes.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

export type AttributeMap = Record<string, AttributeValue>;

/** Bytes one write unit covers. */
export const WRITE_UNIT_BYTES = 1024;
/** Bytes one strongly consistent read unit covers. */
export const READ_UNIT_BYTES = 4096;
/** Bytes DynamoDB adds to every index entry. */
export const INDEX_ENTRY_OVERHEAD_BYTES = 100;

export type ReadConsistency = 'strong' | 'eventual' | 'transactional';

export interface IndexSchema {
  readonly name: string;
  readonly partitionKey: string;
  readonly sortKey?: string;
  readonly projection: 'KEYS_ONLY' | 'INCLUDE' | 'ALL';
  /** Projected non-key attributes, for INCLUDE. */
  readonly nonKeyAttributes?: readonly string[];
}

export interface TableSchema {
  readonly name: string;
  readonly partitionKey: string;
  readonly sortKey?: string;
  readonly indexes: readonly IndexSchema[];
}

function utf8(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Size of a number: one byte per two significant digits, plus one (leading and trailing zeros trimmed). */
function numberSize(text: string): number {
  const digits = text
    .replace(/^[-+]/, '')
    .replace(/[eE].*$/, '')
    .replace('.', '');
  const significant = digits.replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(significant.length, 1) / 2) + 1;
}

/**
 * Size DynamoDB counts for one value.
 *
 * @example
 * attributeValueSize({ S: 'héllo' }); // 6
 * attributeValueSize({ L: [{ S: 'a' }, { BOOL: true }] }); // 3 + (1 + 1) + (1 + 1) = 7
 */
export function attributeValueSize(value: AttributeValue): number {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return numberSize(value.N);
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((sum, s) => sum + utf8(s), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, n) => sum + numberSize(n), 0);
  if (value.BS !== undefined) return value.BS.reduce((sum, b) => sum + b.byteLength, 0);
  if (value.L !== undefined) return 3 + value.L.reduce((sum, v) => sum + 1 + attributeValueSize(v), 0);
  if (value.M !== undefined) {
    return 3 + Object.entries(value.M).reduce((sum, [k, v]) => sum + utf8(k) + 1 + attributeValueSize(v), 0);
  }
  return 0;
}

/**
 * Size DynamoDB counts for an item: every attribute name plus its value.
 *
 * @example
 * itemBytes({ pk: { S: 'acme#C#c-1' }, sk: { S: 'PROFILE' } }); // 2 + 10 + 2 + 7 = 21
 */
export function itemBytes(item: AttributeMap | undefined): number {
  if (!item) return 0;
  return Object.entries(item).reduce((sum, [name, value]) => sum + utf8(name) + attributeValueSize(value), 0);
}

/**
 * Write units of one item write that takes the item from `before` to `after` bytes (0: absent).
 *
 * @example
 * writeUnits(0, 900); // 1
 * writeUnits(1500, 900); // 2 (the larger of the two sizes counts)
 * writeUnits(900, 900, true); // 2 (transactional)
 */
export function writeUnits(beforeBytes: number, afterBytes: number, transactional = false): number {
  const units = Math.max(1, Math.ceil(Math.max(beforeBytes, afterBytes) / WRITE_UNIT_BYTES));
  return transactional ? units * 2 : units;
}

/**
 * Read units of reading one item of `bytes` (0: absent, still one minimum unit).
 *
 * @example
 * readUnits(3500, 'strong'); // 1
 * readUnits(5000, 'eventual'); // 1 (2 units halved)
 * readUnits(0, 'eventual'); // 0.5
 */
export function readUnits(bytes: number, consistency: ReadConsistency): number {
  const units = Math.max(1, Math.ceil(bytes / READ_UNIT_BYTES));
  if (consistency === 'eventual') return units / 2;
  return consistency === 'transactional' ? units * 2 : units;
}

function keyNames(schema: { partitionKey: string; sortKey?: string }): string[] {
  return schema.sortKey ? [schema.partitionKey, schema.sortKey] : [schema.partitionKey];
}

function pick(item: AttributeMap, names: readonly string[]): AttributeMap {
  const picked: AttributeMap = {};
  for (const name of names) {
    const value = item[name];
    if (value !== undefined) picked[name] = value;
  }
  return picked;
}

function same(a: AttributeValue | undefined, b: AttributeValue | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The index entry of an item, or undefined when the item lacks an index key (a sparse index). */
function indexEntry(table: TableSchema, index: IndexSchema, item: AttributeMap | undefined) {
  if (!item) return undefined;
  const indexKeys = keyNames(index);
  if (indexKeys.some((name) => item[name] === undefined)) return undefined;
  const keys = [...new Set([...keyNames(table), ...indexKeys])];
  const projected =
    index.projection === 'ALL'
      ? Object.keys(item).filter((name) => !keys.includes(name))
      : index.projection === 'INCLUDE'
        ? [...(index.nonKeyAttributes ?? [])]
        : [];
  return { keys: pick(item, indexKeys), attributes: pick(item, [...keys, ...projected]) };
}

/**
 * Write units a table write spends on the table's global secondary indexes.
 *
 * @example
 * // A KEYS_ONLY index on gsi1pk/gsi1sk: a new item with both keys costs one index write.
 * indexWriteUnits(schema, undefined, { pk, sk, gsi1pk, gsi1sk }); // 1
 */
export function indexWriteUnits(
  table: TableSchema,
  before: AttributeMap | undefined,
  after: AttributeMap | undefined,
): number {
  let units = 0;
  for (const index of table.indexes) {
    const old = indexEntry(table, index, before);
    const now = indexEntry(table, index, after);
    const size = (entry: { attributes: AttributeMap }) =>
      itemBytes(entry.attributes) + INDEX_ENTRY_OVERHEAD_BYTES;
    if (old && now) {
      const keyMoved = keyNames(index).some((name) => !same(old.keys[name], now.keys[name]));
      if (keyMoved) units += writeUnits(0, size(old)) + writeUnits(0, size(now));
      else if (!sameItem(old.attributes, now.attributes)) {
        units += writeUnits(size(old), size(now));
      }
    } else if (old) units += writeUnits(0, size(old));
    else if (now) units += writeUnits(0, size(now));
  }
  return units;
}

/** The primary key of an item, as a string that identifies it within its table. */
export function keyString(table: TableSchema, item: AttributeMap): string {
  return keyNames(table)
    .map((name) => JSON.stringify(item[name] ?? null))
    .join('\n');
}

/** The primary key attributes of an item. */
export function primaryKey(table: TableSchema, item: AttributeMap): AttributeMap {
  return pick(item, keyNames(table));
}

/** Whether two stored states of an item are the same (absent = undefined). */
export function sameItem(a: AttributeMap | undefined, b: AttributeMap | undefined): boolean {
  if (!a || !b) return a === b;
  const names = Object.keys(a);
  return names.length === Object.keys(b).length && names.every((name) => sameValue(a[name], b[name]));
}

function sameValue(a: AttributeValue | undefined, b: AttributeValue | undefined): boolean {
  if (!a || !b) return a === b;
  // Sets are unordered.
  if (a.SS && b.SS) return a.SS.length === b.SS.length && a.SS.every((s) => b.SS?.includes(s));
  if (a.NS && b.NS) return a.NS.length === b.NS.length && a.NS.every((n) => b.NS?.includes(n));
  if (a.M && b.M) return sameItem(a.M, b.M);
  if (a.L && b.L) return a.L.length === b.L.length && a.L.every((v, i) => sameValue(v, b.L?.[i]));
  return same(a, b);
}
