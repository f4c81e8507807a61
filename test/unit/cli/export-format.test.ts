import { describe, expect, it } from 'vitest';
import { contactJson, csvLayout, wallClock } from '../../../cli/export-format.js';
import { CHANNEL_COLUMNS } from '../../../shared/domain/channels.js';
import { aContact } from '../../helpers/cli/factories.js';

const TIER = { name: 'member_tier', type: 'select', options: ['regular', 'gold'] } as const;
const POINTS = { name: 'points', type: 'number' } as const;
const VIP = { name: 'vip', type: 'boolean' } as const;

const channels = {
  line: { uid: 'U4af4980629a0b0c5e2f0e4c1d2b3a4f5' },
  edm: {
    email: 'xiaoming.wang@example.com.tw',
    status: 'subscribed',
    consentSource: '官網頁尾',
    consentAt: '2024-05-01T14:30:00+08:00',
  },
  whatsapp: { mobile: '+886912345678', status: 'opted_in' },
} as const;

const ming = aContact({
  contactId: 'c-ming',
  name: '王小明',
  email: 'xiaoming.wang@example.com.tw',
  phone: '+886912345678',
  customerId: 'C0001',
  note: '週年慶首購',
  tags: ['VIP', '台北信義'],
  gender: 'male',
  birthday: '1988-03-14',
  custom: { member_tier: 'gold', points: 12.5, vip: true },
  ...channels,
});

describe('Function: contactJson', () => {
  it('writes the profile, tags as an array, custom fields as an object and every channel the contact has', () => {
    expect(contactJson(ming)).toEqual({
      contactId: 'c-ming',
      createdAt: '2024-05-01T00:00:00.000Z',
      name: '王小明',
      email: 'xiaoming.wang@example.com.tw',
      phone: '+886912345678',
      customerId: 'C0001',
      note: '週年慶首購',
      tags: ['VIP', '台北信義'],
      gender: 'male',
      birthday: '1988-03-14',
      custom: { member_tier: 'gold', points: 12.5, vip: true },
      ...channels,
    });
  });

  it('writes null for profile fields never provided and leaves out channels the contact does not have', () => {
    // Act
    const json = contactJson(aContact({ phone: '+886923456789' }));

    // Assess
    expect(json).toMatchObject({ name: null, email: null, phone: '+886923456789', gender: null, tags: [] });
    expect(Object.keys(json)).not.toContain('line');
    expect(Object.keys(json)).not.toContain('edm');
    expect(Object.keys(json)).not.toContain('whatsapp');
  });
});

describe('Function: wallClock', () => {
  it('writes an instant as the local time of the workspace time zone, as consent_at is imported', () => {
    expect(wallClock('2024-05-01T06:30:00.000Z', 'Asia/Taipei')).toBe('2024-05-01 14:30:00');
    expect(wallClock('2024-05-01T14:30:00+08:00', 'Asia/Taipei')).toBe('2024-05-01 14:30:00');
  });

  it('writes midnight as 00, not 24', () => {
    expect(wallClock('2024-04-30T16:00:00Z', 'Asia/Taipei')).toBe('2024-05-01 00:00:00');
  });
});

describe('Function: csvLayout', () => {
  it('writes a LINE row with the template columns then the custom fields, values in importable form', () => {
    // Prepare
    const layout = csvLayout('line', 'phone', [TIER, POINTS, VIP], 'Asia/Taipei');

    // Act
    const row = layout.row(ming);

    // Assess
    expect(layout.header).toEqual([
      'line_uid',
      'phone',
      'customer_id',
      'name',
      'email',
      'note',
      'tags',
      'member_tier',
      'points',
      'vip',
    ]);
    expect(row).toEqual([
      'U4af4980629a0b0c5e2f0e4c1d2b3a4f5',
      "'+886912345678", // guarded like the reports; the importer takes the guard off
      'C0001',
      '王小明',
      'xiaoming.wang@example.com.tw',
      '週年慶首購',
      'VIP,台北信義',
      'gold',
      '12.5',
      'true',
    ]);
  });

  it('writes an EDM row with its status and consent time in the workspace time zone', () => {
    // Prepare
    const layout = csvLayout('edm', 'email', [], 'Asia/Taipei');

    // Act
    const row = layout.row(ming);

    // Assess
    expect(layout.header).toEqual(CHANNEL_COLUMNS.edm.map((spec) => spec.column));
    expect(row).toEqual([
      'xiaoming.wang@example.com.tw',
      'subscribed',
      '王小明',
      'male',
      'C0001',
      "'+886912345678",
      '1988-03-14',
      'VIP,台北信義',
      '官網頁尾',
      '2024-05-01 14:30:00',
    ]);
  });

  it('leaves out a contact that has no value for the key', () => {
    const layout = csvLayout('line', 'line_uid', [], 'Asia/Taipei');

    expect(layout.row(aContact({ phone: '+886923456789' }))).toBeUndefined();
  });

  it('leaves out a contact that is not on the channel of an EDM or WhatsApp file', () => {
    // Prepare
    const lineOnly = aContact({ email: 'a@example.com', phone: '+886923456789' });

    // Act / Assess
    expect(
      csvLayout('edm', 'customer_id', [], 'Asia/Taipei').row({ ...lineOnly, customerId: 'C1' }),
    ).toBeUndefined();
    expect(csvLayout('whatsapp', 'email', [], 'Asia/Taipei').row(lineOnly)).toBeUndefined();
  });

  it('reads the key value from the column the key uses in that channel', () => {
    expect(csvLayout('whatsapp', 'phone', [], 'Asia/Taipei').keyOf(ming)).toBe('+886912345678');
    expect(csvLayout('edm', 'phone', [], 'Asia/Taipei').keyOf(ming)).toBe('+886912345678');
    expect(csvLayout('line', 'customer_id', [], 'Asia/Taipei').keyOf(ming)).toBe('C0001');
  });
});
