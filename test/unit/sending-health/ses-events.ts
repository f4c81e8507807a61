/**
 * SES event publishing records as SES sends them to SNS (shape from the SES developer guide, "Examples of
 * event data that Amazon SES publishes to Amazon SNS"), for sending-health tests.
 */
import { randomUUID } from 'node:crypto';

export type SesEventType = 'Send' | 'Delivery' | 'Bounce' | 'Complaint';

export interface SesEventOptions {
  /** The `workspace` message tag; `null` leaves the tag out. @default 'acme' */
  readonly workspace?: string | null;
  /** @default a fresh id */
  readonly messageId?: string;
  /** @default ['jane@example.com'] */
  readonly recipients?: readonly string[];
  /** Bounce only. @default 'Permanent' */
  readonly bounceType?: 'Permanent' | 'Transient' | 'Undetermined';
  /** When the event happened. @default now */
  readonly at?: Date;
}

/**
 * One SES event record.
 *
 * @example
 * sesEvent('Bounce', { recipients: ['ann@example.com'] });
 */
export function sesEvent(type: SesEventType, options: SesEventOptions = {}): Record<string, unknown> {
  const at = options.at ?? new Date();
  const recipients = options.recipients ?? ['jane@example.com'];
  const sentAt = new Date(at.getTime() - 1000).toISOString();
  const workspace = options.workspace === undefined ? 'acme' : options.workspace;
  const tags: Record<string, string[]> = {
    'ses:configuration-set': ['contact-import-local'],
    'ses:source-ip': ['192.0.2.0'],
    'ses:from-domain': ['brand.example'],
    'ses:caller-identity': ['ses_user'],
    ...(workspace === null ? {} : { workspace: [workspace] }),
  };
  const mail = {
    timestamp: type === 'Send' ? at.toISOString() : sentAt,
    source: 'Brand <news@brand.example>',
    sourceArn: 'arn:aws:ses:ap-northeast-1:123456789012:identity/brand.example',
    sendingAccountId: '123456789012',
    messageId: options.messageId ?? `0106${randomUUID()}-000000`,
    destination: [...recipients],
    headersTruncated: false,
    tags,
  };
  const timestamp = at.toISOString();
  const addresses = recipients.map((emailAddress) => ({ emailAddress }));
  switch (type) {
    case 'Send':
      return { eventType: 'Send', mail, send: {} };
    case 'Delivery':
      return {
        eventType: 'Delivery',
        mail,
        delivery: {
          timestamp,
          processingTimeMillis: 546,
          recipients: [...recipients],
          smtpResponse: '250 2.6.0 OK',
        },
      };
    case 'Bounce':
      return {
        eventType: 'Bounce',
        mail,
        bounce: {
          bounceType: options.bounceType ?? 'Permanent',
          bounceSubType: 'General',
          bouncedRecipients: addresses.map((r) => ({ ...r, action: 'failed', status: '5.1.1' })),
          timestamp,
          feedbackId: `0100${randomUUID()}-000000`,
          reportingMTA: 'dsn; mta.example.com',
        },
      };
    case 'Complaint':
      return {
        eventType: 'Complaint',
        mail,
        complaint: {
          complainedRecipients: addresses,
          timestamp,
          feedbackId: `0100${randomUUID()}-000000`,
          userAgent: 'Mozilla/5.0',
          complaintFeedbackType: 'abuse',
          arrivalDate: timestamp,
        },
      };
  }
}

/** The record as a queue body (raw delivery). */
export function sesBody(type: SesEventType, options: SesEventOptions = {}): string {
  return JSON.stringify(sesEvent(type, options));
}
