import { describe, expect, it } from 'vitest';
import { isMet, type Metric, metricsJson, renderTable } from '../../../bench/lib/report.js';

const RATIO: Metric = { name: 'splitter_cpu_ratio', value: 1.74, goal: { max: 2, text: '≤ 2.0' } };
const MISSED: Metric = { name: 'e2e_overhead_ratio', value: 6.1, goal: { max: 2, text: '≤ 2.0' } };
const INFO: Metric = { name: 'dynamodb_calls_per_1000_rows_first', value: 4508.2, digits: 0 };

describe('Function: isMet', () => {
  it('meets a goal at or under its maximum and misses it above', () => {
    // Act
    const results = [isMet(RATIO), isMet({ ...RATIO, value: 2 }), isMet(MISSED)];

    // Assess
    expect(results).toEqual([true, true, false]);
  });

  it('has no verdict for a metric without a goal', () => {
    // Act
    const result = isMet(INFO);

    // Assess
    expect(result).toBeUndefined();
  });
});

describe('Function: renderTable', () => {
  it('prints one row per metric with its value, goal and verdict', () => {
    // Act
    const lines = renderTable([RATIO, MISSED, INFO]).split('\n');

    // Assess
    expect(lines[0]).toMatch(/^\| metric +\| +value \| goal +\| met\? \|$/);
    expect(lines[2]).toMatch(/^\| splitter_cpu_ratio +\| +1\.74 \| ≤ 2\.0 +\| yes +\|$/);
    expect(lines[3]).toMatch(/\| NO +\|$/);
    expect(lines[4]).toMatch(/\| +4,508 \| — +\| — +\|$/);
  });
});

describe('Function: metricsJson', () => {
  it('keys the metrics by name with their goal and verdict', () => {
    // Act
    const json = metricsJson([MISSED, INFO]);

    // Assess
    expect(json).toEqual({
      e2e_overhead_ratio: { value: 6.1, goal: '≤ 2.0', goalMax: 2, met: false },
      dynamodb_calls_per_1000_rows_first: { value: 4508.2 },
    });
  });
});
