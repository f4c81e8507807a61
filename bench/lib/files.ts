/**
 * The import files the pipeline benchmarks upload: a first import (new contacts) and an update import of
 * the same key values with changed fields.
 */
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import type { Channel } from '../../shared/domain/model.js';
import { generateCsv } from '../generate.js';

export interface ImportFile {
  /** The object key under which it is uploaded: `incoming/<ws>/<channel>/<key>/<name>.csv`. */
  readonly key: string;
  readonly csv: string;
  /** Data rows in the file. */
  readonly rows: number;
}

/** The workspace the benchmarks import into; it is registered when the emulator is provisioned. */
export const BENCH_WORKSPACE = 'bench';

export interface GeneratedImportOptions {
  /** @default BENCH_WORKSPACE */
  readonly workspace?: string;
  /** Share of rows that repeat an earlier row's key value (0: every key value once). @default 0.1 */
  readonly duplicateRate?: number;
}

/**
 * A generated import file (see `bench/generate.ts`: realistic rows, about 10 % repeated key values unless
 * `duplicateRate` says otherwise, and 5 % invalid rows) with the object key that imports it into its
 * workspace.
 *
 * @example
 * generatedImport('line', 1000, 7).key; // 'incoming/bench/line/phone/first-7.csv'
 * generatedImport('line', 1000, 8, { duplicateRate: 0 }).key; // 'incoming/bench/line/phone/unique-8.csv'
 */
export function generatedImport(
  channel: Channel,
  rows: number,
  seed: number,
  { workspace = BENCH_WORKSPACE, duplicateRate }: GeneratedImportOptions = {},
): ImportFile {
  const file = generateCsv({
    channel,
    rows,
    seed,
    ...(duplicateRate === undefined ? {} : { duplicateRate }),
  });
  const name = duplicateRate === 0 ? 'unique' : 'first';
  return { key: `incoming/${workspace}/${channel}/${file.key}/${name}-${seed}.csv`, csv: file.text, rows };
}

const NAME_COLUMNS = new Set(['name', 'display_name']);
const TAG_COLUMNS = new Set(['tags', 'tag']);

/**
 * The same file with every row changed: its name gets a suffix and its tags one more tag, so that every
 * valid row updates its contact (and nothing else: the key values and identifiers stay).
 *
 * @example
 * updateOf(file).key; // 'incoming/bench/line/line_uid/update-…csv'
 */
export function updateOf(file: ImportFile): ImportFile {
  const [header, ...rows] = parse(file.csv, { bom: true, relax_column_count: true }) as string[][];
  if (!header) return file;
  const names = header.map((h, i) => (NAME_COLUMNS.has(h) ? i : -1)).filter((i) => i >= 0);
  const tags = header.map((h, i) => (TAG_COLUMNS.has(h) ? i : -1)).filter((i) => i >= 0);
  const changed = rows.map((cells) =>
    cells.map((cell, i) => {
      if (names.includes(i)) return cell ? `${cell} 2` : cell;
      if (tags.includes(i)) return cell ? `${cell},updated` : 'updated';
      return cell;
    }),
  );
  const name = file.key.split('/').pop() ?? 'file.csv';
  const key = `${file.key.slice(0, -name.length)}update-${name}`;
  return { key, csv: stringify([header, ...changed]), rows: file.rows };
}
