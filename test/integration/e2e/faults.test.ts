import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { SqsFunction } from '../../../infra/local/runner.js';
import { issue } from '../../../shared/domain/codes.js';
import type { Issue } from '../../../shared/domain/model.js';
import { reportKeys } from '../../../shared/pipeline/aggregate/aggregate.js';
import { type ManifestEntry, partsPrefix } from '../../../shared/pipeline/messages.js';
import { parseManifest } from '../../../shared/pipeline/sweep.js';
import type { FunctionName } from '../../../shared/resources.js';
import { expectOneNotification, expectRowsAddUp, profiles } from '../../helpers/e2e/expect.js';
import { usePipeline } from '../../helpers/e2e/pipeline.js';

/**
 * Faults injected around the real processor handler, chosen by a marker in a row's cells:
 * - CRASH: the handler runs, then the invocation dies before SQS hears back (once);
 * - POISON: the batch fails every delivery, until SQS dead-letters it;
 * - LOST: the first batch carrying it is acknowledged without being processed (it is gone for good).
 */
const faults = { crashed: 0, poisoned: 0, lost: 0 };

function injectFaults(name: FunctionName, handler: SqsFunction): SqsFunction {
  if (name !== 'processor') return handler;
  return async (event, context) => {
    const marked = (marker: string) => event.Records.filter((r) => r.body.includes(marker));
    const poison = marked('POISON');
    const lost = faults.lost === 0 ? marked('LOST') : [];
    faults.poisoned += poison.length;
    faults.lost += lost.length;
    const rest: SQSEvent = { Records: event.Records.filter((r) => !poison.includes(r) && !lost.includes(r)) };
    const response = rest.Records.length > 0 ? await handler(rest, context) : { batchItemFailures: [] };
    if (faults.crashed === 0 && marked('CRASH').length > 0) {
      faults.crashed += 1;
      throw new Error('injected crash after the handler ran, before the response reached SQS');
    }
    // A poisoned record fails, and with it the later records of its group (as the FIFO handler does).
    const failedGroups = new Set(poison.map((r) => r.attributes.MessageGroupId));
    const failed = event.Records.filter(
      (r) => poison.includes(r) || (failedGroups.has(r.attributes.MessageGroupId) && !lost.includes(r)),
    );
    const reported = new Set([
      ...(response?.batchItemFailures ?? []).map((f) => f.itemIdentifier),
      ...failed.map((r) => r.messageId),
    ]);
    return { batchItemFailures: [...reported].map((itemIdentifier) => ({ itemIdentifier })) };
  };
}

const pipeline = usePipeline({ wrap: injectFaults });

function file(names: readonly string[]): string {
  return `phone,name\n${names.map((name, i) => `09120001${String(i).padStart(2, '0')},${name}`).join('\n')}\n`;
}

/** failures.csv of a `file(names)` whose rows `rows` failed with `error`: the cells as uploaded, then why. */
function failuresOf(names: readonly string[], rows: readonly number[], error: Issue): string[][] {
  return [
    ['phone', 'name', 'row_number', 'error_code', 'error_message'],
    ...rows.map((r) => [
      `09120001${String(r - 2).padStart(2, '0')}`,
      names[r - 2] as string,
      String(r),
      error.code,
      error.message,
    ]),
  ];
}

/** The batch (from the split manifests) that carries a row, and all its rows. */
async function batchOf(workspace: string, importId: string, rowNumber: number): Promise<ManifestEntry> {
  const entries: ManifestEntry[] = [];
  for (const key of await pipeline.store.list(`${partsPrefix(workspace, importId)}manifest/`)) {
    entries.push(...parseManifest(key, (await pipeline.store.getText(key)) ?? '[]'));
  }
  const entry = entries.find((e) => e.rowNumbers.includes(rowNumber));
  if (!entry) throw new Error(`row ${rowNumber} is in no manifest of ${importId}`);
  return entry;
}

describe('End to end: faults', () => {
  it('ends with the same contacts and counts when a processor dies after writing, before acknowledging', async () => {
    // Act
    const upload = await pipeline.upload(
      'incoming/crash/line/phone/a.csv',
      file(['Ann', 'CRASH', 'Cy', 'Dee']),
    );
    const result = await pipeline.result(upload);

    // Assess
    expect(faults.crashed).toBe(1);
    expectRowsAddUp(result, 4);
    expect(result.summary.rows).toMatchObject({ created: 4, failed: 0 });
    expectOneNotification(await pipeline.notifications(), result, 'succeeded');
    const contacts = profiles(await pipeline.liveContacts('crash'));
    expect(contacts.map((c) => [c.name, c.version])).toEqual([
      ['Ann', 1],
      ['CRASH', 1],
      ['Cy', 1],
      ['Dee', 1],
    ]);
  });

  it('fails the rows of a poison batch with PROCESSING_FAILED once it is dead-lettered, and completes', async () => {
    // Act
    const upload = await pipeline.upload(
      'incoming/poison/line/phone/a.csv',
      file(['Ann', 'POISON', 'Cy', 'Dee', 'Eve']),
    );
    const result = await pipeline.result(upload);

    // Assess: the whole batch that carried row 3 failed, with its cells; the other rows were created
    const poisoned = await batchOf('poison', upload.importId, 3);
    const rows = [...poisoned.rowNumbers].sort((a, b) => a - b);
    expect(faults.poisoned).toBe(5);
    expectRowsAddUp(result, 5);
    expect(result.summary.rows).toMatchObject({ failed: rows.length, created: 5 - rows.length });
    const error = issue('PROCESSING_FAILED', {
      reason: 'the batch failed 5 deliveries and was dead-lettered',
    });
    const names = ['Ann', 'POISON', 'Cy', 'Dee', 'Eve'];
    expect(result.failures).toEqual(failuresOf(names, rows, error));
    expectOneNotification(await pipeline.notifications(), result, 'completed_with_errors');
    expect((await pipeline.liveContacts('poison')).map((c) => c.name).sort()).toEqual(
      names.filter((_, i) => !rows.includes(i + 2)).sort(),
    );
  });

  it('finishes an import whose batch was lost, once it stalls: the lost rows fail with PROCESSING_TIMEOUT and their cells', async () => {
    // Prepare: the batch carrying row 2 is acknowledged unprocessed, so the import never completes
    const upload = await pipeline.upload('incoming/lost/line/phone/a.csv', file(['LOST', 'Bo', 'Cy']));
    await pipeline.runner.idle();
    expect(await pipeline.notifications()).toEqual([]);

    // Act: the schedule fires after the stall time (30 minutes)
    await pipeline.runner.sweep(new Date(Date.now() + 31 * 60_000));
    const result = await pipeline.result(upload);

    // Assess
    const lost = await batchOf('lost', upload.importId, 2);
    const rows = [...lost.rowNumbers].sort((a, b) => a - b);
    expect(faults.lost).toBeGreaterThanOrEqual(1);
    expectRowsAddUp(result, 3);
    expect(result.summary.rows).toMatchObject({ failed: rows.length, created: 3 - rows.length });
    expect(result.summary.sweep).toMatchObject({
      batchesTimedOut: [lost.batchNo],
      rowsTimedOut: rows.length,
      splitIncomplete: false,
    });
    // The lost rows' cells are read back from the uploaded version: failures.csv holds the whole rows.
    const error = issue('PROCESSING_TIMEOUT', { minutes: 30 });
    const names = ['LOST', 'Bo', 'Cy'];
    expect(result.failures).toEqual(failuresOf(names, rows, error));
    expectOneNotification(await pipeline.notifications(), result, 'completed_with_errors');

    // Act again: the message says "upload the rows in failures.csv again", so upload that file as it is
    const failures = await pipeline.store.getText(reportKeys('lost', upload.importId).failures);
    const again = await pipeline.result(
      await pipeline.upload('incoming/lost/line/phone/failures.csv', failures ?? ''),
    );

    // Assess: every lost row is created from its own cells; nothing is missing any more
    expect(again.summary.rows).toMatchObject({ created: rows.length, failed: 0 });
    const contacts = profiles(await pipeline.liveContacts('lost'));
    expect(contacts.map((c) => c.name)).toEqual(['Bo', 'Cy', 'LOST']);
  });
});
