/**
 * The contacts as a user sees them: what `export --format jsonl` writes for each live contact.
 */
import { contactJson } from '../../../cli/export-format.js';
import { byCreation } from '../../../shared/domain/merge.js';
import type { PipelineHarness } from './pipeline.js';

/** One line of `export --format jsonl`. */
export type ExportedContact = ReturnType<typeof contactJson>;

/**
 * The live contacts of a workspace as `export --format jsonl` shows them, earliest created first (logical
 * creation order, RULES §9), so a test can state the whole expected state in the order the rows made it.
 *
 * @example
 * const [mom, kid] = await exportedContacts(pipeline, 'family');
 * expect(shown(kid)).toMatchObject({ email: 'kid@example.com' });
 */
export async function exportedContacts(
  pipeline: PipelineHarness,
  workspace: string,
): Promise<ExportedContact[]> {
  const contacts = await pipeline.liveContacts(workspace);
  return [...contacts].sort(byCreation).map(contactJson);
}

/** An exported contact without what the pipeline generates (its id and creation time). */
export function shown(
  contact: ExportedContact | undefined,
): Omit<ExportedContact, 'contactId' | 'createdAt'> {
  const { contactId: _id, createdAt: _at, ...rest } = contact ?? {};
  return rest;
}
