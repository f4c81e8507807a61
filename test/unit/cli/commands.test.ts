import { describe, expect, it } from 'vitest';
import { failureLines } from '../../../cli/commands/demo.js';
import { exitCodeFor } from '../../../cli/commands/imports.js';
import { csvLine, templateHeader } from '../../../cli/commands/template.js';
import { parseFieldDefinition } from '../../../cli/commands/workspace.js';
import { displayPath } from '../../../cli/format.js';
import { CHANNEL_COLUMNS } from '../../../shared/domain/channels.js';

describe('Function: exitCodeFor', () => {
  it.each([
    ['succeeded', 0],
    ['completed_with_errors', 2],
    ['rejected', 3],
  ] as const)('exits %s with %i', (outcome, code) => {
    expect(exitCodeFor(outcome)).toBe(code);
  });
});

describe('Function: failureLines', () => {
  const header = 'phone,name,row_number,error_code,error_message';

  it('shows row number, code and message of the first failed rows, whatever the columns before them', () => {
    // Prepare
    const csv = `\uFEFF${header}\n,王小明,2,KEY_EMPTY,"The key value is empty, fill it in."\n12,陳美玲,3,INVALID_PHONE,bad\n`;

    // Act
    const lines = failureLines(csv);

    // Assess
    expect(lines).toEqual([
      '  row 2  KEY_EMPTY  The key value is empty, fill it in.',
      '  row 3  INVALID_PHONE  bad',
    ]);
  });

  it('says how many more rows the report holds beyond the limit', () => {
    const rows = Array.from({ length: 4 }, (_, i) => `,x,${i + 2},KEY_EMPTY,empty`).join('\n');

    expect(failureLines(`${header}\n${rows}\n`, 2)).toEqual([
      '  row 2  KEY_EMPTY  empty',
      '  row 3  KEY_EMPTY  empty',
      '  … and 2 more',
    ]);
  });

  it('shows nothing for a report with a header only', () => {
    expect(failureLines(`${header}\n`)).toEqual([]);
  });
});

describe('Function: templateHeader', () => {
  it("lists the channel's system columns in template order, then the custom fields", () => {
    expect(templateHeader('edm', [{ name: '會員等級', type: 'text' }])).toEqual([
      ...CHANNEL_COLUMNS.edm.map((spec) => spec.column),
      '會員等級',
    ]);
  });
});

describe('Function: csvLine', () => {
  it('quotes a name with a comma or a quote as a CSV reader expects', () => {
    expect(csvLine(['a', 'b,c', 'say "hi"'])).toBe('a,"b,c","say ""hi"""');
  });
});

describe('Function: parseFieldDefinition', () => {
  it('reads the options of a select field', () => {
    expect(
      parseFieldDefinition({ name: 'member_tier', type: 'select', options: 'regular, silver,gold' }),
    ).toEqual({
      name: 'member_tier',
      type: 'select',
      options: ['regular', 'silver', 'gold'],
    });
  });

  it('refuses a name with surrounding spaces, which a header would never match', () => {
    expect(() => parseFieldDefinition({ name: ' tier', type: 'text' })).toThrow(
      '--name must be a column name without surrounding spaces, got " tier"',
    );
  });
});

describe('Function: displayPath', () => {
  it('shows a path inside the working directory relative to it, and any other path in full', () => {
    expect(displayPath('/home/me', '/home/me/import-reports/x')).toBe('import-reports/x');
    expect(displayPath('/home/me', '/tmp/x')).toBe('/tmp/x');
  });
});
