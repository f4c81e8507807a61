/**
 * Plain text cells (RULES §3): length limits, the per-cell size limit, enumerations, tags, LINE UIDs and
 * emails. Each function returns the normalised value or the issue that fails the row.
 */
import { z } from 'zod';
import { type CodedIssue, issue } from '../codes.js';

/**
 * Characters trimmed at the edges of a header name or a cell, beyond what `String.prototype.trim` removes
 * (which already covers NBSP, U+3000 and the BOM): zero-width space, non-joiner and joiner, word joiner.
 * They arrive with copies from web pages and chat apps and are invisible in a spreadsheet (RULES §2).
 */
const ZERO_WIDTH = /^[\s\u200B-\u200D\u2060\uFEFF]+|[\s\u200B-\u200D\u2060\uFEFF]+$/g;

const isZeroWidth = (code: number): boolean => (code >= 0x200b && code <= 0x200d) || code === 0x2060;

/**
 * A cell or header name without whitespace or invisible characters at its edges. Most cells need only the
 * native trim: the regular expression runs when a zero-width character is at an edge.
 *
 * @example
 * trimInvisible('\u200Bname\u00A0'); // 'name'
 */
export function trimInvisible(value: string): string {
  const trimmed = value.trim();
  if (trimmed === '') return trimmed;
  return isZeroWidth(trimmed.charCodeAt(0)) || isZeroWidth(trimmed.charCodeAt(trimmed.length - 1))
    ? trimmed.replace(ZERO_WIDTH, '')
    : trimmed;
}

/** C0 and C1 control characters and DEL, except tab, line feed and carriage return. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is this pattern's job
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;

/**
 * INVALID_CHARACTER when a cell holds NUL or another control character, else undefined. Tab, CR and LF are
 * allowed: the tokenizer only leaves line breaks in quoted cells, and a tab is ordinary text in a cell.
 *
 * @example
 * checkCharacters('name', 'B\u0000ob')?.code; // 'INVALID_CHARACTER'
 */
export function checkCharacters(column: string, value: string): CodedIssue | undefined {
  const match = CONTROL.exec(value);
  if (match === null) return undefined;
  const position = [...value.slice(0, match.index)].length + 1;
  return issue('INVALID_CHARACTER', { column, codePoint: codePointName(match[0]), position });
}

/**
 * How a message names an invisible character.
 *
 * @example
 * codePointName('\u200B'); // 'U+200B'
 */
export function codePointName(char: string): string {
  return `U+${(char.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Characters (code points, so an emoji counts once) of a text, counted only when it could be over `max`. */
function exceeds(value: string, max: number): number | undefined {
  if (value.length <= max) return undefined;
  const length = [...value].length;
  return length > max ? length : undefined;
}

/**
 * The value when it has at most `max` characters, else VALUE_TOO_LONG.
 *
 * @example
 * limitLength('name', '王小明', 255); // '王小明'
 */
export function limitLength(column: string, value: string, max: number): string | CodedIssue {
  const length = exceeds(value, max);
  return length === undefined ? value : issue('VALUE_TOO_LONG', { column, length, max });
}

/** UTF-8 size of a text without encoding it. */
export function utf8Bytes(value: string): number {
  let bytes = 0;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      // A surrogate pair is one 4-byte character.
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** CELL_TOO_LARGE when the raw cell is over the configured byte limit, else undefined. */
export function checkCellSize(column: string, cell: string, maxBytes: number): CodedIssue | undefined {
  // A UTF-16 unit is at most 3 UTF-8 bytes: most cells are decided without counting.
  if (cell.length * 3 <= maxBytes) return undefined;
  const bytes = utf8Bytes(cell);
  return bytes > maxBytes ? issue('CELL_TOO_LARGE', { column, bytes, max: maxBytes }) : undefined;
}

/**
 * One of the allowed values, matched ignoring case (`Subscribed` is `subscribed`).
 *
 * @example
 * matchEnum('gender', 'Female', GENDERS, 'INVALID_GENDER'); // 'female'
 */
export function matchEnum<T extends string>(
  column: string,
  value: string,
  allowed: readonly T[],
  code: 'INVALID_GENDER' | 'INVALID_STATUS',
): T | CodedIssue {
  const lower = value.toLowerCase();
  return allowed.find((candidate) => candidate === lower) ?? issue(code, { column, value, allowed });
}

const TAG_SEPARATOR = /[,，]/;

/**
 * Tags of a cell: split on commas (also the full-width `，`), trimmed, empty parts dropped, de-duplicated in
 * order of first appearance.
 *
 * @example
 * splitTags('VIP, 台北 ,,VIP，新客'); // ['VIP', '台北', '新客']
 */
export function splitTags(value: string): string[] {
  const tags: string[] = [];
  for (const part of value.split(TAG_SEPARATOR)) {
    const tag = part.trim();
    if (tag !== '' && !tags.includes(tag)) tags.push(tag);
  }
  return tags;
}

const LINE_UID = /^U[0-9a-fA-F]{32}$/;

/**
 * A LINE UID, `U` and 32 hexadecimal characters, with the hex part lower-cased as LINE issues it.
 *
 * @example
 * normaliseLineUid('line_uid', 'U4AF4980629A0B0C5E2F0E4C1D2B3A4F5'); // 'U4af4980629a0b0c5e2f0e4c1d2b3a4f5'
 */
export function normaliseLineUid(column: string, value: string): string | CodedIssue {
  return LINE_UID.test(value)
    ? `U${value.slice(1).toLowerCase()}`
    : issue('INVALID_LINE_UID', { column, value });
}

/** Longest address SMTP can carry (RFC 5321 path limit). */
const MAX_EMAIL_LENGTH = 254;
const EMAIL = z.regexes.email;

/**
 * An email address, lower-cased: addresses are matched and stored case-insensitively.
 *
 * @example
 * normaliseEmail('email', 'Jane.Doe@Example.COM'); // 'jane.doe@example.com'
 */
export function normaliseEmail(column: string, value: string): string | CodedIssue {
  return value.length <= MAX_EMAIL_LENGTH && EMAIL.test(value)
    ? value.toLowerCase()
    : issue('INVALID_EMAIL', { column, value });
}
