/**
 * The SES developer guide's sample Bounce and Complaint records (`test/fixtures/ses/`), with the
 * `workspace` message tag our senders add and the documented fields a test varies.
 */
import { readFileSync } from 'node:fs';

type Sample = 'bounce' | 'complaint';

export interface SampleOptions {
  readonly workspace?: string;
  /** Replaces the recipient of the sample (`recipient@example.com`). */
  readonly recipient?: string;
  readonly messageId?: string;
  /** The event time (bounce / complaint timestamp; the mail one second earlier). @default the sample's */
  readonly at?: Date;
  /** Fields merged into the `bounce` or `complaint` object, e.g. `{ bounceSubType: 'OnAccountSuppressionList' }`. */
  readonly detail?: Record<string, unknown>;
}

/**
 * A documented SES sample as a queue body (raw delivery).
 *
 * @example
 * sesSample('complaint', { workspace: 'acme', detail: { complaintFeedbackType: 'not-spam' } });
 */
export function sesSample(kind: Sample, options: SampleOptions = {}): string {
  const text = readFileSync(new URL(`../../fixtures/ses/${kind}.json`, import.meta.url), 'utf8');
  const recipient = options.recipient ?? 'recipient@example.com';
  const record = JSON.parse(text.replaceAll('recipient@example.com', recipient)) as {
    mail: Record<string, unknown> & { tags: Record<string, string[]> };
  } & Record<Sample, Record<string, unknown>>;
  record.mail.tags.workspace = [options.workspace ?? 'acme'];
  if (options.messageId) record.mail.messageId = options.messageId;
  if (options.at) {
    record[kind].timestamp = options.at.toISOString();
    record.mail.timestamp = new Date(options.at.getTime() - 1000).toISOString();
  }
  Object.assign(record[kind], options.detail ?? {});
  return JSON.stringify(record);
}
