import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoImportLedger } from '../../../shared/adapters/import-ledger.js';
import { S3ObjectStore } from '../../../shared/adapters/s3-object-store.js';
import { SnsNotifier } from '../../../shared/adapters/sns-notifier.js';
import { DynamoWorkspaceStore } from '../../../shared/adapters/workspace-store.js';
import { issue } from '../../../shared/domain/codes.js';
import type { RowCounts } from '../../../shared/domain/model.js';
import {
  type AggregateDeps,
  aggregateImport,
  NotificationPendingError,
  reportKeys,
} from '../../../shared/pipeline/aggregate/aggregate.js';
import { formatPart } from '../../../shared/pipeline/aggregate/part-file.js';
import { emptyCounts, type PartRow, partKey } from '../../../shared/pipeline/messages.js';
import { newJob, spyLogger } from '../../helpers/e2e/jobs.js';
import { type Subscriber, subscribe } from '../../helpers/e2e/subscriber.js';
import { useEmulator } from '../../helpers/emulator.js';

const env = useEmulator();
const WS = 'acme';
let deps: AggregateDeps;
let ledger: DynamoImportLedger;
let store: S3ObjectStore;
let subscriber: Subscriber;
const logger = spyLogger();

beforeAll(async () => {
  ledger = new DynamoImportLedger(env.clients.dynamodb, env.provisioned.tables.imports);
  store = new S3ObjectStore(env.clients.s3, env.provisioned.bucket);
  subscriber = await subscribe(env.clients, env.provisioned.topics.notifications, 'aggregate-test');
  deps = {
    ledger,
    store,
    workspaces: new DynamoWorkspaceStore(env.clients.dynamodb, env.provisioned.tables.contacts),
    notifier: new SnsNotifier(env.clients.sns, env.provisioned.topics.notifications),
    bucket: env.provisioned.bucket,
    reportUrlExpirySeconds: 600,
    logger,
  };
});

const job = (header = ['phone', 'name', 'tags']) => newJob(ledger, env.provisioned.bucket, WS, header);

/** Writes a part and records its batch, as the processor does. */
async function batch(
  importId: string,
  batchNo: number,
  rowNumbers: number[],
  counts: Partial<RowCounts>,
  rows: PartRow[],
) {
  const full = { ...emptyCounts(), ...counts };
  const firstRow = Math.min(...rowNumbers);
  await store.put(
    partKey(WS, importId, firstRow, batchNo),
    formatPart({ batchNo, firstRow, counts: full, writer: 'processor' }, rows),
  );
  await ledger.recordBatch(WS, importId, batchNo, full);
}

const failed = (
  rowNumber: number,
  cells: string[],
  code = issue('KEY_EMPTY', { column: 'phone' }),
): PartRow => ({
  rowNumber,
  outcome: 'failed',
  error: code,
  warnings: [],
  cells,
});

async function csv(key: string): Promise<string[][]> {
  return parse((await store.getText(key)) ?? '', { bom: true }) as string[][];
}

describe('Function: aggregateImport', () => {
  it('writes both reports in row order from overlapping parts, with the original header and cells', async () => {
    // Prepare: two partitions whose batches interleave over the file (rows 2-9)
    const importId = await job();
    const warning = { code: 'PHONE_LEADING_ZERO_RESTORED', message: 'leading zero restored' };
    await batch(importId, 1, [2, 4, 6, 8], { created: 2, failed: 1, skipped: 1 }, [
      failed(4, ['', 'Ann', 'vip']),
      {
        rowNumber: 6,
        outcome: 'created',
        warnings: [warning, { code: 'X', message: 'second' }],
        cells: ['912345678', 'Bo', ''],
      },
      {
        rowNumber: 8,
        outcome: 'skipped',
        error: { code: 'S', message: 'skipped' },
        warnings: [],
        cells: ['0912', '=cmd()', ''],
      },
    ]);
    await batch(importId, 2, [3, 5, 7, 9], { updated: 2, unchanged: 1, failed: 1 }, [
      {
        ...failed(3, ['x', 'Cy', 'a,b']),
        otherErrors: [{ code: 'E2', message: 'second error' }],
        warnings: [{ code: 'W', message: 'careful' }],
      },
    ]);
    await ledger.finishSplitting(WS, importId, 2, 8);
    expect(await ledger.claimAggregation(WS, importId)).toBe(true);

    // Act
    const { summary, notified } = await aggregateImport({ kind: 'aggregate', workspace: WS, importId }, deps);

    // Assess
    const keys = reportKeys(WS, importId);
    const key = issue('KEY_EMPTY', { column: 'phone' });
    expect(await csv(keys.failures)).toEqual([
      ['phone', 'name', 'tags', 'row_number', 'error_code', 'error_message'],
      ['x', 'Cy', 'a,b', '3', 'KEY_EMPTY; E2; W', `${key.message}; second error; Warning: careful`],
      ['', 'Ann', 'vip', '4', key.code, key.message],
      ['0912', "'=cmd()", '', '8', 'S', 'skipped'],
    ]);
    expect(await csv(keys.warnings)).toEqual([
      ['phone', 'name', 'tags', 'row_number', 'error_code', 'error_message'],
      ['912345678', 'Bo', '', '6', 'PHONE_LEADING_ZERO_RESTORED; X', 'leading zero restored; second'],
    ]);
    expect(summary?.rows).toEqual({ total: 8, created: 2, updated: 2, unchanged: 1, skipped: 1, failed: 2 });
    expect(summary?.outcome).toBe('completed_with_errors');
    // Each code of a row counts; a failed row's warning counts like any other (it is in failures.csv).
    expect(summary?.errors).toEqual({ KEY_EMPTY: 2, E2: 1, S: 1 });
    expect(summary?.warnings).toEqual({ PHONE_LEADING_ZERO_RESTORED: 1, X: 1, W: 1 });
    expect(summary?.totalsCheck).toEqual({ consistent: true, rowsInFile: 8, rowsCounted: 8, problems: [] });
    expect(JSON.parse((await store.getText(keys.summary)) ?? '{}')).toEqual(summary);
    expect(notified).toBe(true);
    expect((await ledger.getJob(WS, importId))?.status).toBe('completed');
  });

  it('publishes one notification with the summary, the report locations and filter attributes', async () => {
    // Prepare
    await subscriber.drain();
    const importId = await job();
    await batch(importId, 1, [2, 3], { created: 2 }, []);
    await ledger.finishSplitting(WS, importId, 1, 2);
    await ledger.claimAggregation(WS, importId);

    // Act
    await aggregateImport({ kind: 'aggregate', workspace: WS, importId }, deps);
    await aggregateImport({ kind: 'aggregate', workspace: WS, importId }, deps);

    // Assess: the second delivery finds the job completed and publishes nothing
    const notifications = await subscriber.drain();
    expect(notifications).toHaveLength(1);
    const [n] = notifications;
    expect(n?.attributes).toEqual({
      importId,
      workspace: WS,
      channel: 'line',
      outcome: 'succeeded',
      mode: 'apply',
    });
    expect(n?.subject).toBe(`Contact import succeeded: ${importId}`);
    expect(n?.body.summary.rows.created).toBe(2);
    expect(n?.body.failuresReport.s3Uri).toBe(
      `s3://${env.provisioned.bucket}/reports/${WS}/${importId}/failures.csv`,
    );
    const download = await fetch(n?.body.failuresReport.url ?? '');
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).toString('utf-8')).toBe(
      '\ufeffphone,name,tags,row_number,error_code,error_message\n',
    );
  });

  it('does not publish while another run holds the notification, and leaves the job pending', async () => {
    // Prepare: another run leased the notification and is publishing it
    await subscriber.drain();
    const importId = await job();
    await batch(importId, 1, [2], { created: 1 }, []);
    await ledger.finishSplitting(WS, importId, 1, 1);
    await ledger.claimAggregation(WS, importId);
    await ledger.claimNotification(WS, importId, 60);

    // Act
    const run = aggregateImport({ kind: 'aggregate', workspace: WS, importId }, deps);

    // Assess: this run retries later; nothing published twice, the job not completed without a publish
    await expect(run).rejects.toBeInstanceOf(NotificationPendingError);
    expect(await subscriber.drain()).toEqual([]);
    expect((await ledger.getJob(WS, importId))?.status).toBe('aggregating');
  });

  it('reports a rejected file with its reason, empty reports and outcome rejected', async () => {
    // Prepare
    await subscriber.drain();
    const importId = await job(['phone']);
    const reason = issue('EMPTY_FILE');
    await ledger.reject(WS, importId, reason);
    await ledger.claimAggregation(WS, importId);

    // Act
    const { summary } = await aggregateImport({ kind: 'aggregate', workspace: WS, importId }, deps);

    // Assess
    expect(summary?.outcome).toBe('rejected');
    expect(summary?.rejection).toEqual(reason);
    expect(summary?.rows.total).toBe(0);
    expect(await csv(reportKeys(WS, importId).failures)).toEqual([
      ['phone', 'row_number', 'error_code', 'error_message'],
    ]);
    expect(await csv(reportKeys(WS, importId).warnings)).toEqual([
      ['phone', 'row_number', 'error_code', 'error_message'],
    ]);
    const [n] = await subscriber.drain();
    expect(n?.attributes.outcome).toBe('rejected');
  });

  it('says loudly, in the summary and the log, when the parts do not add up to the rows of the file', async () => {
    // Prepare: the splitter counted 3 rows; the only part accounts for 2
    const importId = await job();
    await batch(importId, 1, [2, 3], { created: 2 }, []);
    await ledger.finishSplitting(WS, importId, 1, 3);
    await ledger.claimAggregation(WS, importId);
    logger.error.mockClear();

    // Act
    const { summary } = await aggregateImport({ kind: 'aggregate', workspace: WS, importId }, deps);

    // Assess
    expect(summary?.totalsCheck).toEqual({
      consistent: false,
      rowsInFile: 3,
      rowsCounted: 2,
      problems: ['the file has 3 data rows but the parts account for 2'],
    });
    expect(logger.error).toHaveBeenCalledWith(
      'import totals do not add up',
      expect.objectContaining({ importId }),
    );
  });

  it('refuses to aggregate an import whose batches are still being processed', async () => {
    const importId = await job();
    await ledger.finishSplitting(WS, importId, 2, 4);

    await expect(aggregateImport({ kind: 'aggregate', workspace: WS, importId }, deps)).rejects.toThrow(
      /cannot be aggregated while it is processing/,
    );
  });
});
