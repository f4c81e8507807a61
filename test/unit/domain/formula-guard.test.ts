import { describe, expect, it } from 'vitest';
import { neutralise, unguard } from '../../../shared/domain/formula-guard.js';

describe('RULES §7 Formula-injection guard of reports and exports', () => {
  it.each([
    '=SUM(A1)',
    '+886912345678',
    '-2+3',
    '@SUM(A1)',
    '\tx',
    '\rx',
    '＝1+1',
    '＋1',
    '－1',
    '＠x',
    "'=x",
    "''+1",
  ])('guards %j and takes the guard off exactly on import', (cell) => {
    // Act
    const guarded = neutralise(cell);

    // Assess
    expect(guarded).toBe(`'${cell}`);
    expect(unguard(guarded)).toBe(cell);
  });

  it.each(['Ann', '', 'a=b', "'tis", '王小明'])('leaves %j as it is, both ways', (cell) => {
    expect(neutralise(cell)).toBe(cell);
    expect(unguard(cell)).toBe(cell);
  });
});
