import { describe, expect, it } from 'vitest';
import { isIssue } from '../../../shared/domain/channels.js';
import type { CustomFieldDefinition } from '../../../shared/domain/model.js';
import { customValue } from '../../../shared/domain/normalise/custom.js';

const TEXT: CustomFieldDefinition = { name: 'hobby', type: 'text' };
const NUMBER: CustomFieldDefinition = { name: 'points', type: 'number' };
const DATE: CustomFieldDefinition = { name: 'renewal', type: 'date' };
const BOOLEAN: CustomFieldDefinition = { name: 'vip', type: 'boolean' };
const SELECT: CustomFieldDefinition = { name: 'level', type: 'select', options: ['gold', 'silver'] };
const NO_OPTIONS: CustomFieldDefinition = { name: 'level', type: 'select' };
const CASED: CustomFieldDefinition = { name: 'level', type: 'select', options: ['VIP', 'vip', 'Gold'] };

describe('RULES §3 custom fields (typed: text, number, date, boolean, select)', () => {
  it.each([
    [TEXT, '爬山', '爬山'],
    [NUMBER, '42', 42],
    [NUMBER, '-3.5', -3.5],
    [NUMBER, '.5', 0.5],
    [NUMBER, '1e3', 1000],
    [DATE, '2030-01-31', '2030-01-31'],
    [BOOLEAN, 'true', true],
    [BOOLEAN, 'No', false],
    [BOOLEAN, 'Y', true],
    [BOOLEAN, '0', false],
    [SELECT, 'gold', 'gold'],
    [SELECT, 'Gold', 'gold'],
    [SELECT, 'SILVER', 'silver'],
    [CASED, 'vip', 'vip'],
    [CASED, 'VIP', 'VIP'],
    [CASED, 'gold', 'Gold'],
  ] as const)('reads %o cell %s as %o', (field, value, expected) => {
    expect(customValue(field, value)).toBe(expected);
  });

  it.each([
    [NUMBER, '12abc', 'a number'],
    [NUMBER, '1,000', 'a number'],
    [NUMBER, '1e999', 'a number'],
    [DATE, '2030-02-30', 'is not a real date: expected a real date as YYYY-MM-DD'],
    [DATE, '2024-02-30', '"2024-02-30" in custom field "renewal" is not a real date'],
    [DATE, '30/01/2030', 'is not valid: expected a real date as YYYY-MM-DD'],
    [BOOLEAN, 'maybe', 'true/false'],
    [BOOLEAN, 'constructor', 'true/false'],
    [SELECT, 'platinum', '"gold", "silver"'],
    [CASED, 'Vip', '"VIP", "vip", "Gold"'],
    [NO_OPTIONS, 'gold', 'one of'],
  ] as const)('fails %o cell %s, expecting %s', (field, value, expected) => {
    // Act
    const result = customValue(field, value);

    // Assess
    expect(isIssue(result) && result.code).toBe('INVALID_CUSTOM_VALUE');
    expect(isIssue(result) && result.message).toContain(expected);
    expect(isIssue(result) && result.message).toContain(`custom field "${field.name}"`);
  });
});
