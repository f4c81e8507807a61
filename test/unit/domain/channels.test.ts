import { describe, expect, it } from 'vitest';
import {
  allowedKeys,
  CHANNEL_COLUMNS,
  isIssue,
  keyColumn,
  parseObjectKey,
  requiredColumns,
} from '../../../shared/domain/channels.js';
import type { Channel, KeyName } from '../../../shared/domain/model.js';
import { TEMPLATES } from '../../helpers/domain/factories.js';

describe('RULES §1 Where an import comes from', () => {
  it.each([
    ['incoming/acme/line/line_uid/members.csv', 'acme', 'line', 'line_uid', 'members.csv'],
    ['incoming/acme/line/phone/a.csv', 'acme', 'line', 'phone', 'a.csv'],
    ['incoming/acme/line/email/a.csv', 'acme', 'line', 'email', 'a.csv'],
    ['incoming/acme/line/customer_id/a.csv', 'acme', 'line', 'customer_id', 'a.csv'],
    ['incoming/brand-2/edm/email/2024-05 list.CSV', 'brand-2', 'edm', 'email', '2024-05 list.CSV'],
    ['incoming/acme/edm/customer_id/a.csv', 'acme', 'edm', 'customer_id', 'a.csv'],
    ['incoming/acme/edm/phone/a.csv', 'acme', 'edm', 'phone', 'a.csv'],
    ['incoming/acme/whatsapp/phone/a.csv', 'acme', 'whatsapp', 'phone', 'a.csv'],
    ['incoming/acme/whatsapp/customer_id/a.csv', 'acme', 'whatsapp', 'customer_id', 'a.csv'],
    ['incoming/acme/whatsapp/email/sub/dir/a.csv', 'acme', 'whatsapp', 'email', 'sub/dir/a.csv'],
  ])('accepts %s', (objectKey, workspace, channel, key, fileName) => {
    // Act
    const parts = parseObjectKey(objectKey);

    // Assess
    expect(parts).toEqual({ workspace, channel, key, fileName, dryRun: false });
  });

  it.each([
    ['incoming/acme/line/phone/dry-run/a.csv', true],
    ['incoming/acme/line/phone/dry-run/2024/a.csv', true],
    ['incoming/acme/line/phone/dry-runs/a.csv', false],
    ['incoming/acme/line/phone/archive/dry-run/a.csv', false],
  ])('asks for a dry run only from a dry-run/ folder right after the key: %s', (objectKey, dryRun) => {
    // Act
    const parts = parseObjectKey(objectKey);

    // Assess
    expect(isIssue(parts) ? parts : parts.dryRun).toBe(dryRun);
  });

  it.each([
    ['uploads/acme/line/phone/a.csv', 'INVALID_OBJECT_KEY'],
    ['incoming/acme/line/phone', 'INVALID_OBJECT_KEY'],
    ['incoming/acme/line/phone/', 'INVALID_OBJECT_KEY'],
    ['incoming/Acme/line/phone/a.csv', 'INVALID_OBJECT_KEY'],
    ['incoming/-acme/line/phone/a.csv', 'INVALID_OBJECT_KEY'],
    ['incoming/a/line/phone/a.csv', 'INVALID_OBJECT_KEY'],
    [`incoming/${'a'.repeat(64)}/line/phone/a.csv`, 'INVALID_OBJECT_KEY'],
    ['incoming/acme/sms/phone/a.csv', 'UNKNOWN_CHANNEL'],
    ['incoming/acme/line/fb_id/a.csv', 'UNKNOWN_KEY'],
    ['incoming/acme/edm/line_uid/a.csv', 'KEY_NOT_ALLOWED'],
    ['incoming/acme/whatsapp/line_uid/a.csv', 'KEY_NOT_ALLOWED'],
    ['incoming/acme/line/phone/a.xlsx', 'NOT_CSV'],
  ])('rejects %s with %s', (objectKey, code) => {
    // Act
    const result = parseObjectKey(objectKey);

    // Assess
    expect(isIssue(result) && result.code).toBe(code);
  });

  it('names the allowed keys when a key is not allowed for the channel', () => {
    const result = parseObjectKey('incoming/acme/edm/line_uid/a.csv');

    expect(isIssue(result) && result.message).toContain('"phone", "email", "customer_id"');
  });

  it.each([
    ['line', ['line_uid', 'phone', 'email', 'customer_id']],
    ['edm', ['phone', 'email', 'customer_id']],
    ['whatsapp', ['phone', 'email', 'customer_id']],
  ] as const)('allows for %s the keys %o', (channel, keys) => {
    expect(allowedKeys(channel)).toEqual(keys);
  });
});

describe('RULES §3 Fields per channel: the templates', () => {
  it.each(['line', 'edm', 'whatsapp'] as const)('names the %s columns exactly as RULES §3', (channel) => {
    expect(CHANNEL_COLUMNS[channel].map((spec) => spec.column)).toEqual(TEMPLATES[channel]);
  });
});

describe('Function: keyColumn', () => {
  it.each([
    ['line', 'phone', 'phone'],
    ['edm', 'phone', 'mobile'],
    ['whatsapp', 'phone', 'WhatsApp_mobile'],
    ['edm', 'email', 'email'],
    ['edm', 'line_uid', undefined],
  ] as [Channel, KeyName, string | undefined][])('reads %s key %s from column %s', (channel, key, column) => {
    expect(keyColumn(channel, key)).toBe(column);
  });
});

describe('Function: requiredColumns', () => {
  it.each([
    ['line', 'line_uid', ['line_uid']],
    ['edm', 'email', ['email', 'messaging_status']],
    ['edm', 'phone', ['email', 'messaging_status', 'mobile']],
    ['whatsapp', 'phone', ['WhatsApp_mobile', 'messaging_status']],
    ['whatsapp', 'customer_id', ['WhatsApp_mobile', 'messaging_status', 'customer_id']],
    ['edm', 'line_uid', ['email', 'messaging_status']],
  ] as [Channel, KeyName, string[]][])(
    'requires for %s keyed by %s the columns %o',
    (channel, key, columns) => {
      expect(requiredColumns(channel, key)).toEqual(columns);
    },
  );
});

describe('Function: isIssue', () => {
  it.each([
    [{ code: 'X', message: 'm' }, true],
    [{ workspace: 'acme' }, false],
    [null, false],
    ['KEY_EMPTY', false],
  ])('tells whether %o is an issue', (value, expected) => {
    expect(isIssue(value)).toBe(expected);
  });
});
