/**
 * Merges the part files of an import into one stream of rows in row order, holding only the parts that
 * overlap the current position in memory. Batches are partitioned by key value, so a part's rows are
 * spread over the file and parts overlap; each part is opened when the merge reaches its first row.
 */
import type { PartHeader, PartRow } from '../messages.js';
import type { ObjectStore } from '../part-store.js';
import { MinHeap } from './heap.js';
import { PartFileError, parsePart } from './part-file.js';

const PART_NAME = /(\d+)-(\d+)\.jsonl$/;

/** The first row and batch number a part key encodes (see `partKey`), or undefined for a foreign name. */
export function parsePartKey(key: string): { firstRow: number; batchNo: number } | undefined {
  const match = PART_NAME.exec(key);
  if (!match) return undefined;
  return { firstRow: Number(match[1]), batchNo: Number(match[2]) };
}

interface Cursor {
  readonly order: number;
  readonly rows: readonly PartRow[];
  index: number;
}

function headRow(cursor: Cursor): number {
  return (cursor.rows[cursor.index] as PartRow).rowNumber;
}

/**
 * Yields every row of every part in row order; `onPart` sees each part's header as the part is opened
 * (every part is opened exactly once, including parts with no rows to report).
 *
 * @example
 * for await (const row of mergeParts(store, await store.list(`${partsPrefix(ws, id)}rows/`), onPart)) {
 *   report(row);
 * }
 */
export async function* mergeParts(
  store: ObjectStore,
  keys: readonly string[],
  onPart: (key: string, header: PartHeader) => void,
): AsyncGenerator<PartRow> {
  // A foreign name sorts first, so it is opened (and its header checked) before any row is emitted.
  const pending = keys
    .map((key) => ({ key, firstRow: parsePartKey(key)?.firstRow ?? 0 }))
    .sort((a, b) => a.firstRow - b.firstRow || (a.key < b.key ? -1 : 1));
  const heap = new MinHeap<Cursor>(
    (a, b) => headRow(a) < headRow(b) || (headRow(a) === headRow(b) && a.order < b.order),
  );
  let next = 0;
  for (;;) {
    for (let part = pending[next]; part; part = pending[next]) {
      const top = heap.peek();
      if (top && part.firstRow > headRow(top)) break;
      const text = await store.getText(part.key);
      if (text === undefined) throw new PartFileError(part.key, 'it was listed but is gone');
      const { header, rows } = parsePart(part.key, text);
      onPart(part.key, header);
      if (rows.length > 0) heap.push({ order: next, rows, index: 0 });
      next += 1;
    }
    const cursor = heap.pop();
    if (!cursor) return;
    yield cursor.rows[cursor.index] as PartRow;
    cursor.index += 1;
    if (cursor.index < cursor.rows.length) heap.push(cursor);
  }
}
