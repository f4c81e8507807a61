/**
 * Where part files, manifests and reports live (S3 in production and on the emulator). The use cases
 * take this port so that they never import the SDK.
 */
import type { Readable } from 'node:stream';

export interface ObjectHead {
  readonly size: number;
  readonly versionId: string | undefined;
  /** The object's user metadata (`x-amz-meta-*`, names in lower case). */
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface ObjectStore {
  /** The object's text, or undefined when it does not exist. */
  getText(key: string): Promise<string | undefined>;
  /** Streams an object (optionally one version, from a byte offset). */
  getStream(key: string, opts?: { versionId?: string; start?: number }): Promise<Readable>;
  head(key: string, versionId?: string): Promise<ObjectHead | undefined>;
  put(key: string, body: string | Uint8Array, contentType?: string): Promise<void>;
  /** Creates an object only if none exists at the key (S3 `If-None-Match: *`); false when one did. */
  putIfAbsent(key: string, body: string, contentType?: string): Promise<boolean>;
  /** Streams a body of unknown length into an object (multipart upload). */
  putStream(key: string, body: Readable, contentType?: string): Promise<void>;
  /** Keys under a prefix, in lexicographic order. */
  list(prefix: string): Promise<string[]>;
  /** A presigned GET URL valid for `expiresInSeconds`. */
  presign(key: string, expiresInSeconds: number): Promise<string>;
}

/**
 * The versions of an object, for an S3 event that names none (the emulator's): the splitter pins the
 * version the event was about by its ETag instead of reading whatever is latest.
 */
export interface ObjectVersions {
  /** Ids of the versions of `key` whose ETag is `eTag` (quotes ignored), newest first. */
  versionsWithETag(key: string, eTag: string): Promise<string[]>;
}
