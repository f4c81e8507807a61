/**
 * The sending-health use case (RULES §8): SES events change contacts' EDM statuses, count per workspace
 * over the sliding 24 hours, and suspend a workspace's EDM sending once when a threshold holds.
 *
 * Every step is idempotent, so an SQS redelivery (or a retry after a crash) repeats it harmlessly: a status
 * only ever moves toward more restrictive, an event is counted once (marker and counter in one
 * transaction), the suspension is a conditional write, and its notice is sent once (see `notices.ts`).
 */
import { maskValue } from '../../domain/codes.js';
import type { Contact, EdmStatus } from '../../domain/model.js';
import { mostRestrictiveEdm } from '../../domain/status.js';
import type { PipelineLogger } from '../aggregate/aggregate.js';
import type { Notifier } from '../aggregate/notifier.js';
import { ConcurrentModificationError, type ContactStore } from '../ports.js';
import type { FeedbackEvent } from './events.js';
import type { CountedKind, Observation, Suspension } from './model.js';
import { DEFAULT_NOTICE_LEASE_MS, sendNotice, sendPendingNotice } from './notices.js';
import { suspendedNotification } from './notification.js';
import {
  figuresOf,
  isInWindow,
  suspensionMessage,
  suspensionReasons,
  windowAt,
  windowTotals,
} from './policy.js';
import type { HealthStore } from './ports.js';

export interface FeedbackDeps {
  readonly contacts: ContactStore;
  readonly health: HealthStore;
  /** The notifications topic. */
  readonly notifier: Notifier;
  readonly logger: PipelineLogger;
  /** @default () => new Date() */
  readonly now?: () => Date;
  /** How long a claimed, unsent notice is left to its claimer. @default DEFAULT_NOTICE_LEASE_MS */
  readonly noticeLeaseMs?: number;
}

export interface FeedbackResult {
  /** Recipients newly counted (a redelivered event adds nothing). */
  readonly counted: number;
  /** Contacts whose EDM status this call changed. */
  readonly statusChanges: number;
  /** Workspaces this call suspended. */
  readonly suspended: readonly string[];
}

/** The EDM status a bounce or complaint moves its recipient's contact toward. */
const STATUS_OF: Partial<Record<CountedKind, EdmStatus>> = {
  hard_bounce: 'hard_bounce',
  complaint: 'spam_report',
};

/** Writes lost to a concurrent writer before giving up (the SQS retry then starts over). */
const WRITE_ATTEMPTS = 3;

/** The live contact holding an EDM address, following a tombstone once; undefined when none does. */
async function contactOfAddress(
  contacts: ContactStore,
  workspace: string,
  address: string,
): Promise<Contact | undefined> {
  const holders = await contacts.resolve(workspace, [{ type: 'edm_email', value: address }]);
  let contactId = holders.get(`edm_email#${address}`)?.[0]?.contactId;
  for (let hop = 0; contactId !== undefined && hop < 2; hop++) {
    const contact = (await contacts.getContacts(workspace, [contactId])).get(contactId);
    if (contact?.mergedInto === undefined) {
      // An index entry may outlive a crashed write: the profile must really hold the address.
      return contact?.edm?.email.toLowerCase() === address ? contact : undefined;
    }
    contactId = contact.mergedInto;
  }
  return undefined;
}

/**
 * Moves the contact holding `address` to `target` unless it already has a status at least as restrictive.
 * True when it changed.
 */
async function restrictContact(
  deps: FeedbackDeps,
  workspace: string,
  address: string,
  target: EdmStatus,
): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    const contact = await contactOfAddress(deps.contacts, workspace, address);
    if (!contact?.edm) {
      deps.logger.info('no contact holds the address of the SES event', {
        workspace,
        address: maskValue(address),
      });
      return false;
    }
    const status = mostRestrictiveEdm([contact.edm.status, target]);
    if (status === contact.edm.status) return false;
    try {
      await deps.contacts.write(workspace, [
        { previous: contact, contact: { ...contact, edm: { ...contact.edm, status } } },
      ]);
      deps.logger.info('EDM status changed by SES feedback', {
        workspace,
        contactId: contact.contactId,
        from: contact.edm.status,
        to: status,
      });
      return true;
    } catch (err) {
      if (!(err instanceof ConcurrentModificationError) || attempt >= WRITE_ATTEMPTS) throw err;
    }
  }
}

/**
 * Checks the window after new bounces or complaints and suspends the workspace once when a threshold
 * holds. True when this call suspended it. A pending notice of an earlier suspension whose sender died is
 * sent here too.
 */
async function enforcePolicy(deps: FeedbackDeps, workspace: string, now: Date): Promise<boolean> {
  const lease = deps.noticeLeaseMs ?? DEFAULT_NOTICE_LEASE_MS;
  const state = await deps.health.state(workspace);
  if (state.suspension) {
    await sendPendingNotice(
      deps,
      workspace,
      'suspension',
      { id: state.suspension.suspendedAt, notifiedAt: state.suspension.notifiedAt },
      suspendedNotification(workspace, state.suspension),
      now,
      lease,
    );
    return false;
  }
  const window = windowAt(now, state.lastReinstatement);
  const totals = windowTotals(await deps.health.buckets(workspace, window.fromHour, window.toHour), window);
  const reasons = suspensionReasons(totals);
  if (reasons.length === 0) return false;
  const figures = figuresOf(totals, window);
  const suspension: Suspension = {
    suspendedAt: now.toISOString(),
    reasons,
    message: suspensionMessage(reasons, figures),
    figures,
  };
  if (!(await deps.health.suspend(workspace, suspension))) return false;
  deps.logger.warn('EDM sending suspended', { workspace, reasons, figures });
  await sendNotice(
    deps,
    workspace,
    'suspension',
    suspension.suspendedAt,
    suspendedNotification(workspace, suspension),
    now,
  );
  return true;
}

function observationOf(event: FeedbackEvent, now: Date): Observation[] {
  if (
    event.kind === 'ignored' ||
    !event.counted ||
    event.recipients.length === 0 ||
    !isInWindow(event.occurredAt, now)
  ) {
    return [];
  }
  // An event stamped in the future (clock skew) is counted now.
  const occurredAt = event.occurredAt > now ? now : event.occurredAt;
  return [{ kind: event.kind, messageId: event.messageId, recipients: event.recipients, occurredAt }];
}

/**
 * Applies SES events: bounces and complaints restrict their contacts, every send, hard bounce and complaint
 * of the last 24 hours is counted once (except those SES leaves out of its own figures), and each workspace that received a bounce or complaint is checked
 * against the policy. Sends alone never suspend (they only lower the rates), so they skip the check.
 *
 * @example
 * const result = await recordFeedback([parseFeedback(record.body)], deps);
 * // { counted: 1, statusChanges: 1, suspended: [] }
 */
export async function recordFeedback(
  events: readonly FeedbackEvent[],
  deps: FeedbackDeps,
): Promise<FeedbackResult> {
  const now = (deps.now ?? (() => new Date()))();
  let statusChanges = 0;
  for (const event of events) {
    const target = event.kind === 'ignored' ? undefined : STATUS_OF[event.kind];
    if (!target) continue;
    for (const address of event.recipients) {
      if (await restrictContact(deps, event.workspace, address, target)) statusChanges += 1;
    }
  }

  const byWorkspace = new Map<string, { observations: Observation[]; check: boolean }>();
  for (const event of events) {
    const entry = byWorkspace.get(event.workspace) ?? { observations: [], check: false };
    entry.observations.push(...observationOf(event, now));
    entry.check ||= event.counted && (event.kind === 'hard_bounce' || event.kind === 'complaint');
    byWorkspace.set(event.workspace, entry);
  }
  let counted = 0;
  const suspended: string[] = [];
  for (const [workspace, { observations, check }] of byWorkspace) {
    counted += await deps.health.count(workspace, observations);
    if (check && (await enforcePolicy(deps, workspace, now))) suspended.push(workspace);
  }
  return { counted, statusChanges, suspended };
}
