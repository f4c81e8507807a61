/**
 * DynamoDB's request limits, enforced in code because the local emulator does not enforce them: a request
 * that works locally must not fail in AWS for its size.
 */
import { WriteTooLargeError } from '../../pipeline/ports.js';

/** Items per BatchWriteItem call. */
export const BATCH_WRITE_MAX_ITEMS = 25;
/** Keys per BatchGetItem call. */
export const BATCH_GET_MAX_KEYS = 100;
/** Actions per TransactWriteItems call. */
export const TRANSACTION_MAX_ACTIONS = 100;
/** Aggregate size of the items of one transaction. */
export const TRANSACTION_MAX_BYTES = 4 * 1024 * 1024;
/** Size of one item, attribute names included. */
export const ITEM_MAX_BYTES = 400 * 1024;

function utf8(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/**
 * DynamoDB's size of one attribute value, rounded up where AWS's accounting is approximate (numbers),
 * so that the estimate never falls below what AWS counts.
 */
function valueSize(value: unknown): number {
  if (value === null || value === undefined || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return utf8(value);
  if (typeof value === 'number' || typeof value === 'bigint') return Math.ceil(String(value).length / 2) + 1;
  if (value instanceof Uint8Array) return value.byteLength;
  if (value instanceof Set) return [...value].reduce((sum: number, v) => sum + valueSize(v), 0);
  if (Array.isArray(value)) return 3 + value.reduce((sum: number, v) => sum + 1 + valueSize(v), 0);
  if (typeof value === 'object') {
    return 3 + Object.entries(value).reduce((sum, [k, v]) => sum + utf8(k) + 1 + valueSize(v), 0);
  }
  return utf8(String(value));
}

/**
 * The size DynamoDB counts for an item: the UTF-8 length of every attribute name plus its value.
 *
 * @example
 * itemSize({ pk: 'acme#C#c-1', sk: 'PROFILE' }); // 19
 */
export function itemSize(item: Record<string, unknown>): number {
  return Object.entries(item).reduce(
    (sum, [name, value]) => sum + (value === undefined ? 0 : utf8(name) + valueSize(value)),
    0,
  );
}

/** Throws WriteTooLargeError when an item exceeds 400 KB. `label` names the item in the message. */
export function assertItemSize(item: Record<string, unknown>, label: string): void {
  const size = itemSize(item);
  if (size > ITEM_MAX_BYTES) throw new WriteTooLargeError('item size in bytes', size, ITEM_MAX_BYTES, label);
}

/** Splits a list into chunks of at most `size` elements. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}
