/**
 * Jobs in a chosen state for the aggregator, dead-batch and sweeper tests, made through the real ledger.
 */
import { vi } from 'vitest';
import type { ImportLedger, SourceObject } from '../../../shared/pipeline/ports.js';

/** An uploaded file the job pins, and the format the splitter would have recorded for it. */
export interface JobFile {
  readonly source: SourceObject;
  /** As `ImportJob.encoding` (`encodingLabel`). @default 'UTF-8' */
  readonly encoding?: string;
  /** @default ',' */
  readonly delimiter?: string;
}

let sequence = 0;

/**
 * Creates a line/phone job with a fresh import id (and, when a header is given, describes its file). The
 * job pins `file.source` when given, else an object that does not exist.
 *
 * @example
 * const importId = await newJob(ledger, bucket, 'acme', ['phone', 'name']);
 * const pinned = await newJob(ledger, bucket, 'acme', ['phone', 'name'], { source, encoding: 'Big5 (CP950)' });
 */
export async function newJob(
  ledger: ImportLedger,
  bucket: string,
  workspace: string,
  header?: readonly string[],
  file?: JobFile,
): Promise<string> {
  sequence += 1;
  const importId = `${workspace}.${String(sequence).padStart(24, '0')}`;
  await ledger.createJob({
    workspace,
    importId,
    channel: 'line',
    key: 'phone',
    source: file?.source ?? {
      bucket,
      key: `incoming/${workspace}/line/phone/f${sequence}.csv`,
      versionId: 'v1',
      size: 10,
    },
  });
  if (header) {
    await ledger.describeFile(workspace, importId, {
      encoding: file?.encoding ?? 'UTF-8',
      delimiter: file?.delimiter ?? ',',
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
