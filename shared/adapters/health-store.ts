/**
 * The HealthStore port over the contacts table (every partition key starts with the workspace).
 *
 * | item | pk | sk | attributes |
 * | --- | --- | --- | --- |
 * | hourly bucket | `<ws>#HEALTH` | `H#<yyyy-mm-ddThh>` | `sends`, `hardBounces`, `complaints` (ADD), `expiresAt` |
 * | event marker | `<ws>#HEALTHEVT#<messageId>#<kind>#<recipients hash>` | `EVT` | `hour`, `expiresAt` |
 * | workspace settings | `<ws>#META` | `SETTINGS` | `flag_edmSendingSuspended`, `edmSuspension`, `edmReinstatement` |
 *
 * A marker (one per SES event) and its bucket's increment are written in one transaction, so an SES event delivered twice is
 * counted once and a crash never counts half of it. Markers and buckets expire (TTL) two days after their
 * hour: an event older than the 24-hour window is never counted again, so its marker is no longer needed.
 *
 * The suspension lives on the workspace's settings item, in the `flag_<name>` attribute the
 * WorkspaceStore reads its flags from, so `getSettings(ws).flags.edmSendingSuspended` sees it.
 */
import { createHash } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  type CountedKind,
  type HealthBucket,
  type HealthCounts,
  type Observation,
  type Reinstatement,
  type SendingState,
  type Suspension,
  ZERO_COUNTS,
} from '../pipeline/sending-health/model.js';
import { hourOf, hourStart } from '../pipeline/sending-health/policy.js';
import type { HealthStore, NoticeKind } from '../pipeline/sending-health/ports.js';
import { Expression } from './dynamo/expression.js';
import { chunk, TRANSACTION_MAX_ACTIONS } from './dynamo/limits.js';
import { cancellationCodes, type RetryPolicy } from './dynamo/retry.js';
import { DynamoTable, type Item, isConditionFailed, type Key, type TransactAction } from './dynamo/table.js';

export interface HealthStoreOptions {
  readonly retry?: Partial<RetryPolicy>;
}

const BUCKET_PREFIX = 'H#';
const MARKER_SK = 'EVT';
const SETTINGS = 'SETTINGS';
/** The WorkspaceStore's attribute of the `edmSendingSuspended` flag (`flag_<name>`). */
const SUSPENDED_FLAG = 'flag_edmSendingSuspended';
const RECORDS: Record<NoticeKind, { attribute: string; id: string }> = {
  suspension: { attribute: 'edmSuspension', id: 'suspendedAt' },
  reinstatement: { attribute: 'edmReinstatement', id: 'reinstatedAt' },
};
/** Markers and buckets outlive their hour by this much (the window is 24 hours; TTL deletes late). */
const RETENTION_HOURS = 48;
const COUNTERS: Record<CountedKind, keyof HealthCounts> = {
  send: 'sends',
  hard_bounce: 'hardBounces',
  complaint: 'complaints',
};

function healthPk(workspace: string): string {
  return `${workspace}#HEALTH`;
}

function settingsKey(workspace: string): Key {
  return { pk: `${workspace}#META`, sk: SETTINGS };
}

/**
 * One marker per SES event (message, kind, recipients). Keys name the recipients by a hash: item keys show
 * up in consoles and logs, addresses must not.
 */
function markerKey(workspace: string, o: Observation): Key {
  const hash = createHash('sha256')
    .update([...o.recipients].sort().join('\n'))
    .digest('hex')
    .slice(0, 32);
  return { pk: `${workspace}#HEALTHEVT#${o.messageId}#${o.kind}#${hash}`, sk: MARKER_SK };
}

function expiresAt(hour: string): number {
  return Math.floor(hourStart(hour).getTime() / 1000) + RETENTION_HOURS * 3600;
}

/**
 * What `state` reports when the flag was set without a record (by hand, through `WorkspaceStore.setFlags`):
 * a suspension that can be reinstated, whose notice counts as sent (there is nothing to tell).
 */
const SUSPENSION_WITHOUT_RECORD: Suspension = {
  suspendedAt: '',
  reasons: [],
  message: 'The edmSendingSuspended flag was set without a sending-health record (by hand)',
  figures: { ...ZERO_COUNTS, bounceRate: 0, complaintRate: 0, windowStart: '', windowEnd: '' },
  notifiedAt: '',
};

function countOf(value: unknown): number {
  return typeof value === 'number' ? value : 0;
}

/** A stored record without the claim bookkeeping. */
function recordOf<T>(value: unknown): T | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const { noticeClaimedAt: _claim, ...record } = value as Record<string, unknown>;
  return record as T;
}

/**
 * @example
 * const health = new DynamoHealthStore(clients.dynamodb, config.resources.tables.contacts.name);
 * await health.count('acme', [{ kind: 'send', messageId, recipients: ['jane@example.com'], occurredAt }]);
 */
export class DynamoHealthStore implements HealthStore {
  private readonly table: DynamoTable;

  constructor(client: DynamoDBClient, tableName: string, options: HealthStoreOptions = {}) {
    this.table = new DynamoTable(client, tableName, options.retry);
  }

  /**
   * One transaction per hour and 99 events: their markers (each on condition that it does not exist) and
   * one increment of the hour's bucket. When markers exist already, the transaction is cancelled and
   * retried without them.
   */
  async count(workspace: string, observations: readonly Observation[]): Promise<number> {
    const distinct = new Map(observations.map((o) => [markerKey(workspace, o).pk, o]));
    const byHour = new Map<string, Observation[]>();
    for (const o of distinct.values()) {
      const hour = hourOf(o.occurredAt);
      byHour.set(hour, [...(byHour.get(hour) ?? []), o]);
    }
    let counted = 0;
    for (const [hour, list] of byHour) {
      for (const part of chunk(list, TRANSACTION_MAX_ACTIONS - 1)) {
        counted += await this.countHour(workspace, hour, part);
      }
    }
    return counted;
  }

  private async countHour(workspace: string, hour: string, observations: Observation[]): Promise<number> {
    let pending = observations;
    while (pending.length > 0) {
      const markers = pending.map((o) => this.markerPut(workspace, hour, o));
      try {
        await this.table.transact(
          [...markers, { Update: this.bucketIncrement(workspace, hour, pending) }],
          `Sending health counts of ${workspace} at ${hour}`,
        );
        return pending.reduce((sum, o) => sum + o.recipients.length, 0);
      } catch (err) {
        const codes = cancellationCodes(err);
        if (!codes.includes('ConditionalCheckFailed')) throw err;
        pending = pending.filter((_o, i) => codes[i] !== 'ConditionalCheckFailed');
      }
    }
    return 0;
  }

  private markerPut(workspace: string, hour: string, o: Observation): TransactAction {
    const x = new Expression();
    return {
      Put: {
        Item: { ...markerKey(workspace, o), hour, expiresAt: expiresAt(hour) },
        ...x.build(`attribute_not_exists(${x.name('pk')})`),
      },
    };
  }

  private bucketIncrement(workspace: string, hour: string, observations: readonly Observation[]) {
    const totals: Record<keyof HealthCounts, number> = { sends: 0, hardBounces: 0, complaints: 0 };
    for (const o of observations) totals[COUNTERS[o.kind]] += o.recipients.length;
    const x = new Expression().set('expiresAt', expiresAt(hour));
    for (const [name, value] of Object.entries(totals)) x.add(name, value);
    return { Key: { pk: healthPk(workspace), sk: `${BUCKET_PREFIX}${hour}` }, ...x.buildUpdate() };
  }

  async buckets(workspace: string, fromHour: string, toHour: string): Promise<HealthBucket[]> {
    const x = new Expression();
    const condition =
      `${x.name('pk')} = ${x.value(healthPk(workspace))} AND ${x.name('sk')} BETWEEN ` +
      `${x.value(`${BUCKET_PREFIX}${fromHour}`)} AND ${x.value(`${BUCKET_PREFIX}${toHour}`)}`;
    const buckets: HealthBucket[] = [];
    for await (const page of this.table.query({
      KeyConditionExpression: condition,
      ConsistentRead: true,
      ...x.build(),
    })) {
      for (const item of page) {
        buckets.push({
          hour: String(item.sk).slice(BUCKET_PREFIX.length),
          counts: {
            sends: countOf(item.sends),
            hardBounces: countOf(item.hardBounces),
            complaints: countOf(item.complaints),
          },
        });
      }
    }
    return buckets;
  }

  async state(workspace: string): Promise<SendingState> {
    const item: Item = (await this.table.get(settingsKey(workspace))) ?? {};
    const suspended = item[SUSPENDED_FLAG] === true;
    const suspension = suspended
      ? (recordOf<Suspension>(item[RECORDS.suspension.attribute]) ?? SUSPENSION_WITHOUT_RECORD)
      : undefined;
    const lastReinstatement = recordOf<Reinstatement>(item[RECORDS.reinstatement.attribute]);
    return {
      suspended,
      ...(suspension ? { suspension } : {}),
      ...(lastReinstatement ? { lastReinstatement } : {}),
    };
  }

  async suspend(workspace: string, suspension: Suspension): Promise<boolean> {
    const x = new Expression()
      .set(SUSPENDED_FLAG, true)
      .set(RECORDS.suspension.attribute, { ...suspension, noticeClaimedAt: suspension.suspendedAt });
    const flag = x.name(SUSPENDED_FLAG);
    return this.conditionalUpdate(
      workspace,
      x,
      `attribute_not_exists(${flag}) OR ${flag} = ${x.value(false)}`,
    );
  }

  async reinstate(workspace: string, reinstatement: Reinstatement): Promise<boolean> {
    const { attribute, id } = RECORDS.suspension;
    const x = new Expression()
      .set(SUSPENDED_FLAG, false)
      .set(RECORDS.reinstatement.attribute, {
        ...reinstatement,
        noticeClaimedAt: reinstatement.reinstatedAt,
      })
      .remove(attribute);
    const record = x.name(attribute);
    const condition =
      `${x.name(SUSPENDED_FLAG)} = ${x.value(true)} AND (attribute_not_exists(${record}) OR ` +
      `${x.name(`${attribute}.${id}`)} = ${x.value(reinstatement.suspension.suspendedAt)})`;
    return this.conditionalUpdate(workspace, x, condition);
  }

  async claimNotice(
    workspace: string,
    kind: NoticeKind,
    id: string,
    now: Date,
    staleBefore: Date,
  ): Promise<boolean> {
    const { attribute, id: idField } = RECORDS[kind];
    const x = new Expression().set(`${attribute}.noticeClaimedAt`, now.toISOString());
    const condition =
      `${x.name(`${attribute}.${idField}`)} = ${x.value(id)} AND ` +
      `attribute_not_exists(${x.name(`${attribute}.notifiedAt`)}) AND ` +
      `${x.name(`${attribute}.noticeClaimedAt`)} < ${x.value(staleBefore.toISOString())}`;
    return this.conditionalUpdate(workspace, x, condition);
  }

  /** A record that has moved on meanwhile (a suspension lifted) is left as it is. */
  async markNotified(workspace: string, kind: NoticeKind, id: string, at: Date): Promise<void> {
    const { attribute, id: idField } = RECORDS[kind];
    const x = new Expression().set(`${attribute}.notifiedAt`, at.toISOString());
    await this.conditionalUpdate(workspace, x, `${x.name(`${attribute}.${idField}`)} = ${x.value(id)}`);
  }

  /** True when the condition held and the update was made. */
  private async conditionalUpdate(workspace: string, x: Expression, condition: string): Promise<boolean> {
    try {
      await this.table.update({ Key: settingsKey(workspace), ...x.buildUpdate(condition) });
      return true;
    } catch (err) {
      if (isConditionFailed(err)) return false;
      throw err;
    }
  }
}
