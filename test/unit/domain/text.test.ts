import { describe, expect, it } from 'vitest';
import { isIssue } from '../../../shared/domain/channels.js';
import { EDM_STATUSES, GENDERS } from '../../../shared/domain/model.js';
import {
  checkCellSize,
  limitLength,
  matchEnum,
  normaliseEmail,
  normaliseLineUid,
  splitTags,
  utf8Bytes,
} from '../../../shared/domain/normalise/text.js';

describe('RULES §3 tags (comma-separated, trimmed, empty parts dropped)', () => {
  it.each([
    ['VIP', ['VIP']],
    ['VIP, 台北 ,,VIP', ['VIP', '台北']],
    ['新客，VIP', ['新客', 'VIP']],
    [' , ,', []],
  ])('splits %s into %o', (value, tags) => {
    expect(splitTags(value)).toEqual(tags);
  });
});

describe('RULES §3 length limits (≤ 255 characters)', () => {
  it('accepts 255 characters, counting an emoji once', () => {
    const value = `${'名'.repeat(254)}😀`;

    expect(limitLength('name', value, 255)).toBe(value);
  });

  it('fails 256 characters with VALUE_TOO_LONG', () => {
    const result = limitLength('display_name', 'a'.repeat(256), 255);

    expect(isIssue(result) && result.code).toBe('VALUE_TOO_LONG');
    expect(isIssue(result) && result.message).toContain('256 characters; at most 255');
  });
});

describe('RULES §2 cell size limit', () => {
  it.each([
    ['a'.repeat(10), 10, undefined],
    ['a'.repeat(11), 10, 'CELL_TOO_LARGE'],
    ['名'.repeat(4), 12, undefined],
    ['名'.repeat(5), 12, 'CELL_TOO_LARGE'],
  ])('checks a cell of %s against %i bytes', (cell, max, code) => {
    expect(checkCellSize('note', cell, max)?.code).toBe(code);
  });

  it.each([
    ['abc', 3],
    ['é', 2],
    ['名', 3],
    ['😀', 4],
  ])('counts %s as %i UTF-8 bytes', (value, bytes) => {
    expect(utf8Bytes(value)).toBe(bytes);
  });
});

describe('RULES §3 enumerations (gender, messaging_status)', () => {
  it.each([
    ['female', 'female'],
    ['Male', 'male'],
    ['UNKNOWN', 'unknown'],
  ])('reads gender %s as %s', (value, expected) => {
    expect(matchEnum('gender', value, GENDERS, 'INVALID_GENDER')).toBe(expected);
  });

  it('fails a value that is not allowed, listing the allowed ones', () => {
    const result = matchEnum('messaging_status', 'active', EDM_STATUSES, 'INVALID_STATUS');

    expect(isIssue(result) && result.code).toBe('INVALID_STATUS');
    expect(isIssue(result) && result.message).toContain(
      '"subscribed", "unsubscribed", "hard_bounce", "spam_report"',
    );
  });
});

describe('RULES §3 line_uid (U + 32 hex)', () => {
  it.each([
    ['U4af4980629a0b0c5e2f0e4c1d2b3a4f5', 'U4af4980629a0b0c5e2f0e4c1d2b3a4f5'],
    ['U4AF4980629A0B0C5E2F0E4C1D2B3A4F5', 'U4af4980629a0b0c5e2f0e4c1d2b3a4f5'],
  ])('accepts %s as %s', (value, uid) => {
    expect(normaliseLineUid('line_uid', value)).toBe(uid);
  });

  it.each([
    'u4af4980629a0b0c5e2f0e4c1d2b3a4f5',
    'U4af4980629a0b0c5e2f0e4c1d2b3a4f',
    'U4af4980629a0b0c5e2f0e4c1d2b3a4g5',
    'Uxyz',
  ])('fails %s with INVALID_LINE_UID', (value) => {
    const result = normaliseLineUid('line_uid', value);

    expect(isIssue(result) && result.code).toBe('INVALID_LINE_UID');
  });
});

describe('RULES §3 email (valid address, matched case-insensitively)', () => {
  it.each([
    ['jane@example.com', 'jane@example.com'],
    ['Jane.Doe+news@Example.COM', 'jane.doe+news@example.com'],
  ])('accepts %s as %s', (value, email) => {
    expect(normaliseEmail('email', value)).toBe(email);
  });

  it.each([
    'jane',
    'jane@',
    '@example.com',
    'jane@example',
    'jane doe@example.com',
    `${'a'.repeat(250)}@example.com`,
  ])('fails %s with INVALID_EMAIL', (value) => {
    const result = normaliseEmail('email', value);

    expect(isIssue(result) && result.code).toBe('INVALID_EMAIL');
  });
});
