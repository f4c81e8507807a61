/**
 * The write floor of an import: what the contacts table had to change, priced as single writes. For each
 * item whose stored state differs after the import (a profile, an identity item, a workspace item), the write
 * units of ONE write from its state before to its state after (⌈max(before, after) / 1 KB⌉), plus the writes
 * of the global secondary index entries that change with it. Bookkeeping, reads, retries, transactions (×2)
 * and an item written twice are all above the floor.
 */
import {
  type AttributeMap,
  indexWriteUnits,
  itemBytes,
  keyString,
  sameItem,
  type TableSchema,
  writeUnits,
} from './capacity.js';

export interface Floor {
  /** Items of the contacts table whose state changed. */
  readonly items: number;
  /** Write units of those items and of their index entries. */
  readonly writeUnits: number;
  /** Profile items (`sk = PROFILE`) among them, and the write units of the profile items alone. */
  readonly profiles: number;
  readonly profileItemWriteUnits: number;
}

/**
 * The write floor between two scans of the contacts table (see the module comment).
 *
 * @example
 * writeFloor(schema, [], [profile, identity]).writeUnits; // 1 + 1 + 1 (the profile's index entry)
 */
export function writeFloor(schema: TableSchema, before: AttributeMap[], after: AttributeMap[]): Floor {
  const old = new Map(before.map((item) => [keyString(schema, item), item]));
  const now = new Map(after.map((item) => [keyString(schema, item), item]));
  let items = 0;
  let units = 0;
  let profiles = 0;
  let profileUnits = 0;
  for (const key of new Set([...old.keys(), ...now.keys()])) {
    const a = old.get(key);
    const b = now.get(key);
    if (sameItem(a, b)) continue;
    const itemUnits = writeUnits(itemBytes(a), itemBytes(b));
    items += 1;
    units += itemUnits + indexWriteUnits(schema, a, b);
    if ((a ?? b)?.sk?.S === 'PROFILE') {
      profiles += 1;
      profileUnits += itemUnits;
    }
  }
  return { items, writeUnits: units, profiles, profileItemWriteUnits: profileUnits };
}
