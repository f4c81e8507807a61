/**
 * Checks the splitter makes before it reads a file's rows: whom an upload can be attributed to (RULES §1),
 * and whether a UTF-16 upload was cut short (RULES §2).
 */
import { WORKSPACE_PATTERN } from '../../domain/channels.js';
import { type CodedIssue, issue } from '../../domain/codes.js';
import type { Issue, WorkspaceSettings } from '../../domain/model.js';
import type { Notification } from '../aggregate/notifier.js';
import { type Encoding, isUtf16, utf16TruncatedAt } from '../csv/encoding.js';
import type { ObjectStore } from '../part-store.js';
import type { SourceObject, WorkspaceStore } from '../ports.js';

const INCOMING = 'incoming';

/**
 * The registered workspace an upload belongs to, or why no workspace can be told about it: the key has no
 * valid workspace segment (the parse issue of the key), or the workspace was never registered
 * (UNKNOWN_WORKSPACE). Such uploads create nothing: no job, no report, no tenant.
 *
 * @example
 * await registeredWorkspace('incoming/acme/line/phone/a.csv', parseIssue, workspaces);
 * // { workspace: 'acme', settings: { region: 'TW', … } } or { code: 'UNKNOWN_WORKSPACE', … }
 */
export async function registeredWorkspace(
  key: string,
  keyIssue: CodedIssue | undefined,
  workspaces: Pick<WorkspaceStore, 'findSettings'>,
): Promise<{ readonly workspace: string; readonly settings: WorkspaceSettings } | CodedIssue> {
  const [prefix, workspace = ''] = key.split('/');
  if (prefix !== INCOMING || !WORKSPACE_PATTERN.test(workspace)) {
    return keyIssue ?? issue('INVALID_OBJECT_KEY', { key, reason: 'it names no workspace' });
  }
  const settings = await workspaces.findSettings(workspace);
  return settings ? { workspace, settings } : issue('UNKNOWN_WORKSPACE', { workspace });
}

/**
 * The operators' message about an upload no registered workspace can be told about. It names the object
 * and the reason, and goes to the operators' topic only (never a tenant's notifications).
 */
export function operatorAlert(source: Omit<SourceObject, 'size'>, reason: Issue): Notification {
  return {
    subject: `Upload rejected without a workspace to tell: ${reason.code}`,
    message: JSON.stringify({
      outcome: 'rejected',
      rejection: reason,
      source: { bucket: source.bucket, key: source.key, versionId: source.versionId },
      note: 'No registered workspace owns this key, so no job, report or tenant notification was created.',
    }),
    attributes: { outcome: 'rejected', code: reason.code },
  };
}

/**
 * The offset where a UTF-16 object ends inside a character, from its size and a 2-byte range GET of its
 * end; undefined for other encodings and for whole files.
 */
export async function truncatedAt(
  store: Pick<ObjectStore, 'getStream'>,
  source: SourceObject,
  encoding: Encoding,
): Promise<number | undefined> {
  if (!isUtf16(encoding)) return undefined;
  if (source.size % 2 === 1) return utf16TruncatedAt(encoding, source.size, new Uint8Array());
  const stream = await store.getStream(source.key, {
    versionId: source.versionId,
    start: Math.max(0, source.size - 2),
  });
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return utf16TruncatedAt(encoding, source.size, Buffer.concat(chunks));
}
