import { Readable } from 'node:stream';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { S3ObjectStore } from '../../shared/adapters/s3-object-store.js';
import { useEmulator } from '../helpers/emulator.js';

const env = useEmulator();
const store = () => new S3ObjectStore(env.clients.s3, env.provisioned.bucket);

async function text(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf-8');
}

describe('Class: S3ObjectStore', () => {
  it('returns undefined for a missing object instead of throwing', async () => {
    expect(await store().getText('parts/none.jsonl')).toBeUndefined();
    expect(await store().head('parts/none.jsonl')).toBeUndefined();
  });

  it('reads one version of an object from a byte offset', async () => {
    // Prepare
    const first = await env.clients.s3.send(
      new PutObjectCommand({ Bucket: env.provisioned.bucket, Key: 'x/a.csv', Body: 'first,version' }),
    );
    await env.clients.s3.send(
      new PutObjectCommand({ Bucket: env.provisioned.bucket, Key: 'x/a.csv', Body: 'second' }),
    );

    // Act
    const head = await store().head('x/a.csv', first.VersionId);
    const tail = await text(await store().getStream('x/a.csv', { versionId: first.VersionId, start: 6 }));

    // Assess
    expect(head).toEqual({ size: 13, versionId: first.VersionId, metadata: {} });
    expect(tail).toBe('version');
  });

  it('finds the versions of exactly one key by ETag, newest first (pinning a versionId-less event)', async () => {
    // Prepare: the same bytes twice, other bytes between, and a longer key sharing the prefix
    const put = (key: string, body: string) =>
      env.clients.s3.send(new PutObjectCommand({ Bucket: env.provisioned.bucket, Key: key, Body: body }));
    const older = await put('v/a.csv', 'same');
    await put('v/a.csv', 'other');
    const newer = await put('v/a.csv', 'same');
    await put('v/a.csv.bak', 'same');

    // Act
    const found = await store().versionsWithETag('v/a.csv', newer.ETag as string);

    // Assess
    expect(found).toEqual([newer.VersionId, older.VersionId]);
    expect(await store().versionsWithETag('v/a.csv', 'no-such-etag')).toEqual([]);
  });

  it('uploads with user metadata that head reads back (who uploaded an import)', async () => {
    const versionId = await store().upload('x/m.csv', 'a\n', 'text/csv', { 'uploaded-by': 'cli:amy' });

    const head = await store().head('x/m.csv', versionId);

    expect(head?.metadata).toEqual({ 'uploaded-by': 'cli:amy' });
  });

  it('streams a body into an object and lists keys in order', async () => {
    await store().putStream('r/b.csv', Readable.from(['a,b\n', '1,2\n']), 'text/csv');
    await store().put('r/a.csv', 'x');

    expect(await store().getText('r/b.csv')).toBe('a,b\n1,2\n');
    expect(await store().list('r/')).toEqual(['r/a.csv', 'r/b.csv']);
  });

  it('presigns a URL that downloads the object', async () => {
    await store().put('reports/acme/x/failures.csv', 'row_number\n');

    const url = await store().presign('reports/acme/x/failures.csv', 60);
    const res = await fetch(url);

    expect(res.status).toBe(200);
    expect(await res.text()).toBe('row_number\n');
  });
});
