/**
 * The operator's console through the whole pipeline on the emulator: a dry run decides every row against
 * the contacts and writes none (RULES §1); a cancel skips the batches not applied yet (RULES §7).
 */
import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { SqsFunction } from '../../../infra/local/runner.js';
import { DynamoImportLedger } from '../../../shared/adapters/import-ledger.js';
import { issue } from '../../../shared/domain/codes.js';
import type { BatchMessage } from '../../../shared/pipeline/messages.js';
import { ImportFinishedError } from '../../../shared/pipeline/ports.js';
import type { FunctionName } from '../../../shared/resources.js';
import { expectOneNotification, expectRowsAddUp } from '../../helpers/e2e/expect.js';
import { exportedContacts, shown } from '../../helpers/e2e/exported.js';
import { usePipeline } from '../../helpers/e2e/pipeline.js';
import { smallBatches } from '../../helpers/e2e/small-batches.js';

const CANCEL = 'cancel-me';
const cancelling = { on: false, importId: '' };

/**
 * The processor of the CANCEL workspace takes its records one at a time and, once the first has been
 * applied, cancels the import, as an operator running `imports cancel` would.
 */
function cancelAfterFirstBatch(processor: SqsFunction, ledger: () => DynamoImportLedger): SqsFunction {
  const workspaceOf = (record: SQSRecord) => (JSON.parse(record.body) as BatchMessage).workspace;
  return async (event, context) => {
    if (!event.Records.some((record) => workspaceOf(record) === CANCEL)) return processor(event, context);
    const failures = [];
    for (const record of event.Records) {
      const response = await processor({ Records: [record] }, context);
      failures.push(...(response?.batchItemFailures ?? []));
      if (workspaceOf(record) === CANCEL && !cancelling.on) {
        cancelling.on = true;
        cancelling.importId = (JSON.parse(record.body) as BatchMessage).importId;
        await ledger().cancel(CANCEL, cancelling.importId);
      }
    }
    return { batchItemFailures: failures };
  };
}

const pipeline = usePipeline({ wrap });
const ledger = () =>
  new DynamoImportLedger(pipeline.env.clients.dynamodb, pipeline.env.provisioned.tables.imports);

function wrap(name: FunctionName, handler: SqsFunction): SqsFunction {
  if (name === 'splitter') return smallBatches(CANCEL, { maxBatchRows: 1 }, handler);
  if (name === 'processor') return cancelAfterFirstBatch(handler, ledger);
  return handler;
}

describe('Dry run: a file in dry-run/ is decided against the contacts and writes none (RULES §1)', () => {
  const seed = ['phone,name,line_uid', `0912000001,Ann,U${'a'.repeat(32)}`, '0912000002,Bo,'];
  /** What the file does to the seeded contacts: the dry run says it, the real import does it. */
  const COUNTS = { total: 4, created: 1, updated: 1, unchanged: 1, skipped: 0, failed: 1 };
  const file = [
    'phone,name,line_uid',
    `0912000001,Ann,U${'a'.repeat(32)}`, // unchanged
    '0912000002,Bob,', // updated: renamed
    `0912000003,Cy,U${'c'.repeat(32)}`, // created, with a LINE UID nobody holds
    '0912,Dee,', // failed: not a phone number
  ];

  it('counts what would be created, updated, unchanged and failed, reports it, and leaves the contacts as they were', async () => {
    // Prepare
    const seeded = await pipeline.importLines('incoming/dry/line/phone/seed.csv', seed);
    expect(seeded.summary.rows).toMatchObject({ created: 2 });
    await pipeline.notifications();
    const before = await exportedContacts(pipeline, 'dry');

    // Act
    const result = await pipeline.importLines('incoming/dry/line/phone/dry-run/plan.csv', file);

    // Assess: the counts say what the import would do, and the report has the failed row
    expectRowsAddUp(result, 4);
    expect(result.summary).toMatchObject({
      dryRun: true,
      cancelledAt: null,
      outcome: 'completed_with_errors',
    });
    expect(result.summary.rows).toEqual(COUNTS);
    expect(result.failures.map((row) => row.slice(0, 2))).toEqual([
      ['phone', 'name'],
      ['0912', 'Dee'],
    ]);
    const [notification] = await pipeline.notifications();
    expect(notification?.attributes).toMatchObject({ mode: 'dry_run', outcome: 'completed_with_errors' });
    expect(notification?.subject).toBe(
      `Contact import dry run completed with errors: ${result.summary.importId}`,
    );

    // Assess: no contact was written
    expect(await exportedContacts(pipeline, 'dry')).toEqual(before);
  });

  it('claims no channel key: the same file imported for real then creates and updates as the dry run said', async () => {
    // Act
    const result = await pipeline.importLines('incoming/dry/line/phone/plan.csv', file);

    // Assess
    expect(result.summary.dryRun).toBe(false);
    expect(result.summary.rows).toEqual(COUNTS);
    expectOneNotification(await pipeline.notifications(), result, 'completed_with_errors');
    const contacts = (await exportedContacts(pipeline, 'dry')).map(shown);
    expect(contacts.map((c) => [c.name, c.phone, (c.line as { uid: string } | undefined)?.uid])).toEqual([
      ['Ann', '+886912000001', `U${'a'.repeat(32)}`],
      ['Bob', '+886912000002', undefined],
      ['Cy', '+886912000003', `U${'c'.repeat(32)}`],
    ]);
  });
});

describe('Cancel: batches not applied yet are skipped with CANCELLED (RULES §7)', () => {
  it('keeps what was applied, skips the rest, ends cancelled with one notification, and refuses a second cancel', async () => {
    // Prepare: six rows in six one-row batches
    const lines = ['phone,name', ...[1, 2, 3, 4, 5, 6].map((n) => `091200000${n},Person ${n}`)];

    // Act: the processor's wrapper cancels the import once its first batch is applied
    const result = await pipeline.importLines(`incoming/${CANCEL}/line/phone/big.csv`, lines);

    // Assess: the rows add up; the applied ones stay, the others are skipped with CANCELLED
    expectRowsAddUp(result, 6);
    const { created, skipped } = result.summary.rows;
    expect(created).toBeGreaterThanOrEqual(1);
    expect(skipped).toBeGreaterThanOrEqual(1);
    expect(created + skipped).toBe(6);
    expect(result.summary.cancelledAt).toEqual(expect.any(String));
    expect(result.summary.errors).toEqual({ CANCELLED: skipped });
    const message = issue('CANCELLED', { at: result.summary.cancelledAt as string }).message;
    expect(result.failures.slice(1).map((row) => row.slice(-2))).toEqual(
      Array.from({ length: skipped }, () => ['CANCELLED', message]),
    );
    expectOneNotification(await pipeline.notifications(), result, 'cancelled');
    expect((await exportedContacts(pipeline, CANCEL)).length).toBe(created);

    // Assess: a finished import cannot be cancelled
    await expect(ledger().cancel(CANCEL, cancelling.importId)).rejects.toThrow(ImportFinishedError);
  });
});
