/**
 * The components of a file (RULES §9): rows linked by a shared identifier value, directly or through other
 * rows. The splitter sends each component's rows to one FIFO message group in file order, and tags each row
 * with its component, so the processor applies a component's rows one by one in file order (also inside a
 * batch, where rows of several components meet), while different components run in parallel.
 *
 * A component is only known once the whole file is read (the last row may link the first two), so the
 * splitter reads the file once before splitting it: a union-find over fingerprints of the identifier cells.
 * Fingerprints are cheap canonical forms, never the validated values: linking two rows that are not linked
 * (a fingerprint collision, two phones with the same last seven digits) only serialises them, which is safe;
 * failing to link two that are would break file order, so every canonical form is at least as coarse as
 * the validator's normalisation.
 *
 * Memory: reading keeps one 8-byte entry per non-empty identifier cell (24 bits of a 32-bit fingerprint and
 * the row; the other 8 bits pick one of 256 buckets) in chunks that are appended to and never moved, so
 * nothing is held twice while the index grows. tags() then adds 4 bytes a row (a union-find over the rows)
 * and 2 (the tags), and links one bucket at a time through a small table of its first rows, freeing the
 * bucket as it goes. A 32-bit fingerprint is safe: a collision only links (serialises) two rows. The cost
 * is per identifier cell whether values repeat or not: at the 10-million-row limit, 4 identifier columns
 * take about 380 MB and 6 (every identifier field) about 540 MB.
 *
 * Measured (`npm run bench -- --only components_bytes_per_row,components_ns_per_row`, a partial run, on a
 * shared 2-core machine under load 4 to 8): 10 million rows with four identifier columns of mostly distinct
 * values (40 million cells, 38.7 million distinct values, 38.5 million distinct fingerprints) peak at
 * 381 MB, 38.1 B a row, and the process's resident memory grew by at most 404 MB; 3.1 to 5.4 µs a row. The
 * hash table of 64-bit fingerprints this replaced took 1,678 MB (167.8 B a row) and grew resident memory by
 * 2,773 MB (growing held the old table, the new one and a move map), at 10.9 µs a row on the same machine;
 * in CPU time the index's own work fell from about 6.0 to 1.8 µs a row.
 */
import type { HeaderMapping } from '../../domain/header.js';
import type { PhoneNormaliser } from '../../domain/normalise/phone.js';
import { hash32 } from '../../ids.js';

/** A row with no identifier cell (a blank or malformed record): it belongs to no component. */
export const NO_COMPONENT = 0xffff;

/** The identifier columns of a file, by kind; a phone-like column is one the validator reads as a phone. */
interface IdentifierColumns {
  readonly text: readonly { readonly index: number; readonly tag: string }[];
  readonly phones: readonly { readonly index: number; readonly strict: boolean }[];
}

/**
 * The identifier columns the mapping binds, or undefined when the Key Value's column is the only one: then
 * a component is the rows that share a key value and no reading ahead is needed.
 */
export function identifierColumns(mapping: HeaderMapping): IdentifierColumns | undefined {
  const text: { index: number; tag: string }[] = [];
  const phones: { index: number; strict: boolean }[] = [];
  for (const binding of mapping.columns) {
    if (binding.kind !== 'system') continue;
    const { index } = binding;
    switch (binding.spec.field) {
      case 'phone':
        phones.push({ index, strict: false });
        break;
      case 'whatsapp_mobile':
        phones.push({ index, strict: true });
        break;
      case 'email':
      case 'edm_email':
        text.push({ index, tag: 'e' });
        break;
      case 'customer_id':
        text.push({ index, tag: 'c' });
        break;
      case 'line_uid':
        text.push({ index, tag: 'u' });
        break;
      default:
        break;
    }
  }
  return text.length + phones.length > 1 ? { text, phones } : undefined;
}

/** Spaces, invisible characters and the report's formula guard: never part of an identifier. */
const NOISE = /[\s\u200b-\u200d\u2060\ufeff']/g;
const NON_ASCII = /[^\x20-\x7e]/;
const NON_DIGITS = /\D/g;
/** Digits of a phone every written form of it ends with (national and E.164 differ only in front). */
const PHONE_TAIL = 7;
/** Written with at least this many digits, a number's last seven digits are its own; shorter ones are parsed. */
const LONG_PHONE = 10;

/** Printable ASCII but space, `'` and capitals: a value made only of these is its own canonical form. */
const CANONICAL = /^[\x21-\x26\x28-\x40\x5b-\x7e]*$/;

function canonicalText(value: string): string {
  if (CANONICAL.test(value)) return value;
  const folded = NON_ASCII.test(value) ? value.normalize('NFKC') : value;
  return folded.replace(NOISE, '').toLowerCase();
}

/** The last digits of a phone as the validator would store it; undefined when it is no phone at all. */
function canonicalPhone(value: string, strict: boolean, phones: PhoneNormaliser): string | undefined {
  const ascii = NON_ASCII.test(value) ? value.normalize('NFKC') : value;
  const digits = ascii.replace(NON_DIGITS, '');
  if (digits.length >= LONG_PHONE) return digits.slice(-PHONE_TAIL);
  const e164 = strict ? phones.strict('', ascii) : phones.national('', ascii, []);
  return typeof e164 === 'string' ? e164.slice(-PHONE_TAIL) : undefined;
}

/**
 * The 32-bit fingerprint of a tagged canonical value: FNV-1a, then a finaliser so its top bits (the bucket)
 * are as well mixed as the rest. A pure function of the tag and the value, so equal values always meet;
 * two different values meet once in about four billion pairs (at 38.7 million values, about 170,000 pairs),
 * which only links their rows. Exported for the tests.
 */
export function fingerprint(tag: string, value: string): number {
  return hash32(value, Math.imul(0x811c9dc5 ^ tag.charCodeAt(0), 0x01000193));
}

/** A fingerprint's top 8 bits pick its bucket; the other 24 are kept in the entry, beside the row. */
const BUCKET_BITS = 8;
const BUCKETS = 1 << BUCKET_BITS;
const KEPT_MASK = 0xffffff;
/** A row's index in the row arrays (rowNumber - 2) with no identifier value. */
const NO_ROW = -1;
/** The rows an index can hold: a row is kept as a 32-bit signed index. */
const MAX_ROWS = 0x7fffffff;

/**
 * Sizes, in entries, of a bucket's chunks (doubling from the first up to the largest) and of the first-rows
 * table's first size (a power of two). Tests use tiny ones, so chunks fill and the table grows.
 */
export interface IndexShape {
  readonly firstChunk: number;
  readonly maxChunk: number;
  readonly firstTable: number;
}
const SHAPE: IndexShape = { firstChunk: 32, maxChunk: 8192, firstTable: 1024 };

/**
 * Union-find over the rows, linked through identifier fingerprints. Reading appends one entry (the
 * fingerprint's low 24 bits and the row) per identifier cell to one of 256 buckets, in chunks that never
 * move: no table to grow, nothing held twice. tags() then takes one bucket at a time, finds each
 * fingerprint's first row in a small table, links every later row of that fingerprint to it, and frees the
 * bucket.
 *
 * @example
 * const index = new ComponentIndex(columns, phones);
 * for (const record of records) index.addRow(record.rowNumber, record.cells);
 * const tags = index.tags(); // componentOf(tags, rowNumber): the row's component tag
 */
export class ComponentIndex {
  /** Per bucket, its full chunks then its last one; entry i of a chunk is [2i] kept bits, [2i + 1] row. */
  private readonly buckets: Int32Array[][] = Array.from({ length: BUCKETS }, () => []);
  /** Entries in each bucket's last chunk. */
  private readonly filled = new Int32Array(BUCKETS);
  private held = 0;
  private peak = 0;
  private distinct = 0;
  private lastRow = 1;
  private done: { roots: Int32Array; tags: Uint16Array } | undefined;

  constructor(
    private readonly columns: IdentifierColumns,
    private readonly phones: PhoneNormaliser,
    private readonly shape: IndexShape = SHAPE,
  ) {}

  /** Distinct identifier fingerprints, counted by tags() (0 before). */
  get size(): number {
    return this.distinct;
  }

  /** The most bytes the index held at once: its chunks, and while tags() runs, its rows and one table. */
  get bytes(): number {
    return this.peak;
  }

  /** Links the identifier cells of one data row (the header is row 1). */
  addRow(rowNumber: number, cells: readonly string[]): void {
    if (this.done) throw new Error('ComponentIndex: a row was added after the tags were taken');
    const at = rowNumber - 2;
    if (at < 0 || at >= MAX_ROWS) throw new RangeError(`ComponentIndex: row ${rowNumber} is out of range`);
    for (const { index, tag } of this.columns.text) {
      const cell = cells[index];
      const value = cell === undefined || cell === '' ? '' : canonicalText(cell);
      if (value !== '') this.append(fingerprint(tag, value), at);
    }
    for (const { index, strict } of this.columns.phones) {
      const cell = cells[index];
      const phone =
        cell === undefined || cell.trim() === '' ? undefined : canonicalPhone(cell, strict, this.phones);
      if (phone !== undefined && phone !== '') this.append(fingerprint('p', phone), at);
    }
    if (rowNumber > this.lastRow) this.lastRow = rowNumber;
  }

  /**
   * The component tag of every row, by rowNumber - 2: a 16-bit hash of its component's first row, or
   * NO_COMPONENT. Rows of one component always share a tag; two components may share one (that only
   * serialises them). The first call (of this or firstRows) consumes the entries; later calls give the same.
   */
  tags(): Uint16Array {
    return this.finish().tags;
  }

  /** By rowNumber - 2, the first row of the row's component, also as rowNumber - 2 (-1: none). For tests. */
  firstRows(): Int32Array {
    return this.finish().roots;
  }

  private finish(): { roots: Int32Array; tags: Uint16Array } {
    if (this.done) return this.done;
    const parent = new Int32Array(Math.max(0, this.lastRow - 1)).fill(NO_ROW);
    this.hold(parent.byteLength);
    const firsts = new FirstRows(this.shape.firstTable, (bytes) => this.hold(bytes));
    for (let bucket = 0; bucket < BUCKETS; bucket++) this.link(bucket, parent, firsts);
    this.hold(-firsts.bytes);
    const tags = new Uint16Array(parent.length);
    this.hold(tags.byteLength);
    for (let at = 0; at < tags.length; at++) {
      if (parent[at] === NO_ROW) {
        tags[at] = NO_COMPONENT;
        continue;
      }
      // A component's root is its first row, so a later row's root already has its tag.
      const root = find(parent, at);
      parent[at] = root;
      tags[at] = root === at ? tagOf(root) : (tags[root] as number);
    }
    this.done = { roots: parent, tags };
    return this.done;
  }

  private append(print: number, at: number): void {
    const bucket = print >>> (32 - BUCKET_BITS);
    const chunks = this.buckets[bucket] as Int32Array[];
    let chunk = chunks[chunks.length - 1];
    let filled = this.filled[bucket] as number;
    if (chunk === undefined || filled * 2 === chunk.length) {
      // A chunk's length is twice its entries, so the next chunk holds twice as many, up to the largest.
      const entries =
        chunk === undefined ? this.shape.firstChunk : Math.min(chunk.length, this.shape.maxChunk);
      chunk = new Int32Array(entries * 2);
      chunks.push(chunk);
      this.hold(chunk.byteLength);
      filled = 0;
    }
    chunk[filled * 2] = print & KEPT_MASK;
    chunk[filled * 2 + 1] = at;
    this.filled[bucket] = filled + 1;
  }

  /** Links the rows of each fingerprint of one bucket to its first row, then frees the bucket. */
  private link(bucket: number, parent: Int32Array, firsts: FirstRows): void {
    const chunks = this.buckets[bucket] as Int32Array[];
    if (chunks.length === 0) return;
    firsts.clear();
    for (let c = 0; c < chunks.length; c++) {
      const chunk = chunks[c] as Int32Array;
      const end = c === chunks.length - 1 ? (this.filled[bucket] as number) * 2 : chunk.length;
      for (let i = 0; i < end; i += 2) {
        const at = chunk[i + 1] as number;
        if (parent[at] === NO_ROW) parent[at] = at;
        const first = firsts.firstOf(chunk[i] as number, at);
        if (first === at) this.distinct++;
        else union(parent, first, at);
      }
    }
    let freed = 0;
    for (const chunk of chunks) freed += chunk.byteLength;
    this.buckets[bucket] = [];
    this.filled[bucket] = 0;
    this.hold(-freed);
  }

  private hold(bytes: number): void {
    this.held += bytes;
    if (this.held > this.peak) this.peak = this.held;
  }
}

/**
 * The first row seen of each kept fingerprint of one bucket: open addressing with linear probing, at most
 * half full, grown by doubling (its entries carry no slot numbers, so growing only reinserts them). One
 * table serves every bucket in turn.
 */
class FirstRows {
  /** Kept bits + 1 (0: an empty slot), and the first row, by slot. */
  private keys: Int32Array;
  private rows: Int32Array;
  private used = 0;

  constructor(
    slots: number,
    private readonly hold: (bytes: number) => void,
  ) {
    this.keys = new Int32Array(slots);
    this.rows = new Int32Array(slots);
    hold(this.bytes);
  }

  get bytes(): number {
    return this.keys.byteLength + this.rows.byteLength;
  }

  clear(): void {
    if (this.used === 0) return;
    this.keys.fill(0);
    this.used = 0;
  }

  /** The first row of a kept fingerprint; at, if it is new (then at is recorded as its first row). */
  firstOf(kept: number, at: number): number {
    const key = kept + 1;
    const mask = this.keys.length - 1;
    let slot = kept & mask;
    for (;;) {
      const found = this.keys[slot] as number;
      if (found === key) return this.rows[slot] as number;
      if (found === 0) break;
      slot = (slot + 1) & mask;
    }
    this.keys[slot] = key;
    this.rows[slot] = at;
    if (++this.used * 2 > this.keys.length) this.grow();
    return at;
  }

  private grow(): void {
    const [keys, rows] = [this.keys, this.rows];
    this.keys = new Int32Array(keys.length * 2);
    this.rows = new Int32Array(keys.length * 2);
    this.hold(this.bytes);
    const mask = this.keys.length - 1;
    for (let old = 0; old < keys.length; old++) {
      const key = keys[old] as number;
      if (key === 0) continue;
      let slot = (key - 1) & mask;
      while (this.keys[slot] !== 0) slot = (slot + 1) & mask;
      this.keys[slot] = key;
      this.rows[slot] = rows[old] as number;
    }
    this.hold(-(keys.byteLength + rows.byteLength));
  }
}

/** The root of a row, halving the path on the way. */
function find(parent: Int32Array, at: number): number {
  let row = at;
  for (;;) {
    const up = parent[row] as number;
    if (up === row) return row;
    const grand = parent[up] as number;
    parent[row] = grand;
    row = grand;
  }
}

/** Joins the components of two rows under the earlier root, so a root is always its component's first row. */
function union(parent: Int32Array, a: number, b: number): void {
  const ra = find(parent, a);
  const rb = find(parent, b);
  if (ra < rb) parent[rb] = ra;
  else if (rb < ra) parent[ra] = rb;
}

/** A 16-bit tag of a component's first row, never NO_COMPONENT. */
function tagOf(root: number): number {
  let h = Math.imul(root ^ 0x9e3779b9, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) % NO_COMPONENT;
}

/** The component tag of a row, or undefined when it belongs to none. */
export function componentOf(tags: Uint16Array, rowNumber: number): number | undefined {
  const tag = tags[rowNumber - 2];
  return tag === undefined || tag === NO_COMPONENT ? undefined : tag;
}

/** Tags as stored for the continuations: base64 of two little-endian bytes a row. */
export function encodeTags(tags: Uint16Array): string {
  const bytes = Buffer.alloc(tags.length * 2);
  for (let at = 0; at < tags.length; at++) bytes.writeUInt16LE(tags[at] as number, at * 2);
  return bytes.toString('base64');
}

export function decodeTags(text: string): Uint16Array {
  const bytes = Buffer.from(text, 'base64');
  const tags = new Uint16Array(bytes.length >> 1);
  for (let at = 0; at < tags.length; at++) tags[at] = bytes.readUInt16LE(at * 2);
  return tags;
}
