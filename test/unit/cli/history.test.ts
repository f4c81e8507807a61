import { describe, expect, it } from 'vitest';
import { historyLines, parseLimit, parseSince } from '../../../cli/commands/history.js';
import { aJob } from '../../helpers/cli/factories.js';

describe('Function: parseSince', () => {
  it.each([
    ['2026-12-01', '2026-12-01T00:00:00.000Z'],
    ['2026-12-01T09:30:00Z', '2026-12-01T09:30:00.000Z'],
    ['2026-12-01T01:00:00+09:00', '2026-11-30T16:00:00.000Z'],
  ])('reads %s as %s', (value, iso) => {
    expect(parseSince(value).toISOString()).toBe(iso);
  });

  it.each(['2024-02-30', 'yesterday', '2026-12-01T25:00:00Z'])('refuses %s with one line', (value) => {
    expect(() => parseSince(value)).toThrow(
      `--since must be a date as YYYY-MM-DD or an ISO time, got "${value}"`,
    );
  });
});

describe('Function: parseLimit', () => {
  it('accepts 1 to 1000 and refuses the rest', () => {
    expect(parseLimit('20')).toBe(20);
    expect(() => parseLimit('1001')).toThrow('--limit must be a whole number from 1 to 1000, got "1001"');
  });
});

describe('Function: historyLines', () => {
  it('shows a running import with its progress and an unknown uploader for an old job', () => {
    const [, line] = historyLines([aJob({ rowsTotal: 10 })]);

    expect(line?.split(/\s{2,}/)).toEqual([
      '2024-05-01 00:00:00',
      'a.csv',
      'line',
      'phone',
      'processing',
      '5 of 10 so far',
      'unknown',
      'acme.0123456789abcdef01234567',
    ]);
  });
});
