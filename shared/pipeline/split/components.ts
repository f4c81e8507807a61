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
 * Memory: a table of 12 bytes a slot (two 32-bit fingerprint halves and a parent), at most half full, plus
 * 4 bytes a row while reading and 2 bytes a row once done. Measured (`npm run bench -- --only
 * components_bytes_per_row`): 10 million rows with four identifier columns of mostly distinct values hold
 * 38.7 million values, a table of 2^27 slots, 1.68 GB — more than the splitter's 1,024 MB. Files that large
 * with that many distinct identifiers need a smaller slot (a 32-bit fingerprint is safe: a collision only
 * serialises) and a fuller table before they can be imported; see the README's known limits.
 */
import type { HeaderMapping } from '../../domain/header.js';
import type { PhoneNormaliser } from '../../domain/normalise/phone.js';
import { partitionOf } from '../../ids.js';

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

function canonicalText(value: string): string {
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

/** Two independent 32-bit FNV-1a hashes of a tagged value: a 64-bit fingerprint. */
function fingerprint(tag: string, value: string): [number, number] {
  let a = 0x811c9dc5 ^ tag.charCodeAt(0);
  let b = 0x01000193 ^ Math.imul(tag.charCodeAt(0), 0x9e3779b1);
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return [a | 0, b | 0];
}

/**
 * Union-find over identifier fingerprints, row by row.
 *
 * @example
 * const index = new ComponentIndex(columns, phones);
 * for (const record of records) index.addRow(record.rowNumber, record.cells);
 * const tags = index.tags(); // componentOf(tags, rowNumber): the row's component tag
 */
export class ComponentIndex {
  private hi: Int32Array;
  private lo: Int32Array;
  private parent: Int32Array;
  private used = 0;
  /** The slot of each row's first identifier (-1: none), by rowNumber - 2. */
  private rows = new Int32Array(1024).fill(-1);
  private lastRow = 1;

  constructor(
    private readonly columns: IdentifierColumns,
    private readonly phones: PhoneNormaliser,
    initialSlots = 1 << 16,
  ) {
    this.hi = new Int32Array(initialSlots);
    this.lo = new Int32Array(initialSlots);
    this.parent = new Int32Array(initialSlots).fill(-1);
  }

  /** Distinct identifier values seen. */
  get size(): number {
    return this.used;
  }

  /** Bytes the index holds. */
  get bytes(): number {
    return this.hi.byteLength + this.lo.byteLength + this.parent.byteLength + this.rows.byteLength;
  }

  /** Links the identifier cells of one data row (row numbers ascending; the header is row 1). */
  addRow(rowNumber: number, cells: readonly string[]): void {
    const prints: [number, number][] = [];
    for (const { index, tag } of this.columns.text) {
      const cell = cells[index];
      const value = cell === undefined || cell === '' ? '' : canonicalText(cell);
      if (value !== '') prints.push(fingerprint(tag, value));
    }
    for (const { index, strict } of this.columns.phones) {
      const cell = cells[index];
      const phone =
        cell === undefined || cell.trim() === '' ? undefined : canonicalPhone(cell, strict, this.phones);
      if (phone !== undefined && phone !== '') prints.push(fingerprint('p', phone));
    }
    // Room for the whole row first: growing moves every slot, so it must not happen between two links.
    while ((this.used + prints.length) * 2 > this.parent.length) this.grow();
    let first = -1;
    for (const [h, l] of prints) {
      const slot = this.find(this.slotOf(h, l));
      if (first < 0) first = slot;
      else if (slot !== first) this.parent[slot] = first;
    }
    const at = rowNumber - 2;
    if (at >= this.rows.length) {
      const grown = new Int32Array(Math.max(at + 1, this.rows.length * 2)).fill(-1);
      grown.set(this.rows);
      this.rows = grown;
    }
    this.rows[at] = first;
    this.lastRow = Math.max(this.lastRow, rowNumber);
  }

  /**
   * The component tag of every row, by rowNumber - 2: a 16-bit hash of its component's root, or
   * NO_COMPONENT. Rows of one component always share a tag; two components may share one (that only
   * serialises them).
   */
  tags(): Uint16Array {
    const out = new Uint16Array(Math.max(0, this.lastRow - 1));
    for (let at = 0; at < out.length; at++) {
      const slot = this.rows[at] ?? -1;
      if (slot < 0) {
        out[at] = NO_COMPONENT;
        continue;
      }
      const root = this.find(slot);
      out[at] = partitionOf(`${this.hi[root]}:${this.lo[root]}`, NO_COMPONENT);
    }
    return out;
  }

  private find(slot: number): number {
    let root = slot;
    while ((this.parent[root] as number) !== root) root = this.parent[root] as number;
    let at = slot;
    while (at !== root) {
      const next = this.parent[at] as number;
      this.parent[at] = root;
      at = next;
    }
    return root;
  }

  /** The slot of a fingerprint, taken (as its own root) if new. Open addressing, linear probing. */
  private slotOf(h: number, l: number): number {
    const mask = this.parent.length - 1;
    let slot = (l ^ Math.imul(h, 0x9e3779b1)) & mask;
    for (;;) {
      if (this.parent[slot] === -1) {
        this.hi[slot] = h;
        this.lo[slot] = l;
        this.parent[slot] = slot;
        this.used++;
        return slot;
      }
      if (this.hi[slot] === h && this.lo[slot] === l) return slot;
      slot = (slot + 1) & mask;
    }
  }

  /** Doubles the table: every fingerprint moves, and parents and row slots are mapped to the new slots. */
  private grow(): void {
    const [hi, lo, parent] = [this.hi, this.lo, this.parent];
    const size = parent.length * 2;
    this.hi = new Int32Array(size);
    this.lo = new Int32Array(size);
    this.parent = new Int32Array(size).fill(-1);
    this.used = 0;
    const moved = new Int32Array(parent.length).fill(-1);
    for (let slot = 0; slot < parent.length; slot++) {
      if (parent[slot] !== -1) moved[slot] = this.slotOf(hi[slot] as number, lo[slot] as number);
    }
    for (let slot = 0; slot < parent.length; slot++) {
      if (parent[slot] === -1) continue;
      this.parent[moved[slot] as number] = moved[parent[slot] as number] as number;
    }
    for (let at = 0; at < this.rows.length; at++) {
      const slot = this.rows[at] as number;
      if (slot >= 0) this.rows[at] = moved[slot] as number;
    }
  }
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
