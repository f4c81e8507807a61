import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { neutralise } from '../../../shared/domain/formula-guard.js';
import { importNotification } from '../../../shared/pipeline/aggregate/notification.js';
import { CsvObjectWriter, ReportLayout } from '../../../shared/pipeline/aggregate/report.js';
import type { ImportSummary } from '../../../shared/pipeline/aggregate/summary.js';
import { outcomeOf } from '../../../shared/pipeline/aggregate/summary.js';
import type { PartRow } from '../../../shared/pipeline/messages.js';
import { emptyCounts } from '../../../shared/pipeline/messages.js';
import { MemoryStore } from './memory-store.js';

const row = (overrides: Partial<PartRow>): PartRow => ({
  rowNumber: 2,
  outcome: 'failed',
  error: { code: 'KEY_EMPTY', message: 'The key value is empty' },
  warnings: [],
  cells: ['', 'Ann', 'vip'],
  ...overrides,
});

describe('Function: neutralise', () => {
  it.each(['=1+1', '+886912345678', '-5', '@SUM(A1)', '\tx', '\rx'])(
    'prefixes a quote to a cell that starts a formula: %j',
    (cell) => {
      expect(neutralise(cell)).toBe(`'${cell}`);
    },
  );

  it('leaves other cells as they are', () => {
    expect(neutralise('Ann')).toBe('Ann');
    expect(neutralise('')).toBe('');
    expect(neutralise('a=b')).toBe('a=b');
  });
});

describe('Class: ReportLayout', () => {
  it('repeats the original header and appends the three report columns', () => {
    expect(new ReportLayout(['phone', 'name', 'tags']).header).toEqual([
      'phone',
      'name',
      'tags',
      'row_number',
      'error_code',
      'error_message',
    ]);
  });

  it('writes a failed row with its original cells, row number, code and message', () => {
    const layout = new ReportLayout(['phone', 'name', 'tags']);

    expect(layout.failure(row({}))).toEqual(['', 'Ann', 'vip', '2', 'KEY_EMPTY', 'The key value is empty']);
  });

  it('joins the warnings of one row into one line', () => {
    const layout = new ReportLayout(['phone']);
    const warned = row({
      outcome: 'updated',
      error: undefined,
      cells: ['0912345678'],
      warnings: [
        { code: 'A', message: 'first' },
        { code: 'B', message: 'second' },
      ],
    });

    expect(layout.warning(warned)).toEqual(['0912345678', '2', 'A; B', 'first; second']);
  });

  it('neutralises formulas in every cell of the report', () => {
    const layout = new ReportLayout(['=evil']);

    expect(layout.header[0]).toBe("'=evil");
    expect(layout.failure(row({ cells: ['=HYPERLINK("x")'] }))[0]).toBe('\'=HYPERLINK("x")');
  });

  it('drops the report columns of a report that is imported again, so they never appear twice', () => {
    const layout = new ReportLayout(['phone', 'row_number', 'error_code', 'error_message']);
    const again = row({ rowNumber: 5, cells: ['0912345678', '2', 'INVALID_PHONE', 'old message'] });

    expect(layout.header).toEqual(['phone', 'row_number', 'error_code', 'error_message']);
    expect(layout.failure(again)).toEqual(['0912345678', '5', 'KEY_EMPTY', 'The key value is empty']);
  });

  it('writes every error of a failed row in one line: codes and messages joined with "; ", in order', () => {
    const layout = new ReportLayout(['line_uid', 'phone', 'email']);
    const multi = row({
      cells: ['U123', '0812', 'jane@'],
      error: { code: 'INVALID_LINE_UID', message: 'bad uid' },
      otherErrors: [
        { code: 'INVALID_PHONE', message: 'bad phone' },
        { code: 'INVALID_EMAIL', message: 'bad email' },
      ],
    });

    expect(layout.failure(multi)).toEqual([
      'U123',
      '0812',
      'jane@',
      '2',
      'INVALID_LINE_UID; INVALID_PHONE; INVALID_EMAIL',
      'bad uid; bad phone; bad email',
    ]);
  });

  it('shows the warnings of a failed row after its errors, their messages marked as warnings', () => {
    const layout = new ReportLayout(['mobile']);
    const warned = row({
      cells: ['912345678'],
      error: { code: 'INVALID_GENDER', message: 'bad gender' },
      warnings: [{ code: 'LEADING_ZERO_RECOVERED', message: 'lost its 0' }],
    });

    expect(layout.failure(warned).slice(-2)).toEqual([
      'INVALID_GENDER; LEADING_ZERO_RECOVERED',
      'bad gender; Warning: lost its 0',
    ]);
  });

  it('pads a short row and leaves cells blank when they could not be recovered', () => {
    const layout = new ReportLayout(['a', 'b']);

    expect(layout.failure(row({ cells: ['x'] }))).toEqual([
      'x',
      '',
      '2',
      'KEY_EMPTY',
      'The key value is empty',
    ]);
    expect(layout.failure(row({ cells: undefined }))).toEqual([
      '',
      '',
      '2',
      'KEY_EMPTY',
      'The key value is empty',
    ]);
    expect(layout.failure(row({ cells: ['x', 'y', 'extra'] })).slice(0, 3)).toEqual(['x', 'y', '2']);
  });
});

describe('Class: CsvObjectWriter', () => {
  it('streams a UTF-8 CSV with a BOM that parses back to the same cells', async () => {
    // Prepare
    const store = new MemoryStore();
    const writer = new CsvObjectWriter(store, 'r.csv', ';');

    // Act
    await writer.write(['name', 'note']);
    await writer.write(['王小明', 'a;b "quoted"\nsecond line']);
    await writer.close();

    // Assess
    const text = store.objects.get('r.csv') ?? '';
    expect(text.startsWith('\ufeff')).toBe(true);
    expect(parse(text, { bom: true, delimiter: ';' })).toEqual([
      ['name', 'note'],
      ['王小明', 'a;b "quoted"\nsecond line'],
    ]);
  });
});

describe('Function: outcomeOf', () => {
  const ran = { rejected: false, cancelled: false };

  it('says rejected, completed_with_errors when a row failed or was skipped, and succeeded otherwise', () => {
    expect(outcomeOf({ ...ran, rejected: true }, emptyCounts())).toBe('rejected');
    expect(outcomeOf(ran, { ...emptyCounts(), skipped: 1 })).toBe('completed_with_errors');
    expect(outcomeOf(ran, { ...emptyCounts(), failed: 1 })).toBe('completed_with_errors');
    expect(outcomeOf(ran, { ...emptyCounts(), created: 3, unchanged: 1 })).toBe('succeeded');
  });

  it('says cancelled when a cancel skipped rows, and what the rows say when it came too late to skip any', () => {
    const cancelled = { ...ran, cancelled: true };
    expect(outcomeOf(cancelled, { ...emptyCounts(), created: 2, skipped: 3 })).toBe('cancelled');
    expect(outcomeOf(cancelled, { ...emptyCounts(), created: 2 })).toBe('succeeded');
    expect(outcomeOf({ rejected: true, cancelled: true }, emptyCounts())).toBe('rejected');
  });
});

function summary(overrides: Partial<ImportSummary> = {}): ImportSummary {
  return {
    importId: 'acme.0123456789abcdef01234567',
    workspace: 'acme',
    channel: 'edm',
    key: 'email',
    source: { bucket: 'b', key: 'incoming/acme/edm/email/a.csv', versionId: 'v1' },
    encoding: 'UTF-8',
    delimiter: ',',
    outcome: 'completed_with_errors',
    dryRun: false,
    cancelledAt: null,
    rejection: null,
    timings: {
      createdAt: '2030-01-01T00:00:00.000Z',
      completedAt: '2030-01-01T00:00:01.000Z',
      durationMs: 1000,
    },
    rows: { total: 1, ...emptyCounts(), failed: 1 },
    skippedColumns: [],
    errors: {},
    headerCleanups: [],
    warnings: {},
    flags: { whatsappRiskAcceptanceRequired: false },
    totalsCheck: { consistent: true, rowsInFile: 1, rowsCounted: 1, problems: [] },
    sweep: null,
    reports: {
      failures: 's3://b/f.csv',
      warnings: 's3://b/w.csv',
      summary: 's3://b/s.json',
      html: 's3://b/report.html',
    },
    ...overrides,
  };
}

describe('Function: importNotification', () => {
  it('carries the summary, both report locations, the filter attributes and the import id to drop duplicates by', () => {
    // Act
    const n = importNotification(summary(), { url: 'https://signed', expiresAt: '2030-01-02T00:00:00.000Z' });

    // Assess
    expect(n.subject).toBe('Contact import completed with errors: acme.0123456789abcdef01234567');
    expect(n.attributes).toEqual({
      importId: 'acme.0123456789abcdef01234567',
      workspace: 'acme',
      channel: 'edm',
      outcome: 'completed_with_errors',
      mode: 'apply',
    });
    const body = JSON.parse(n.message);
    expect(body.summary.rows.failed).toBe(1);
    expect(body.failuresReport).toEqual({
      s3Uri: 's3://b/f.csv',
      url: 'https://signed',
      expiresAt: '2030-01-02T00:00:00.000Z',
    });
  });

  it('says a dry run in the subject and in the mode attribute subscribers filter on', () => {
    const n = importNotification(summary({ dryRun: true }), { url: 'u', expiresAt: 'e' });

    expect(n.subject).toBe('Contact import dry run completed with errors: acme.0123456789abcdef01234567');
    expect(n.attributes.mode).toBe('dry_run');
  });

  it('carries the presigned URL of report.html too', () => {
    const signed = { url: 'https://signed', expiresAt: '2030-01-02T00:00:00.000Z' };

    const n = importNotification(summary(), signed, { url: 'https://page', expiresAt: signed.expiresAt });

    expect(JSON.parse(n.message).htmlReport).toEqual({
      s3Uri: 's3://b/report.html',
      url: 'https://page',
      expiresAt: '2030-01-02T00:00:00.000Z',
    });
  });

  it('names channel "none" for a rejected file whose key named no channel', () => {
    const n = importNotification(summary({ channel: null, outcome: 'rejected' }), {
      url: 'u',
      expiresAt: 'e',
    });

    expect(n.attributes.channel).toBe('none');
    expect(n.attributes.outcome).toBe('rejected');
  });

  it('leaves a huge list of skipped columns to summary.json so the message fits SNS', () => {
    const skippedColumns = Array.from({ length: 20_000 }, (_, i) => ({ name: `unknown column number ${i}` }));

    const n = importNotification(summary({ skippedColumns }), { url: 'u', expiresAt: 'e' });

    expect(Buffer.byteLength(n.message)).toBeLessThan(256 * 1024);
    expect(JSON.parse(n.message).summary.skippedColumnsOmitted).toBe(20_000);
  });
});
