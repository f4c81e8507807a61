import { describe, expect, it } from 'vitest';
import { detectDelimiter, firstRecord } from '../../../shared/pipeline/csv/delimiter.js';

describe('Function: detectDelimiter', () => {
  it.each([
    ['name,phone,email', ','],
    ['email;messaging_status;display_name', ';'],
    ['WhatsApp_mobile\tmessaging_status\tdisplay_name', '\t'],
    ['email', ','],
    ['"last, first";phone;email', ';'],
    ['a,b;c', ','],
  ])('reads the delimiter of %j as %j', (header, delimiter) => {
    expect(detectDelimiter(header)).toBe(delimiter);
  });
});

describe('Function: firstRecord', () => {
  it('keeps a line break inside quotes and stops at the first one outside', () => {
    expect(firstRecord('"a\nb",c\r\n1,2\n')).toBe('"a\nb",c');
  });

  it('returns the whole text when it has no line break', () => {
    expect(firstRecord('email')).toBe('email');
  });
});
