/**
 * Values of workspace custom fields (RULES §3), typed text, number, date, boolean or select.
 */
import { type CodedIssue, issue } from '../codes.js';
import type { CustomFieldDefinition, CustomValue } from '../model.js';
import { isIsoDate } from './dates.js';

const DATE_SHAPE = /^\d{4}-\d{2}-\d{2}$/;
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const BOOLEANS: ReadonlyMap<string, boolean> = new Map([
  ['true', true],
  ['false', false],
  ['yes', true],
  ['no', false],
  ['y', true],
  ['n', false],
  ['1', true],
  ['0', false],
]);

/**
 * The typed value of a custom field cell: numbers as numbers, booleans from true/false, yes/no, y/n, 1/0
 * (any case), dates as real `YYYY-MM-DD`, select values as one of the field's options in any letter case
 * (like statuses), stored in the option's own spelling.
 *
 * @example
 * customValue({ name: 'points', type: 'number' }, '12.5'); // 12.5
 * customValue({ name: 'vip', type: 'boolean' }, 'Yes');    // true
 * customValue({ name: 'tier', type: 'select', options: ['gold', 'silver'] }, 'Gold'); // 'gold'
 */
export function customValue(field: CustomFieldDefinition, value: string): CustomValue | CodedIssue {
  const column = field.name;
  switch (field.type) {
    case 'text':
      return value;
    case 'number':
      return NUMBER.test(value) && Number.isFinite(Number(value))
        ? Number(value)
        : issue('INVALID_CUSTOM_VALUE', { column, value, expected: 'a number such as 42 or 3.14' });
    case 'date':
      if (isIsoDate(value)) return value;
      return issue('INVALID_CUSTOM_VALUE', {
        column,
        value,
        expected: 'a real date as YYYY-MM-DD, e.g. 2030-01-31',
        // `2024-02-30` has the right shape: say what is wrong with it, not only what is expected.
        ...(DATE_SHAPE.test(value) ? { reason: 'not a real date' } : {}),
      });
    case 'boolean': {
      const flag = BOOLEANS.get(value.toLowerCase());
      return (
        flag ?? issue('INVALID_CUSTOM_VALUE', { column, value, expected: 'true/false, yes/no, y/n or 1/0' })
      );
    }
    case 'select': {
      const options = field.options ?? [];
      return (
        selectOption(options, value) ??
        issue('INVALID_CUSTOM_VALUE', {
          column,
          value,
          expected: `one of ${options.map((option) => `"${option}"`).join(', ')}`,
        })
      );
    }
  }
}

/**
 * The option a select cell names: the option spelled exactly so, else the one option equal to it ignoring
 * letter case. Options that differ only in case (`VIP`, `vip`) leave a third spelling (`Vip`) unmatched
 * rather than guessed.
 */
function selectOption(options: readonly string[], value: string): string | undefined {
  if (options.includes(value)) return value;
  const lower = value.toLowerCase();
  const matches = options.filter((option) => option.toLowerCase() === lower);
  return matches.length === 1 ? matches[0] : undefined;
}
