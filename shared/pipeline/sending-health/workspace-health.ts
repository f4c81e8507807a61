/**
 * What an operator asks of sending health: a workspace's health (flags, 24-hour counts and rates, why it
 * is suspended) and its reinstatement after a manual review.
 */
import type { WorkspaceFlags } from '../../domain/model.js';
import type { Notifier } from '../aggregate/notifier.js';
import type { WorkspaceStore } from '../ports.js';
import {
  type HealthCounts,
  type Reinstatement,
  type Suspension,
  type SuspensionReason,
  ZERO_COUNTS,
} from './model.js';
import { sendNotice } from './notices.js';
import { reinstatedNotification } from './notification.js';
import { figuresOf, hourOf, policyDescription, suspensionReasons, windowAt, windowTotals } from './policy.js';
import type { HealthStore } from './ports.js';

export interface HealthDeps {
  readonly health: HealthStore;
  /** Reads the workspace's flags (`workspaceHealth` only). */
  readonly workspaces: WorkspaceStore;
  /** The notifications topic (`reinstate` only). */
  readonly notifier: Notifier;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

export interface WorkspaceHealth {
  readonly workspace: string;
  readonly suspended: boolean;
  /** Every flag of the workspace (`edmSendingSuspended`, `whatsappRiskAcceptanceRequired`). */
  readonly flags: WorkspaceFlags;
  /** The counted window: from its start (or the last reinstatement) to now, ISO. */
  readonly window: { readonly start: string; readonly end: string };
  readonly counts: HealthCounts;
  /** Fractions: 0.05 = 5 %. */
  readonly bounceRate: number;
  readonly complaintRate: number;
  /** The thresholds the window meets now (a suspended workspace is not suspended again). */
  readonly thresholdsMet: readonly SuspensionReason[];
  readonly policy: string;
  /** Present while suspended. */
  readonly suspension?: Suspension;
  readonly lastReinstatement?: Reinstatement;
}

/** Reinstating a workspace whose EDM sending is not suspended. */
export class WorkspaceNotSuspendedError extends Error {
  constructor(readonly workspace: string) {
    super(`EDM sending of workspace ${workspace} is not suspended: there is nothing to reinstate`);
    this.name = 'WorkspaceNotSuspendedError';
  }
}

/** A reinstatement without a reason or an actor (the review must be traceable). */
export class InvalidReinstatementError extends Error {
  constructor(field: 'reason' | 'actor', value: string) {
    super(`A reinstatement needs a ${field} of 1 to ${TEXT_LIMIT} characters, got "${value}"`);
    this.name = 'InvalidReinstatementError';
  }
}

/** The suspension changed under the reinstatement several times in a row. */
export class SendingStateChangedError extends Error {
  constructor(readonly workspace: string) {
    super(`The EDM sending state of workspace ${workspace} kept changing during reinstatement: run it again`);
    this.name = 'SendingStateChangedError';
  }
}

const TEXT_LIMIT = 1000;
const REINSTATE_ATTEMPTS = 3;

function checkText(field: 'reason' | 'actor', value: string): string {
  const text = value.trim();
  if (text === '' || text.length > TEXT_LIMIT) throw new InvalidReinstatementError(field, value);
  return text;
}

/**
 * A workspace's EDM sending health now.
 *
 * @example
 * const health = await workspaceHealth('acme', deps);
 * // { suspended: false, counts: { sends: 300, hardBounces: 19, complaints: 0 }, bounceRate: 0.0633, … }
 */
export async function workspaceHealth(
  workspace: string,
  deps: Pick<HealthDeps, 'health' | 'workspaces' | 'now'>,
): Promise<WorkspaceHealth> {
  const now = (deps.now ?? (() => new Date()))();
  const [state, settings] = await Promise.all([
    deps.health.state(workspace),
    deps.workspaces.getSettings(workspace),
  ]);
  const window = windowAt(now, state.lastReinstatement);
  const counts = windowTotals(await deps.health.buckets(workspace, window.fromHour, window.toHour), window);
  const figures = figuresOf(counts, window);
  return {
    workspace,
    suspended: state.suspended,
    flags: settings.flags,
    window: { start: figures.windowStart, end: figures.windowEnd },
    counts,
    bounceRate: figures.bounceRate,
    complaintRate: figures.complaintRate,
    thresholdsMet: suspensionReasons(counts),
    policy: policyDescription(),
    ...(state.suspension ? { suspension: state.suspension } : {}),
    ...(state.lastReinstatement ? { lastReinstatement: state.lastReinstatement } : {}),
  };
}

export interface ReinstateResult {
  readonly reinstatement: Reinstatement;
  /**
   * True when the workspace had already been reinstated but its notification had not gone out (the earlier
   * run failed to publish): this run only sent the notification.
   */
  readonly resent: boolean;
}

/**
 * Lifts a workspace's EDM suspension after a manual review: clears the flag, records who, why and when,
 * and publishes `sending_reinstated`. Counting restarts at the reinstatement, so the events that caused the
 * suspension do not suspend the workspace again. Throws WorkspaceNotSuspendedError when it is not
 * suspended.
 *
 * @example
 * await reinstate('acme', 'List cleaned with a verification service; 1,204 addresses imported as hard_bounce', 'csm@example.com', deps);
 */
export async function reinstate(
  workspace: string,
  reason: string,
  actor: string,
  deps: Pick<HealthDeps, 'health' | 'notifier' | 'now'>,
): Promise<ReinstateResult> {
  const why = checkText('reason', reason);
  const who = checkText('actor', actor);
  const now = (deps.now ?? (() => new Date()))();
  for (let attempt = 1; attempt <= REINSTATE_ATTEMPTS; attempt++) {
    const state = await deps.health.state(workspace);
    if (!state.suspension) {
      const last = state.lastReinstatement;
      if (!last || last.notifiedAt !== undefined) throw new WorkspaceNotSuspendedError(workspace);
      await sendNotice(
        deps,
        workspace,
        'reinstatement',
        last.reinstatedAt,
        reinstatedNotification(workspace, last),
        now,
      );
      return { reinstatement: last, resent: true };
    }
    const hour = hourOf(now);
    const [bucket] = await deps.health.buckets(workspace, hour, hour);
    const reinstatement: Reinstatement = {
      reinstatedAt: now.toISOString(),
      actor: who,
      reason: why,
      suspension: state.suspension,
      baseline: bucket ?? { hour, counts: ZERO_COUNTS },
    };
    if (await deps.health.reinstate(workspace, reinstatement)) {
      await sendNotice(
        deps,
        workspace,
        'reinstatement',
        reinstatement.reinstatedAt,
        reinstatedNotification(workspace, reinstatement),
        now,
      );
      return { reinstatement, resent: false };
    }
  }
  throw new SendingStateChangedError(workspace);
}
