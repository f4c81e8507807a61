/**
 * Sending health over the emulator: the real Dynamo stores and SNS notifier, a subscriber queue on the
 * notifications topic, a logger that remembers what it was told, and SES event factories.
 */
import { DynamoContactStore } from '../../../shared/adapters/contact-store.js';
import { DynamoHealthStore } from '../../../shared/adapters/health-store.js';
import { SnsNotifier } from '../../../shared/adapters/sns-notifier.js';
import { DynamoWorkspaceStore } from '../../../shared/adapters/workspace-store.js';
import type { Contact } from '../../../shared/domain/model.js';
import type { PipelineLogger } from '../../../shared/pipeline/aggregate/aggregate.js';
import type { Notifier } from '../../../shared/pipeline/aggregate/notifier.js';
import { type FeedbackEvent, parseFeedback } from '../../../shared/pipeline/sending-health/events.js';
import {
  type FeedbackDeps,
  recordFeedback,
} from '../../../shared/pipeline/sending-health/record-feedback.js';
import type { HealthDeps } from '../../../shared/pipeline/sending-health/workspace-health.js';
import { type Subscriber, subscribe } from '../../helpers/e2e/subscriber.js';
import type { EmulatorContext } from '../../helpers/emulator.js';
import { aContact } from '../../helpers/stores/contacts.js';
import { type SesEventOptions, type SesEventType, sesBody } from '../../unit/sending-health/ses-events.js';

const FAST_RETRY = { baseDelayMs: 1, maxDelayMs: 5 };

export interface HealthWorld {
  readonly contacts: DynamoContactStore;
  readonly health: DynamoHealthStore;
  readonly workspaces: DynamoWorkspaceStore;
  readonly notifier: SnsNotifier;
  /** Every log line as `level message JSON`. */
  readonly logs: string[];
  readonly logger: PipelineLogger;
  /** Feedback dependencies with a fixed clock (and optionally another notifier). */
  feedbackDeps(now: Date, overrides?: Partial<FeedbackDeps>): FeedbackDeps;
  healthDeps(now: Date): HealthDeps;
  /** A new queue subscribed to the notifications topic: it receives what is published from now on. */
  subscriber(name: string): Promise<Subscriber>;
}

/** Builds the world once the emulator is up (call inside a hook or a test). */
export function healthWorld(env: EmulatorContext): HealthWorld {
  const table = env.provisioned.tables.contacts;
  const logs: string[] = [];
  const line =
    (level: string) =>
    (message: string, ...extra: unknown[]) => {
      logs.push(`${level} ${message} ${JSON.stringify(extra)}`);
    };
  const logger = {
    info: line('info'),
    warn: line('warn'),
    error: line('error'),
  } as unknown as PipelineLogger;
  const contacts = new DynamoContactStore(env.clients.dynamodb, table, { retry: FAST_RETRY });
  const health = new DynamoHealthStore(env.clients.dynamodb, table, { retry: FAST_RETRY });
  const workspaces = new DynamoWorkspaceStore(env.clients.dynamodb, table);
  const notifier = new SnsNotifier(env.clients.sns, env.provisioned.topics.notifications);
  return {
    contacts,
    health,
    workspaces,
    notifier,
    logs,
    logger,
    feedbackDeps: (now, overrides = {}) => ({
      contacts,
      health,
      notifier,
      logger,
      now: () => now,
      ...overrides,
    }),
    healthDeps: (now) => ({ health, workspaces, notifier, now: () => now }),
    subscriber: (name) => subscribe(env.clients, env.provisioned.topics.notifications, name),
  };
}

let workspaceSequence = 0;
/** A workspace of its own for each test. */
export function newWorkspace(prefix = 'health'): string {
  workspaceSequence += 1;
  return `${prefix}-${workspaceSequence}`;
}

let messageSequence = 0;

/** `n` SES events of one type for one workspace, each with one recipient and its own message id. */
export function events(
  n: number,
  type: SesEventType,
  options: SesEventOptions & { readonly workspace: string },
): FeedbackEvent[] {
  return Array.from({ length: n }, (_v, i) => {
    messageSequence += 1;
    return parseFeedback(
      sesBody(type, {
        messageId: `m-${messageSequence}`,
        recipients: [`r${i}.${type.toLowerCase()}@example.com`],
        ...options,
      }),
    );
  });
}

/** SES accepts at most 50 recipients per message. */
const MAX_RECIPIENTS = 50;

/**
 * Counts `n` sends through the same use case as SES events: Send events of 50 recipients each, in one call
 * (the store counts them in a few transactions).
 */
export async function seedSends(world: HealthWorld, workspace: string, n: number, at: Date): Promise<void> {
  const sends = Array.from({ length: Math.ceil(n / MAX_RECIPIENTS) }, (_v, i) => {
    const size = Math.min(MAX_RECIPIENTS, n - i * MAX_RECIPIENTS);
    const recipients = Array.from({ length: size }, (_w, j) => `s${i}.${j}@example.com`);
    return events(1, 'Send', { workspace, at, recipients })[0] as FeedbackEvent;
  });
  await recordFeedback(sends, world.feedbackDeps(at));
}

/** Stores an EDM contact with the given address and status. */
export async function edmContact(
  world: HealthWorld,
  workspace: string,
  email: string,
  status: NonNullable<Contact['edm']>['status'],
): Promise<Contact> {
  const contact = aContact(workspace, { email, edm: { email, status } });
  await world.contacts.write(workspace, [{ contact }]);
  return { ...contact, version: 1 };
}

/** A notifier that fails its first `n` publishes, as SNS does when it is unavailable. */
export function flakyNotifier(inner: Notifier, n: number): Notifier {
  let failures = n;
  return {
    async publish(notification) {
      if (failures > 0) {
        failures -= 1;
        throw Object.assign(new Error('SNS is unavailable'), { name: 'InternalErrorException' });
      }
      await inner.publish(notification);
    },
  };
}
