/**
 * Assertions every end-to-end test makes the same way.
 */
import { expect } from 'vitest';
import type { Contact } from '../../../shared/domain/model.js';
import type { ImportOutcome } from '../../../shared/pipeline/ports.js';
import type { ImportResult } from './pipeline.js';
import type { ReceivedNotification } from './subscriber.js';

/**
 * The invariant every import keeps (RULES §7): total = created + updated + unchanged + skipped + failed =
 * the data rows of the file, and the aggregator found nothing inconsistent.
 */
export function expectRowsAddUp(result: ImportResult, dataRowsInFile: number): void {
  const { total, created, updated, unchanged, skipped, failed } = result.summary.rows;
  expect(created + updated + unchanged + skipped + failed).toBe(total);
  expect(total).toBe(dataRowsInFile);
  expect(result.summary.totalsCheck).toEqual({
    consistent: true,
    rowsInFile: dataRowsInFile,
    rowsCounted: dataRowsInFile,
    problems: [],
  });
}

/** Exactly one notification, for this import, with the summary that was stored and the filter attributes. */
export function expectOneNotification(
  received: readonly ReceivedNotification[],
  result: ImportResult,
  outcome: ImportOutcome,
): void {
  const { summary } = result;
  expect(received.map((n) => n.body.summary.importId)).toEqual([summary.importId]);
  const [notification] = received;
  expect(notification?.attributes).toEqual({
    importId: summary.importId,
    workspace: summary.workspace,
    channel: summary.channel ?? 'none',
    outcome,
    mode: summary.dryRun ? 'dry_run' : 'apply',
  });
  expect(notification?.body.summary).toEqual(summary);
  expect(summary.outcome).toBe(outcome);
}

/** A contact without what the pipeline generates (ids, timestamps), for comparing profiles. */
export type Profile = Omit<Contact, 'workspace' | 'contactId' | 'createdAt' | 'createdBy' | 'writtenBy'>;

/** The live contacts' profiles, sorted by name, so a test can state the whole expected state. */
export function profiles(contacts: readonly Contact[]): Profile[] {
  return contacts
    .map(
      ({ workspace: _w, contactId: _id, createdAt: _at, createdBy: _by, writtenBy: _stamps, ...profile }) =>
        profile,
    )
    .sort((a, b) => (a.name ?? '').localeCompare(b.name ?? ''));
}
