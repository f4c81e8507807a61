/**
 * The auto-suspension policy (RULES §8) as pure functions: the sliding 24-hour window over hourly buckets,
 * the window's totals and rates, and which thresholds hold.
 *
 * The window is the 24 hourly buckets that end with the current hour, so it reaches back between 23 and
 * 24 hours: an event older than 24 hours never counts (the rule), one between 23 and 24 hours old may
 * already have stopped counting (the price of hourly buckets).
 */
import type { HealthBucket, HealthCounts, HealthFigures, Reinstatement, SuspensionReason } from './model.js';
import { ZERO_COUNTS } from './model.js';

/** Hours in the sliding window. */
export const WINDOW_HOURS = 24;

/**
 * Suspend when either threshold holds over the window: at least `minCount` events AND at least
 * `minRateBasisPoints` of the sends (500 bp = 5 %, 50 bp = 0.5 %). Integers, so the comparison is exact.
 */
export const SUSPENSION_POLICY = {
  hard_bounces: { minCount: 20, minRateBasisPoints: 500 },
  complaints: { minCount: 10, minRateBasisPoints: 50 },
} as const satisfies Record<SuspensionReason, { minCount: number; minRateBasisPoints: number }>;

const HOUR_MS = 3_600_000;

/**
 * The UTC hour of a time, as bucket keys spell it.
 *
 * @example
 * hourOf(new Date('2024-06-01T04:59:59Z')); // '2024-06-01T04'
 */
export function hourOf(time: Date): string {
  return time.toISOString().slice(0, 13);
}

/** The start of an hour bucket. */
export function hourStart(hour: string): Date {
  return new Date(`${hour}:00:00.000Z`);
}

/** The hours a window covers: `fromHour` to `toHour`, both inclusive. */
export interface HealthWindow {
  readonly fromHour: string;
  readonly toHour: string;
  /** When counting starts: the start of `fromHour`, or the reinstatement time. */
  readonly startsAt: Date;
  /** The evaluation time. */
  readonly now: Date;
  /** Subtracted from the bucket of its hour (see `Reinstatement.baseline`). */
  readonly baseline?: HealthBucket;
}

/**
 * The window evaluated at `now`: the last 24 hourly buckets, starting no earlier than the hour of the last
 * reinstatement (whose counts at that moment are subtracted), so what caused a suspension does not
 * suspend the workspace again once it is reinstated.
 *
 * @example
 * windowAt(new Date('2024-06-01T04:30:00Z')); // { fromHour: '2024-05-31T05', toHour: '2024-06-01T04', … }
 */
export function windowAt(
  now: Date,
  reinstatement?: Pick<Reinstatement, 'baseline' | 'reinstatedAt'>,
): HealthWindow {
  const toHour = hourOf(now);
  const fromHour = hourOf(new Date(hourStart(toHour).getTime() - (WINDOW_HOURS - 1) * HOUR_MS));
  if (!reinstatement || reinstatement.baseline.hour < fromHour) {
    return { fromHour, toHour, startsAt: hourStart(fromHour), now };
  }
  const { baseline, reinstatedAt } = reinstatement;
  return { fromHour: baseline.hour, toHour, startsAt: new Date(reinstatedAt), now, baseline };
}

/**
 * Whether an event that happened at `occurredAt` still counts in the window at `now`. Events from the
 * future (clock skew) count as now.
 */
export function isInWindow(occurredAt: Date, now: Date): boolean {
  const hour = hourOf(occurredAt);
  return hour >= windowAt(now).fromHour;
}

function add(a: HealthCounts, b: HealthCounts, sign = 1): HealthCounts {
  return {
    sends: a.sends + sign * b.sends,
    hardBounces: a.hardBounces + sign * b.hardBounces,
    complaints: a.complaints + sign * b.complaints,
  };
}

function atLeastZero(c: HealthCounts): HealthCounts {
  return {
    sends: Math.max(0, c.sends),
    hardBounces: Math.max(0, c.hardBounces),
    complaints: Math.max(0, c.complaints),
  };
}

/**
 * The window's totals: the buckets inside it, minus the reinstatement baseline in its hour.
 *
 * @example
 * windowTotals([{ hour: '2024-06-01T04', counts: { sends: 300, hardBounces: 20, complaints: 0 } }], window);
 * // { sends: 300, hardBounces: 20, complaints: 0 }
 */
export function windowTotals(buckets: readonly HealthBucket[], window: HealthWindow): HealthCounts {
  let total = ZERO_COUNTS;
  for (const bucket of buckets) {
    if (bucket.hour < window.fromHour || bucket.hour > window.toHour) continue;
    const counts =
      window.baseline && bucket.hour === window.baseline.hour
        ? atLeastZero(add(bucket.counts, window.baseline.counts, -1))
        : bucket.counts;
    total = add(total, counts);
  }
  return total;
}

/**
 * A bounce or a complaint implies a send, so the denominator is never below the numerator: with no send
 * event counted (sends older than the window, or send events not published) the rate is 100 %, not
 * undefined.
 */
function denominator(counts: HealthCounts, numerator: number): number {
  return Math.max(counts.sends, numerator);
}

/** count / sends as a fraction; 0 when nothing was sent. */
function rate(counts: HealthCounts, numerator: number): number {
  const of = denominator(counts, numerator);
  return of === 0 ? 0 : numerator / of;
}

function countOf(counts: HealthCounts, reason: SuspensionReason): number {
  return reason === 'hard_bounces' ? counts.hardBounces : counts.complaints;
}

/**
 * The thresholds that hold for these counts (empty: keep sending).
 *
 * @example
 * suspensionReasons({ sends: 300, hardBounces: 20, complaints: 0 }); // ['hard_bounces']
 * suspensionReasons({ sends: 1000, hardBounces: 20, complaints: 0 }); // [] (2 %)
 */
export function suspensionReasons(counts: HealthCounts): SuspensionReason[] {
  return (Object.keys(SUSPENSION_POLICY) as SuspensionReason[]).filter((reason) => {
    const { minCount, minRateBasisPoints } = SUSPENSION_POLICY[reason];
    const count = countOf(counts, reason);
    return count >= minCount && count * 10_000 >= denominator(counts, count) * minRateBasisPoints;
  });
}

/** Counts, rates and the window, as recorded with a suspension and shown by `workspaceHealth`. */
export function figuresOf(counts: HealthCounts, window: HealthWindow): HealthFigures {
  return {
    ...counts,
    bounceRate: rate(counts, counts.hardBounces),
    complaintRate: rate(counts, counts.complaints),
    windowStart: window.startsAt.toISOString(),
    windowEnd: window.now.toISOString(),
  };
}

/**
 * A fraction as a percentage with two decimals.
 *
 * @example
 * percent(20 / 300); // '6.67 %'
 */
export function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(2)} %`;
}

const LABELS: Record<SuspensionReason, { noun: string; rate: string }> = {
  hard_bounces: { noun: 'hard bounces', rate: 'bounce rate' },
  complaints: { noun: 'spam complaints', rate: 'complaint rate' },
};

/**
 * One sentence saying which thresholds hold, with the figures.
 *
 * @example
 * suspensionMessage(['hard_bounces'], figures);
 * // '20 hard bounces in 24 hours, bounce rate 6.67 % of 300 sends (limits: 20 and 5.00 %)'
 */
export function suspensionMessage(reasons: readonly SuspensionReason[], figures: HealthFigures): string {
  return reasons
    .map((reason) => {
      const { minCount, minRateBasisPoints } = SUSPENSION_POLICY[reason];
      const label = LABELS[reason];
      const fraction = reason === 'hard_bounces' ? figures.bounceRate : figures.complaintRate;
      return (
        `${countOf(figures, reason)} ${label.noun} in ${WINDOW_HOURS} hours, ${label.rate} ${percent(fraction)} ` +
        `of ${figures.sends} sends (limits: ${minCount} and ${percent(minRateBasisPoints / 10_000)})`
      );
    })
    .join('; ');
}

/** The policy in one sentence, for operators. */
export function policyDescription(): string {
  const { hard_bounces: b, complaints: c } = SUSPENSION_POLICY;
  return (
    `EDM sending is suspended when, within ${WINDOW_HOURS} hours, hard bounces ≥ ${b.minCount} and ≥ ` +
    `${percent(b.minRateBasisPoints / 10_000)} of sends, or spam complaints ≥ ${c.minCount} and ≥ ` +
    `${percent(c.minRateBasisPoints / 10_000)} of sends`
  );
}
