import { describe, expect, it } from 'vitest';
import { identitiesOf, identityKey, keyIdentity, rowIdentities } from '../../../shared/domain/identities.js';
import { contact, lineUid, row } from '../../helpers/domain/factories.js';

const PHONE = '+886912345678';

describe('Function: identitiesOf', () => {
  it('lists every identity a contact holds, emails lower-cased', () => {
    // Prepare
    const stored = contact(1, {
      email: 'Jane@Example.com',
      phone: PHONE,
      customerId: 'C1',
      line: { uid: lineUid(1) },
      edm: { email: 'Jane@Example.com', status: 'subscribed' },
      whatsapp: { mobile: PHONE, status: 'opted_in' },
      sms: { phone: PHONE },
      fbId: 'fb1',
      igId: 'ig1',
    });

    // Act
    const identities = identitiesOf(stored);

    // Assess
    expect(identities).toEqual([
      { type: 'email', value: 'jane@example.com' },
      { type: 'phone', value: PHONE },
      { type: 'customer_id', value: 'C1' },
      { type: 'line_uid', value: lineUid(1) },
      { type: 'edm_email', value: 'jane@example.com' },
      { type: 'whatsapp', value: PHONE },
      { type: 'sms', value: PHONE },
      { type: 'fb_id', value: 'fb1' },
      { type: 'ig_id', value: 'ig1' },
    ]);
  });

  it('lists nothing for a contact without identifiers or a tombstone', () => {
    expect(identitiesOf(contact(1))).toEqual([]);
    expect(identitiesOf(contact(1, { email: 'a@x.com', mergedInto: 'c-02' }))).toEqual([]);
  });
});

describe('Function: rowIdentities', () => {
  it('lists the unifying identifiers of a WhatsApp row, its number as phone and as WhatsApp', () => {
    const input = row({
      key: { name: 'phone', value: PHONE },
      whatsapp: { mobile: PHONE, status: 'opted_in' },
      profile: { email: 'a@x.com', customerId: 'C1' },
    });

    expect(rowIdentities(input)).toEqual([
      { type: 'email', value: 'a@x.com' },
      { type: 'phone', value: PHONE },
      { type: 'customer_id', value: 'C1' },
      { type: 'whatsapp', value: PHONE },
    ]);
  });

  it('lists an EDM address as an email and a LINE UID once', () => {
    const input = row({
      key: { name: 'email', value: 'a@x.com' },
      edm: { email: 'a@x.com', status: 'subscribed' },
      line: { uid: lineUid(1) },
      profile: { email: 'a@x.com', phone: PHONE },
    });

    expect(rowIdentities(input)).toEqual([
      { type: 'email', value: 'a@x.com' },
      { type: 'phone', value: PHONE },
      { type: 'line_uid', value: lineUid(1) },
    ]);
  });
});

describe('Function: keyIdentity', () => {
  it.each([
    ['line_uid', lineUid(1)],
    ['phone', PHONE],
    ['email', 'a@x.com'],
    ['customer_id', 'C1'],
  ] as const)('resolves key %s through the identity of the same type', (name, value) => {
    expect(keyIdentity(row({ key: { name, value } }))).toEqual({ type: name, value });
  });
});

describe('Function: identityKey', () => {
  it('joins type and value', () => {
    expect(identityKey({ type: 'phone', value: PHONE })).toBe(`phone#${PHONE}`);
  });
});
