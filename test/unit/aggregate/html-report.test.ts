import { describe, expect, it } from 'vitest';
import {
  columnOf,
  escapeHtml,
  HTML_ROWS_LIMIT,
  HtmlReportCollector,
  htmlReport,
} from '../../../shared/pipeline/aggregate/html-report.js';
import type { PartRow } from '../../../shared/pipeline/messages.js';
import { aSummary } from '../../helpers/cli/factories.js';

const INJECTION = '<img src=x onerror="document.title=\'pwned\'">';

function failed(rowNumber: number, cells: string[], code = 'INVALID_PHONE'): PartRow {
  return {
    rowNumber,
    outcome: 'failed',
    error: {
      code,
      message: `"${cells[0]}" in column "phone" is not a valid phone number: write it as 0912345678.`,
    },
    warnings: [],
    cells,
  };
}

describe('Function: escapeHtml', () => {
  it('escapes the five characters that open markup or end an attribute', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });
});

describe('Class: HtmlReportCollector', () => {
  it('counts every code of a row and the column each message names, and keeps the first 500 rows', () => {
    // Prepare
    const collector = new HtmlReportCollector();
    const twoErrors: PartRow = {
      rowNumber: 2,
      outcome: 'failed',
      error: { code: 'INVALID_PHONE', message: '"1" in column "phone" is not valid.' },
      otherErrors: [
        { code: 'INVALID_EMAIL', message: '"x@" in column "email" is not a valid email address.' },
      ],
      warnings: [],
    };

    // Act
    collector.add(twoErrors);
    for (let i = 0; i < HTML_ROWS_LIMIT + 10; i++) collector.add(failed(3 + i, ['0']));

    // Assess
    expect(collector.rows).toHaveLength(HTML_ROWS_LIMIT);
    expect(collector.byCode.get('INVALID_PHONE')).toBe(HTML_ROWS_LIMIT + 11);
    expect(collector.byCode.get('INVALID_EMAIL')).toBe(1);
    expect(collector.byColumn.get('email')).toBe(1);
  });

  it('reads the column of a message, a custom field, or none', () => {
    expect(columnOf('"x" in custom field "tier" is not valid')).toBe('tier');
    expect(columnOf('The row could not be processed')).toBe('(whole row)');
  });
});

describe('Function: htmlReport', () => {
  it('renders a user cell holding markup as text, never as markup', () => {
    // Prepare
    const collector = new HtmlReportCollector();
    collector.add(failed(2, [INJECTION, '<script>alert(1)</script>']));

    // Act
    const page = htmlReport(aSummary(), ['phone', 'name'], collector);

    // Assess
    expect(page).not.toContain('<img');
    expect(page).not.toContain('<script');
    expect(page).toContain('&lt;img src=x onerror=&quot;document.title=&#39;pwned&#39;&quot;&gt;');
    expect(page).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
    expect(page).toContain('<a href="failures.csv">failures.csv</a>');
  });

  it('says which share of the rows it lists when there are more than it shows', () => {
    const collector = new HtmlReportCollector();
    for (let i = 0; i < HTML_ROWS_LIMIT + 1; i++) collector.add(failed(2 + i, ['0']));
    const summary = aSummary({
      rows: { total: 501, created: 0, updated: 0, unchanged: 0, skipped: 0, failed: 501 },
    });

    const page = htmlReport(summary, ['phone'], collector);

    expect(page).toContain(
      'The first 500 of 501 rows; every one is in <a href="failures.csv">failures.csv</a>.',
    );
  });
});
