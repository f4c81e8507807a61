import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MinHeap } from '../../../shared/pipeline/aggregate/heap.js';
import { mergeParts, parsePartKey } from '../../../shared/pipeline/aggregate/merge.js';
import { formatPart, PartFileError, parsePart } from '../../../shared/pipeline/aggregate/part-file.js';
import type { PartHeader, PartRow } from '../../../shared/pipeline/messages.js';
import { emptyCounts, partKey } from '../../../shared/pipeline/messages.js';
import { MemoryStore } from './memory-store.js';

const failed = (rowNumber: number): PartRow => ({
  rowNumber,
  outcome: 'failed',
  error: { code: 'KEY_EMPTY', message: 'empty' },
  warnings: [],
  cells: [String(rowNumber)],
});

function header(batchNo: number, rows: readonly number[]): PartHeader {
  return {
    batchNo,
    firstRow: Math.min(...rows),
    counts: { ...emptyCounts(), failed: rows.length },
    writer: 'processor',
  };
}

/** Stores one part per batch (each batch a set of row numbers, every row reported) and returns their keys. */
async function storeParts(store: MemoryStore, batches: readonly (readonly number[])[]): Promise<string[]> {
  const keys: string[] = [];
  for (const [i, rows] of batches.entries()) {
    const key = partKey('acme', 'acme.x', Math.min(...rows), i + 1);
    await store.put(key, formatPart(header(i + 1, rows), rows.map(failed)));
    keys.push(key);
  }
  return keys;
}

async function collect(
  store: MemoryStore,
  keys: readonly string[],
  onPart: (key: string, header: PartHeader) => void = () => {},
) {
  const rows: number[] = [];
  for await (const row of mergeParts(store, keys, onPart)) rows.push(row.rowNumber);
  return rows;
}

describe('Class: MinHeap', () => {
  it('pops items in order whatever order they were pushed in', () => {
    fc.assert(
      fc.property(fc.array(fc.integer()), (values) => {
        const heap = new MinHeap<number>((a, b) => a < b);
        for (const v of values) heap.push(v);
        const popped: number[] = [];
        for (let v = heap.pop(); v !== undefined; v = heap.pop()) popped.push(v);
        expect(popped).toEqual([...values].sort((a, b) => a - b));
      }),
    );
  });
});

describe('Function: mergeParts', () => {
  it('yields the rows of overlapping parts in row order', async () => {
    // Prepare: three partitions, their batches interleave over the file
    const store = new MemoryStore();
    const keys = await storeParts(store, [
      [2, 5, 9],
      [3, 4, 12],
      [6, 7, 8],
      [10, 11, 13],
    ]);

    // Act
    const rows = await collect(store, keys.reverse());

    // Assess
    expect(rows).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
  });

  it('merges any partition of the rows into row order (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 2, max: 500 }), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 8 }),
        async (rowNumbers, partitions) => {
          const store = new MemoryStore();
          const batches = Array.from({ length: partitions }, (_, p) =>
            rowNumbers.filter((r) => r % partitions === p),
          );
          const keys = await storeParts(
            store,
            batches.filter((b) => b.length > 0),
          );
          expect(await collect(store, keys)).toEqual([...rowNumbers].sort((a, b) => a - b));
        },
      ),
      { numRuns: 50 },
    );
  });

  it('opens a part only when the merge reaches its first row', async () => {
    // Prepare
    const store = new MemoryStore();
    const keys = await storeParts(store, [
      [2, 3],
      [4, 5],
      [6, 7],
    ]);
    const merged = mergeParts(store, keys, () => {});

    // Act
    await merged.next();
    await merged.next();

    // Assess
    expect(store.reads).toEqual([keys[0]]);
  });

  it('shows every part header, including parts with no row to report', async () => {
    // Prepare
    const store = new MemoryStore();
    const key = partKey('acme', 'acme.x', 2, 7);
    await store.put(key, formatPart({ ...header(7, [2]), counts: { ...emptyCounts(), created: 100 } }, []));
    const headers: PartHeader[] = [];

    // Act
    const rows = await collect(store, [key], (_key, h) => {
      headers.push(h);
    });

    // Assess
    expect(rows).toEqual([]);
    expect(headers.map((h) => h.counts.created)).toEqual([100]);
  });

  it('fails loudly on a part that was listed but is gone', async () => {
    const store = new MemoryStore();

    await expect(collect(store, [partKey('acme', 'acme.x', 2, 1)])).rejects.toThrow(PartFileError);
  });
});

describe('Function: parsePart', () => {
  it('reads the header and sorts the rows', () => {
    const text = formatPart(header(1, [2, 4]), [failed(4), failed(2)]);

    const part = parsePart('k', text);

    expect(part.header.batchNo).toBe(1);
    expect(part.rows.map((r) => r.rowNumber)).toEqual([2, 4]);
  });

  it('names the key when the first line is not a header', () => {
    expect(() => parsePart('parts/a/b/rows/x.jsonl', '{"rowNumber":2}\n')).toThrow(
      /parts\/a\/b\/rows\/x.jsonl/,
    );
    expect(() => parsePart('k', '')).toThrow(PartFileError);
    expect(() => parsePart('k', '{not json')).toThrow(PartFileError);
  });
});

describe('Function: parsePartKey', () => {
  it('reads the first row and batch number from a part key', () => {
    expect(parsePartKey(partKey('acme', 'acme.x', 1234, 56))).toEqual({ firstRow: 1234, batchNo: 56 });
    expect(parsePartKey('parts/acme/acme.x/rows/notes.txt')).toBeUndefined();
  });
});
