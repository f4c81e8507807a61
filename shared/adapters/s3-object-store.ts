/**
 * The ObjectStore port over one S3 bucket.
 */
import type { Readable } from 'node:stream';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { ObjectHead, ObjectStore, ObjectVersions } from '../pipeline/part-store.js';

function isMissing(err: unknown): boolean {
  return err instanceof NoSuchKey || err instanceof NotFound || (err as Error)?.name === 'NoSuchKey';
}

/**
 * @example
 * const store = new S3ObjectStore(clients.s3, config.resources.bucket.name);
 * await store.put('parts/acme/acme.1f…/rows/0000000002-00000001.jsonl', body);
 */
export class S3ObjectStore implements ObjectStore, ObjectVersions {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
  ) {}

  async getText(key: string): Promise<string | undefined> {
    try {
      const res = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return await res.Body?.transformToString('utf-8');
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async getStream(key: string, opts: { versionId?: string; start?: number } = {}): Promise<Readable> {
    const res = await this.s3.send(
      new GetObjectCommand({
        Bucket: this.bucket,
        Key: key,
        VersionId: opts.versionId,
        Range: opts.start ? `bytes=${opts.start}-` : undefined,
      }),
    );
    if (!res.Body) throw new Error(`S3 object s3://${this.bucket}/${key} has no body`);
    return res.Body as Readable;
  }

  async head(key: string, versionId?: string): Promise<ObjectHead | undefined> {
    try {
      const res = await this.s3.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: key, VersionId: versionId }),
      );
      return { size: res.ContentLength ?? 0, versionId: res.VersionId, metadata: res.Metadata ?? {} };
    } catch (err) {
      if (
        isMissing(err) ||
        (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404
      ) {
        return undefined;
      }
      throw err;
    }
  }

  async put(key: string, body: string | Uint8Array, contentType = 'application/octet-stream'): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }),
    );
  }

  async putIfAbsent(key: string, body: string, contentType = 'application/octet-stream'): Promise<boolean> {
    try {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentType: contentType,
          IfNoneMatch: '*',
        }),
      );
      return true;
    } catch (err) {
      // 412: the object exists; 409: a concurrent conditional write to the key is in progress.
      const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 412 || status === 409) return false;
      throw err;
    }
  }

  async putStream(key: string, body: Readable, contentType = 'application/octet-stream'): Promise<void> {
    await new Upload({
      client: this.s3,
      params: { Bucket: this.bucket, Key: key, Body: body, ContentType: contentType },
    }).done();
  }

  /**
   * Uploads a body (multipart when large) and returns the version S3 gave the new object: an import's id
   * is derived from it, so the uploader can name the import without a second, racy HeadObject.
   *
   * @example
   * const versionId = await store.upload('incoming/acme/line/phone/a.csv', createReadStream('a.csv'), 'text/csv');
   */
  async upload(
    key: string,
    body: Readable | Uint8Array | string,
    contentType = 'application/octet-stream',
    metadata?: Record<string, string>,
  ): Promise<string | undefined> {
    const result = await new Upload({
      client: this.s3,
      params: { Bucket: this.bucket, Key: key, Body: body, ContentType: contentType, Metadata: metadata },
    }).done();
    return result.VersionId;
  }

  /** Lists the key's versions (ListObjectVersions; needs `s3:ListBucketVersions`, used on the emulator only). */
  async versionsWithETag(key: string, eTag: string): Promise<string[]> {
    const unquoted = (tag: string | undefined) => (tag ?? '').replace(/"/g, '');
    const found: string[] = [];
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    do {
      const res = await this.s3.send(
        new ListObjectVersionsCommand({
          Bucket: this.bucket,
          Prefix: key,
          KeyMarker: keyMarker,
          VersionIdMarker: versionIdMarker,
        }),
      );
      for (const v of res.Versions ?? []) {
        if (v.Key === key && v.VersionId && unquoted(v.ETag) === unquoted(eTag)) found.push(v.VersionId);
      }
      keyMarker = res.IsTruncated ? res.NextKeyMarker : undefined;
      versionIdMarker = res.IsTruncated ? res.NextVersionIdMarker : undefined;
    } while (keyMarker);
    return found;
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const res = await this.s3.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of res.Contents ?? []) if (o.Key) keys.push(o.Key);
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  }

  presign(key: string, expiresInSeconds: number): Promise<string> {
    return getSignedUrl(this.s3, new GetObjectCommand({ Bucket: this.bucket, Key: key }), {
      expiresIn: expiresInSeconds,
    });
  }
}
