import { describe, expect, it } from 'vitest';
import { allowedKeys } from '../../../shared/domain/channels.js';
import { ISSUE_CODES, issue, kindOf, maskValue } from '../../../shared/domain/codes.js';

describe('Function: issue', () => {
  it('builds an issue whose message names the column and the value', () => {
    // Act
    const result = issue('INVALID_EMAIL', { column: 'email', value: 'jane@' });

    // Assess
    expect(result.code).toBe('INVALID_EMAIL');
    expect(result.message).toContain('"jane@"');
    expect(result.message).toContain('column "email"');
  });

  it('builds an issue that takes no parameters', () => {
    expect(issue('EMPTY_FILE')).toEqual({ code: 'EMPTY_FILE', message: expect.stringContaining('empty') });
  });

  it('tells how to repair a number a spreadsheet damaged', () => {
    const result = issue('EXCEL_NUMBER_DAMAGED', { column: 'mobile', value: '8.86912E+11' });

    expect(result.message).toContain('digits are lost');
    expect(result.message).toContain('formatted as Text');
  });

  it.each([
    [{ column: 'phone', value: '12', region: 'TW', plusLost: false }, 'region TW', 'put a +'],
    [{ column: 'phone', value: '4155552671', region: 'TW', plusLost: true }, 'put a +', undefined],
    [{ column: 'WhatsApp_mobile', value: '0912', plusLost: false }, 'E.164', 'missing'],
    [
      { column: 'WhatsApp_mobile', value: '886912345678', plusLost: true },
      'the leading + is missing',
      undefined,
    ],
  ])('explains an invalid phone for %o', (params, expected, absent) => {
    const message = issue('INVALID_PHONE', params).message;

    expect(message).toContain(expected);
    if (absent) expect(message).not.toContain(absent);
  });

  it.each([
    ['differs', 'already has a different value'],
    ['taken', 'another contact already holds it'],
    ['phone-locked', 'locked by its SMS channel'],
  ] as const)('explains why a channel key was ignored (%s)', (held, expected) => {
    expect(issue('CHANNEL_KEY_IGNORED', { column: 'line_uid', value: 'U1', held }).message).toContain(
      expected,
    );
  });

  it('says that the latest created of several contacts was updated, naming the key and value', () => {
    const message = issue('KEY_MATCHED_SEVERAL', { key: 'phone', value: '+886912345678', count: 3 }).message;

    expect(message).toContain('3 contacts have phone "+886912345678"');
    expect(message).toContain('the one created latest was updated');
  });

  it.each([
    ['line', 'line_uid, phone or email'],
    ['edm', 'phone or email'],
    ['whatsapp', 'phone or email'],
  ] as const)('suggests only keys the %s channel allows when a customer_id is not found', (channel, keys) => {
    const allowed = allowedKeys(channel).filter((key) => key !== 'customer_id');

    const message = issue('CUSTOMER_ID_NOT_FOUND', { value: 'C9', keys: allowed }).message;

    expect(message).toContain(`with the ${keys} key`);
  });

  it('names a single suggested key alone', () => {
    expect(issue('CUSTOMER_ID_NOT_FOUND', { value: 'C9', keys: ['email'] }).message).toContain(
      'with the email key',
    );
  });

  it.each([
    [false, 'is not a valid time'],
    [true, 'does not exist'],
  ])('explains an invalid local time (nonexistent: %s)', (nonexistent, expected) => {
    const message = issue('INVALID_DATETIME', {
      column: 'consent_at',
      value: 'x',
      timeZone: 'Asia/Taipei',
      nonexistent,
    }).message;

    expect(message).toContain(expected);
  });

  it.each([
    [['email'], [], 'Required column "email" missing'],
    [['email', 'messaging_status'], ['found "Email", did you mean "email"?'], 'Required columns'],
  ])('lists missing required columns %o', (columns, hints, expected) => {
    const message = issue('MISSING_REQUIRED_COLUMN', { columns, channel: 'edm', hints }).message;

    expect(message).toContain(expected);
    for (const hint of hints) expect(message).toContain(hint);
  });
});

describe('Codes the pipeline raises', () => {
  it.each([
    [issue('PROCESSING_FAILED', { reason: 'batch dead-lettered' }), 'batch dead-lettered'],
    [issue('PROCESSING_TIMEOUT', { minutes: 30 }), 'Upload the rows in failures.csv again'],
    [
      issue('PROCESSING_TIMEOUT', { minutes: 30, cellsLost: 'the version of the file was deleted' }),
      '(the version of the file was deleted), so they are blank here',
    ],
    [issue('CANCELLED', { at: '2026-12-06T03:00:00.000Z' }), 'cancelled at 2026-12-06T03:00:00.000Z'],
    [issue('UNDECODABLE_BYTES', { offset: 1024, encoding: 'UTF-8' }), 'as UTF-8 at byte 1024'],
    [issue('FILE_TOO_LARGE', { bytes: 3_000_000_000, max: 2_147_483_648 }), 'at most 2147483648 bytes'],
    [issue('TOO_MANY_ROWS', { max: 10_000_000 }), 'more than 10000000 data rows'],
  ])('builds %o naming the detail', (built, expected) => {
    expect(built.message).toContain(expected);
  });
});

describe('Constant: ISSUE_CODES', () => {
  it('describes every code with a kind, once', () => {
    // Act
    const codes = ISSUE_CODES.map((entry) => entry.code);

    // Assess
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes).toEqual(
      expect.arrayContaining([
        'KEY_EMPTY',
        'CUSTOMER_ID_NOT_FOUND',
        'STATUS_BLANK_SKIPPED',
        'PROCESSING_FAILED',
      ]),
    );
    for (const entry of ISSUE_CODES) expect(entry.description.length).toBeGreaterThan(10);
  });

  it.each([
    ['KEY_EMPTY', 'error'],
    ['STATUS_BLANK_SKIPPED', 'skip'],
    ['STATUS_IRREVERSIBLE', 'warning'],
    ['DUPLICATE_HEADER', 'rejection'],
  ])('gives %s the kind %s', (code, kind) => {
    expect(kindOf(code)).toBe(kind);
  });

  it('knows no kind for an unknown code or an inherited property name', () => {
    expect(kindOf('NOPE')).toBeUndefined();
    expect(kindOf('toString')).toBeUndefined();
  });
});

describe('Function: maskValue', () => {
  it.each([
    ['jane.doe@example.com', 'j***@example.com'],
    ['+886912345678', '+*********678'],
    ['0912-345-678', '****-***-678'],
    ['王小明', '王***'],
    ['', ''],
  ])('masks %s as %s', (value, masked) => {
    expect(maskValue(value)).toBe(masked);
  });
});
