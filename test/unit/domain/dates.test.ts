import { describe, expect, it } from 'vitest';
import { isIssue } from '../../../shared/domain/channels.js';
import { WorkspaceSettingsError } from '../../../shared/domain/errors.js';
import { createDateNormaliser, isIsoDate, parseGmtOffset } from '../../../shared/domain/normalise/dates.js';

const NOW = new Date('2024-06-01T04:00:00.000Z');

describe('RULES §3 birthday (YYYY-MM-DD, a real date, not in the future)', () => {
  it.each(['1990-07-31', '2024-02-29', '2024-06-01'])('accepts %s', (value) => {
    expect(createDateNormaliser('Asia/Taipei', NOW).pastDate('birthday', value)).toBe(value);
  });

  it.each([
    '2023-02-29',
    '1990-13-01',
    '1990-00-10',
    '1990-04-31',
    '1990-4-3',
    '31/07/1990',
    '1990-07-31T00:00',
    '',
  ])('fails %s with INVALID_DATE', (value) => {
    const result = createDateNormaliser('Asia/Taipei', NOW).pastDate('birthday', value);

    expect(isIssue(result) && result.code).toBe('INVALID_DATE');
  });

  it('fails a date after today with DATE_IN_FUTURE, naming today', () => {
    const result = createDateNormaliser('Asia/Taipei', NOW).pastDate('birthday', '2024-06-02');

    expect(isIssue(result) && result.code).toBe('DATE_IN_FUTURE');
    expect(isIssue(result) && result.message).toContain('today is 2024-06-01');
  });

  it('takes today in the workspace time zone, not in UTC', () => {
    // Prepare: 2024-05-31T20:00Z is already June 1st in Taipei, still May 31st in Los Angeles.
    const now = new Date('2024-05-31T20:00:00.000Z');

    // Act
    const taipei = createDateNormaliser('Asia/Taipei', now);
    const losAngeles = createDateNormaliser('America/Los_Angeles', now);

    // Assess
    expect(taipei.today).toBe('2024-06-01');
    expect(taipei.pastDate('birthday', '2024-06-01')).toBe('2024-06-01');
    expect(losAngeles.today).toBe('2024-05-31');
    expect(isIssue(losAngeles.pastDate('birthday', '2024-06-01'))).toBe(true);
  });

  it('accepts a future date where the future is allowed (custom date fields)', () => {
    expect(createDateNormaliser('Asia/Taipei', NOW).date('renewal', '2030-01-01')).toBe('2030-01-01');
  });
});

describe('RULES §3 consent_at (YYYY-MM-DD hh:mm:ss in the workspace time zone → ISO 8601 with offset)', () => {
  it.each([
    ['Asia/Taipei', '2024-05-01 14:30:00', '2024-05-01T14:30:00+08:00'],
    ['Asia/Taipei', '2024-12-31 23:59:59', '2024-12-31T23:59:59+08:00'],
    ['UTC', '2024-05-01 00:00:00', '2024-05-01T00:00:00+00:00'],
    ['America/New_York', '2024-01-15 09:00:00', '2024-01-15T09:00:00-05:00'],
    ['America/New_York', '2024-07-15 09:00:00', '2024-07-15T09:00:00-04:00'],
    ['Asia/Kolkata', '2024-05-01 10:00:00', '2024-05-01T10:00:00+05:30'],
    ['America/New_York', '2024-11-03 01:30:00', '2024-11-03T01:30:00-04:00'],
    ['Asia/Taipei', '1890-01-01 12:00:00', '1890-01-01T12:00:00+08:06'],
  ])('in %s reads %s as %s', (timeZone, value, iso) => {
    expect(createDateNormaliser(timeZone, NOW).localDateTime('consent_at', value)).toBe(iso);
  });

  it('gives the instant the local time names', () => {
    const iso = createDateNormaliser('Asia/Taipei', NOW).localDateTime('consent_at', '2024-05-01 14:30:00');

    expect(new Date(iso as string).toISOString()).toBe('2024-05-01T06:30:00.000Z');
  });

  it.each([
    '2024-05-01',
    '2024-05-01T14:30:00',
    '2024-05-01 24:00:00',
    '2024-05-01 14:60:00',
    '2024-05-01 14:30:60',
    '2024-02-30 10:00:00',
    '2024/05/01 14:30:00',
  ])('fails %s with INVALID_DATETIME', (value) => {
    const result = createDateNormaliser('Asia/Taipei', NOW).localDateTime('consent_at', value);

    expect(isIssue(result) && result.code).toBe('INVALID_DATETIME');
    expect(isIssue(result) && result.message).toContain('YYYY-MM-DD hh:mm:ss');
  });

  it('fails a local time the clocks skip when daylight saving time starts', () => {
    const result = createDateNormaliser('America/New_York', NOW).localDateTime(
      'consent_at',
      '2024-03-10 02:30:00',
    );

    expect(isIssue(result) && result.code).toBe('INVALID_DATETIME');
    expect(isIssue(result) && result.message).toContain('does not exist');
  });

  it('refuses a time zone that does not exist', () => {
    expect(() => createDateNormaliser('Mars/Olympus', NOW)).toThrow(WorkspaceSettingsError);
  });
});

describe('Function: isIsoDate', () => {
  it.each([
    ['2000-02-29', true],
    ['1900-02-29', false],
    ['2024-12-31', true],
    ['2024-12-32', false],
  ])('tells whether %s is a real date', (value, expected) => {
    expect(isIsoDate(value)).toBe(expected);
  });
});

describe('Function: parseGmtOffset', () => {
  it.each([
    ['1/1/2024, GMT+08:00', 8 * 3_600_000],
    ['1/1/2024, GMT-03:30', -3.5 * 3_600_000],
    ['1/1/2024, GMT+00:00', 0],
    ['1/1/2024, GMT', 0],
  ])('reads %s as %i ms', (text, ms) => {
    expect(parseGmtOffset(text)).toBe(ms);
  });
});
