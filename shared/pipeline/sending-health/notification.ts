/**
 * The notifications of sending health, published to the same topic as import notifications: message
 * attributes `workspace`, `channel` (`edm`) and `outcome` (`sending_suspended` | `sending_reinstated`), so a
 * subscriber filters them like any other.
 */
import type { Notification } from '../aggregate/notifier.js';
import type { Reinstatement, Suspension } from './model.js';
import { policyDescription } from './policy.js';

export type SendingHealthOutcome = 'sending_suspended' | 'sending_reinstated';

/** The JSON body of a `sending_suspended` notification. */
export interface SuspendedBody {
  readonly outcome: 'sending_suspended';
  readonly workspace: string;
  readonly suspension: Suspension;
  readonly policy: string;
  /** What the brand does next. */
  readonly recovery: string;
}

/** The JSON body of a `sending_reinstated` notification. */
export interface ReinstatedBody {
  readonly outcome: 'sending_reinstated';
  readonly workspace: string;
  readonly reinstatement: Omit<Reinstatement, 'baseline' | 'notifiedAt' | 'suspension'>;
  readonly suspension: Suspension;
}

function recovery(workspace: string): string {
  return (
    'Clean the list (remove invalid and complaining addresses), import the cleaned result so that their ' +
    'contacts carry hard_bounce / unsubscribed, then ask for a manual review and reinstatement: ' +
    `npm run cli -- workspace reinstate --workspace ${workspace} --reason "<what was cleaned>"`
  );
}

function attributes(workspace: string, outcome: SendingHealthOutcome): Record<string, string> {
  return { workspace, channel: 'edm', outcome };
}

/**
 * The notification of a suspension.
 *
 * @example
 * suspendedNotification('acme', suspension);
 * // { subject: 'EDM sending suspended: acme', message: '{"outcome":"sending_suspended",…}', attributes: { … } }
 */
export function suspendedNotification(workspace: string, suspension: Suspension): Notification {
  const { notifiedAt: _sent, ...record } = suspension;
  const body: SuspendedBody = {
    outcome: 'sending_suspended',
    workspace,
    suspension: record,
    policy: policyDescription(),
    recovery: recovery(workspace),
  };
  return {
    subject: `EDM sending suspended: ${workspace}`,
    message: JSON.stringify(body),
    attributes: attributes(workspace, 'sending_suspended'),
  };
}

/**
 * The notification of a reinstatement.
 *
 * @example
 * reinstatedNotification('acme', reinstatement);
 * // { subject: 'EDM sending reinstated: acme', message: '{"outcome":"sending_reinstated",…}', attributes: { … } }
 */
export function reinstatedNotification(workspace: string, reinstatement: Reinstatement): Notification {
  const { baseline: _b, notifiedAt: _n, suspension, ...record } = reinstatement;
  const { notifiedAt: _sent, ...lifted } = suspension;
  const body: ReinstatedBody = {
    outcome: 'sending_reinstated',
    workspace,
    reinstatement: record,
    suspension: lifted,
  };
  return {
    subject: `EDM sending reinstated: ${workspace}`,
    message: JSON.stringify(body),
    attributes: attributes(workspace, 'sending_reinstated'),
  };
}
