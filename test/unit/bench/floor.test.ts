import { describe, expect, it } from 'vitest';
import type { AttributeMap, TableSchema } from '../../../bench/lib/capacity.js';
import { toWireMap } from '../../../bench/lib/dynamo-meter.js';
import { writeFloor } from '../../../bench/lib/floor.js';

const CONTACTS: TableSchema = {
  name: 'contacts',
  partitionKey: 'pk',
  sortKey: 'sk',
  indexes: [{ name: 'byWorkspace', partitionKey: 'gsi1pk', sortKey: 'gsi1sk', projection: 'KEYS_ONLY' }],
};

const profile = (version: number, name: string): AttributeMap =>
  toWireMap({ pk: 'acme#C#c-1', sk: 'PROFILE', gsi1pk: 'acme', gsi1sk: 'c-1', version, name });
const phone = (holders: string[]): AttributeMap =>
  toWireMap({ pk: 'acme#ID#phone#+886912345678', sk: 'ID', holders: new Set(holders) });

describe('Function: writeFloor', () => {
  it('prices every created item once, with the index entry of a live profile', () => {
    // Act
    const floor = writeFloor(CONTACTS, [], [profile(1, 'Ann'), phone(['2026|c-1'])]);

    // Assess
    expect(floor).toEqual({ items: 2, writeUnits: 3, profiles: 1, profileItemWriteUnits: 1 });
  });

  it('leaves out the items an import did not change', () => {
    // Prepare
    const before = [profile(1, 'Ann'), phone(['2026|c-1'])];
    const after = [profile(2, 'Ann Lee'), phone(['2026|c-1'])];

    // Act
    const floor = writeFloor(CONTACTS, before, after);

    // Assess: the profile changed (its index keys did not), the phone item did not
    expect(floor).toEqual({ items: 1, writeUnits: 1, profiles: 1, profileItemWriteUnits: 1 });
  });

  it('prices a change by the larger of the two sizes', () => {
    // Prepare
    const big = profile(1, 'x'.repeat(1500));

    // Act
    const floor = writeFloor(CONTACTS, [big], [profile(2, 'Ann')]);

    // Assess
    expect(floor.writeUnits).toBe(2);
  });
});
