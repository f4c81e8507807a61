/**
 * The vocabulary of sending health (RULES §8): what an SES event counts as, the per-workspace counts over
 * the sliding 24 hours, and the suspension / reinstatement records of a workspace.
 */

/** What an SES event adds to a workspace's counts: one per recipient it names. */
export type CountedKind = 'send' | 'hard_bounce' | 'complaint';

/** Sends, hard bounces and complaints (spam reports) of a workspace over some period. */
export interface HealthCounts {
  readonly sends: number;
  readonly hardBounces: number;
  readonly complaints: number;
}

export const ZERO_COUNTS: HealthCounts = { sends: 0, hardBounces: 0, complaints: 0 };

/** One hourly bucket of counts; `hour` is the UTC hour `yyyy-mm-ddThh`. */
export interface HealthBucket {
  readonly hour: string;
  readonly counts: HealthCounts;
}

/**
 * One SES event as counted: one per recipient, and once however often the event is delivered (SES sends
 * one event per message and type for a set of recipients; a redelivery repeats the same set).
 */
export interface Observation {
  readonly kind: CountedKind;
  /** SES `mail.messageId`. */
  readonly messageId: string;
  /** The recipients' addresses, lower-cased and distinct (the store keeps only a hash of them). */
  readonly recipients: readonly string[];
  /** When the event happened (it selects the hourly bucket). */
  readonly occurredAt: Date;
}

/** Which threshold of the policy holds. */
export type SuspensionReason = 'hard_bounces' | 'complaints';

/** Counts and rates of the window a decision was taken on. Rates are fractions (0.05 = 5 %). */
export interface HealthFigures extends HealthCounts {
  readonly bounceRate: number;
  readonly complaintRate: number;
  /** ISO start of the counted window (inclusive) and the evaluation time. */
  readonly windowStart: string;
  readonly windowEnd: string;
}

/** Why and when a workspace's EDM sending was suspended. */
export interface Suspension {
  /** ISO time; also identifies the suspension. */
  readonly suspendedAt: string;
  readonly reasons: readonly SuspensionReason[];
  /** One sentence an operator reads, e.g. "20 hard bounces in 24 hours (6.67 % of 300 sends) …". */
  readonly message: string;
  readonly figures: HealthFigures;
  /** Set once the `sending_suspended` notification went out. */
  readonly notifiedAt?: string;
}

/** Who lifted a suspension, why and when. */
export interface Reinstatement {
  readonly reinstatedAt: string;
  readonly actor: string;
  readonly reason: string;
  /** The suspension it lifted. */
  readonly suspension: Suspension;
  /**
   * The counts of the reinstatement's own hour at the moment of reinstatement: later evaluations subtract
   * them, so the events that caused the suspension do not suspend the workspace again.
   */
  readonly baseline: HealthBucket;
  /** Set once the `sending_reinstated` notification went out. */
  readonly notifiedAt?: string;
}

/** A workspace's EDM sending state. */
export interface SendingState {
  readonly suspended: boolean;
  /** Present while suspended. */
  readonly suspension?: Suspension;
  /** The most recent reinstatement, if any. */
  readonly lastReinstatement?: Reinstatement;
}
