import { describe, expect, it } from 'vitest';
import { applyRow, canonicalJson, sameValues } from '../../../shared/domain/apply.js';
import { contact, row } from '../../helpers/domain/factories.js';

describe('Function: canonicalJson', () => {
  it('gives equal objects the same text whatever the order of their keys', () => {
    // Prepare
    const a = { b: 1, a: { d: [2, 1], c: 'x' } };
    const b = { a: { c: 'x', d: [2, 1] }, b: 1 };

    // Act
    const texts = [canonicalJson(a), canonicalJson(b)];

    // Assess
    expect(texts[0]).toBe(texts[1]);
    expect(canonicalJson({ d: [1, 2] })).not.toBe(canonicalJson({ d: [2, 1] }));
  });
});

describe('Function: sameValues (RULES §9: rows whose net effect is nothing write nothing)', () => {
  it('finds a contact set to another name and back equal to its stored state', () => {
    // Prepare
    const key = { name: 'customer_id', value: 'c1' } as const;
    const stored = contact(1, { name: 'Ann', version: 3, writtenBy: ['i#1#0'] });
    const there = applyRow(stored, row({ key, profile: { name: 'Annie' } }), 'line', () => false).contact;

    // Act
    const back = applyRow(there, row({ key, profile: { name: 'Ann' } }), 'line', () => false).contact;

    // Assess
    expect(sameValues(stored, there)).toBe(false);
    expect(sameValues(stored, { ...back, version: 4, writtenBy: [] })).toBe(true);
  });
});
