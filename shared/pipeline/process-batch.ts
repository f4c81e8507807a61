/**
 * The processor use case: applies one batch of validated rows to the contacts of a workspace.
 *
 * 1. A batch the ledger has recorded is done (a redelivery): nothing is written.
 * 2. Plan: resolve every identity of every row in one call, load the holders (tombstones followed to their
 *    survivors), then decide each row in file order against a working set that already holds the effect of
 *    the earlier rows, so rows of one batch reaching the same contact apply in order and that contact is
 *    written once.
 * 3. Write the part file (the batch's outcomes) before any contact: it is the intent log that makes a replay
 *    after a crash report the same outcomes. A part left by an earlier attempt is authoritative.
 * 4. Write the changed contacts, one write per contact or per merge (atomic). A write that lost a race
 *    (version moved, channel key taken meanwhile) is re-read and re-decided, a bounded number of times.
 * 5. Record the batch with its counts exactly once; the call that completes the import claims its
 *    aggregation and tells the handler to enqueue it.
 */

import { issue } from '../domain/codes.js';
import { type Candidates, decide, type Plan } from '../domain/decide.js';
import { identitiesOf, identityKey, keyIdentity, rowIdentities } from '../domain/identities.js';
import type { Contact, Identity, Issue, Outcome, RowCounts } from '../domain/model.js';
import { addsWhatsappRisk } from '../domain/status.js';
import { contactIdFor } from '../ids.js';
import type { PipelineLogger } from './aggregate/aggregate.js';
import { formatPart, type PartFile, parsePart } from './aggregate/part-file.js';
import { EmptyBatchError } from './dead-batch.js';
import {
  type BatchMessage,
  type BatchRow,
  emptyCounts,
  type PartHeader,
  type PartRow,
  partKey,
} from './messages.js';
import type { ObjectStore } from './part-store.js';
import {
  ConcurrentModificationError,
  type ContactStore,
  type ContactWrite,
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
  /** Where part files are written and read. */
  readonly store: Pick<ObjectStore, 'getText' | 'put'>;
  readonly logger: PipelineLogger;
  /** Clock for the creation time of new contacts. @default () => new Date() */
  readonly now?: () => Date;
  /** Times the rows of a write that lost a race are re-read and re-decided. @default 3 */
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

/** The outcome of one row, as the part file and the counts report it. */
interface RowResult {
  readonly outcome: Outcome;
  readonly error?: Issue;
  readonly warnings: readonly Issue[];
}

/**
 * The contacts a batch works on: as stored (for optimistic locking and the identity index diff) and as
 * the rows processed so far leave them, with an identity index over the live ones.
 */
class WorkingSet {
  private readonly stored = new Map<string, Contact>();
  private readonly current = new Map<string, Contact>();
  private readonly holders = new Map<string, Set<string>>();
  private readonly changed = new Set<string>();
  /** Union-find over contacts that must be written together (a merge). */
  private readonly parent = new Map<string, string>();

  constructor(loaded: Iterable<Contact>) {
    for (const contact of loaded) {
      this.stored.set(contact.contactId, contact);
      this.put(contact);
    }
  }

  /** Loads the holders of the identities, following tombstones to the contacts they were merged into. */
  static async load(contacts: ContactStore, workspace: string, identities: Identity[]): Promise<WorkingSet> {
    const resolved = await contacts.resolve(workspace, identities);
    const loaded = new Map<string, Contact>();
    let wanted = [...new Set([...resolved.values()].flat().map((holder) => holder.contactId))];
    // A chain of merges is short; the bound only guards against a cycle written by a bug.
    for (let depth = 0; depth < 8 && wanted.length > 0; depth++) {
      const found = await contacts.getContacts(workspace, wanted);
      for (const contact of found.values()) loaded.set(contact.contactId, contact);
      wanted = [...found.values()].flatMap((c) =>
        c.mergedInto && !loaded.has(c.mergedInto) ? [c.mergedInto] : [],
      );
    }
    return new WorkingSet(loaded.values());
  }

  /** Live contacts holding the identity now. */
  holdersOf(identity: Identity): Contact[] {
    const ids = this.holders.get(identityKey(identity)) ?? new Set<string>();
    return [...ids].flatMap((id) => this.current.get(id) ?? []);
  }

  /** Takes in a plan's new states; a merge ties its contacts into one write. */
  apply(plan: Extract<Plan, { contact: Contact }>): void {
    for (const { contact } of [plan, ...plan.merged]) {
      this.put(contact);
      this.changed.add(contact.contactId);
      this.union(plan.contact.contactId, contact.contactId);
    }
  }

  /** The write group a contact belongs to, when it changed. */
  groupOf(contactId: string): string | undefined {
    return this.changed.has(contactId) ? this.find(contactId) : undefined;
  }

  /** One write per group: each changed contact's final state over its stored state. */
  writes(): Map<string, ContactWrite[]> {
    const groups = new Map<string, ContactWrite[]>();
    for (const id of this.changed) {
      const previous = this.stored.get(id);
      const contact = { ...(this.current.get(id) as Contact), version: previous?.version ?? 0 };
      const group = this.find(id);
      groups.set(group, [...(groups.get(group) ?? []), previous ? { contact, previous } : { contact }]);
    }
    return groups;
  }

  private put(contact: Contact): void {
    const before = this.current.get(contact.contactId);
    for (const identity of before ? identitiesOf(before) : []) {
      this.holders.get(identityKey(identity))?.delete(contact.contactId);
    }
    for (const identity of identitiesOf(contact)) {
      const key = identityKey(identity);
      this.holders.set(key, (this.holders.get(key) ?? new Set()).add(contact.contactId));
    }
    this.current.set(contact.contactId, contact);
  }

  private find(id: string): string {
    const up = this.parent.get(id);
    if (up === undefined || up === id) return id;
    const root = this.find(up);
    this.parent.set(id, root);
    return root;
  }

  private union(a: string, b: string): void {
    const [ra, rb] = [this.find(a), this.find(b)];
    if (ra !== rb) this.parent.set(rb, ra);
  }
}

interface PlannedRow {
  readonly row: BatchRow;
  readonly plan: Plan;
}

interface BatchContext {
  readonly workspace: string;
  readonly importId: string;
  readonly channel: BatchMessage['channel'];
  readonly now: string;
}

/** Decides the rows in file order, each seeing the effect of the ones before it. */
async function planRows(
  rows: readonly BatchRow[],
  contacts: ContactStore,
  ctx: BatchContext,
): Promise<{ planned: PlannedRow[]; working: WorkingSet }> {
  // The key's identity too: a row always resolves through its key, whatever other cells it fills.
  const all = rows.flatMap((r) => [keyIdentity(r.input), ...rowIdentities(r.input)]);
  const identities = [...new Map(all.map((i) => [identityKey(i), i])).values()];
  const working = await WorkingSet.load(contacts, ctx.workspace, identities);
  const planned = rows.map((row) => {
    const input = row.input;
    const key = keyIdentity(input);
    const candidates: Candidates = {
      byKey: working.holdersOf(key),
      byIdentity: rowIdentities(input)
        .filter((identity) => identityKey(identity) !== identityKey(key))
        .map((identity) => ({ identity, contacts: working.holdersOf(identity) })),
    };
    const plan = decide(input, candidates, {
      ...ctx,
      newContactId: contactIdFor(ctx.importId, input.rowNumber),
    });
    if (plan.outcome === 'created' || plan.outcome === 'updated') working.apply(plan);
    return { row, plan };
  });
  return { planned, working };
}

function resultOf(plan: Plan): RowResult {
  return 'error' in plan
    ? { outcome: plan.outcome, error: plan.error, warnings: plan.warnings }
    : { outcome: plan.outcome, warnings: plan.warnings };
}

/** The contact a plan is about, whose write decides whether the plan held. */
function contactOf(plan: Plan): string | undefined {
  if (plan.outcome === 'unchanged') return plan.contactId;
  return 'contact' in plan ? plan.contact.contactId : undefined;
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

/** What happened to the rows: their results, and the written contacts that add WhatsApp risk. */
interface Applied {
  readonly results: Map<number, RowResult>;
  readonly riskAdded: Contact[];
  /** The results of the first plan, before any race was re-decided (the part file's first content). */
  readonly firstPlan: Map<number, RowResult>;
}

/**
 * Plans and writes the rows; rows whose write lost a race are re-read and re-decided (in file order,
 * after everything else of the batch is written). `beforeWrite` runs once, between the first plan and the
 * first write.
 */
async function applyRows(
  rows: readonly BatchRow[],
  deps: ProcessBatchDeps,
  ctx: BatchContext,
  beforeWrite: (firstPlan: Map<number, RowResult>) => Promise<void>,
): Promise<Applied> {
  const results = new Map<number, RowResult>();
  const riskAdded: Contact[] = [];
  let firstPlan: Map<number, RowResult> | undefined;
  let pending = rows;
  for (let round = 0; pending.length > 0; round++) {
    const { planned, working } = await planRows(pending, deps.contacts, ctx);
    for (const { row, plan } of planned) results.set(row.input.rowNumber, resultOf(plan));
    if (!firstPlan) {
      firstPlan = new Map(results);
      await beforeWrite(firstPlan);
    }
    const lost = new Map<string, Error>();
    const groups = [...working.writes()];
    await inParallel(groups, deps.writeConcurrency ?? 8, async ([group, writes]) => {
      try {
        await deps.contacts.write(ctx.workspace, writes);
        riskAdded.push(
          ...writes.filter((w) => addsWhatsappRisk(w.contact, w.previous)).map((w) => w.contact),
        );
      } catch (err) {
        const raced = err instanceof ConcurrentModificationError || err instanceof IdentityTakenError;
        if (!raced && !(err instanceof WriteTooLargeError)) throw err;
        lost.set(group, err as Error);
      }
    });
    const retry: BatchRow[] = [];
    for (const { row, plan } of planned) {
      const contactId = contactOf(plan);
      const group = contactId === undefined ? undefined : working.groupOf(contactId);
      const error = group === undefined ? undefined : lost.get(group);
      if (!error) continue;
      if (!(error instanceof WriteTooLargeError) && round < (deps.maxReplans ?? 3)) retry.push(row);
      else {
        const reason = issue('PROCESSING_FAILED', { reason: error.message });
        results.set(row.input.rowNumber, { outcome: 'failed', error: reason, warnings: plan.warnings });
      }
    }
    if (retry.length > 0) {
      deps.logger.warn('contact writes lost a race; re-deciding their rows', {
        importId: ctx.importId,
        rows: retry.length,
        round,
      });
    }
    pending = retry;
  }
  return { results, riskAdded, firstPlan: firstPlan ?? new Map() };
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

function sameResults(a: Map<number, RowResult>, b: Map<number, RowResult>): boolean {
  return [...a].every(([row, result]) => JSON.stringify(result) === JSON.stringify(b.get(row)));
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
  const key = partKey(workspace, importId, rows[0]?.input.rowNumber ?? 0, batchNo);
  const logged = await readProcessorPart(deps.store, key);
  const ctx: BatchContext = {
    workspace,
    importId,
    channel: message.channel,
    now: (deps.now ?? (() => new Date()))().toISOString(),
  };
  const applied = await applyRows(rows, deps, ctx, async (firstPlan) => {
    if (!logged) await deps.store.put(key, partOf(batchNo, rows, firstPlan));
  });
  if (!logged && !sameResults(applied.results, applied.firstPlan)) {
    await deps.store.put(key, partOf(batchNo, rows, applied.results));
  }
  await flagWhatsappRisk(deps.workspaces, workspace, applied.riskAdded);

  const counts = logged ? logged.header.counts : countsOf(applied.results);
  const { counted, job } = await deps.ledger.recordBatch(workspace, importId, batchNo, counts);
  const aggregate = await claim(job);
  deps.logger.info('batch processed', {
    importId,
    batchNo,
    counts,
    counted,
    replay: Boolean(logged),
    aggregate,
  });
  return { recorded: counted, aggregate, counts };
}

function countsOf(results: Map<number, RowResult>): RowCounts {
  const counts = emptyCounts();
  for (const { outcome } of results.values()) counts[outcome] += 1;
  return counts;
}

/** The part an earlier attempt of the processor wrote for this batch, if any. */
async function readProcessorPart(
  store: Pick<ObjectStore, 'getText'>,
  key: string,
): Promise<PartFile | undefined> {
  const text = await store.getText(key);
  if (text === undefined) return undefined;
  const part = parsePart(key, text);
  // A part of another writer (a dead-batch run that stopped before recording) is not this batch's plan.
  return part.header.writer === 'processor' ? part : undefined;
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
