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
  fingerprint,
  type IndexShape,
  identifierColumns,
} from '../../../shared/pipeline/split/components.js';

const HEADER = ['line_uid', 'phone', 'email', 'customer_id', 'name'];

function indexFor(header: readonly string[], shape?: IndexShape): ComponentIndex {
  const mapping = mapHeader(header, 'line', 'line_uid', []);
  if (isIssue(mapping)) throw new Error(mapping.code);
  const columns = identifierColumns(mapping);
  if (!columns) throw new Error('no identifier columns');
  return new ComponentIndex(columns, createPhoneNormaliser('TW'), shape);
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

/** The default shape and tiny ones: chunks full after one to four entries, a table that grows at once. */
const shapes = fc.constantFrom<IndexShape | undefined>(
  undefined,
  { firstChunk: 1, maxChunk: 1, firstTable: 1 },
  { firstChunk: 1, maxChunk: 4, firstTable: 2 },
);

/**
 * Asserts that the index found exactly the components of the rule (no fingerprint collides in these value
 * spaces, see below), each rooted at its first row, that a component's rows share its tag, and that rows
 * without identifiers have none.
 */
function expectSameComponents(cells: readonly string[][], index: ComponentIndex): void {
  const expected = expectedComponents(cells, canonical);
  const roots = index.firstRows();
  const tags = index.tags();
  const rootOf = new Map<number, number>();
  const expectedOf = new Map<number, number>();
  cells.forEach((c, i) => {
    const root = roots[i] ?? -1;
    const tag = componentOf(tags, i + 2);
    if (c.slice(0, 4).every((v) => v === '')) {
      expect([root, tag]).toEqual([-1, undefined]);
      return;
    }
    const component = expected[i] as number;
    if (!rootOf.has(component)) {
      expect(root).toBe(i);
      rootOf.set(component, root);
      expectedOf.set(root, component);
    }
    expect(root).toBe(rootOf.get(component));
    expect(expectedOf.get(root)).toBe(component);
    expect(tag).toBeDefined();
    expect(tag).toBe(componentOf(tags, root + 2));
  });
}

/** The canonical values (tag, then the value lower-cased or a phone's last 7 digits) of the spaces below. */
function valueSpaces(): string[][] {
  const values = [
    ['u', 'u1'],
    ['u', 'u2'],
    ['u', 'u3'],
    ['p', '2345678'],
    ['p', '2333444'],
    ['p', '3444555'],
    ['e', 'a@x.com'],
    ['e', 'b@x.com'],
    ['c', 'c1'],
    ['c', 'c2'],
  ];
  for (let n = 0; n <= 300; n++) {
    values.push(['u', `u${n}`], ['p', `${1_000_000 + n}0`.slice(-7)], ['e', `u${n}@x.com`], ['c', `c${n}`]);
  }
  return values;
}

describe('Class: ComponentIndex (RULES §9)', () => {
  it('has no fingerprint collision in the value spaces of these tests, so their components are exact', () => {
    // Prepare
    const values = valueSpaces();

    // Act
    const prints = new Set(values.map(([tag, value]) => fingerprint(tag as string, value as string)));

    // Assess
    expect(prints.size).toBe(new Set(values.map(([tag, value]) => `${tag}:${value}`)).size);
  });

  it('finds exactly the components of rows linked through shared identifier values, one tag each', () => {
    fc.assert(
      fc.property(fc.array(row, { maxLength: 40 }), shapes, (rows, shape) => {
        // Prepare: tiny chunks and a tiny first-rows table make both fill and grow while rows arrive.
        const index = indexFor(HEADER, shape);
        const cells = rows.map((r) => [...r]);

        // Act
        for (const [i, c] of cells.entries()) index.addRow(i + 2, c);

        // Assess
        expectSameComponents(cells, index);
      }),
      { numRuns: 300 },
    );
  });

  it('finds the same components over a wider value space, where fingerprints share buckets', () => {
    // A value space of a few hundred per column over hundreds of rows: long chains, many buckets used; the
    // low bit of n picks the written form (national or E.164 phone, lower or upper case email).
    const some = (value: (n: number) => string) => fc.oneof(fc.constant(''), fc.nat(600).map(value));
    const wide = fc.tuple(
      some((n) => `U${n >> 1}`),
      some((n) => (n & 1 ? `09${1_000_000 + (n >> 1)}0` : `+8869${1_000_000 + (n >> 1)}0`)),
      some((n) => (n & 1 ? `u${n >> 1}@x.com` : `U${n >> 1}@X.COM`)),
      some((n) => `C${n >> 1}`),
      fc.constant('Ann'),
    );
    fc.assert(
      fc.property(fc.array(wide, { maxLength: 600 }), shapes, (rows, shape) => {
        // Prepare
        const index = indexFor(HEADER, shape);
        const cells = rows.map((r) => [...r]);

        // Act
        for (const [i, c] of cells.entries()) index.addRow(i + 2, c);

        // Assess
        expectSameComponents(cells, index);
      }),
      { numRuns: 60 },
    );
  });

  it('links the rows of two values whose fingerprints collide (that only serialises them)', () => {
    // Prepare: two emails with one 32-bit fingerprint, found once by trying user0@x.com, user1@x.com, ...
    const [a, b] = ['user439599@x.com', 'user622382@x.com'];
    expect(fingerprint('e', a)).toBe(fingerprint('e', b));
    const index = indexFor(HEADER);
    const rows = [
      ['U1', '', a, '', ''],
      ['U2', '', '', 'C2', ''],
      ['U3', '', b, '', ''],
      ['U1', '', '', '', ''],
      ['U4', '', '', 'C2', ''],
    ];

    // Act
    for (const [i, r] of rows.entries()) index.addRow(i + 2, r);
    const tags = index.tags();

    // Assess: rows 2, 4 and 5 are one component (through the collision, and U1); rows 3 and 6 another.
    const [first, second, collided, again, fifth] = [2, 3, 4, 5, 6].map((n) => componentOf(tags, n));
    expect([collided, again]).toEqual([first, first]);
    expect(fifth).toBe(second);
    expect(second).not.toBe(first);
    expect(index.size).toBe(6); // seven values (U1 to U4, C2, both emails), the two emails one fingerprint
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
