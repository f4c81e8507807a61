/**
 * The port sending health keeps its state behind. `shared/adapters/health-store.ts` implements it over the
 * contacts table (hourly buckets, per-event markers, and the workspace settings item that carries the
 * `edmSendingSuspended` flag).
 */
import type { HealthBucket, Observation, Reinstatement, SendingState, Suspension } from './model.js';

/** Which notice of a state change: the suspension's or the reinstatement's. */
export type NoticeKind = 'suspension' | 'reinstatement';

export interface HealthStore {
  /**
   * Adds each observation (one per recipient) to its workspace's hourly bucket exactly once: an observation
   * already counted (the same SES event delivered again) is left out. Returns how many recipients were new.
   */
  count(workspace: string, observations: readonly Observation[]): Promise<number>;
  /** The buckets from `fromHour` to `toHour` (inclusive, `yyyy-mm-ddThh`), read strongly consistent. */
  buckets(workspace: string, fromHour: string, toHour: string): Promise<HealthBucket[]>;
  /** The workspace's EDM sending state (strongly consistent). */
  state(workspace: string): Promise<SendingState>;
  /**
   * Sets the suspension flag with its record, unless the workspace is already suspended. True when this
   * call suspended it; the caller then owns the notice (its claim is taken at `suspendedAt`).
   */
  suspend(workspace: string, suspension: Suspension): Promise<boolean>;
  /**
   * Lifts the given suspension (identified by `suspendedAt`), recording the reinstatement. False when the
   * workspace is no longer under that suspension. The caller then owns the notice.
   */
  reinstate(workspace: string, reinstatement: Reinstatement): Promise<boolean>;
  /**
   * Claims the pending notice of a state change identified by its time (`suspendedAt` / `reinstatedAt`):
   * true when it is not sent yet and nobody claimed it after `staleBefore`.
   */
  claimNotice(
    workspace: string,
    kind: NoticeKind,
    id: string,
    now: Date,
    staleBefore: Date,
  ): Promise<boolean>;
  /** Records that the notice went out. */
  markNotified(workspace: string, kind: NoticeKind, id: string, at: Date): Promise<void>;
}
