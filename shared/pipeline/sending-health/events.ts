/**
 * Reads one SES event publishing record (configuration set → SNS → SQS, raw delivery) into what sending
 * health needs: the workspace (message tag `workspace`), the SES message id, what the event counts as and
 * the recipients it names. An SNS envelope (a subscription without raw delivery) is unwrapped first.
 *
 * Shape (fields not used here are ignored; SES may add fields at any time):
 * `{ eventType: 'Send' | 'Delivery' | 'Bounce' | 'Complaint' | …, mail: { messageId, timestamp, destination[],
 * tags: { workspace: ['acme'] } }, bounce: { bounceType: 'Permanent' | 'Transient' | 'Undetermined',
 * bouncedRecipients: [{ emailAddress }], timestamp }, complaint: { complainedRecipients: [{ emailAddress }],
 * timestamp } }`
 */
import { z } from 'zod';
import { WORKSPACE_PATTERN } from '../../domain/channels.js';
import type { CountedKind } from './model.js';

/** What sending health does with an event: count it (and change statuses), or acknowledge it only. */
export type FeedbackKind = CountedKind | 'ignored';

export interface FeedbackEvent {
  readonly workspace: string;
  /** SES `mail.messageId`. */
  readonly messageId: string;
  /** As SES names it: `Send`, `Bounce`, … */
  readonly eventType: string;
  /**
   * `send`; `hard_bounce` (a Permanent bounce); `complaint` (unless `not-spam`); `ignored` for anything
   * else (deliveries, transient or undetermined bounces, `not-spam` complaints, opens, clicks…), which changes
   * nothing.
   */
  readonly kind: FeedbackKind;
  /** When it happened: the bounce's or complaint's timestamp, else the mail's. */
  readonly occurredAt: Date;
  /** The recipients it is about, lower-cased and distinct (empty when ignored). */
  readonly recipients: readonly string[];
  /**
   * Whether it counts toward the workspace's sending health. False for the events SES itself leaves out of
   * its reputation figures (sub-type `OnAccountSuppressionList`: SES accepted the message but did not send
   * it): they still change the contact's status (RULES §8, decision).
   */
  readonly counted: boolean;
}

/** The sub-type SES gives bounces and complaints of addresses on the account-level suppression list. */
export const ON_ACCOUNT_SUPPRESSION_LIST = 'OnAccountSuppressionList';

/** The complaint feedback type (RFC 5965 `Feedback-Type`) that says the message is not spam. */
export const NOT_SPAM = 'not-spam';

/** The body is not an SES event record. Its message never quotes the body (it holds addresses). */
export class MalformedFeedbackError extends Error {
  constructor(reason: string) {
    super(`The message is not an SES event publishing record: ${reason}`);
    this.name = 'MalformedFeedbackError';
  }
}

/** The event names no valid workspace: it cannot be attributed to a tenant. */
export class FeedbackWithoutWorkspaceError extends Error {
  constructor(
    readonly messageId: string,
    readonly tag: string | undefined,
  ) {
    super(
      tag === undefined
        ? `SES event of message ${messageId} has no "workspace" message tag: send every EDM with the tag workspace=<workspace>`
        : `SES event of message ${messageId} has an invalid "workspace" message tag "${tag}"`,
    );
    this.name = 'FeedbackWithoutWorkspaceError';
  }
}

const Recipients = z.array(z.object({ emailAddress: z.string() }));
const Timestamp = z.string().refine((text) => !Number.isNaN(Date.parse(text)), 'not a timestamp');

const SesEvent = z.object({
  eventType: z.string().optional(),
  notificationType: z.string().optional(),
  mail: z.object({
    messageId: z.string().min(1),
    timestamp: Timestamp,
    destination: z.array(z.string()).default([]),
    tags: z.record(z.string(), z.array(z.string())).default({}),
  }),
  bounce: z
    .object({
      bounceType: z.string(),
      bounceSubType: z.string().nullish(),
      bouncedRecipients: Recipients,
      timestamp: Timestamp.optional(),
    })
    .optional(),
  complaint: z
    .object({
      complainedRecipients: Recipients,
      complaintSubType: z.string().nullish(),
      complaintFeedbackType: z.string().nullish(),
      timestamp: Timestamp.optional(),
    })
    .optional(),
});
type SesEvent = z.infer<typeof SesEvent>;

const SnsEnvelope = z.object({ Type: z.literal('Notification'), Message: z.string() });

/**
 * The address of a recipient field, lower-cased: `Jane <Jane@Example.com>` → `jane@example.com`.
 *
 * @example
 * recipientAddress(' Jane <Jane@Example.com> '); // 'jane@example.com'
 */
export function recipientAddress(field: string): string {
  const angle = /<([^<>]+)>\s*$/.exec(field);
  return (angle?.[1] ?? field).trim().toLowerCase();
}

function distinctAddresses(fields: readonly string[]): string[] {
  return [...new Set(fields.map(recipientAddress).filter((address) => address !== ''))];
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new MalformedFeedbackError('the body is not JSON');
  }
}

type Classified = Pick<FeedbackEvent, 'kind' | 'recipients' | 'counted'>;

const IGNORED: Classified = { kind: 'ignored', recipients: [], counted: false };

/**
 * What an event means as SES defines it: a `Permanent` bounce is a hard bounce, a complaint is a spam
 * report unless its feedback type is `not-spam` (then nothing), and either is left out of the counts when
 * its sub-type is `OnAccountSuppressionList`.
 */
function classify(event: SesEvent, eventType: string): Classified {
  if (eventType === 'Send') {
    return { kind: 'send', recipients: distinctAddresses(event.mail.destination), counted: true };
  }
  if (eventType === 'Bounce') {
    if (!event.bounce) throw new MalformedFeedbackError('a Bounce event without a bounce object');
    if (event.bounce.bounceType !== 'Permanent') return IGNORED;
    const fields = event.bounce.bouncedRecipients.map((r) => r.emailAddress);
    const counted = event.bounce.bounceSubType !== ON_ACCOUNT_SUPPRESSION_LIST;
    return { kind: 'hard_bounce', recipients: distinctAddresses(fields), counted };
  }
  if (eventType === 'Complaint') {
    if (!event.complaint) throw new MalformedFeedbackError('a Complaint event without a complaint object');
    if (event.complaint.complaintFeedbackType === NOT_SPAM) return IGNORED;
    const fields = event.complaint.complainedRecipients.map((r) => r.emailAddress);
    const counted = event.complaint.complaintSubType !== ON_ACCOUNT_SUPPRESSION_LIST;
    return { kind: 'complaint', recipients: distinctAddresses(fields), counted };
  }
  return IGNORED;
}

/**
 * Parses one queue message body. Throws MalformedFeedbackError when it is not an SES event record and
 * FeedbackWithoutWorkspaceError when its `workspace` tag is missing or invalid.
 *
 * @example
 * parseFeedback('{"eventType":"Bounce","bounce":{"bounceType":"Permanent",…},"mail":{…"tags":{"workspace":["acme"]}}}');
 * // { workspace: 'acme', messageId: '0100…', eventType: 'Bounce', kind: 'hard_bounce', recipients: ['jane@example.com'], … }
 */
export function parseFeedback(body: string): FeedbackEvent {
  let json = parseJson(body);
  const envelope = SnsEnvelope.safeParse(json);
  if (envelope.success) json = parseJson(envelope.data.Message);
  const parsed = SesEvent.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new MalformedFeedbackError(`${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`);
  }
  const event = parsed.data;
  const eventType = event.eventType ?? event.notificationType;
  if (!eventType) throw new MalformedFeedbackError('eventType is missing');
  const { messageId } = event.mail;
  const tag = event.mail.tags.workspace?.[0];
  if (tag === undefined || !WORKSPACE_PATTERN.test(tag))
    throw new FeedbackWithoutWorkspaceError(messageId, tag);
  const { kind, recipients, counted } = classify(event, eventType);
  const occurredAt = new Date(event.bounce?.timestamp ?? event.complaint?.timestamp ?? event.mail.timestamp);
  return { workspace: tag, messageId, eventType, kind, occurredAt, recipients, counted };
}
