/**
 * Deterministic identifiers. An import's id comes from the object version that started it, so the same
 * S3 event delivered twice is one import; a contact's id comes from the row that created it, so a
 * replayed batch creates the same contact again instead of a second one.
 */
import { createHash } from 'node:crypto';

function digest(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/**
 * What an error or a log line may say about a text it could not read (a message body, a part-file line):
 * its size and a fingerprint to find it again, never its content, which holds a row's cells.
 *
 * @example
 * describeText('{"rows":[…]}'); // '12 characters, sha256 3f2a9c…'
 */
export function describeText(text: string): string {
  return `${text.length} characters, sha256 ${digest(text, 12)}`;
}

/**
 * Why `JSON.parse` failed, without its message: V8 quotes the text it could not parse.
 *
 * @example
 * jsonFailure(new SyntaxError('Unexpected token … "ann@x.com" is not valid JSON')); // 'not valid JSON'
 */
export function jsonFailure(err: unknown): string {
  return err instanceof SyntaxError ? 'not valid JSON' : String((err as Error)?.name ?? 'unreadable');
}

/**
 * The import id of one object version: `<workspace>.<24 hex>`. The workspace is part of the id so
 * that `status <importId>` can find the job without a cross-tenant index.
 *
 * @example
 * importIdFor('acme', { bucket: 'b', key: 'incoming/acme/line/phone/a.csv', versionId: 'v1' });
 * // 'acme.5c1f0e…'
 */
export function importIdFor(
  workspace: string,
  source: { bucket: string; key: string; versionId: string },
): string {
  return `${workspace}.${digest(`${source.bucket}\n${source.key}\n${source.versionId}`, 24)}`;
}

const IMPORT_ID = /^([a-z0-9][a-z0-9-]{1,62})\.([0-9a-f]{24})$/;

/** The workspace an import id belongs to, or undefined when the text is not an import id. */
export function workspaceOfImportId(importId: string): string | undefined {
  return IMPORT_ID.exec(importId)?.[1];
}

/** The id of the contact a row creates: the same row of the same import always yields the same id. */
export function contactIdFor(importId: string, rowNumber: number): string {
  return `c-${digest(`${importId}#${rowNumber}`, 24)}`;
}

/**
 * A cheap non-cryptographic 32-bit hash: FNV-1a over UTF-16 code units from `start`, with MurmurHash3's
 * finaliser so that every bit depends on every character. Shared by message groups and the component
 * index's fingerprints; both run for every row of every file.
 *
 * @example
 * hash32('+886912345678'); // the same unsigned 32-bit number every time
 */
export function hash32(value: string, start = 0x811c9dc5): number {
  let h = start;
  for (let i = 0; i < value.length; i++) h = Math.imul(h ^ value.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The partition of a key value (its batches share a FIFO message group, `batchGroupId`): rows sharing a key
 * value stay in file order. It runs for every row of every file, so it is `hash32` rather than SHA-1.
 *
 * @example
 * partitionOf('+886912345678', 16); // the same number in 0..15 for every row with this phone
 */
export function partitionOf(keyValue: string, partitions: number): number {
  return hash32(keyValue) % partitions;
}
