import { describe, expect, it } from 'vitest';
import { byCreation, conflictingChannelKey, mergeContacts } from '../../../shared/domain/merge.js';
import { contact, lineUid } from '../../helpers/domain/factories.js';

describe('Function: byCreation', () => {
  it('orders by creation time, then by contact id, and a contact equal to itself', () => {
    const a = contact(1);
    const b = contact(1, { contactId: 'c-02' });
    const c = contact(2, { contactId: 'c-00' });

    expect([c, b, a].sort(byCreation).map((x) => x.contactId)).toEqual(['c-01', 'c-02', 'c-00']);
    expect(byCreation(a, a)).toBe(0);
  });

  it('orders the contacts of one creation time by import, then by row number (RULES §9 logical creation order)', () => {
    const at = '2024-06-01T04:00:00.000Z';
    const row10 = contact(1, { contactId: 'c-z', createdAt: at, createdBy: 'acme.aaa#10' });
    const row9 = contact(2, { contactId: 'c-y', createdAt: at, createdBy: 'acme.aaa#9' });
    const laterImport = contact(3, { contactId: 'c-x', createdAt: at, createdBy: 'acme.bbb#2' });
    const byCli = contact(4, { contactId: 'c-w', createdAt: at, createdBy: 'cli' });

    const order = [laterImport, row10, byCli, row9].sort(byCreation).map((x) => x.contactId);

    expect(order).toEqual(['c-y', 'c-z', 'c-x', 'c-w']);
  });
});

describe('Function: conflictingChannelKey', () => {
  it('finds no conflict between equal or absent channel keys', () => {
    expect(
      conflictingChannelKey([
        contact(1, { line: { uid: lineUid(1) } }),
        contact(2, { line: { uid: lineUid(1) } }),
        contact(3),
      ]),
    ).toBeUndefined();
  });
});

describe('RULES §6 merging contacts that hold the same channel', () => {
  it('keeps the most restrictive status and the first consent details', () => {
    // Prepare: an anomaly the store may hold: two contacts with one EDM address and one WhatsApp number.
    const survivor = contact(1, {
      email: 'a@x.com',
      edm: { email: 'a@x.com', status: 'subscribed' },
      whatsapp: { mobile: '+886912345678', status: 'opted_in' },
      phone: '+886912345678',
    });
    const other = contact(2, {
      email: 'a@x.com',
      edm: {
        email: 'a@x.com',
        status: 'spam_report',
        consentSource: 'Footer',
        consentAt: '2024-01-01T00:00:00+08:00',
      },
      whatsapp: { mobile: '+886912345678', status: 'not_subscribed' },
      sms: { phone: '+886912345678' },
    });

    // Act
    const folded = mergeContacts(survivor, [survivor, other]);

    // Assess
    expect(folded.edm).toEqual({
      email: 'a@x.com',
      status: 'spam_report',
      consentSource: 'Footer',
      consentAt: '2024-01-01T00:00:00+08:00',
    });
    expect(folded.whatsapp).toEqual({ mobile: '+886912345678', status: 'not_subscribed' });
    expect(folded.sms).toEqual({ phone: '+886912345678' });
  });

  it('makes the number an SMS channel locks the phone', () => {
    const survivor = contact(1, { phone: '+886933444555' });
    const folded = mergeContacts(survivor, [survivor, contact(2, { sms: { phone: '+886912345678' } })]);

    expect(folded.phone).toBe('+886912345678');
  });

  it('takes each field from the first contact in precedence order that has one, keeping the survivor’s id', () => {
    const survivor = contact(1, { note: 'first' });
    const folded = mergeContacts(survivor, [
      contact(3, { name: 'Third', igId: 'ig3', tags: ['T3'] }),
      contact(2, { name: 'Second', fbId: 'fb2', note: 'second', tags: ['T2', 'T3'] }),
      survivor,
    ]);

    expect(folded).toMatchObject({
      contactId: 'c-01',
      name: 'Third',
      fbId: 'fb2',
      igId: 'ig3',
      note: 'second',
    });
    expect(folded.tags).toEqual(['T3', 'T2']);
  });
});
