import { describe, expect, it } from 'vitest';
import {
  type AttributeMap,
  attributeValueSize,
  indexWriteUnits,
  itemBytes,
  readUnits,
  sameItem,
  type TableSchema,
  writeUnits,
} from '../../../bench/lib/capacity.js';

const CONTACTS: TableSchema = {
  name: 'contacts',
  partitionKey: 'pk',
  sortKey: 'sk',
  indexes: [{ name: 'byWorkspace', partitionKey: 'gsi1pk', sortKey: 'gsi1sk', projection: 'KEYS_ONLY' }],
};

/** A live profile item: in the byWorkspace index. */
function profile(extra: AttributeMap = {}): AttributeMap {
  return {
    pk: { S: 'acme#C#c-1' },
    sk: { S: 'PROFILE' },
    gsi1pk: { S: 'acme' },
    gsi1sk: { S: 'c-1' },
    version: { N: '1' },
    ...extra,
  };
}

describe('Function: attributeValueSize', () => {
  it('counts a string in UTF-8 bytes', () => {
    // Act
    const size = attributeValueSize({ S: '王小明' });

    // Assess
    expect(size).toBe(9);
  });

  it('counts a number as one byte per two significant digits plus one', () => {
    // Act
    const sizes = ['1', '12', '123', '-1200', '0.0015'].map((N) => attributeValueSize({ N }));

    // Assess
    expect(sizes).toEqual([2, 2, 3, 2, 2]);
  });

  it('counts a list and a map with 3 bytes of overhead and 1 byte per element', () => {
    // Act
    const list = attributeValueSize({ L: [{ S: 'ab' }, { BOOL: true }] });
    const map = attributeValueSize({ M: { uid: { S: 'U1' } } });

    // Assess
    expect(list).toBe(3 + (1 + 2) + (1 + 1));
    expect(map).toBe(3 + (3 + 1 + 2));
  });

  it('counts a string set as the sum of its members', () => {
    // Act
    const size = attributeValueSize({ SS: ['2026|c-1', '2026|c-22'] });

    // Assess
    expect(size).toBe(8 + 9);
  });
});

describe('Function: itemBytes', () => {
  it('adds every attribute name to its value', () => {
    // Act
    const size = itemBytes({ pk: { S: 'acme#C#c-1' }, sk: { S: 'PROFILE' } });

    // Assess
    expect(size).toBe(2 + 10 + 2 + 7);
  });

  it('counts an absent item as zero bytes', () => {
    // Act
    const size = itemBytes(undefined);

    // Assess
    expect(size).toBe(0);
  });
});

describe('Function: writeUnits', () => {
  it('bills the larger of the sizes before and after, by started kilobyte', () => {
    // Act
    const units = [writeUnits(0, 900), writeUnits(1500, 900), writeUnits(900, 2049)];

    // Assess
    expect(units).toEqual([1, 2, 3]);
  });

  it('bills at least one unit, even for nothing', () => {
    // Act
    const units = writeUnits(0, 0);

    // Assess
    expect(units).toBe(1);
  });

  it('bills a transactional write twice', () => {
    // Act
    const units = writeUnits(900, 1100, true);

    // Assess
    expect(units).toBe(4);
  });
});

describe('Function: readUnits', () => {
  it('bills a strongly consistent read by started 4 KB, at least one unit for a missing item', () => {
    // Act
    const units = [readUnits(0, 'strong'), readUnits(4096, 'strong'), readUnits(4097, 'strong')];

    // Assess
    expect(units).toEqual([1, 1, 2]);
  });

  it('halves an eventually consistent read and doubles a transactional one', () => {
    // Act
    const eventual = readUnits(5000, 'eventual');
    const transactional = readUnits(100, 'transactional');

    // Assess
    expect(eventual).toBe(1);
    expect(transactional).toBe(2);
  });
});

describe('Function: indexWriteUnits', () => {
  it('bills one index write for a new item that has the index keys', () => {
    // Act
    const units = indexWriteUnits(CONTACTS, undefined, profile());

    // Assess
    expect(units).toBe(1);
  });

  it('bills nothing for an item outside a sparse index', () => {
    // Prepare
    const identity: AttributeMap = { pk: { S: 'acme#ID#phone#+886912345678' }, sk: { S: 'ID' } };

    // Act
    const units = indexWriteUnits(CONTACTS, undefined, identity);

    // Assess
    expect(units).toBe(0);
  });

  it('bills nothing when only attributes a KEYS_ONLY index does not project change', () => {
    // Act
    const units = indexWriteUnits(CONTACTS, profile(), profile({ version: { N: '2' }, name: { S: 'Ann' } }));

    // Assess
    expect(units).toBe(0);
  });

  it('bills a delete and a put when an index key changes', () => {
    // Act
    const units = indexWriteUnits(CONTACTS, profile(), profile({ gsi1sk: { S: 'c-2' } }));

    // Assess
    expect(units).toBe(2);
  });

  it('bills one delete when the item leaves the index (a merged contact loses its keys)', () => {
    // Prepare
    const { gsi1pk: _pk, gsi1sk: _sk, ...tombstone } = profile({ mergedInto: { S: 'c-0' } });

    // Act
    const units = indexWriteUnits(CONTACTS, profile(), tombstone);

    // Assess
    expect(units).toBe(1);
  });

  it('bills an update of a projected attribute of an ALL index once', () => {
    // Prepare
    const schema: TableSchema = {
      ...CONTACTS,
      indexes: [{ name: 'all', partitionKey: 'gsi1pk', sortKey: 'gsi1sk', projection: 'ALL' }],
    };

    // Act
    const units = indexWriteUnits(schema, profile(), profile({ name: { S: 'Ann' } }));

    // Assess
    expect(units).toBe(1);
  });
});

describe('Function: sameItem', () => {
  it('treats string sets as unordered and attribute order as irrelevant', () => {
    // Prepare
    const a: AttributeMap = { pk: { S: 'x' }, holders: { SS: ['a', 'b'] } };
    const b: AttributeMap = { holders: { SS: ['b', 'a'] }, pk: { S: 'x' } };

    // Act
    const same = sameItem(a, b);

    // Assess
    expect(same).toBe(true);
  });

  it('tells a changed nested value apart', () => {
    // Act
    const same = sameItem({ line: { M: { uid: { S: 'U1' } } } }, { line: { M: { uid: { S: 'U2' } } } });

    // Assess
    expect(same).toBe(false);
  });
});
