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

/** The FIFO message group of a key value: rows sharing a key value stay in file order. */
export function partitionOf(keyValue: string, partitions: number): number {
  return createHash('sha1').update(keyValue).digest().readUInt32BE(0) % partitions;
}
