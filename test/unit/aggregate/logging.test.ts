import { describe, expect, it, vi } from 'vitest';
import { createLogger, maskPersonalData } from '../../../shared/adapters/logger.js';
import { snsSubject } from '../../../shared/adapters/sns-notifier.js';

describe('Function: maskPersonalData', () => {
  it('masks email addresses and phone numbers wherever they are in a text', () => {
    expect(maskPersonalData('ann.lee@example.com called +886912345678 and 0912345678')).toBe(
      'a***@e***.com called +88********78 and 09******78',
    );
  });

  it.each([
    ['0912-345-678', '09******78'],
    ['0912 345 678', '09******78'],
    ['+886 912 345 678', '+88********78'],
    ['+886-912-345-678', '+88********78'],
    ['(02) 2345-6789', '02******89'],
    ['+62 812-345-678', '+62*******78'],
  ])('masks %s, a phone written with separators', (phone, masked) => {
    expect(maskPersonalData(`call ${phone} today`)).toBe(`call ${masked} today`);
  });

  it('leaves import ids, dates and counts alone', () => {
    const text =
      'acme.0123456789abcdef01234567 at 2030-01-01T10:00:00Z on 2030-01-01 rows 12345 of 1 200 bytes 192.168.100.200';

    expect(maskPersonalData(text)).toBe(text);
  });
});

describe('Function: createLogger', () => {
  it('never writes an email address or a phone number in clear, even nested or in an error', () => {
    // Prepare: Powertools writes JSON lines to stdout (info) and stderr (error)
    const lines: string[] = [];
    const capture = (chunk: unknown) => {
      lines.push(String(chunk));
      return true;
    };
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
    const logger = createLogger('test');

    // Act
    logger.info('row of ann@example.com', { contact: { phone: '+886912345678' } });
    logger.error('failed', new Error('bad email bob@example.org'));

    // Assess
    out.mockRestore();
    err.mockRestore();
    const output = lines.join('\n');
    expect(output).toContain('a***@e***.com');
    expect(output).toContain('bad email b***@e***.org');
    expect(output).toContain('+88********78');
    expect(output).not.toMatch(/ann@example\.com|bob@example\.org|886912345678/);
  });
});

describe('Function: snsSubject', () => {
  it('keeps an SNS subject to one line of at most 100 printable ASCII characters', () => {
    expect(snsSubject(`Import 王小明\n${'x'.repeat(200)}`)).toMatch(/^Import \?\?\?\?x+$/);
    expect(snsSubject('x'.repeat(200))).toHaveLength(100);
  });
});
