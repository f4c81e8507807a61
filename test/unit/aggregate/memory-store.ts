import type { Readable } from 'node:stream';
import type { ObjectHead, ObjectStore } from '../../../shared/pipeline/part-store.js';

/** An ObjectStore in memory, for shaping inputs of pure merge/report code (S3 itself is tested on the emulator). */
export class MemoryStore implements ObjectStore {
  readonly objects = new Map<string, string>();
  readonly reads: string[] = [];

  async getText(key: string): Promise<string | undefined> {
    this.reads.push(key);
    return this.objects.get(key);
  }

  async getStream(): Promise<Readable> {
    throw new Error('MemoryStore.getStream is not used by these tests');
  }

  async head(key: string): Promise<ObjectHead | undefined> {
    const text = this.objects.get(key);
    return text === undefined ? undefined : { size: Buffer.byteLength(text), versionId: undefined };
  }

  async put(key: string, body: string | Uint8Array): Promise<void> {
    this.objects.set(key, typeof body === 'string' ? body : Buffer.from(body).toString('utf-8'));
  }

  async putIfAbsent(key: string, body: string): Promise<boolean> {
    if (this.objects.has(key)) return false;
    this.objects.set(key, body);
    return true;
  }

  async putStream(key: string, body: Readable): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(Buffer.from(chunk));
    this.objects.set(key, Buffer.concat(chunks).toString('utf-8'));
  }

  async list(prefix: string): Promise<string[]> {
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  async presign(key: string, expiresInSeconds: number): Promise<string> {
    return `https://example.test/${key}?expires=${expiresInSeconds}`;
  }
}
