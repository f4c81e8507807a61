import { describe, expect, it } from 'vitest';
import { createRowValidator } from '../../../shared/domain/row.js';
import { lineUid, mapping, NOW, TEMPLATES, validator } from '../../helpers/domain/factories.js';

const { line: LINE_HEADER, edm: EDM_HEADER, whatsapp: WHATSAPP_HEADER } = TEMPLATES;

describe('RULES §3 Fields per channel', () => {
  it('normalises every LINE column', () => {
    // Prepare
    const validate = validator(LINE_HEADER, 'line', 'line_uid');

    // Act
    const result = validate(
      [` ${lineUid(1)} `, '0912-345-678', 'CRM-001', ' 王小明 ', 'Jane@Example.com', '常客', 'VIP, 台北,VIP'],
      2,
    );

    // Assess
    expect(result).toEqual({
      ok: true,
      row: {
        rowNumber: 2,
        key: { name: 'line_uid', value: lineUid(1) },
        profile: {
          phone: '+886912345678',
          customerId: 'CRM-001',
          name: '王小明',
          email: 'jane@example.com',
          note: '常客',
        },
        tags: ['VIP', '台北'],
        custom: {},
        line: { uid: lineUid(1) },
        warnings: [],
      },
    });
  });

  it('normalises every EDM column', () => {
    // Prepare
    const validate = validator(EDM_HEADER, 'edm', 'email');

    // Act
    const result = validate(
      [
        'Jane@Example.com',
        'Subscribed',
        '王小明',
        'female',
        'CRM-001',
        '0912345678',
        '1990-07-31',
        'VIP',
        'Website Footer',
        '2024-05-01 14:30:00',
      ],
      3,
    );

    // Assess
    expect(result).toEqual({
      ok: true,
      row: {
        rowNumber: 3,
        key: { name: 'email', value: 'jane@example.com' },
        profile: {
          name: '王小明',
          gender: 'female',
          customerId: 'CRM-001',
          phone: '+886912345678',
          birthday: '1990-07-31',
        },
        tags: ['VIP'],
        custom: {},
        edm: {
          email: 'jane@example.com',
          status: 'subscribed',
          consentSource: 'Website Footer',
          consentAt: '2024-05-01T14:30:00+08:00',
        },
        warnings: [],
      },
    });
  });

  it('normalises every WhatsApp column', () => {
    // Prepare
    const validate = validator(WHATSAPP_HEADER, 'whatsapp', 'phone');

    // Act
    const result = validate(
      ['+886912345678', 'opted_in', '王小明', 'male', 'CRM-001', 'jane@example.com', '1990-07-31', 'VIP'],
      2,
    );

    // Assess
    expect(result).toEqual({
      ok: true,
      row: {
        rowNumber: 2,
        key: { name: 'phone', value: '+886912345678' },
        profile: {
          name: '王小明',
          gender: 'male',
          customerId: 'CRM-001',
          email: 'jane@example.com',
          birthday: '1990-07-31',
        },
        tags: ['VIP'],
        custom: {},
        whatsapp: { mobile: '+886912345678', status: 'opted_in' },
        warnings: [],
      },
    });
  });

  it('leaves blank cells out of the row (not provided), including missing trailing cells', () => {
    // Prepare
    const validate = validator(LINE_HEADER, 'line', 'line_uid');

    // Act
    const result = validate([lineUid(1), '', '  '], 2);

    // Assess
    expect(result.ok && result.row.profile).toEqual({});
    expect(result.ok && result.row.tags).toEqual([]);
  });

  it('keeps a consent source and leaves out a blank consent time', () => {
    const validate = validator(EDM_HEADER, 'edm', 'email');

    const result = validate(['a@example.com', 'unsubscribed', '', '', '', '', '', '', 'Checkout', ''], 2);

    expect(result.ok && result.row.edm).toEqual({
      email: 'a@example.com',
      status: 'unsubscribed',
      consentSource: 'Checkout',
    });
  });

  it.each([
    [LINE_HEADER, 'line', 'line_uid', [lineUid(1), '0812345678'], 'INVALID_PHONE'],
    [LINE_HEADER, 'line', 'line_uid', [lineUid(1), '8.86912E+11'], 'EXCEL_NUMBER_DAMAGED'],
    [LINE_HEADER, 'line', 'line_uid', [lineUid(1), '', '1.23457E+15'], 'EXCEL_NUMBER_DAMAGED'],
    [LINE_HEADER, 'line', 'line_uid', [lineUid(1), '', 'x'.repeat(256)], 'VALUE_TOO_LONG'],
    [LINE_HEADER, 'line', 'line_uid', [lineUid(1), '', '', 'x'.repeat(256)], 'VALUE_TOO_LONG'],
    [LINE_HEADER, 'line', 'line_uid', [lineUid(1), '', '', '', 'jane@'], 'INVALID_EMAIL'],
    [LINE_HEADER, 'line', 'line_uid', ['U123'], 'INVALID_LINE_UID'],
    [EDM_HEADER, 'edm', 'email', ['not-an-email', 'subscribed'], 'INVALID_EMAIL'],
    [EDM_HEADER, 'edm', 'email', ['a@example.com', 'active'], 'INVALID_STATUS'],
    [EDM_HEADER, 'edm', 'email', ['a@example.com', 'subscribed', '', 'other'], 'INVALID_GENDER'],
    [
      EDM_HEADER,
      'edm',
      'email',
      ['a@example.com', 'subscribed', '', '', '', '', '2099-01-01'],
      'DATE_IN_FUTURE',
    ],
    [
      EDM_HEADER,
      'edm',
      'email',
      ['a@example.com', 'subscribed', '', '', '', '', '1990-02-30'],
      'INVALID_DATE',
    ],
    [
      EDM_HEADER,
      'edm',
      'email',
      ['a@example.com', 'subscribed', '', '', '', '', '', '', 'x'.repeat(256)],
      'VALUE_TOO_LONG',
    ],
    [
      EDM_HEADER,
      'edm',
      'email',
      ['a@example.com', 'subscribed', '', '', '', '', '', '', '', '2024/05/01'],
      'INVALID_DATETIME',
    ],
    [WHATSAPP_HEADER, 'whatsapp', 'phone', ['0912345678', 'opted_in'], 'INVALID_PHONE'],
    [WHATSAPP_HEADER, 'whatsapp', 'phone', ['+886912345678', 'subscribed'], 'INVALID_STATUS'],
  ] as const)('fails the row %#: %s', (header, channel, key, cells, code) => {
    // Act
    const result = validator(header, channel, key)(cells, 2);

    // Assess
    expect(result.ok).toBe(false);
    expect(!result.ok && result.outcome).toBe('failed');
    expect(!result.ok && result.error.code).toBe(code);
  });

  it('reads custom fields by their type', () => {
    // Prepare
    const validate = validator(['email', 'points', 'vip'], 'line', 'email', [
      { name: 'points', type: 'number' },
      { name: 'vip', type: 'boolean' },
    ]);

    // Act
    const ok = validate(['a@example.com', '120', 'yes'], 2);
    const bad = validate(['a@example.com', 'many'], 3);

    // Assess
    expect(ok.ok && ok.row.custom).toEqual({ points: 120, vip: true });
    expect(!bad.ok && bad.error.code).toBe('INVALID_CUSTOM_VALUE');
  });

  it('recovers a mobile that lost its leading zero, with a warning on the row', () => {
    const result = validator(
      EDM_HEADER,
      'edm',
      'phone',
    )(['a@example.com', 'subscribed', '', '', '', '912345678'], 2);

    expect(result.ok && result.row.key).toEqual({ name: 'phone', value: '+886912345678' });
    expect(result.ok && result.row.warnings.map((w) => w.code)).toEqual(['LEADING_ZERO_RECOVERED']);
  });

  it('keeps the warnings found before the cell that fails the row', () => {
    const result = validator(
      EDM_HEADER,
      'edm',
      'email',
    )(['a@example.com', 'subscribed', '', '', '', '912345678', '2099-01-01'], 2);

    expect(!result.ok && result.error.code).toBe('DATE_IN_FUTURE');
    expect(!result.ok && result.warnings.map((w) => w.code)).toEqual(['LEADING_ZERO_RECOVERED']);
  });
});

describe('RULES §4 Key Value: blank key', () => {
  it.each([
    [LINE_HEADER, 'line', 'line_uid', ['', '0912345678'], 'line_uid'],
    [LINE_HEADER, 'line', 'phone', [lineUid(1), ' '], 'phone'],
    [LINE_HEADER, 'line', 'customer_id', [lineUid(1)], 'customer_id'],
    [EDM_HEADER, 'edm', 'email', ['', 'subscribed'], 'email'],
    [EDM_HEADER, 'edm', 'phone', ['a@example.com', 'subscribed'], 'mobile'],
    [WHATSAPP_HEADER, 'whatsapp', 'phone', ['', 'opted_in'], 'WhatsApp_mobile'],
    [WHATSAPP_HEADER, 'whatsapp', 'email', ['+886912345678', 'opted_in'], 'email'],
  ] as const)(
    'fails the row with KEY_EMPTY when the %s key cell %s is blank (%#)',
    (header, channel, key, cells, column) => {
      // Act
      const result = validator(header, channel, key)(cells, 7);

      // Assess
      expect(result).toEqual({
        ok: false,
        outcome: 'failed',
        error: { code: 'KEY_EMPTY', message: expect.stringContaining(`"${column}"`) },
        warnings: [],
      });
      expect(!result.ok && result.error.message).toContain('key value is empty');
    },
  );

  it.each([
    [LINE_HEADER, 'line', 'customer_id', [lineUid(1), '', ' CRM-9 '], 'CRM-9'],
    [WHATSAPP_HEADER, 'whatsapp', 'email', ['+886912345678', 'opted_in', '', '', '', 'A@B.CO'], 'a@b.co'],
    [LINE_HEADER, 'line', 'phone', [lineUid(1), '0912345678'], '+886912345678'],
    [LINE_HEADER, 'line', 'email', [lineUid(1), '', '', '', 'A@B.CO'], 'a@b.co'],
  ] as const)(
    'takes the key value from the key column, normalised (%#)',
    (header, channel, key, cells, value) => {
      const result = validator(header, channel, key)(cells, 2);

      expect(result.ok && result.row.key).toEqual({ name: key, value });
    },
  );
});

describe('RULES §3 messaging_status (EDM fails, WhatsApp skips when blank)', () => {
  it('fails an EDM row whose status is blank', () => {
    const result = validator(EDM_HEADER, 'edm', 'email')(['a@example.com', ' '], 2);

    expect(!result.ok && result.outcome).toBe('failed');
    expect(!result.ok && result.error.code).toBe('STATUS_REQUIRED');
  });

  it('skips a WhatsApp row whose status is blank', () => {
    const result = validator(WHATSAPP_HEADER, 'whatsapp', 'phone')(['+886912345678', '', 'Ann'], 2);

    expect(result).toEqual({
      ok: false,
      outcome: 'skipped',
      error: { code: 'STATUS_BLANK_SKIPPED', message: expect.stringContaining('messaging_status') },
      warnings: [],
    });
  });

  it('fails an EDM row keyed by customer_id whose email is blank', () => {
    const result = validator(EDM_HEADER, 'edm', 'customer_id')(['', 'subscribed', '', '', 'CRM-1'], 2);

    expect(!result.ok && result.error.code).toBe('VALUE_REQUIRED');
  });

  it('fails a WhatsApp row keyed by customer_id whose number is blank', () => {
    const result = validator(
      WHATSAPP_HEADER,
      'whatsapp',
      'customer_id',
    )(['', 'opted_in', '', '', 'CRM-1'], 2);

    expect(!result.ok && result.error.code).toBe('VALUE_REQUIRED');
    expect(!result.ok && result.error.message).toContain('WhatsApp_mobile');
  });
});

describe('RULES §7 Every problem of a row at once', () => {
  const codes = (result: ReturnType<ReturnType<typeof validator>>) =>
    result.ok ? [] : [result.error, ...(result.otherErrors ?? [])].map((e) => e.code);

  it('fails a row with a bad LINE UID, a bad phone and a bad email with all three, in column order', () => {
    // Act
    const result = validator(LINE_HEADER, 'line', 'line_uid')(['U123', '0812345678', '', '', 'jane@'], 2);

    // Assess
    expect(result).toEqual({
      ok: false,
      outcome: 'failed',
      error: { code: 'INVALID_LINE_UID', message: expect.stringContaining('"U123"') },
      otherErrors: [
        { code: 'INVALID_PHONE', message: expect.stringContaining('"0812345678"') },
        { code: 'INVALID_EMAIL', message: expect.stringContaining('"jane@"') },
      ],
      warnings: [],
    });
  });

  it('puts a blank key among the other problems in column order', () => {
    const result = validator(LINE_HEADER, 'line', 'phone')(['U123', '', '', '', 'jane@'], 2);

    expect(codes(result)).toEqual(['INVALID_LINE_UID', 'KEY_EMPTY', 'INVALID_EMAIL']);
  });

  it('reports a blank EDM status with the bad values of the row', () => {
    const result = validator(EDM_HEADER, 'edm', 'email')(['not-an-email', '', '', 'other'], 2);

    expect(!result.ok && result.outcome).toBe('failed');
    expect(codes(result)).toEqual(['INVALID_EMAIL', 'STATUS_REQUIRED', 'INVALID_GENDER']);
  });

  it('reports a blank key column that is also required once, as KEY_EMPTY', () => {
    expect(codes(validator(EDM_HEADER, 'edm', 'email')(['', ''], 2))).toEqual([
      'KEY_EMPTY',
      'STATUS_REQUIRED',
    ]);
    expect(codes(validator(WHATSAPP_HEADER, 'whatsapp', 'phone')([' ', 'opted_in'], 2))).toEqual([
      'KEY_EMPTY',
    ]);
  });

  it('fails a WhatsApp row with a blank status and a bad value, listing the skip reason too', () => {
    // Act
    const result = validator(WHATSAPP_HEADER, 'whatsapp', 'phone')(['0912345678', '', 'x'.repeat(300)], 2);

    // Assess: the row fails (a skip alone would hide the bad values until the status is filled in)
    expect(!result.ok && result.outcome).toBe('failed');
    expect(codes(result)).toEqual(['INVALID_PHONE', 'STATUS_BLANK_SKIPPED', 'VALUE_TOO_LONG']);
  });

  it('fails a WhatsApp row whose status and key are both blank: a blank key fails the row', () => {
    const result = validator(WHATSAPP_HEADER, 'whatsapp', 'email')(['+886912345678', ''], 2);

    expect(!result.ok && result.outcome).toBe('failed');
    expect(codes(result)).toEqual(['STATUS_BLANK_SKIPPED', 'KEY_EMPTY']);
  });

  it('keeps the warnings of every cell of a failed row, also after the cell that fails it', () => {
    const result = validator(
      EDM_HEADER,
      'edm',
      'email',
    )(['a@example.com', 'subscribed', '', 'other', '', '912345678'], 2);

    expect(codes(result)).toEqual(['INVALID_GENDER']);
    expect(!result.ok && result.warnings.map((w) => w.code)).toEqual(['LEADING_ZERO_RECOVERED']);
  });

  it('reports a cell over the limit with the other problems of the row', () => {
    // Prepare
    const validate = createRowValidator({
      mapping: mapping(['email', 'note', 'phone'], 'line', 'email'),
      settings: { region: 'TW', timeZone: 'Asia/Taipei' },
      now: NOW,
      limits: { maxCellBytes: 16 },
    });

    // Act
    const result = validate(['a@example.com', '備註備註備註', '0812345678'], 2);

    // Assess
    expect(codes(result)).toEqual(['CELL_TOO_LARGE', 'INVALID_PHONE']);
  });
});

describe('RULES §2 Malformed rows and cell limits', () => {
  it('fails a row with more cells than the header', () => {
    const result = validator(['email', 'name'], 'line', 'email')(['a@example.com', 'A', 'extra'], 5);

    expect(!result.ok && result.error.code).toBe('MALFORMED_ROW');
    expect(!result.ok && result.error.message).toContain('3 cells but the header has 2');
    // The cells do not line up with the columns, so no other problem is looked for.
    expect(!result.ok && result.otherErrors).toBeUndefined();
  });

  it('fails a cell over the configured cell limit', () => {
    // Prepare
    const validate = createRowValidator({
      mapping: mapping(['email', 'note'], 'line', 'email'),
      settings: { region: 'TW', timeZone: 'Asia/Taipei' },
      now: NOW,
      limits: { maxCellBytes: 16 },
    });

    // Act
    const result = validate(['a@example.com', '備註備註備註'], 2);

    // Assess
    expect(!result.ok && result.error.code).toBe('CELL_TOO_LARGE');
    expect(!result.ok && result.error.message).toContain('18 bytes');
  });

  it.each([
    ['NUL', 'B\u0000ob', 'U+0000', 2],
    ['a C0 control', 'Bo\u0007b', 'U+0007', 3],
    ['DEL', '\u007FBob', 'U+007F', 1],
    ['a C1 control', 'Bob\u0085', 'U+0085', 4],
  ])(
    'fails a cell holding %s with INVALID_CHARACTER, naming the column and the character',
    (_c, cell, cp, at) => {
      // Act
      const result = validator(['email', 'name'], 'line', 'email')(['a@example.com', cell], 2);

      // Assess
      expect(!result.ok && result.error.code).toBe('INVALID_CHARACTER');
      expect(!result.ok && result.error.message).toContain(`column "name"`);
      expect(!result.ok && result.error.message).toContain(`(${cp}) at character ${at}`);
    },
  );

  it('accepts tab, CR and LF inside a cell (a quoted multi-line note)', () => {
    const result = validator(
      ['email', 'note'],
      'line',
      'email',
    )(['a@example.com', 'line 1\r\nline 2\tend'], 2);

    expect(result.ok && result.row.profile.note).toBe('line 1\r\nline 2\tend');
  });

  it('trims invisible characters at the edges of a data cell like spaces, and keeps them inside', () => {
    // Act
    const result = validator(
      ['email', 'name'],
      'line',
      'email',
    )(['\u200Ba@example.com\u00A0', '\u3000王\u200D小明\u200C\uFEFF'], 2);

    // Assess
    expect(result.ok && result.row.key.value).toBe('a@example.com');
    expect(result.ok && result.row.profile.name).toBe('王\u200D小明');
  });

  it('treats a key cell of invisible characters only as blank', () => {
    const result = validator(['email', 'name'], 'line', 'email')(['\u200B\u200C', 'Ann'], 2);

    expect(!result.ok && result.error.code).toBe('KEY_EMPTY');
  });

  it('accepts a large note under the default 64 KiB cell limit', () => {
    const result = validator(['email', 'note'], 'line', 'email')(['a@example.com', 'n'.repeat(60_000)], 2);

    expect(result.ok).toBe(true);
  });
});

describe('RULES §7 A fixed failures.csv imports as is', () => {
  const REPORT_HEADER = [
    'WhatsApp_mobile',
    'messaging_status',
    'display_name',
    'row_number',
    'error_code',
    'error_message',
  ];

  it("takes the report's formula guard off the cells of a re-imported report", () => {
    // Prepare
    const validate = validator(REPORT_HEADER, 'whatsapp', 'phone');

    // Act
    const result = validate(["'+886912345678", 'opted_in', "'-Amy-", '5', 'INVALID_STATUS', 'bad status'], 2);

    // Assess
    expect(result.ok && result.row.whatsapp).toEqual({ mobile: '+886912345678', status: 'opted_in' });
    expect(result.ok && result.row.profile.name).toBe('-Amy-');
  });

  it('takes the guard off in any file (an export, too): a quote before a formula lead is never data', () => {
    // Prepare
    const validate = validator(['WhatsApp_mobile', 'messaging_status', 'display_name'], 'whatsapp', 'phone');

    // Act
    const result = validate(["'+886912345678", 'opted_in', "''-Amy-"], 2);

    // Assess
    expect(result.ok && result.row.key.value).toBe('+886912345678');
    expect(result.ok && result.row.profile.name).toBe("'-Amy-");
  });

  it('keeps a leading quote that guards nothing', () => {
    const validate = validator(['WhatsApp_mobile', 'messaging_status', 'display_name'], 'whatsapp', 'phone');

    expect(validate(['+886912345678', 'opted_in', "'tis Amy"], 2)).toMatchObject({
      ok: true,
      row: { profile: { name: "'tis Amy" } },
    });
  });
});
