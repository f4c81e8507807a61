import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isIssue } from '../../../shared/domain/channels.js';
import { mapHeader } from '../../../shared/domain/header.js';
import { createPhoneNormaliser } from '../../../shared/domain/normalise/phone.js';
import {
  ComponentIndex,
  componentOf,
  decodeTags,
  encodeTags,
  identifierColumns,
} from '../../../shared/pipeline/split/components.js';

const HEADER = ['line_uid', 'phone', 'email', 'customer_id', 'name'];

function indexFor(header: readonly string[], initialSlots?: number): ComponentIndex {
  const mapping = mapHeader(header, 'line', 'line_uid', []);
  if (isIssue(mapping)) throw new Error(mapping.code);
  const columns = identifierColumns(mapping);
  if (!columns) throw new Error('no identifier columns');
  return new ComponentIndex(columns, createPhoneNormaliser('TW'), initialSlots);
}

/** The components by the rule (RULES §9), naively: rows linked through any equal identifier value. */
function expectedComponents(rows: readonly string[][], canonical: (col: number, v: string) => string) {
  const parent = rows.map((_r, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : find(parent[i] as number));
  const seen = new Map<string, number>();
  rows.forEach((cells, i) => {
    for (let col = 0; col < 4; col++) {
      const value = cells[col] ?? '';
      if (value.trim() === '') continue;
      const key = `${col === 1 ? 'p' : col}:${canonical(col, value)}`;
      const other = seen.get(key);
      if (other === undefined) seen.set(key, i);
      else parent[find(i)] = find(other);
    }
  });
  return rows.map((_r, i) => find(i));
}

const canonical = (col: number, value: string) =>
  col === 1 ? value.replace(/\D/g, '').slice(-7) : value.trim().toLowerCase();

/** A tiny value space, so rows collide often; phones in national and E.164 form, emails in two cases. */
const row = fc.tuple(
  fc.constantFrom('', 'U1', 'U2', 'U3'),
  fc.constantFrom('', '0912345678', '+886912345678', '0922333444', '+886933444555'),
  fc.constantFrom('', 'a@x.com', 'A@X.com', 'b@x.com'),
  fc.constantFrom('', 'C1', 'C2'),
  fc.constantFrom('Ann', ''),
);

describe('Class: ComponentIndex (RULES §9)', () => {
  it('gives rows linked through any shared identifier value, directly or through other rows, one tag', () => {
    fc.assert(
      fc.property(fc.array(row, { maxLength: 40 }), fc.constantFrom(4, 1 << 16), (rows, slots) => {
        // Prepare: a small initial table makes it grow (rehash) while rows arrive.
        const index = indexFor(HEADER, slots);
        const cells = rows.map((r) => [...r]);

        // Act
        for (const [i, c] of cells.entries()) index.addRow(i + 2, c);
        const tags = index.tags();

        // Assess
        const expected = expectedComponents(cells, canonical);
        cells.forEach((c, i) => {
          const tag = componentOf(tags, i + 2);
          if (c.slice(0, 4).every((v) => v === '')) expect(tag).toBeUndefined();
          else expect(tag).toBeDefined();
          cells.forEach((_d, j) => {
            if (expected[i] === expected[j]) expect(componentOf(tags, j + 2)).toBe(tag);
          });
        });
      }),
      { numRuns: 300 },
    );
  });

  it('links the last row to the first through a chain, whatever came between', () => {
    // Prepare
    const index = indexFor(HEADER);
    const rows = [
      ['U1', '', '', '', 'Ann'],
      ['U9', '', 'zed@x.com', '', 'Zed'],
      ['U2', '', '', 'C7', 'Bob'],
      ['', '', 'bob@x.com', 'C7', ''],
      ['U1', '', 'BOB@x.com', '', ''],
    ];

    // Act
    for (const [i, r] of rows.entries()) index.addRow(i + 2, r);
    const tags = index.tags();

    // Assess: rows 2, 4, 5 and 6 are one component; row 3 is its own.
    const [first, zed, bob, bobsEmail, last] = [2, 3, 4, 5, 6].map((n) => componentOf(tags, n));
    expect([bob, bobsEmail, last]).toEqual([first, first, first]);
    expect(zed).toBeDefined();
  });

  it('keeps the tags through their encoded form, as a continuation reads them', () => {
    // Prepare
    const index = indexFor(HEADER);
    index.addRow(2, ['U1', '', '', '', '']);
    index.addRow(3, ['', '', '', '', 'nobody']);
    const tags = index.tags();

    // Act
    const decoded = decodeTags(encodeTags(tags));

    // Assess
    expect([...decoded]).toEqual([...tags]);
    expect(componentOf(decoded, 3)).toBeUndefined();
  });
});
