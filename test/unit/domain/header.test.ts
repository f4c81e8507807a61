import { describe, expect, it } from 'vitest';
import { isIssue } from '../../../shared/domain/channels.js';
import { cleanHeaderName, editDistance, mapHeader } from '../../../shared/domain/header.js';
import type { CustomFieldDefinition } from '../../../shared/domain/model.js';
import { TEMPLATES } from '../../helpers/domain/factories.js';

const VIP: CustomFieldDefinition = { name: 'vip_level', type: 'select', options: ['gold', 'silver'] };

describe('RULES §2 Header', () => {
  it('maps every system column of each channel to its field', () => {
    // Act
    const line = mapHeader(TEMPLATES.line, 'line', 'line_uid', []);
    const edm = mapHeader(TEMPLATES.edm, 'edm', 'email', []);
    const whatsapp = mapHeader(TEMPLATES.whatsapp, 'whatsapp', 'phone', []);

    // Assess
    for (const mapped of [line, edm, whatsapp]) {
      expect(isIssue(mapped)).toBe(false);
      if (!isIssue(mapped)) expect(mapped.skipped).toEqual([]);
    }
    expect(!isIssue(edm) && edm.columns.map((c) => c.kind === 'system' && c.spec.field)).toEqual([
      'edm_email',
      'edm_status',
      'name',
      'gender',
      'customer_id',
      'phone',
      'birthday',
      'tags',
      'consent_source',
      'consent_at',
    ]);
  });

  it('matches names exactly after trimming whitespace and a byte order mark', () => {
    // Act
    const mapped = mapHeader(['\uFEFF line_uid ', '\tname'], 'line', 'line_uid', []);

    // Assess
    expect(!isIssue(mapped) && mapped.names).toEqual(['line_uid', 'name']);
    expect(!isIssue(mapped) && mapped.keyIndex).toBe(0);
  });

  it('binds a column named exactly like a workspace custom field', () => {
    const mapped = mapHeader(['line_uid', 'vip_level'], 'line', 'line_uid', [VIP]);

    expect(!isIssue(mapped) && mapped.columns[1]).toEqual({
      kind: 'custom',
      index: 1,
      column: 'vip_level',
      field: VIP,
    });
  });

  it('prefers the system field when a custom field has the same name', () => {
    const mapped = mapHeader(['line_uid', 'name'], 'line', 'line_uid', [{ name: 'name', type: 'text' }]);

    expect(!isIssue(mapped) && mapped.columns[1]?.kind).toBe('system');
  });

  it('rejects a duplicate header name, naming its columns', () => {
    // Act
    const result = mapHeader(['line_uid', 'name', ' name'], 'line', 'line_uid', []);

    // Assess
    expect(isIssue(result) && result.code).toBe('DUPLICATE_HEADER');
    expect(isIssue(result) && result.message).toContain('columns 2, 3');
  });

  it.each([
    [[], 'line'],
    [['', ' '], 'line'],
  ] as const)('rejects a missing header %o', (header, channel) => {
    const result = mapHeader(header, channel, 'phone', []);

    expect(isIssue(result) && result.code).toBe('MISSING_HEADER');
  });

  it.each([
    [['messaging_status', 'display_name'], 'edm', 'email', ['email']],
    [['email', 'display_name'], 'edm', 'email', ['messaging_status']],
    [['email', 'messaging_status'], 'edm', 'phone', ['mobile']],
    [['messaging_status'], 'whatsapp', 'phone', ['WhatsApp_mobile']],
    [['WhatsApp_mobile', 'messaging_status'], 'whatsapp', 'email', ['email']],
    [['WhatsApp_mobile', 'display_name'], 'whatsapp', 'phone', ['messaging_status']],
    [['phone', 'name'], 'line', 'line_uid', ['line_uid']],
    [['line_uid'], 'line', 'customer_id', ['customer_id']],
  ] as const)('rejects %o for %s keyed by %s: missing %o', (header, channel, key, missing) => {
    // Act
    const result = mapHeader(header, channel, key, []);

    // Assess
    expect(isIssue(result) && result.code).toBe('MISSING_REQUIRED_COLUMN');
    for (const column of missing) expect(isIssue(result) && result.message).toContain(`"${column}"`);
  });

  it('hints at a skipped column close to a missing required one', () => {
    const result = mapHeader(['Email', 'messaging_status'], 'edm', 'email', []);

    expect(isIssue(result) && result.message).toContain('found "Email", did you mean "email"?');
  });

  it.each([
    ['Email', 'line', 'email'],
    ['e-mail', 'line', 'email'],
    ['Tags', 'line', 'tags'],
    ['whatsapp_mobile', 'whatsapp', 'WhatsApp_mobile'],
    ['messaging status', 'edm', 'messaging_status'],
    ['display_name', 'line', 'name'],
    ['name', 'edm', 'display_name'],
    ['tags', 'edm', 'tag'],
    ['phone', 'edm', 'mobile'],
    ['vip_levle', 'line', 'vip_level'],
    ['status', 'edm', 'messaging_status'],
    ['Status', 'whatsapp', 'messaging_status'],
  ] as const)('skips unknown column %s in a %s file, suggesting %s', (name, channel, suggestion) => {
    // Prepare
    const required =
      channel === 'edm'
        ? ['email', 'messaging_status']
        : channel === 'whatsapp'
          ? ['WhatsApp_mobile', 'messaging_status']
          : ['email'];

    // Act
    const result = mapHeader([...required, name], channel, channel === 'whatsapp' ? 'phone' : 'email', [VIP]);

    // Assess
    expect(!isIssue(result) && result.skipped).toEqual([{ name, suggestion }]);
  });

  it('hints at messaging_status for a status column when the EDM file has none', () => {
    const result = mapHeader(['email', 'status'], 'edm', 'email', []);

    expect(isIssue(result) && result.message).toContain('found "status", did you mean "messaging_status"?');
  });

  it('suggests nothing for a status column in a LINE file, which has no messaging status', () => {
    const result = mapHeader(['email', 'status'], 'line', 'email', []);

    expect(!isIssue(result) && result.skipped).toEqual([{ name: 'status' }]);
  });

  it('skips an unknown column without a suggestion when nothing is close', () => {
    const result = mapHeader(['email', 'favourite_colour', 'phone_number'], 'line', 'email', []);

    expect(!isIssue(result) && result.skipped).toEqual([
      { name: 'favourite_colour' },
      { name: 'phone_number' },
    ]);
  });

  it('ignores the report columns of a re-imported failures.csv and blank column names silently', () => {
    // Act
    const result = mapHeader(
      ['email', 'name', 'row_number', 'error_code', 'error_message', '', ''],
      'line',
      'email',
      [],
    );

    // Assess
    expect(!isIssue(result) && result.skipped).toEqual([]);
    expect(!isIssue(result) && result.columns.map((c) => c.column)).toEqual(['email', 'name']);
  });
});

describe('Function: cleanHeaderName', () => {
  it('removes surrounding whitespace, byte order marks and zero-width characters only', () => {
    expect(cleanHeaderName('\uFEFF  display name \u00a0')).toBe('display name');
    expect(cleanHeaderName('\u200Bdisplay\u200Dname\u200C\u3000')).toBe('display\u200Dname');
  });
});

describe('RULES §2 Invisible characters around header names', () => {
  it('matches name\u200B (zero-width space) as name instead of skipping the column, and lists the cleanup', () => {
    // Act
    const result = mapHeader(
      ['email\u00A0', 'name\u200B', '\u200C\u200Dnote\u3000', ' tags ', '\uFEFFphone'],
      'line',
      'email',
      [],
    );

    // Assess
    expect(!isIssue(result) && result.skipped).toEqual([]);
    expect(!isIssue(result) && result.columns.map((c) => c.column)).toEqual([
      'email',
      'name',
      'note',
      'tags',
      'phone',
    ]);
    // Plain spaces are ordinary trimming and not listed.
    expect(!isIssue(result) && result.cleanups).toEqual([
      { column: 1, name: 'email', removed: ['U+00A0'] },
      { column: 2, name: 'name', removed: ['U+200B'] },
      { column: 3, name: 'note', removed: ['U+200C', 'U+200D', 'U+3000'] },
      { column: 5, name: 'phone', removed: ['U+FEFF'] },
    ]);
  });
});

describe('Function: editDistance', () => {
  it.each([
    ['', 'abc', 3],
    ['kitten', 'sitting', 3],
    ['email', 'email', 0],
    ['tag', 'tags', 1],
  ])('measures %s → %s as %i', (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance);
  });
});
