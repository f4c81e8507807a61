/**
 * Reads a file's header row once (RULES §2): which column fills which field, which columns are skipped
 * (with a "did you mean"), and whether the file must be rejected (duplicate names, required columns missing).
 */
import {
  CHANNEL_COLUMNS,
  COLUMN_HINTS,
  type ColumnSpec,
  keyColumn,
  PROFILE_ALIASES,
  REPORT_COLUMNS,
  requiredColumns,
} from './channels.js';
import { type CodedIssue, issue } from './codes.js';
import type { Channel, CustomFieldDefinition, KeyName } from './model.js';
import { codePointName, trimInvisible } from './normalise/text.js';

/** A column of the file bound to a field: a system field of the channel or a workspace custom field. */
export type ColumnBinding =
  | { readonly kind: 'system'; readonly index: number; readonly column: string; readonly spec: ColumnSpec }
  | {
      readonly kind: 'custom';
      readonly index: number;
      readonly column: string;
      readonly field: CustomFieldDefinition;
    };

/** A column that fills nothing and is listed in the summary. */
export interface SkippedColumn {
  readonly name: string;
  /** A known column name close to this one ("did you mean"). */
  readonly suggestion?: string;
}

/** A header name that had invisible characters around it, removed before matching (the summary lists it). */
export interface HeaderCleanup {
  /** The column's position, 1 for the first. */
  readonly column: number;
  /** The name as matched. */
  readonly name: string;
  /** The characters removed, as code points (`U+200B`), spaces and tabs left out. */
  readonly removed: readonly string[];
}

/** The header of one file, read once and used for every row. */
export interface HeaderMapping {
  readonly channel: Channel;
  readonly key: KeyName;
  /** The header names, trimmed of whitespace and BOM. */
  readonly names: readonly string[];
  /** Position of the Key Value's column. */
  readonly keyIndex: number;
  /** The bound columns, in file order. */
  readonly columns: readonly ColumnBinding[];
  readonly skipped: readonly SkippedColumn[];
  /** Header names that invisible characters (ZWSP, NBSP, U+3000, BOM…) surrounded. */
  readonly cleanups: readonly HeaderCleanup[];
}

/** A header cell as matched: surrounding whitespace, byte order marks and zero-width characters removed. */
export function cleanHeaderName(raw: string): string {
  return trimInvisible(raw);
}

/** Plain spaces and tabs: trimming them is ordinary and not worth a line in the summary. */
const ORDINARY = new Set([' ', '\t', '\r', '\n']);

function cleanupsOf(header: readonly string[], names: readonly string[]): HeaderCleanup[] {
  const cleanups: HeaderCleanup[] = [];
  header.forEach((raw, index) => {
    const name = names[index] as string;
    if (raw === name || name === '') return;
    const at = raw.indexOf(name);
    const removed = [...raw.slice(0, at), ...raw.slice(at + name.length)]
      .filter((char) => !ORDINARY.has(char))
      .map(codePointName);
    if (removed.length > 0) cleanups.push({ column: index + 1, name, removed: [...new Set(removed)] });
  });
  return cleanups;
}

/**
 * Maps a header row to the channel's fields and the workspace's custom fields. Names match exactly after
 * trimming; the report columns `row_number`, `error_code`, `error_message` are ignored silently, as are
 * columns with a blank name; any other unknown column is skipped with a suggestion when a known name is close.
 *
 * @example
 * const mapping = mapHeader(['email', 'messaging_status', 'Gender'], 'edm', 'email', []);
 * // mapping.skipped → [{ name: 'Gender', suggestion: 'gender' }]
 * mapHeader(['email'], 'edm', 'email', []).code; // 'MISSING_REQUIRED_COLUMN'
 */
export function mapHeader(
  header: readonly string[],
  channel: Channel,
  key: KeyName,
  customFields: readonly CustomFieldDefinition[],
): HeaderMapping | CodedIssue {
  const names = header.map(cleanHeaderName);
  if (names.every((name) => name === '')) return issue('MISSING_HEADER');
  const duplicate = findDuplicate(names);
  if (duplicate) return duplicate;

  const system = new Map(CHANNEL_COLUMNS[channel].map((spec) => [spec.column, spec]));
  const custom = new Map(customFields.map((field) => [field.name, field]));
  const known = [...system.keys(), ...custom.keys()];
  const columns: ColumnBinding[] = [];
  const skipped: SkippedColumn[] = [];
  names.forEach((name, index) => {
    const spec = system.get(name);
    const field = custom.get(name);
    if (spec) columns.push({ kind: 'system', index, column: name, spec });
    else if (name === '' || REPORT_COLUMNS.includes(name)) return;
    else if (field) columns.push({ kind: 'custom', index, column: name, field });
    else {
      const suggestion = suggest(name, channel, known);
      skipped.push(suggestion === undefined ? { name } : { name, suggestion });
    }
  });

  const missing = requiredColumns(channel, key).filter((name) => !names.includes(name));
  if (missing.length > 0) {
    const hints = missing.flatMap((name) =>
      skipped.filter((s) => s.suggestion === name).map((s) => `found "${s.name}", did you mean "${name}"?`),
    );
    return issue('MISSING_REQUIRED_COLUMN', { columns: missing, channel, hints });
  }
  return {
    channel,
    key,
    names,
    keyIndex: names.indexOf(keyColumn(channel, key) as string),
    columns,
    skipped,
    cleanups: cleanupsOf(header, names),
  };
}

function findDuplicate(names: readonly string[]): CodedIssue | undefined {
  const seen = new Map<string, number[]>();
  names.forEach((name, index) => {
    if (name !== '') seen.set(name, [...(seen.get(name) ?? []), index + 1]);
  });
  for (const [name, columns] of seen) {
    if (columns.length > 1) return issue('DUPLICATE_HEADER', { name, columns });
  }
  return undefined;
}

/**
 * A known column close to an unknown one: the channel's own name for the same profile field
 * (`display_name` in a LINE file → `name`), else a usual other name of a channel column (`status` in an
 * EDM or WhatsApp file → `messaging_status`), else the nearest known name by edit distance, ignoring case.
 */
function suggest(name: string, channel: Channel, known: readonly string[]): string | undefined {
  const alias = PROFILE_ALIASES.find((group) => group.includes(name))?.find((other) =>
    CHANNEL_COLUMNS[channel].some((spec) => spec.column === other),
  );
  if (alias !== undefined) return alias;
  const lower = name.toLowerCase();
  const hint = COLUMN_HINTS.get(lower);
  if (hint !== undefined && CHANNEL_COLUMNS[channel].some((spec) => spec.column === hint)) return hint;
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance <= Math.max(1, Math.floor(candidate.length / 3)) && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Levenshtein distance (insert, delete, substitute), two rows of memory. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
    }
    previous = current;
  }
  return previous[b.length] as number;
}
