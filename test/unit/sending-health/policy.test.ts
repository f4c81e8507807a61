import { describe, expect, it } from 'vitest';
import {
  figuresOf,
  hourOf,
  isInWindow,
  percent,
  suspensionMessage,
  suspensionReasons,
  windowAt,
  windowTotals,
} from '../../../shared/pipeline/sending-health/policy.js';

const NOW = new Date('2024-06-01T04:30:00.000Z');

function counts(sends: number, hardBounces: number, complaints: number) {
  return { sends, hardBounces, complaints };
}

describe('Function: suspensionReasons', () => {
  it.each([
    ['19 hard bounces of 300 sends (6.33 %): under the count', counts(300, 19, 0), []],
    ['20 hard bounces of 300 sends (6.67 %)', counts(300, 20, 0), ['hard_bounces']],
    ['20 hard bounces of 400 sends (exactly 5 %)', counts(400, 20, 0), ['hard_bounces']],
    ['20 hard bounces of 401 sends (4.99 %)', counts(401, 20, 0), []],
    ['20 hard bounces of 1,000 sends (2 %)', counts(1000, 20, 0), []],
    ['10 complaints of 1,500 sends (0.67 %)', counts(1500, 0, 10), ['complaints']],
    ['10 complaints of 2,000 sends (exactly 0.5 %)', counts(2000, 0, 10), ['complaints']],
    ['10 complaints of 3,000 sends (0.33 %)', counts(3000, 0, 10), []],
    ['9 complaints of 100 sends (9 %): under the count', counts(100, 0, 9), []],
    ['both thresholds', counts(300, 30, 10), ['hard_bounces', 'complaints']],
    [
      '20 hard bounces and no send counted (a bounce implies a send: 100 %)',
      counts(0, 20, 0),
      ['hard_bounces'],
    ],
  ])('%s', (_title, given, expected) => {
    expect(suspensionReasons(given)).toEqual(expected);
  });
});

describe('Function: windowAt', () => {
  it('covers the 24 hourly buckets that end with the current hour', () => {
    expect(windowAt(NOW)).toEqual({
      fromHour: '2024-05-31T05',
      toHour: '2024-06-01T04',
      startsAt: new Date('2024-05-31T05:00:00.000Z'),
      now: NOW,
    });
  });

  it('starts at a reinstatement inside the window, subtracting the counts of its hour at that time', () => {
    // Prepare
    const reinstatement = {
      reinstatedAt: '2024-06-01T02:10:00.000Z',
      baseline: { hour: '2024-06-01T02', counts: counts(100, 20, 0) },
    };

    // Act
    const window = windowAt(NOW, reinstatement);
    const totals = windowTotals(
      [
        { hour: '2024-06-01T01', counts: counts(500, 30, 0) },
        { hour: '2024-06-01T02', counts: counts(110, 21, 0) },
        { hour: '2024-06-01T04', counts: counts(5, 1, 1) },
      ],
      window,
    );

    // Assess
    expect(window).toMatchObject({
      fromHour: '2024-06-01T02',
      startsAt: new Date(reinstatement.reinstatedAt),
    });
    expect(totals).toEqual(counts(15, 2, 1));
  });

  it('ignores a reinstatement older than the window', () => {
    const reinstatement = {
      reinstatedAt: '2024-05-30T02:10:00.000Z',
      baseline: { hour: '2024-05-30T02', counts: counts(100, 20, 0) },
    };
    expect(windowAt(NOW, reinstatement)).toEqual(windowAt(NOW));
  });
});

describe('Function: windowTotals', () => {
  it('adds the buckets inside the window and leaves out older ones', () => {
    const totals = windowTotals(
      [
        { hour: '2024-05-31T04', counts: counts(1000, 0, 0) },
        { hour: '2024-05-31T05', counts: counts(200, 10, 1) },
        { hour: '2024-06-01T04', counts: counts(100, 10, 0) },
      ],
      windowAt(NOW),
    );
    expect(totals).toEqual(counts(300, 20, 1));
  });
});

describe('Function: isInWindow', () => {
  it('counts an event up to 23 hours back to the hour, never one older than 24 hours', () => {
    expect(isInWindow(new Date('2024-05-31T05:00:00.000Z'), NOW)).toBe(true);
    expect(isInWindow(new Date('2024-05-31T04:59:59.999Z'), NOW)).toBe(false);
    expect(isInWindow(new Date('2024-05-31T04:30:00.000Z'), NOW)).toBe(false);
    expect(isInWindow(new Date('2024-06-01T05:00:00.000Z'), NOW)).toBe(true);
  });
});

describe('Function: suspensionMessage', () => {
  it('names each threshold that holds with its figures and limits', () => {
    // Prepare
    const figures = figuresOf(counts(300, 20, 10), windowAt(NOW));

    // Act
    const message = suspensionMessage(['hard_bounces', 'complaints'], figures);

    // Assess
    expect(message).toBe(
      '20 hard bounces in 24 hours, bounce rate 6.67 % of 300 sends (limits: 20 and 5.00 %); ' +
        '10 spam complaints in 24 hours, complaint rate 3.33 % of 300 sends (limits: 10 and 0.50 %)',
    );
    expect(figures).toMatchObject({ windowStart: '2024-05-31T05:00:00.000Z', windowEnd: NOW.toISOString() });
  });

  it('shows rates with two decimals and 0 % when nothing was sent', () => {
    expect(percent(1 / 3)).toBe('33.33 %');
    expect(figuresOf(counts(0, 0, 0), windowAt(NOW))).toMatchObject({ bounceRate: 0, complaintRate: 0 });
    expect(hourOf(NOW)).toBe('2024-06-01T04');
  });
});
