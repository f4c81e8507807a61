/**
 * Record factories for CLI tests: contacts, jobs and summaries shaped as the stores and the aggregator
 * return them.
 */
import type { Contact } from '../../../shared/domain/model.js';
import type { ImportSummary } from '../../../shared/pipeline/aggregate/summary.js';
import type { ImportJob } from '../../../shared/pipeline/ports.js';

export function aContact(overrides: Partial<Contact> = {}): Contact {
  return {
    workspace: 'acme',
    contactId: 'c-000000000000000000000001',
    createdAt: '2024-05-01T00:00:00.000Z',
    createdBy: 'acme.000000000000000000000000#2',
    version: 1,
    tags: [],
    custom: {},
    ...overrides,
  };
}

export function aJob(overrides: Partial<ImportJob> = {}): ImportJob {
  return {
    workspace: 'acme',
    importId: 'acme.0123456789abcdef01234567',
    channel: 'line',
    key: 'phone',
    source: { bucket: 'b', key: 'incoming/acme/line/phone/a.csv', versionId: 'v1', size: 10 },
    status: 'processing',
    createdAt: '2024-05-01T00:00:00.000Z',
    updatedAt: '2024-05-01T00:00:01.000Z',
    batchesDone: 1,
    counts: { created: 3, updated: 1, unchanged: 0, skipped: 0, failed: 1 },
    ...overrides,
  };
}

export function aSummary(overrides: Partial<ImportSummary> = {}): ImportSummary {
  return {
    importId: 'acme.0123456789abcdef01234567',
    workspace: 'acme',
    channel: 'line',
    key: 'phone',
    source: { bucket: 'b', key: 'incoming/acme/line/phone/名單.csv', versionId: 'v1' },
    encoding: 'utf-8',
    delimiter: ',',
    outcome: 'completed_with_errors',
    dryRun: false,
    cancelledAt: null,
    rejection: null,
    timings: {
      createdAt: '2024-05-01T00:00:00.000Z',
      completedAt: '2024-05-01T00:00:05.000Z',
      durationMs: 5000,
    },
    rows: { total: 6, created: 3, updated: 1, unchanged: 0, skipped: 1, failed: 1 },
    skippedColumns: [],
    errors: {},
    headerCleanups: [],
    warnings: {},
    flags: { whatsappRiskAcceptanceRequired: false },
    totalsCheck: { consistent: true, rowsInFile: 6, rowsCounted: 6, problems: [] },
    sweep: null,
    reports: {
      failures: 's3://b/reports/acme/acme.0123456789abcdef01234567/failures.csv',
      warnings: 's3://b/reports/acme/acme.0123456789abcdef01234567/warnings.csv',
      summary: 's3://b/reports/acme/acme.0123456789abcdef01234567/summary.json',
      html: 's3://b/reports/acme/acme.0123456789abcdef01234567/report.html',
    },
    ...overrides,
  };
}
