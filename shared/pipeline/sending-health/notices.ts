/**
 * One notification per state change. The writer that changes the state (the conditional write wins once)
 * publishes, then records `notifiedAt`. If it dies in between, its own redelivered SQS record finds the
 * notice still pending; it may take the notice over once the first claim is older than the lease, which is
 * shorter than the queue's visibility timeout (the redelivery delay) and longer than a function run.
 */
import type { Notification, Notifier } from '../aggregate/notifier.js';
import type { HealthStore, NoticeKind } from './ports.js';

/** Twice the sending-health function's 60-second timeout; the feedback queue redelivers after 360 s. */
export const DEFAULT_NOTICE_LEASE_MS = 120_000;

export interface NoticeDeps {
  readonly health: HealthStore;
  readonly notifier: Notifier;
}

/** Publishes a notice this caller owns and records that it went out. */
export async function sendNotice(
  deps: NoticeDeps,
  workspace: string,
  kind: NoticeKind,
  id: string,
  notification: Notification,
  now: Date,
): Promise<void> {
  await deps.notifier.publish(notification);
  await deps.health.markNotified(workspace, kind, id, now);
}

/**
 * Sends a notice that is still pending when its claim has gone stale (its writer died before sending).
 * True when this call sent it.
 */
export async function sendPendingNotice(
  deps: NoticeDeps,
  workspace: string,
  kind: NoticeKind,
  record: { readonly id: string; readonly notifiedAt?: string },
  notification: Notification,
  now: Date,
  leaseMs: number,
): Promise<boolean> {
  if (record.notifiedAt !== undefined) return false;
  const staleBefore = new Date(now.getTime() - leaseMs);
  if (!(await deps.health.claimNotice(workspace, kind, record.id, now, staleBefore))) return false;
  await sendNotice(deps, workspace, kind, record.id, notification, now);
  return true;
}
