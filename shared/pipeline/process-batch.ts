/**
 * The processor use case: applies one batch of validated rows to the contacts of a workspace.
 *
 * 1. A batch the ledger has recorded is done (a redelivery): nothing is written.
 * 2. Plan (`planBatch`): every row decided in file order against the contacts as the rows before it leave
 *    them, and the writes cut into chains of units. The plan is stored under `parts/` before any contact is
 *    written — a write-ahead log created only if absent, one per round, so a crash-and-retry, or the same
 *    batch delivered twice at once, carries out the plans that were logged first.
 * 3. Write: chains in parallel, the units of a chain in file order. A unit that landed before (its contacts
 *    carry the stamp of this batch and round) is a no-op. A unit first checks that what its rows read (beyond
 *    what it writes) still holds; if not, and no later unit of the chain landed, it is lost. A unit lost
 *    (a stale read, a version moved, a channel key taken meanwhile) stops its chain: its rows and the rest
 *    of the chain are decided again against fresh contacts, logged, and written, a bounded number of times.
 * 4. Write the part file (the batch's outcomes), then record the batch with its counts exactly once; the
 *    call that completes the import claims its aggregation and tells the handler to enqueue it.
 */

import { issue } from '../domain/codes.js';
import type { Contact, RowCounts } from '../domain/model.js';
import { addsWhatsappRisk } from '../domain/status.js';
import type { PipelineLogger } from './aggregate/aggregate.js';
import { formatPart } from './aggregate/part-file.js';
import {
  type BatchPlan,
  type Chain,
  type PlanContext,
  planBatch,
  type RowResult,
  stillHolds,
} from './batch-plan.js';
import { EmptyBatchError } from './dead-batch.js';
import {
  type BatchMessage,
  type BatchRow,
  emptyCounts,
  type PartHeader,
  type PartRow,
  partKey,
  planKey,
} from './messages.js';
import type { ObjectStore } from './part-store.js';
import {
  ConcurrentModificationError,
  type ContactStore,
  IdentityTakenError,
  type ImportJob,
  type ImportLedger,
  type WorkspaceStore,
  WriteTooLargeError,
} from './ports.js';

export interface ProcessBatchDeps {
  readonly contacts: ContactStore;
  readonly workspaces: WorkspaceStore;
  readonly ledger: ImportLedger;
  /** Where part files and logged plans are written and read. */
  readonly store: Pick<ObjectStore, 'getText' | 'put' | 'putIfAbsent'>;
  readonly logger: PipelineLogger;
  /** Clock for the creation time of new contacts when the message has no `importedAt`. @default () => new Date() */
  readonly now?: () => Date;
  /** Times the rows of a write that lost a race are re-read and re-decided. @default MAX_REPLANS (8) */
  readonly maxReplans?: number;
  /** Contact writes in flight at once. @default 8 */
  readonly writeConcurrency?: number;
}

export interface ProcessBatchResult {
  /** Whether this call counted the batch (false: it had been recorded before). */
  readonly recorded: boolean;
  /** Whether this call claimed the import's aggregation: the handler must enqueue the aggregate message. */
  readonly aggregate: boolean;
  /** The batch's counts; undefined when the batch had been recorded before this call. */
  readonly counts: RowCounts | undefined;
}

/**
 * A round's entry in the log, as JSON: the plan of the round (results by row number and chains), or the
 * end of the batch — the previous round carried out, with the rows that failed in it (PROCESSING_FAILED: too
 * large to write, or given up on after the last round).
 */
type LoggedRound =
  | { readonly results: [number, RowResult][]; readonly chains: BatchPlan['chains'] }
  | { readonly done: true; readonly failed: [number, RowResult][] };

function serialise(entry: BatchPlan | Done): string {
  const logged: LoggedRound = 'done' in entry ? entry : { results: [...entry.results], chains: entry.chains };
  return JSON.stringify(logged);
}

/** The end of a batch's rounds (see LoggedRound). */
interface Done {
  readonly done: true;
  readonly failed: [number, RowResult][];
}

async function readRound(
  store: Pick<ObjectStore, 'getText'>,
  key: string,
): Promise<BatchPlan | Done | undefined> {
  const text = await store.getText(key);
  if (text === undefined) return undefined;
  const logged = JSON.parse(text) as LoggedRound;
  return 'done' in logged ? logged : { results: new Map(logged.results), chains: logged.chains };
}

/** Runs `task` over the items with at most `limit` in flight; after a failure no new task starts. */
async function inParallel<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const item = items[next++] as T;
      try {
        await task(item);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** What writing the chains did. */
interface Written {
  /** Contacts written (or found written by an earlier attempt) that add WhatsApp risk (RULES §8). */
  readonly contacts: Contact[];
  /** Rows to decide again: a unit lost a race, and everything after it in its chain. */
  readonly lost: number[];
  /** Why units were lost: `stale read` or the error's name, for the log. */
  readonly reasons: Set<string>;
  /** Rows of units too large to write, with the reason. */
  readonly tooLarge: Map<number, string>;
}

async function writeChains(
  chains: readonly Chain[],
  deps: ProcessBatchDeps,
  workspace: string,
  stamp: string,
): Promise<Written> {
  const written: Written = { contacts: [], lost: [], reasons: new Set(), tooLarge: new Map() };
  await inParallel(chains, deps.writeConcurrency ?? 8, async (chain) => {
    for (const [at, unit] of chain.entries()) {
      const stale =
        unit.expects !== undefined &&
        !(await stillHolds(deps.contacts, workspace, unit.expects)) &&
        !(await laterLanded(deps.contacts, workspace, chain.slice(at), stamp));
      if (stale) {
        written.lost.push(...chain.slice(at).flatMap((u) => u.rows));
        written.reasons.add('stale read');
        return;
      }
      if (unit.writes.length === 0) continue;
      try {
        await deps.contacts.write(
          workspace,
          unit.writes.map((w) => ({ ...w, stamp })),
        );
        written.contacts.push(
          ...unit.writes.filter((w) => addsWhatsappRisk(w.contact, w.previous)).map((w) => w.contact),
        );
      } catch (err) {
        const raced = err instanceof ConcurrentModificationError || err instanceof IdentityTakenError;
        if (!raced && !(err instanceof WriteTooLargeError)) throw err;
        const rest = chain.slice(at);
        if (raced) {
          written.lost.push(...rest.flatMap((u) => u.rows));
          written.reasons.add((err as Error).name);
        } else {
          for (const row of unit.rows) written.tooLarge.set(row, (err as Error).message);
          written.lost.push(...rest.slice(1).flatMap((u) => u.rows));
        }
        return;
      }
    }
  });
  written.lost.sort((a, b) => a - b);
  return written;
}

/**
 * Whether the first unit with writes among `units` landed with this stamp: then an earlier delivery of the
 * same plan got past the units before it, whose reads held then (a replay must not decide them again).
 */
async function laterLanded(
  contacts: ContactStore,
  workspace: string,
  units: Chain,
  stamp: string,
): Promise<boolean> {
  const next = units.find((u) => u.writes.length > 0);
  if (!next) return false;
  const ids = next.writes.map((w) => w.contact.contactId);
  const stored = await contacts.getContacts(workspace, ids);
  return ids.every((id) => stored.get(id)?.writtenBy?.includes(stamp) === true);
}

/** Where the plans of a batch are logged: one object per round, each created only if absent. */
interface PlanLog {
  readonly store: ProcessBatchDeps['store'];
  readonly key: (round: number) => string;
}

/**
 * The entry of a round: the one logged first by any delivery of the batch, else this one (now logged). Every
 * delivery follows the same sequence of rounds, so two deliveries at once never part ways: one that found
 * nothing lost proposes the end, one that lost rows proposes their new plan, and the first logged wins.
 */
async function settle(
  log: PlanLog,
  round: number,
  mine: () => Promise<BatchPlan | Done>,
): Promise<BatchPlan | Done> {
  const logged = await readRound(log.store, log.key(round));
  if (logged) return logged;
  const entry = await mine();
  if (await log.store.putIfAbsent(log.key(round), serialise(entry), 'application/json')) return entry;
  return (await readRound(log.store, log.key(round))) ?? entry;
}

/** Whether the round's successor is logged already: then another delivery carried the round out before. */
async function ahead(log: PlanLog, round: number): Promise<BatchPlan | Done | undefined> {
  return readRound(log.store, log.key(round + 1));
}

const KEPT_CHANGING = 'the contacts kept changing while it was written';

/**
 * Rounds a batch decides its lost rows again before they fail. A round costs only the rows that lost; two
 * imports of one workspace rewriting the same contacts can take several (three failed rows under the
 * differential test's contention about once in 1,500 two-import runs).
 */
const MAX_REPLANS = 8;

/**
 * Carries out the batch's plans round by round: rows of units lost to a concurrent writer are decided again
 * in the next round, until a round loses none or the rounds run out (its lost rows then fail with
 * PROCESSING_FAILED). Each round's successor — the next plan or the end — is logged once for all
 * deliveries of the batch.
 */
async function carryOut(
  rows: readonly BatchRow[],
  deps: ProcessBatchDeps,
  ctx: PlanContext & { readonly stamp: string; readonly log: PlanLog },
): Promise<{ results: Map<number, RowResult>; written: Contact[] }> {
  // A delivery that finds the first plan logged follows another one (a replay, or a duplicate): before each
  // round it looks whether that round is over, so that it never writes again what the other gave up on.
  let following = true;
  let plan = (await settle(ctx.log, 0, async () => {
    following = false;
    // Eventually consistent: the writes' checks and conditions catch a stale read (see planBatch).
    return planBatch(rows, deps.contacts, ctx, { consistent: false });
  })) as BatchPlan;
  const contacts: Contact[] = [];
  const rounds: BatchPlan[] = [];
  for (let round = 0; ; round++) {
    rounds.push(plan);
    const results = new Map(plan.results);
    const over = following ? await ahead(ctx.log, round) : undefined;
    let next: BatchPlan | Done;
    if (over) {
      // Conservative for the risk flag: the round's contacts as planned (most landed).
      contacts.push(
        ...plan.chains
          .flat()
          .flatMap((unit) => unit.writes.filter((w) => addsWhatsappRisk(w.contact, w.previous)))
          .map((w) => w.contact),
      );
      next = over;
    } else {
      const written = await writeChains(plan.chains, deps, ctx.workspace, `${ctx.stamp}#${round}`);
      contacts.push(...written.contacts);
      next = await settle(ctx.log, round + 1, () => successor(rows, deps, ctx, { plan, round, written }));
    }
    if ('done' in next) {
      for (const [row, result] of next.failed) results.set(row, result);
      await creditLanded(rounds, results, deps, ctx);
      return { results, written: contacts };
    }
    plan = next;
  }
}

/**
 * Gives a row the outcome of the round whose write of it landed. Two deliveries of a batch at once can part
 * for a moment: one finds a unit's read stale and logs the plan of its rows' next round, while the other,
 * whose check came first, writes the unit. The later round then finds the row already applied (`unchanged`)
 * or loses every race to its own earlier write (PROCESSING_FAILED), though the row was applied — as the
 * earlier round decided it. Only rows that ended so, and had a write in an earlier round, cost a read.
 */
async function creditLanded(
  rounds: readonly BatchPlan[],
  results: Map<number, RowResult>,
  deps: ProcessBatchDeps,
  ctx: { readonly workspace: string; readonly stamp: string },
): Promise<void> {
  const doubtful = (row: number) => {
    const result = results.get(row);
    return result?.outcome === 'unchanged' || result?.error?.code === 'PROCESSING_FAILED';
  };
  for (let round = rounds.length - 2; round >= 0; round--) {
    const plan = rounds[round] as BatchPlan;
    for (const unit of plan.chains.flat()) {
      if (unit.writes.length === 0 || !unit.rows.some(doubtful)) continue;
      if (!(await laterLanded(deps.contacts, ctx.workspace, [unit], `${ctx.stamp}#${round}`))) continue;
      for (const row of unit.rows.filter(doubtful)) {
        const earlier = plan.results.get(row);
        if (earlier) results.set(row, earlier);
      }
    }
  }
}

/** What follows a round carried out: the end, or the plan of the rows it lost (see carryOut). */
async function successor(
  rows: readonly BatchRow[],
  deps: ProcessBatchDeps,
  ctx: PlanContext,
  { plan, round, written }: { plan: BatchPlan; round: number; written: Written },
): Promise<BatchPlan | Done> {
  const failed = (row: number, reason: string): [number, RowResult] => [
    row,
    {
      outcome: 'failed',
      error: issue('PROCESSING_FAILED', { reason }),
      warnings: plan.results.get(row)?.warnings ?? [],
    },
  ];
  const tooLarge = [...written.tooLarge].map(([row, reason]) => failed(row, reason));
  const { lost } = written;
  if (lost.length === 0) return { done: true, failed: tooLarge };
  if (round >= (deps.maxReplans ?? MAX_REPLANS)) {
    return { done: true, failed: [...tooLarge, ...lost.map((row) => failed(row, KEPT_CHANGING))] };
  }
  deps.logger.warn('contact writes lost a race; deciding their rows again', {
    importId: ctx.importId,
    rows: lost.length,
    round,
    reasons: [...written.reasons],
  });
  const wanted = new Set(lost);
  // Strongly consistent: the rows lost to a write or a stale read, which an eventually consistent read
  // could miss again.
  const again = await planBatch(
    rows.filter((r) => wanted.has(r.input.rowNumber)),
    deps.contacts,
    ctx,
  );
  return { results: new Map([...plan.results, ...tooLarge, ...again.results]), chains: again.chains };
}

function partOf(batchNo: number, rows: readonly BatchRow[], results: Map<number, RowResult>): string {
  const counts = emptyCounts();
  const lines: PartRow[] = [];
  for (const { input, cells } of rows) {
    const result = results.get(input.rowNumber);
    if (!result) continue;
    counts[result.outcome] += 1;
    if (result.outcome === 'failed' || result.outcome === 'skipped' || result.warnings.length > 0) {
      lines.push({ rowNumber: input.rowNumber, ...result, warnings: [...result.warnings], cells });
    }
  }
  const firstRow = Math.min(...rows.map((r) => r.input.rowNumber));
  const header: PartHeader = { batchNo, firstRow, counts, writer: 'processor' };
  return formatPart(header, lines);
}

function isComplete(job: ImportJob | undefined): boolean {
  return (
    job !== undefined &&
    job.status === 'processing' &&
    job.batchesTotal !== undefined &&
    job.batchesDone >= job.batchesTotal
  );
}

/**
 * Processes one batch message (see the module comment for the steps).
 *
 * @example
 * const { aggregate } = await processBatch(message, { contacts, workspaces, ledger, store, logger });
 * if (aggregate) await sendAggregate({ kind: 'aggregate', workspace: message.workspace, importId: message.importId });
 */
export async function processBatch(
  message: BatchMessage,
  deps: ProcessBatchDeps,
): Promise<ProcessBatchResult> {
  const { workspace, importId, batchNo } = message;
  if (message.rows.length === 0) throw new EmptyBatchError(importId, batchNo);
  const claim = async (job: ImportJob | undefined) =>
    isComplete(job) && (await deps.ledger.claimAggregation(workspace, importId));

  if (await deps.ledger.isBatchRecorded(workspace, importId, batchNo)) {
    deps.logger.info('batch already recorded; nothing to do', { importId, batchNo });
    // The delivery that recorded it may have stopped before claiming the aggregation.
    return {
      recorded: false,
      aggregate: await claim(await deps.ledger.getJob(workspace, importId)),
      counts: undefined,
    };
  }

  const rows = [...message.rows].sort((a, b) => a.input.rowNumber - b.input.rowNumber);
  const ctx = {
    workspace,
    importId,
    channel: message.channel,
    now: message.importedAt ?? (deps.now ?? (() => new Date()))().toISOString(),
    stamp: `${importId}#${batchNo}`,
    log: { store: deps.store, key: (round: number) => planKey(workspace, importId, batchNo, round) },
  };
  const { results, written } = await decide(message, rows, deps, ctx);
  const key = partKey(workspace, importId, rows[0]?.input.rowNumber ?? 0, batchNo);
  await deps.store.put(key, partOf(batchNo, rows, results));
  await flagWhatsappRisk(deps.workspaces, workspace, written);

  const counts = countsOf(results);
  const { counted, job } = await deps.ledger.recordBatch(workspace, importId, batchNo, counts);
  const aggregate = await claim(job);
  deps.logger.info('batch processed', { importId, batchNo, counts, counted, aggregate });
  return { recorded: counted, aggregate, counts };
}

/**
 * The batch's outcomes: skipped with CANCELLED when the import was cancelled before the batch was applied;
 * decided but not written in a dry run (a dry run never claims a channel key); else carried out.
 */
async function decide(
  message: BatchMessage,
  rows: readonly BatchRow[],
  deps: ProcessBatchDeps,
  ctx: Parameters<typeof carryOut>[2],
): Promise<{ results: Map<number, RowResult>; written: Contact[] }> {
  const job = await deps.ledger.getJob(ctx.workspace, ctx.importId);
  if (job?.cancelledAt !== undefined) {
    const error = issue('CANCELLED', { at: job.cancelledAt });
    deps.logger.info('import cancelled; batch skipped', { importId: ctx.importId, batchNo: message.batchNo });
    return {
      results: new Map(
        rows.map((row): [number, RowResult] => [
          row.input.rowNumber,
          { outcome: 'skipped', error, warnings: [] },
        ]),
      ),
      written: [],
    };
  }
  if (message.dryRun) {
    return { results: new Map((await planBatch(rows, deps.contacts, ctx)).results), written: [] };
  }
  return carryOut(rows, deps, ctx);
}

function countsOf(results: Map<number, RowResult>): RowCounts {
  const counts = emptyCounts();
  for (const { outcome } of results.values()) counts[outcome] += 1;
  return counts;
}

/** RULES §5, §8: a write that adds a not_subscribed or opted_out WhatsApp contact flags the workspace. */
async function flagWhatsappRisk(
  workspaces: WorkspaceStore,
  workspace: string,
  riskAdded: Contact[],
): Promise<void> {
  if (riskAdded.length === 0) return;
  const { flags } = await workspaces.getSettings(workspace);
  if (!flags.whatsappRiskAcceptanceRequired) {
    await workspaces.setFlags(workspace, { whatsappRiskAcceptanceRequired: true });
  }
}
