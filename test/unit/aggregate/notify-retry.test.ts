import { describe, expect, it } from 'vitest';
import { NOTIFY_RETRY, notifyRetryDelaySeconds } from '../../../shared/pipeline/aggregate/notify-retry.js';

describe('Function: notifyRetryDelaySeconds', () => {
  it('tries a pending notification again within 30 s of the first failure, then doubling up to five minutes', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 10, 1000].map((n) => notifyRetryDelaySeconds(n));

    expect(delays).toEqual([10, 20, 40, 80, 160, 300, 300, 300, 300]);
    expect(delays[0]).toBeLessThanOrEqual(30);
    expect(Math.max(...delays)).toBe(NOTIFY_RETRY.maxSeconds);
  });

  it('treats a missing or unreadable receive count as the first failure', () => {
    expect(notifyRetryDelaySeconds(Number.NaN)).toBe(10);
    expect(notifyRetryDelaySeconds(0, { firstSeconds: 2, maxSeconds: 3 })).toBe(2);
  });
});
