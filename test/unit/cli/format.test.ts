import { describe, expect, it } from 'vitest';
import { cellWidth, jobLine, progressOf, summaryLines, summaryTable, table } from '../../../cli/format.js';
import type { ImportSummary } from '../../../shared/pipeline/aggregate/summary.js';
import { aJob, aSummary } from '../../helpers/cli/factories.js';

describe('Function: summaryLines', () => {
  it('names the import, its outcome, what was imported and every count', () => {
    // Act
    const lines = summaryLines(aSummary());

    // Assess
    expect(lines).toEqual([
      'import acme.0123456789abcdef01234567 completed with errors (line, key phone, file 名單.csv, utf-8)',
      'rows: 6 total, 3 created, 1 updated, 0 unchanged, 1 skipped, 1 failed',
      'report: s3://b/reports/acme/acme.0123456789abcdef01234567/failures.csv',
    ]);
  });

  it('lists skipped columns with their suggestion, errors and warnings by code and the WhatsApp flag', () => {
    // Prepare
    const summary = aSummary({
      skippedColumns: [{ name: 'nickname' }, { name: 'consent_sorce', suggestion: 'consent_source' }],
      errors: { INVALID_PHONE: 1, INVALID_EMAIL: 1 },
      warnings: { LEADING_ZERO_RECOVERED: 2, STATUS_IRREVERSIBLE: 1 },
      flags: { whatsappRiskAcceptanceRequired: true },
    });

    // Act
    const lines = summaryLines(summary);

    // Assess
    expect(lines).toContain('skipped columns: nickname, consent_sorce (did you mean consent_source?)');
    expect(lines).toContain('errors: INVALID_PHONE x1, INVALID_EMAIL x1');
    expect(lines).toContain('warnings: LEADING_ZERO_RECOVERED x2, STATUS_IRREVERSIBLE x1');
    expect(lines.some((l) => l.startsWith('flag: whatsappRiskAcceptanceRequired'))).toBe(true);
  });

  it('says which header names had invisible characters removed', () => {
    const lines = summaryLines(
      aSummary({ headerCleanups: [{ column: 2, name: 'name', removed: ['U+200B'] }] }),
    );

    expect(lines).toContain('invisible characters removed around header names: name (column 2: U+200B)');
  });

  it('shows the rejection instead of the counts for a rejected file', () => {
    // Prepare
    const summary = aSummary({
      outcome: 'rejected',
      rejection: { code: 'MISSING_REQUIRED_COLUMN', message: 'Required column "messaging_status" missing' },
      rows: { total: 0, created: 0, updated: 0, unchanged: 0, skipped: 0, failed: 0 },
    });

    // Act
    const lines = summaryLines(summary);

    // Assess
    expect(lines[0]).toContain(' rejected (');
    expect(lines[1]).toBe('rejected: [MISSING_REQUIRED_COLUMN] Required column "messaging_status" missing');
    expect(lines.some((l) => l.startsWith('rows:'))).toBe(false);
  });

  it('says when the totals do not add up', () => {
    const summary = aSummary({
      totalsCheck: {
        consistent: false,
        rowsInFile: 7,
        rowsCounted: 6,
        problems: ['the file has 7 data rows'],
      },
    });

    expect(summaryLines(summary)).toContain('totals check: the file has 7 data rows');
  });

  it('reads a summary written before errors were counted by code', () => {
    const { errors: _, ...older } = aSummary();

    expect(summaryLines(older as ImportSummary)).toHaveLength(3);
  });
});

describe('Function: jobLine', () => {
  it('shows the rows counted so far against the rows of the file', () => {
    expect(jobLine(aJob({ rowsTotal: 10 }))).toBe('acme.0123456789abcdef01234567 processing: 5 of 10 rows');
  });

  it('shows the rows counted so far while the file is still being split', () => {
    expect(jobLine(aJob({ status: 'splitting' }))).toBe(
      'acme.0123456789abcdef01234567 splitting: 5 rows so far',
    );
  });

  it('shows the outcome of a completed job', () => {
    expect(jobLine(aJob({ status: 'completed', outcome: 'succeeded' }))).toBe(
      'acme.0123456789abcdef01234567 completed: succeeded',
    );
  });
});

describe('Function: progressOf', () => {
  it('adds up every outcome counted so far', () => {
    expect(progressOf(aJob({ rowsTotal: 8 }))).toEqual({ processed: 5, total: 8 });
  });
});

describe('Function: table', () => {
  it('aligns columns left unless told to align them right', () => {
    expect(
      table(
        [
          ['file', 'rows'],
          ['a.csv', '12'],
        ],
        ['left', 'right'],
      ),
    ).toEqual(['file   rows', 'a.csv    12']);
  });

  it('counts a Chinese character as two terminal cells', () => {
    expect(cellWidth('王小明a')).toBe(7);
    expect(
      table([
        ['名單', 'x'],
        ['abcde', 'y'],
      ]),
    ).toEqual(['名單   x', 'abcde  y']);
  });
});

describe('Function: summaryTable', () => {
  it('prints one line per import with its outcome and counts', () => {
    // Act
    const lines = summaryTable([{ name: 'line-contacts.csv', summary: aSummary() }]);

    // Assess
    expect(lines).toEqual([
      'file               outcome                total  created  updated  unchanged  skipped  failed',
      'line-contacts.csv  completed_with_errors      6        3        1          0        1       1',
    ]);
  });
});
