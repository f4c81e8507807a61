/**
 * Fairness across workspaces (issue 15, item 2): one workspace's backlog holds at most
 * GROUPS_PER_WORKSPACE processors, so a small import of another workspace is not held behind it.
 *
 * The processor is gated: every invocation for workspace A waits until B's import has completed. A's
 * backlog (two files cut into four-row batches) fills A's groups; were A's groups one per import and
 * partition (as they were), A would hold eight, and with enough imports every poller, so that B would never
 * be received. The test counts, instead of timing, how many of A's groups are held at once.
 */
import { describe, expect, it } from 'vitest';
import type { SqsFunction } from '../../../infra/local/runner.js';
import { DynamoImportLedger } from '../../../shared/adapters/import-ledger.js';
import type { FunctionName } from '../../../shared/resources.js';
import { GROUPS_PER_WORKSPACE } from '../../../shared/resources.js';
import { expectRowsAddUp } from '../../helpers/e2e/expect.js';
import { type Upload, usePipeline } from '../../helpers/e2e/pipeline.js';
import { smallBatches } from '../../helpers/e2e/small-batches.js';
import { mobile } from '../../helpers/split/fixtures.js';

const BIG = 'tenant-a';
const SMALL = 'tenant-b';
const FILES_OF_A = 2;
const ROWS_OF_A = 16;
const ROWS_OF_B = 25;

/** What the gated processor saw of A: the groups held now, and the most held at once. */
const held = {
  groups: new Map<string, number>(),
  most: 0,
  /** Settles once B has completed (the gate opens) or A holds more groups than allowed (a test failure). */
  release: () => {},
  released: undefined as Promise<void> | undefined,
  /** Resolves once A holds every one of its groups. */
  full: () => {},
};

function gate(): Promise<void> {
  held.released ??= new Promise<void>((resolve) => {
    held.release = resolve;
  });
  return held.released;
}

function gatedProcessor(handler: SqsFunction): SqsFunction {
  return async (event, context) => {
    const group = event.Records[0]?.attributes.MessageGroupId ?? '';
    const workspace = (JSON.parse(event.Records[0]?.body ?? '{}') as { workspace?: string }).workspace;
    if (workspace !== BIG) return handler(event, context);
    held.groups.set(group, (held.groups.get(group) ?? 0) + 1);
    held.most = Math.max(held.most, held.groups.size);
    if (held.groups.size >= GROUPS_PER_WORKSPACE) held.full();
    // More of A's groups at once than a workspace has: the fairness cap is broken, fail now, not by timeout.
    if (held.groups.size > GROUPS_PER_WORKSPACE) held.release();
    try {
      await gate();
      return await handler(event, context);
    } finally {
      const left = (held.groups.get(group) ?? 1) - 1;
      if (left === 0) held.groups.delete(group);
      else held.groups.set(group, left);
    }
  };
}

function wrap(name: FunctionName, handler: SqsFunction): SqsFunction {
  if (name === 'splitter') return smallBatches(BIG, { maxBatchRows: 4 }, handler);
  return name === 'processor' ? gatedProcessor(handler) : handler;
}

const pipeline = usePipeline({ wrap });

/** A LINE file keyed by phone whose phones no other file here uses. */
function lineFile(first: number, rows: number): string {
  const lines = ['name,phone'];
  for (let n = first; n < first + rows; n++) lines.push(`Customer ${n},${mobile(n)}`);
  return `${lines.join('\n')}\n`;
}

async function completed(upload: Upload): Promise<boolean> {
  const workspace = upload.key.split('/')[1] as string;
  const ledger = new DynamoImportLedger(
    pipeline.env.clients.dynamodb,
    pipeline.env.provisioned.tables.imports,
  );
  return (await ledger.getJob(workspace, upload.importId))?.status === 'completed';
}

describe('End to end: fairness across workspaces', () => {
  it("completes a small import of one workspace while another's backlog holds all of its groups", async () => {
    // Prepare: A's backlog, each of its groups held by the gate
    const allHeld = new Promise<void>((resolve) => {
      held.full = resolve;
    });
    const backlog: Upload[] = [];
    for (let f = 0; f < FILES_OF_A; f++) {
      backlog.push(
        await pipeline.upload(`incoming/${BIG}/line/phone/big-${f}.csv`, lineFile(f * 1000, ROWS_OF_A)),
      );
    }
    await Promise.race([allHeld, gate()]);

    // Act: B imports while A's batches wait
    const small = await pipeline.upload(
      `incoming/${SMALL}/line/phone/small.csv`,
      lineFile(90_000, ROWS_OF_B),
    );
    while (held.released === undefined || held.groups.size <= GROUPS_PER_WORKSPACE) {
      if (await completed(small)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const backlogWhenSmallDone = await Promise.all(backlog.map(completed));
    held.release();

    // Assess: B finished first, A never held more than its groups, and everything adds up afterwards
    expect(held.most).toBe(GROUPS_PER_WORKSPACE);
    expect(await completed(small)).toBe(true);
    expect(backlogWhenSmallDone).toEqual(backlog.map(() => false));
    expectRowsAddUp(await pipeline.result(small), ROWS_OF_B);
    for (const upload of backlog) {
      const result = await pipeline.result(upload);
      expectRowsAddUp(result, ROWS_OF_A);
      expect(result.summary.rows.created).toBe(ROWS_OF_A);
    }
    const notified = (await pipeline.notifications()).map((n) => n.body.summary.importId).sort();
    expect(notified).toEqual([...backlog, small].map((u) => u.importId).sort());
  });
});
