/**
 * Jobs in a chosen state for the aggregator, dead-batch and sweeper tests, made through the real ledger.
 */
import { vi } from 'vitest';
import type { ImportLedger } from '../../../shared/pipeline/ports.js';

let sequence = 0;

/**
 * Creates a line/phone job with a fresh import id (and, when a header is given, describes its file).
 *
 * @example
 * const importId = await newJob(ledger, bucket, 'acme', ['phone', 'name']);
 */
export async function newJob(
  ledger: ImportLedger,
  bucket: string,
  workspace: string,
  header?: readonly string[],
): Promise<string> {
  sequence += 1;
  const importId = `${workspace}.${String(sequence).padStart(24, '0')}`;
  await ledger.createJob({
    workspace,
    importId,
    channel: 'line',
    key: 'phone',
    source: { bucket, key: `incoming/${workspace}/line/phone/f${sequence}.csv`, versionId: 'v1', size: 10 },
  });
  if (header) {
    await ledger.describeFile(workspace, importId, {
      encoding: 'UTF-8',
      delimiter: ',',
      header,
      skippedColumns: [],
    });
  }
  return importId;
}

/** A logger whose calls tests can inspect. */
export function spyLogger() {
  return { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
}
