/**
 * The one notification of an import: subject, JSON body (summary + where the report is), and the
 * attributes subscribers filter on (`workspace`, `channel`, `outcome`, `mode`: `apply` or `dry_run`) or drop
 * duplicates by (`importId`: a standard SNS topic delivers at least once, and a run that dies after
 * publishing publishes again).
 */
import type { Notification } from './notifier.js';
import type { ImportSummary } from './summary.js';

/** SNS refuses messages over 256 KiB; leave room for the attributes and the envelope. */
const BODY_LIMIT_BYTES = 250 * 1024;

export interface SignedReport {
  /** Presigned GET URL of failures.csv. */
  readonly url: string;
  /** ISO time after which the URL stops working (earlier if the signing credentials expire first). */
  readonly expiresAt: string;
}

export interface NotificationBody {
  readonly summary: ImportSummary;
  readonly failuresReport: SignedReport & { readonly s3Uri: string };
  /** `report.html` (presigned URL of the same lifetime). */
  readonly htmlReport?: SignedReport & { readonly s3Uri: string };
  /** Why there are two locations: the URL is short-lived, the S3 URI is not. */
  readonly note: string;
}

const NOTE =
  'The presigned URL is for convenience and expires (at the latest when the credentials that signed it ' +
  'expire). The S3 URIs are the durable locations; `cli report <importId>` signs a fresh URL.';

/**
 * Builds the notification of an import.
 *
 * @example
 * importNotification(summary, { url: 'https://…', expiresAt: '2030-01-02T00:00:00.000Z' });
 * // { subject: 'Contact import succeeded: acme.5c1f…', message: '{"summary":…}', attributes: { … } }
 */
export function importNotification(
  summary: ImportSummary,
  failures: SignedReport,
  page?: SignedReport,
): Notification {
  const body: NotificationBody = {
    summary,
    failuresReport: { s3Uri: summary.reports.failures, ...failures },
    ...(page ? { htmlReport: { s3Uri: summary.reports.html, ...page } } : {}),
    note: NOTE,
  };
  let message = JSON.stringify(body);
  if (Buffer.byteLength(message) > BODY_LIMIT_BYTES) {
    // Only a header with thousands of unknown columns gets here: the full list stays in summary.json.
    message = JSON.stringify({
      ...body,
      summary: { ...summary, skippedColumns: [], skippedColumnsOmitted: summary.skippedColumns.length },
    });
  }
  return {
    subject: `Contact import ${summary.dryRun ? 'dry run ' : ''}${summary.outcome.replace(/_/g, ' ')}: ${summary.importId}`,
    message,
    attributes: {
      importId: summary.importId,
      workspace: summary.workspace,
      // SNS attribute values cannot be empty; a rejected key may name no valid channel.
      channel: summary.channel ?? 'none',
      outcome: summary.outcome,
      mode: summary.dryRun ? 'dry_run' : 'apply',
    },
  };
}
