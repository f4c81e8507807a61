import { describe, expect, it } from 'vitest';
import {
  ACCOUNT_TABLE_QUOTA,
  estimateImport,
  type ModelInputs,
  NEW_ON_DEMAND_TABLE,
  warmThroughputFor,
} from '../../../bench/lib/aws-model.js';

/** Round numbers: 16 processors at 5 ms a row = 3,200 rows/s; 2 WRU and 3 RRU a row; nothing created. */
const INPUTS: ModelInputs = {
  splitterFirstPassUsPerRow: 3,
  splitterUsPerRow: 10,
  splitterMemoryMb: 1769,
  processorSecondsPerRow: 0.005,
  aggregatorSecondsPerRow: 0,
  writeUnitsPerRow: 2,
  readUnitsPerRow: 3,
  createdPerRow: 0,
  indexShards: 1,
  messageGroups: 16,
  maxConcurrency: 20,
};

describe('Function: estimateImport', () => {
  it('is bound by the new table’s 4,000 write units a second when rows cost more than its share', () => {
    // Act
    const estimate = estimateImport(1e6, INPUTS, NEW_ON_DEMAND_TABLE);

    // Assess: 2,000 rows/s against 3,200 for the processors; the first pass (3 s) comes before
    expect(estimate.binding).toBe('table writes');
    expect(estimate.rates['table writes']).toBe(2000);
    expect(estimate.stages.firstPass).toBeCloseTo(3, 10);
    expect(estimate.minutes).toBeCloseTo((3 + 500) / 60, 10);
  });

  it('is bound by the processors when the table is warm, using no more of them than message groups', () => {
    // Act
    const estimate = estimateImport(1e6, INPUTS, ACCOUNT_TABLE_QUOTA);

    // Assess: min(16 groups, 20) / 5 ms
    expect(estimate.binding).toBe('lambda concurrency');
    expect(estimate.rates['lambda concurrency']).toBeCloseTo(3200, 6);
    expect(
      estimateImport(1e6, { ...INPUTS, maxConcurrency: 8 }, ACCOUNT_TABLE_QUOTA).rates['lambda concurrency'],
    ).toBeCloseTo(1600, 6);
  });

  it('names the byWorkspace partition when created contacts outrun 1,000 index writes a second', () => {
    // Prepare: every row creates a contact; its index entry lands under the workspace's one key
    const creating = { ...INPUTS, createdPerRow: 1 };

    // Act
    const one = estimateImport(1e6, creating, ACCOUNT_TABLE_QUOTA);
    const spread = estimateImport(1e6, { ...creating, indexShards: 16 }, ACCOUNT_TABLE_QUOTA);

    // Assess
    expect(one.binding).toBe('byWorkspace index partition');
    expect(one.rates['byWorkspace index partition']).toBe(1000);
    expect(spread.binding).toBe('lambda concurrency');
  });

  it('stretches the splitter’s CPU to its memory’s share of a vCPU and names it when it is the slowest', () => {
    // Prepare: a splitter at 1,024 MB spending 1 ms a row in its second pass
    const slow = { ...INPUTS, splitterFirstPassUsPerRow: 0, splitterUsPerRow: 1000, splitterMemoryMb: 1024 };

    // Act
    const estimate = estimateImport(1e6, slow, ACCOUNT_TABLE_QUOTA);

    // Assess: 1,000 rows/s ÷ (1769 / 1024)
    expect(estimate.binding).toBe('splitter');
    expect(estimate.rates.splitter).toBeCloseTo(1000 / (1769 / 1024), 6);
  });
});

describe('Function: warmThroughputFor', () => {
  it('asks for what the processors can use, rounded up to a thousand, within the defaults and the quota', () => {
    // Act: 3,200 rows/s × 2 WRU = 6,400 → 7,000; × 3 RRU = 9,600 → the default 12,000
    const warm = warmThroughputFor(INPUTS);

    // Assess
    expect(warm).toEqual({ writeUnitsPerSecond: 7000, readUnitsPerSecond: 12_000 });
    expect(warmThroughputFor({ ...INPUTS, writeUnitsPerRow: 100 }).writeUnitsPerSecond).toBe(40_000);
  });
});
