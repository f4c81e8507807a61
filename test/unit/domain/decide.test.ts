import { describe, expect, it } from 'vitest';
import { type Candidates, decide, type Plan } from '../../../shared/domain/decide.js';
import type { Channel, Contact, EdmStatus, Identity, RowInput } from '../../../shared/domain/model.js';
import { candidates, contact, context, IMPORT_ID, lineUid, row } from '../../helpers/domain/factories.js';

const PHONE = '+886912345678';
const OTHER_PHONE = '+886922333444';

function updated(plan: Plan) {
  if (plan.outcome !== 'updated' && plan.outcome !== 'created')
    throw new Error(`expected a write, got ${plan.outcome}`);
  return plan;
}
const codes = (plan: Plan) => plan.warnings.map((w) => w.code);
const entry = (identity: Identity, contacts: Contact[]) => ({ identity, contacts });
const EDM_ADDRESS = 'a@example.com';
/** An EDM contact: its EDM address is its email. */
const edmContact = (id: number, status: EdmStatus, overrides: Partial<Contact> = {}) =>
  contact(id, { email: EDM_ADDRESS, edm: { email: EDM_ADDRESS, status }, ...overrides });
/** An EDM row keyed by its address. */
const edmRow = (status: EdmStatus, overrides: Partial<RowInput> = {}) =>
  row({ key: { name: 'email', value: EDM_ADDRESS }, edm: { email: EDM_ADDRESS, status }, ...overrides });
/** Decides a row in a channel, given the key's holders and the other identities' holders. */
const run = (
  input: RowInput,
  channel: Channel,
  byKey: Contact[],
  byIdentity: Candidates['byIdentity'] = [],
) => decide(input, candidates(byKey, byIdentity), context(channel));

describe('RULES §4 Key Value: the key matches one contact', () => {
  it.each([
    [
      'line',
      row({
        key: { name: 'line_uid', value: lineUid(1) },
        line: { uid: lineUid(1) },
        profile: { name: '王小明' },
      }),
    ],
    [
      'edm',
      row({
        key: { name: 'email', value: 'a@example.com' },
        edm: { email: 'a@example.com', status: 'subscribed' },
        profile: { name: '王小明' },
      }),
    ],
    [
      'whatsapp',
      row({
        key: { name: 'phone', value: PHONE },
        whatsapp: { mobile: PHONE, status: 'opted_in' },
        profile: { name: '王小明' },
      }),
    ],
  ] as const)('updates it with the filled cells only (%s)', (channel, input) => {
    // Prepare
    const stored = contact(1, {
      name: '舊名',
      note: 'keep me',
      line: { uid: lineUid(1) },
      email: 'a@example.com',
      edm: { email: 'a@example.com', status: 'subscribed' },
      phone: PHONE,
      whatsapp: { mobile: PHONE, status: 'opted_in' },
    });

    // Act
    const plan = updated(decide(input, candidates([stored]), context(channel)));

    // Assess
    expect(plan.outcome).toBe('updated');
    expect(plan.contact).toEqual({ ...stored, name: '王小明' });
    expect(plan.previous).toBe(stored);
    expect(plan.merged).toEqual([]);
    expect(plan.warnings).toEqual([]);
  });

  it('keeps the version as read (the store increments it)', () => {
    const stored = contact(1, { version: 7 });

    const plan = updated(
      run(row({ key: { name: 'customer_id', value: 'C1' }, profile: { name: 'A' } }), 'line', [stored]),
    );

    expect(plan.contact.version).toBe(7);
  });

  it('reports unchanged when the contact already holds every filled cell', () => {
    // Prepare
    const stored = contact(1, { name: 'A', tags: ['VIP', '台北'], customerId: 'C1', custom: { points: 3 } });
    const input = row({
      key: { name: 'customer_id', value: 'C1' },
      profile: { name: 'A', customerId: 'C1' },
      tags: ['台北'],
      custom: { points: 3 },
    });

    // Act
    const plan = run(input, 'line', [stored]);

    // Assess
    expect(plan).toEqual({ outcome: 'unchanged', contactId: 'c-01', warnings: [] });
  });

  it('lets other identifier columns fill in, never choose the contact', () => {
    // Prepare: the key (customer_id) selects c-02; the row's line_uid column is nobody's yet.
    const keyContact = contact(2, { customerId: 'C2' });
    const input = row({ key: { name: 'customer_id', value: 'C2' }, line: { uid: lineUid(9) } });

    // Act
    const plan = updated(
      run(input, 'line', [keyContact], [entry({ type: 'line_uid', value: lineUid(9) }, [])]),
    );

    // Assess
    expect(plan.contact.contactId).toBe('c-02');
    expect(plan.contact.line).toEqual({ uid: lineUid(9) });
  });
});

describe('RULES §4 Key Value: the key matches several contacts', () => {
  it.each([
    ['line', row({ key: { name: 'phone', value: PHONE }, profile: { phone: PHONE, name: 'B' } })],
    [
      'edm',
      row({
        key: { name: 'customer_id', value: 'C1' },
        edm: { email: 'x@example.com', status: 'subscribed' },
      }),
    ],
    ['whatsapp', row({ key: { name: 'customer_id', value: 'C1' }, profile: { name: 'B' } })],
  ] as const)('updates the one created latest and names how many matched (%s)', (channel, input) => {
    // Prepare
    const older = contact(1, { phone: PHONE, customerId: 'C1' });
    const latest = contact(3, { phone: PHONE, customerId: 'C1' });
    const middle = contact(2, { phone: PHONE, customerId: 'C1' });

    // Act
    const plan = updated(decide(input, candidates([older, latest, middle]), context(channel)));

    // Assess
    expect(plan.contact.contactId).toBe('c-03');
    expect(plan.merged).toEqual([]);
    expect(codes(plan)).toEqual(['KEY_MATCHED_SEVERAL']);
    expect(plan.warnings[0]?.message).toContain('3 contacts');
    expect(plan.warnings[0]?.message).toContain('the one created latest was updated');
    expect(plan.warnings[0]?.message).not.toContain('c-0');
  });

  it('breaks a tie in creation time by the greater contact id', () => {
    const a = contact(1, { contactId: 'c-a', phone: PHONE });
    const b = contact(1, { contactId: 'c-b', phone: PHONE });

    const plan = updated(
      run(row({ key: { name: 'phone', value: PHONE }, profile: { name: 'N' } }), 'line', [b, a]),
    );

    expect(plan.contact.contactId).toBe('c-b');
  });

  it('counts a contact listed twice once', () => {
    const only = contact(1, { phone: PHONE });

    const plan = updated(
      run(row({ key: { name: 'phone', value: PHONE }, profile: { name: 'N' } }), 'line', [only, only]),
    );

    expect(codes(plan)).toEqual([]);
  });

  it('updates the holder of the WhatsApp number the key names, even when another holder of the phone was created later (decision)', () => {
    // Prepare: a family shares a phone; the parent (older) holds the WhatsApp channel.
    const parent = contact(1, { phone: PHONE, whatsapp: { mobile: PHONE, status: 'opted_in' } });
    const child = contact(2, { phone: PHONE });
    const input = row({
      key: { name: 'phone', value: PHONE },
      whatsapp: { mobile: PHONE, status: 'opted_out' },
    });

    // Act
    const plan = updated(
      run(input, 'whatsapp', [parent, child], [entry({ type: 'whatsapp', value: PHONE }, [parent])]),
    );

    // Assess
    expect(plan.contact.contactId).toBe('c-01');
    expect(plan.contact.whatsapp).toEqual({ mobile: PHONE, status: 'opted_out' });
    expect(codes(plan)).toEqual([]);
  });

  it.each([
    [
      'line',
      row({ key: { name: 'phone', value: PHONE }, line: { uid: lineUid(1) } }),
      { line: { uid: lineUid(1) } },
      { type: 'line_uid' as const, value: lineUid(1) },
    ],
    [
      'edm',
      row({ key: { name: 'phone', value: PHONE }, edm: { email: 'a@example.com', status: 'subscribed' } }),
      { email: 'a@example.com', edm: { email: 'a@example.com', status: 'subscribed' as const } },
      { type: 'email' as const, value: 'a@example.com' },
    ],
  ] as const)(
    'updates the one created latest even when an older one holds the row’s %s key (the key decides)',
    (channel, input, holds, identity) => {
      // Prepare
      const holder = contact(1, { phone: PHONE, ...holds });
      const later = contact(2, { phone: PHONE });

      // Act
      const plan = decide(input, candidates([holder, later], [entry(identity, [holder])]), context(channel));

      // Assess
      expect(plan.outcome === 'unchanged' && plan.contactId).toBe('c-02');
      expect(codes(plan)).toEqual(['KEY_MATCHED_SEVERAL', 'CHANNEL_KEY_IGNORED']);
    },
  );
});

describe('RULES §4 Key Value: the key matches none', () => {
  it.each([
    [
      'line',
      row({
        rowNumber: 12,
        key: { name: 'line_uid', value: lineUid(1) },
        line: { uid: lineUid(1) },
        tags: ['VIP'],
      }),
    ],
    [
      'edm',
      row({
        rowNumber: 12,
        key: { name: 'email', value: 'a@example.com' },
        edm: { email: 'a@example.com', status: 'subscribed' },
      }),
    ],
    [
      'whatsapp',
      row({
        rowNumber: 12,
        key: { name: 'phone', value: PHONE },
        whatsapp: { mobile: PHONE, status: 'not_subscribed' },
      }),
    ],
    [
      'line',
      row({
        rowNumber: 12,
        key: { name: 'email', value: 'a@example.com' },
        profile: { email: 'a@example.com' },
      }),
    ],
  ] as const)('creates a contact (%s)', (channel, input) => {
    // Act
    const plan = updated(decide(input, candidates([]), context(channel, { newContactId: 'c-new' })));

    // Assess
    expect(plan.outcome).toBe('created');
    expect(plan.previous).toBeUndefined();
    expect(plan.merged).toEqual([]);
    expect(plan.contact).toMatchObject({
      workspace: 'acme',
      contactId: 'c-new',
      createdAt: '2024-06-01T04:00:00.000Z',
      createdBy: `${IMPORT_ID}#12`,
      version: 0,
    });
  });

  it('creates a contact with exactly the row’s values, the channel invariants applied', () => {
    // Prepare
    const input = row({
      key: { name: 'phone', value: PHONE },
      whatsapp: { mobile: PHONE, status: 'opted_in' },
      profile: { name: '王小明', email: 'a@example.com' },
      tags: ['VIP'],
    });

    // Act
    const plan = updated(run(input, 'whatsapp', []));

    // Assess
    expect(plan.contact).toEqual({
      workspace: 'acme',
      contactId: 'c-new',
      createdAt: '2024-06-01T04:00:00.000Z',
      createdBy: `${IMPORT_ID}#2`,
      version: 0,
      name: '王小明',
      email: 'a@example.com',
      phone: PHONE,
      whatsapp: { mobile: PHONE, status: 'opted_in' },
      tags: ['VIP'],
      custom: {},
    });
  });

  it.each(['line', 'edm', 'whatsapp'] as const)(
    'fails the row when the key is customer_id (%s)',
    (channel) => {
      // Prepare: another identifier would find a contact, but customer_id never creates nor unifies.
      const byEmail = contact(1, { email: 'a@example.com' });
      const input = row({
        key: { name: 'customer_id', value: 'C404' },
        profile: { customerId: 'C404', email: 'a@example.com' },
      });

      // Act
      const plan = decide(
        input,
        candidates([], [entry({ type: 'email', value: 'a@example.com' }, [byEmail])]),
        context(channel),
      );

      // Assess
      expect(plan.outcome).toBe('failed');
      expect(plan.outcome === 'failed' && plan.error.code).toBe('CUSTOMER_ID_NOT_FOUND');
      expect(plan.outcome === 'failed' && plan.error.message).toContain('"C404"');
    },
  );

  it('carries the row’s validation warnings into the plan', () => {
    const recovered = { code: 'LEADING_ZERO_RECOVERED', message: 'm' };

    const plan = run(
      row({ key: { name: 'phone', value: PHONE }, profile: { phone: PHONE }, warnings: [recovered] }),
      'line',
      [],
    );

    expect(plan.warnings).toEqual([recovered]);
  });
});

describe('RULES §4 Key Value: a channel primary key in the row differs from the contact’s', () => {
  it.each([
    [
      'line',
      row({ key: { name: 'customer_id', value: 'C1' }, line: { uid: lineUid(2) }, profile: { name: 'New' } }),
      'line_uid',
    ],
    [
      'edm',
      row({
        key: { name: 'customer_id', value: 'C1' },
        edm: { email: 'new@example.com', status: 'unsubscribed', consentSource: 'x' },
        profile: { name: 'New' },
      }),
      'email',
    ],
    [
      'whatsapp',
      row({
        key: { name: 'customer_id', value: 'C1' },
        whatsapp: { mobile: OTHER_PHONE, status: 'opted_out' },
        profile: { name: 'New' },
      }),
      'WhatsApp_mobile',
    ],
  ] as const)('ignores that field, applies the rest, and warns (%s)', (channel, input, column) => {
    // Prepare
    const stored = contact(1, {
      customerId: 'C1',
      line: { uid: lineUid(1) },
      email: 'old@example.com',
      edm: { email: 'old@example.com', status: 'subscribed' },
      phone: PHONE,
      whatsapp: { mobile: PHONE, status: 'opted_in' },
    });

    // Act
    const plan = updated(decide(input, candidates([stored]), context(channel)));

    // Assess
    expect(plan.contact).toEqual({ ...stored, name: 'New' });
    expect(codes(plan)).toEqual(['CHANNEL_KEY_IGNORED']);
    expect(plan.warnings[0]?.message).toContain(`column "${column}"`);
    expect(plan.warnings[0]?.message).toContain('never changes');
  });

  it('attaches a channel primary key the contact does not have yet', () => {
    const stored = contact(1, { customerId: 'C1', email: 'old@example.com' });
    const input = row({
      key: { name: 'customer_id', value: 'C1' },
      edm: { email: 'new@example.com', status: 'subscribed' },
    });

    const plan = updated(run(input, 'edm', [stored]));

    expect(plan.contact.edm).toEqual({ email: 'new@example.com', status: 'subscribed' });
    expect(plan.contact.email).toBe('new@example.com');
  });

  it('does not attach a WhatsApp number that differs from the contact’s SMS phone', () => {
    const stored = contact(1, { customerId: 'C1', phone: PHONE, sms: { phone: PHONE } });
    const input = row({
      key: { name: 'customer_id', value: 'C1' },
      whatsapp: { mobile: OTHER_PHONE, status: 'opted_in' },
      profile: { name: 'N' },
    });

    const plan = updated(run(input, 'whatsapp', [stored]));

    expect(plan.contact).toEqual({ ...stored, name: 'N' });
    expect(plan.warnings[0]?.message).toContain('locked by its SMS channel');
  });

  it('attaches a WhatsApp number equal to the contact’s SMS phone', () => {
    const stored = contact(1, { customerId: 'C1', phone: PHONE, sms: { phone: PHONE } });
    const input = row({
      key: { name: 'customer_id', value: 'C1' },
      whatsapp: { mobile: PHONE, status: 'opted_in' },
    });

    const plan = updated(run(input, 'whatsapp', [stored]));

    expect(plan.contact.whatsapp).toEqual({ mobile: PHONE, status: 'opted_in' });
  });
});

describe('RULES §3 Blank cells never overwrite; tags merge', () => {
  it('keeps every stored value the row leaves blank', () => {
    // Prepare
    const stored = contact(1, {
      name: 'A',
      note: 'n',
      gender: 'female',
      birthday: '1990-01-01',
      customerId: 'C1',
      email: 'a@example.com',
      phone: PHONE,
      custom: { points: 1 },
      tags: ['VIP'],
    });

    // Act
    const plan = run(row({ key: { name: 'customer_id', value: 'C1' } }), 'line', [stored]);

    // Assess
    expect(plan).toEqual({ outcome: 'unchanged', contactId: 'c-01', warnings: [] });
  });

  it('overwrites every filled profile cell', () => {
    // Prepare
    const stored = contact(1, {
      name: 'A',
      note: 'n',
      gender: 'female',
      birthday: '1990-01-01',
      customerId: 'C1',
      email: 'a@x.com',
      phone: PHONE,
      custom: { points: 1 },
    });
    const input = row({
      key: { name: 'customer_id', value: 'C1' },
      profile: {
        name: 'B',
        note: 'm',
        gender: 'male',
        birthday: '1991-02-02',
        customerId: 'C9',
        email: 'b@x.com',
        phone: OTHER_PHONE,
      },
      custom: { points: 2, level: 'gold' },
    });

    // Act
    const plan = updated(run(input, 'line', [stored]));

    // Assess
    expect(plan.contact).toEqual({
      ...stored,
      name: 'B',
      note: 'm',
      gender: 'male',
      birthday: '1991-02-02',
      customerId: 'C9',
      email: 'b@x.com',
      phone: OTHER_PHONE,
      custom: { points: 2, level: 'gold' },
    });
  });

  it('merges tags into the stored ones, keeping their order and never removing any', () => {
    const stored = contact(1, { customerId: 'C1', tags: ['VIP', '台北'] });

    const plan = updated(
      run(row({ key: { name: 'customer_id', value: 'C1' }, tags: ['新客', 'VIP'] }), 'line', [stored]),
    );

    expect(plan.contact.tags).toEqual(['VIP', '台北', '新客']);
    expect(stored.tags).toEqual(['VIP', '台北']);
  });
});

describe('RULES §3 Locked email and phone', () => {
  it('does not change the email of a contact with the EDM channel', () => {
    const stored = contact(1, {
      customerId: 'C1',
      email: 'a@example.com',
      edm: { email: 'a@example.com', status: 'subscribed' },
    });

    const plan = run(
      row({ key: { name: 'customer_id', value: 'C1' }, profile: { email: 'b@example.com' } }),
      'line',
      [stored],
    );

    expect(plan.outcome).toBe('unchanged');
    expect(codes(plan)).toEqual(['EMAIL_LOCKED']);
  });

  it('accepts an email equal to the EDM address without a warning', () => {
    const stored = contact(1, {
      customerId: 'C1',
      email: 'a@example.com',
      edm: { email: 'a@example.com', status: 'subscribed' },
    });

    const plan = run(
      row({ key: { name: 'customer_id', value: 'C1' }, profile: { email: 'a@example.com' } }),
      'whatsapp',
      [stored],
    );

    expect(plan).toEqual({ outcome: 'unchanged', contactId: 'c-01', warnings: [] });
  });

  it.each([
    ['line', { whatsapp: { mobile: PHONE, status: 'opted_in' as const } }, 'phone', 'WhatsApp'],
    ['edm', { whatsapp: { mobile: PHONE, status: 'opted_in' as const } }, 'mobile', 'WhatsApp'],
    ['line', { sms: { phone: PHONE } }, 'phone', 'SMS'],
  ] as const)(
    'does not change the phone of a contact with a %s… channel lock (%s, %s)',
    (channel, lock, column, name) => {
      // Prepare
      const stored = contact(1, { customerId: 'C1', phone: PHONE, ...lock });

      // Act
      const plan = decide(
        row({ key: { name: 'customer_id', value: 'C1' }, profile: { phone: OTHER_PHONE } }),
        candidates([stored]),
        context(channel),
      );

      // Assess
      expect(plan.outcome).toBe('unchanged');
      expect(codes(plan)).toEqual(['PHONE_LOCKED']);
      expect(plan.warnings[0]?.message).toContain(`column "${column}"`);
      expect(plan.warnings[0]?.message).toContain(`${name} number`);
    },
  );

  it('accepts a phone equal to the locked number without a warning', () => {
    const stored = contact(1, { customerId: 'C1', phone: PHONE, sms: { phone: PHONE } });

    const plan = run(row({ key: { name: 'customer_id', value: 'C1' }, profile: { phone: PHONE } }), 'line', [
      stored,
    ]);

    expect(plan).toEqual({ outcome: 'unchanged', contactId: 'c-01', warnings: [] });
  });

  it('makes the WhatsApp number the phone when WhatsApp attaches', () => {
    const stored = contact(1, { customerId: 'C1', phone: OTHER_PHONE });

    const plan = updated(
      run(
        row({ key: { name: 'customer_id', value: 'C1' }, whatsapp: { mobile: PHONE, status: 'opted_in' } }),
        'whatsapp',
        [stored],
      ),
    );

    expect(plan.contact.phone).toBe(PHONE);
  });
});

describe('RULES §5 Status rules', () => {
  it.each(['unsubscribed', 'hard_bounce', 'spam_report'] as const)(
    'never moves an EDM contact from %s to subscribed; the rest applies, with a warning',
    (status) => {
      // Act
      const plan = updated(
        run(edmRow('subscribed', { profile: { name: 'New' } }), 'edm', [edmContact(1, status)]),
      );

      // Assess
      expect(plan.contact.edm?.status).toBe(status);
      expect(plan.contact.name).toBe('New');
      expect(codes(plan)).toEqual(['STATUS_IRREVERSIBLE']);
      expect(plan.warnings[0]?.message).toContain(`"${status}"`);
    },
  );

  it.each([
    ['subscribed', 'unsubscribed'],
    ['subscribed', 'hard_bounce'],
    ['subscribed', 'spam_report'],
    ['unsubscribed', 'hard_bounce'],
    ['hard_bounce', 'unsubscribed'],
    ['spam_report', 'unsubscribed'],
    ['unsubscribed', 'spam_report'],
  ] as const)('allows the EDM transition %s → %s', (from, to) => {
    const plan = updated(run(edmRow(to, { profile: { name: 'New' } }), 'edm', [edmContact(1, from)]));

    expect(plan.contact.edm?.status).toBe(to);
    expect(plan.warnings).toEqual([]);
  });

  it('updates the consent source and time of an EDM contact', () => {
    // Prepare
    const stored = contact(1, {
      email: 'a@example.com',
      edm: { email: 'a@example.com', status: 'subscribed', consentSource: 'Old' },
    });
    const input = row({
      key: { name: 'email', value: 'a@example.com' },
      edm: {
        email: 'a@example.com',
        status: 'subscribed',
        consentSource: 'Checkout',
        consentAt: '2024-05-01T14:30:00+08:00',
      },
    });

    // Act
    const plan = updated(run(input, 'edm', [stored]));

    // Assess
    expect(plan.contact.edm).toEqual({
      email: 'a@example.com',
      status: 'subscribed',
      consentSource: 'Checkout',
      consentAt: '2024-05-01T14:30:00+08:00',
    });
  });

  it('keeps the consent fields a row leaves blank', () => {
    const stored = contact(1, {
      email: 'a@example.com',
      edm: {
        email: 'a@example.com',
        status: 'subscribed',
        consentSource: 'Old',
        consentAt: '2024-01-01T00:00:00+08:00',
      },
    });
    const input = row({
      key: { name: 'email', value: 'a@example.com' },
      edm: { email: 'a@example.com', status: 'subscribed' },
    });

    expect(run(input, 'edm', [stored]).outcome).toBe('unchanged');
  });

  it.each([
    ['opted_in', 'opted_out'],
    ['opted_out', 'opted_in'],
    ['not_subscribed', 'opted_in'],
    ['opted_in', 'not_subscribed'],
  ] as const)('allows the WhatsApp transition %s → %s', (from, to) => {
    // Prepare
    const stored = contact(1, { phone: PHONE, whatsapp: { mobile: PHONE, status: from } });
    const input = row({ key: { name: 'phone', value: PHONE }, whatsapp: { mobile: PHONE, status: to } });

    // Act
    const plan = updated(run(input, 'whatsapp', [stored]));

    // Assess
    expect(plan.contact.whatsapp).toEqual({ mobile: PHONE, status: to });
  });

  it('reports unchanged when the WhatsApp status is already the row’s', () => {
    const stored = contact(1, { phone: PHONE, whatsapp: { mobile: PHONE, status: 'opted_in' } });
    const input = row({
      key: { name: 'phone', value: PHONE },
      whatsapp: { mobile: PHONE, status: 'opted_in' },
    });

    expect(run(input, 'whatsapp', [stored]).outcome).toBe('unchanged');
  });
});

describe('RULES §6 Profile unification', () => {
  it('updates the one contact the row’s other identifiers point to instead of creating, attaching the channel', () => {
    // Prepare: a LINE contact with this email; an EDM import keyed by email... via profile email identity.
    const lineContact = contact(1, { line: { uid: lineUid(1) }, customerId: 'C1' });
    const input = row({
      key: { name: 'email', value: 'a@example.com' },
      edm: { email: 'a@example.com', status: 'subscribed' },
      profile: { customerId: 'C1' },
    });

    // Act
    const plan = updated(run(input, 'edm', [], [entry({ type: 'customer_id', value: 'C1' }, [lineContact])]));

    // Assess
    expect(plan.outcome).toBe('updated');
    expect(plan.contact).toEqual({
      ...lineContact,
      email: 'a@example.com',
      edm: { email: 'a@example.com', status: 'subscribed' },
    });
    expect(plan.merged).toEqual([]);
  });

  it('merges two or more contacts into the earliest created', () => {
    // Prepare
    const first = contact(1, {
      name: 'First',
      tags: ['A'],
      custom: { points: 1 },
      line: { uid: lineUid(1) },
    });
    const second = contact(2, {
      email: 'a@example.com',
      note: 'from second',
      tags: ['B', 'A'],
      custom: { points: 2, level: 'gold' },
      edm: { email: 'a@example.com', status: 'unsubscribed' },
    });
    const third = contact(3, {
      customerId: 'C3',
      phone: PHONE,
      whatsapp: { mobile: PHONE, status: 'opted_out' },
      tags: ['C'],
    });
    const input = row({
      key: { name: 'email', value: 'a@example.com' },
      line: { uid: lineUid(1) },
      profile: { customerId: 'C3', name: 'Row wins', email: 'a@example.com' },
      tags: ['D'],
    });

    // Act
    const plan = updated(
      run(
        input,
        'line',
        [second],
        [
          entry({ type: 'line_uid', value: lineUid(1) }, [first]),
          entry({ type: 'customer_id', value: 'C3' }, [third]),
        ],
      ),
    );

    // Assess
    expect(plan.outcome).toBe('updated');
    expect(plan.previous).toBe(first);
    // The row's cells win, then the key's contact (second), then the others latest created first.
    expect(plan.contact).toEqual({
      ...first,
      name: 'Row wins',
      email: 'a@example.com',
      note: 'from second',
      customerId: 'C3',
      phone: PHONE,
      tags: ['B', 'A', 'C', 'D'],
      custom: { points: 2, level: 'gold' },
      line: { uid: lineUid(1) },
      edm: { email: 'a@example.com', status: 'unsubscribed' },
      whatsapp: { mobile: PHONE, status: 'opted_out' },
    });
    expect(plan.merged).toEqual([
      {
        contact: {
          workspace: 'acme',
          contactId: 'c-02',
          createdAt: second.createdAt,
          createdBy: second.createdBy,
          version: 1,
          tags: [],
          custom: {},
          mergedInto: 'c-01',
        },
        previous: second,
      },
      {
        contact: {
          workspace: 'acme',
          contactId: 'c-03',
          createdAt: third.createdAt,
          createdBy: third.createdBy,
          version: 1,
          tags: [],
          custom: {},
          mergedInto: 'c-01',
        },
        previous: third,
      },
    ]);
    expect(codes(plan)).toEqual(['CONTACTS_MERGED']);
    expect(plan.warnings[0]?.message).toContain(
      `3 contacts found through line_uid "${lineUid(1)}", customer_id "C3" were merged into one`,
    );
    expect(plan.warnings[0]?.message).not.toContain('c-0');
  });

  it('keeps EDM irreversibility across a merge', () => {
    // Prepare
    const first = contact(1, { customerId: 'C1' });
    const second = edmContact(2, 'hard_bounce');
    const input = edmRow('subscribed', { profile: { customerId: 'C1' } });

    // Act
    const plan = updated(run(input, 'edm', [second], [entry({ type: 'customer_id', value: 'C1' }, [first])]));

    // Assess
    expect(plan.contact.contactId).toBe('c-01');
    expect(plan.contact.edm?.status).toBe('hard_bounce');
    expect(codes(plan)).toEqual(['STATUS_IRREVERSIBLE', 'CONTACTS_MERGED']);
  });

  it.each([
    ['line_uid', { line: { uid: lineUid(1) } }, { line: { uid: lineUid(2) } }],
    [
      'WhatsApp_mobile',
      { whatsapp: { mobile: PHONE, status: 'opted_in' as const } },
      { whatsapp: { mobile: OTHER_PHONE, status: 'opted_in' as const } },
    ],
    [
      'EDM email',
      { edm: { email: 'a@x.com', status: 'subscribed' as const } },
      { edm: { email: 'b@x.com', status: 'subscribed' as const } },
    ],
    ['SMS phone', { sms: { phone: PHONE } }, { sms: { phone: OTHER_PHONE } }],
  ])(
    'never merges contacts holding different %s values: the row applies to the key’s contact only',
    (field, a, b) => {
      // Prepare
      const keyContact = contact(2, { customerId: 'C1', ...a });
      const other = contact(1, { note: 'other', ...b });
      const input = row({
        key: { name: 'customer_id', value: 'C1' },
        profile: { name: 'N', email: 'z@x.com' },
      });

      // Act
      const plan = updated(
        run(input, 'line', [keyContact], [entry({ type: 'email', value: 'z@x.com' }, [other])]),
      );

      // Assess
      expect(plan.contact.contactId).toBe('c-02');
      expect(plan.contact.name).toBe('N');
      expect(plan.merged).toEqual([]);
      expect(codes(plan)).toContain('MERGE_CONFLICT_CHANNEL_KEY');
      expect(plan.warnings.find((w) => w.code === 'MERGE_CONFLICT_CHANNEL_KEY')?.message).toContain(field);
    },
  );

  it('ignores a channel key another contact holds when the conflict keeps them apart', () => {
    // Prepare: the row's LINE UID belongs to c-01, which cannot merge with the key's contact.
    const keyContact = contact(2, {
      customerId: 'C1',
      whatsapp: { mobile: PHONE, status: 'opted_in' },
      phone: PHONE,
    });
    const holder = contact(1, {
      line: { uid: lineUid(1) },
      whatsapp: { mobile: OTHER_PHONE, status: 'opted_in' },
      phone: OTHER_PHONE,
    });
    const input = row({
      key: { name: 'customer_id', value: 'C1' },
      line: { uid: lineUid(1) },
      profile: { name: 'N' },
    });

    // Act
    const plan = updated(
      run(input, 'line', [keyContact], [entry({ type: 'line_uid', value: lineUid(1) }, [holder])]),
    );

    // Assess
    expect(plan.contact.line).toBeUndefined();
    expect(plan.contact.name).toBe('N');
    expect(codes(plan)).toEqual(['MERGE_CONFLICT_CHANNEL_KEY', 'CHANNEL_KEY_IGNORED']);
    expect(plan.warnings[1]?.message).toContain('another contact already holds it');
  });

  it.each([
    [
      'edm',
      row({ key: { name: 'customer_id', value: 'C1' }, edm: { email: 'a@x.com', status: 'subscribed' } }),
      { email: 'a@x.com', edm: { email: 'a@x.com', status: 'subscribed' as const } },
      { type: 'email' as const, value: 'a@x.com' },
      'email',
    ],
    [
      'whatsapp',
      row({ key: { name: 'customer_id', value: 'C1' }, whatsapp: { mobile: PHONE, status: 'opted_in' } }),
      { phone: PHONE, whatsapp: { mobile: PHONE, status: 'opted_in' as const } },
      { type: 'whatsapp' as const, value: PHONE },
      'WhatsApp_mobile',
    ],
  ] as const)(
    'does not attach a %s key held by a contact kept apart by a conflict',
    (channel, input, holds, identity, column) => {
      // Prepare
      const keyContact = contact(2, { customerId: 'C1', line: { uid: lineUid(2) } });
      const holder = contact(1, { line: { uid: lineUid(1) }, ...holds });

      // Act
      const plan = decide(input, candidates([keyContact], [entry(identity, [holder])]), context(channel));

      // Assess
      expect(plan.outcome).toBe('unchanged');
      expect(codes(plan)).toEqual(['MERGE_CONFLICT_CHANNEL_KEY', 'CHANNEL_KEY_IGNORED']);
      expect(plan.warnings[1]?.message).toContain(`column "${column}"`);
    },
  );

  it('creates a contact when no contact holds the key and the contacts found cannot be one', () => {
    // Prepare: both are compatible with the row, not with each other (two LINE UIDs).
    const a = contact(1, { customerId: 'C1', line: { uid: lineUid(1) } });
    const b = contact(2, { email: 'a@x.com', line: { uid: lineUid(2) } });
    const input = row({
      key: { name: 'phone', value: PHONE },
      profile: { phone: PHONE, customerId: 'C1', email: 'a@x.com' },
    });

    // Act
    const plan = updated(
      run(
        input,
        'line',
        [],
        [entry({ type: 'customer_id', value: 'C1' }, [a]), entry({ type: 'email', value: 'a@x.com' }, [b])],
      ),
    );

    // Assess
    expect(plan.outcome).toBe('created');
    expect(plan.contact).toMatchObject({ phone: PHONE, customerId: 'C1', email: 'a@x.com' });
    expect(codes(plan)).toEqual(['MERGE_CONFLICT_CHANNEL_KEY']);
    expect(plan.warnings[0]?.message).toContain(
      'customer_id "C1", email "a@x.com" also belong to other contacts',
    );
    expect(plan.warnings[0]?.message).toContain('the row created a new contact');
  });

  it('creates a contact when the only contact found holds another channel key (the family phone)', () => {
    // Prepare: Mom holds the phone and the EDM address mom@x; the row is Kid's.
    const mom = contact(1, {
      phone: PHONE,
      email: 'mom@x.com',
      edm: { email: 'mom@x.com', status: 'subscribed' },
    });
    const input = row({
      key: { name: 'email', value: 'kid@x.com' },
      edm: { email: 'kid@x.com', status: 'unsubscribed' },
      profile: { phone: PHONE, name: 'Kid' },
    });

    // Act
    const plan = updated(
      run(
        input,
        'edm',
        [],
        [entry({ type: 'email', value: 'kid@x.com' }, []), entry({ type: 'phone', value: PHONE }, [mom])],
      ),
    );

    // Assess
    expect(plan.outcome).toBe('created');
    expect(plan.contact).toMatchObject({
      name: 'Kid',
      phone: PHONE,
      email: 'kid@x.com',
      edm: { email: 'kid@x.com', status: 'unsubscribed' },
    });
    expect(plan.merged).toEqual([]);
    expect(codes(plan)).toEqual(['MERGE_CONFLICT_CHANNEL_KEY']);
  });

  it('does not merge the holders of a phone shared by several contacts, with a warning', () => {
    // Prepare
    const parent = contact(1, { phone: PHONE });
    const child = contact(2, { phone: PHONE });
    const input = row({
      key: { name: 'email', value: 'kid@x.com' },
      profile: { email: 'kid@x.com', phone: PHONE },
    });

    // Act
    const plan = updated(run(input, 'line', [], [entry({ type: 'phone', value: PHONE }, [parent, child])]));

    // Assess
    expect(plan.outcome).toBe('created');
    expect(plan.contact.phone).toBe(PHONE);
    expect(codes(plan)).toEqual(['SHARED_IDENTIFIER_NOT_MERGED']);
    expect(plan.warnings[0]?.message).toContain('shared by 2 contacts');
  });

  it('unifies through a phone only one contact holds', () => {
    const holder = contact(1, { phone: PHONE });
    const input = row({
      key: { name: 'email', value: 'a@x.com' },
      profile: { email: 'a@x.com', phone: PHONE },
    });

    const plan = updated(run(input, 'line', [], [entry({ type: 'phone', value: PHONE }, [holder])]));

    expect(plan.outcome).toBe('updated');
    expect(plan.contact).toEqual({ ...holder, email: 'a@x.com' });
  });

  it('never merges the contacts that share the key value with the chosen one', () => {
    // Prepare: c-01 and c-02 share the phone key; c-01 also holds the row's email.
    const older = contact(1, { phone: PHONE, email: 'a@x.com' });
    const latest = contact(2, { phone: PHONE });
    const input = row({ key: { name: 'phone', value: PHONE }, profile: { phone: PHONE, email: 'a@x.com' } });

    // Act
    const plan = updated(
      run(input, 'line', [older, latest], [entry({ type: 'email', value: 'a@x.com' }, [older])]),
    );

    // Assess
    expect(plan.contact.contactId).toBe('c-02');
    expect(plan.merged).toEqual([]);
  });

  it('merges nothing when several contacts share the key value', () => {
    // Prepare: the key (a shared phone) picks c-03; the row's customer_id points to c-01.
    const byCustomerId = contact(1, { customerId: 'C1' });
    const sharing = [contact(2, { phone: PHONE }), contact(3, { phone: PHONE })];
    const input = row({ key: { name: 'phone', value: PHONE }, profile: { phone: PHONE, customerId: 'C1' } });

    // Act
    const plan = updated(
      run(input, 'line', sharing, [entry({ type: 'customer_id', value: 'C1' }, [byCustomerId])]),
    );

    // Assess
    expect(plan.contact.contactId).toBe('c-03');
    expect(plan.merged).toEqual([]);
    expect(codes(plan)).toEqual(['KEY_MATCHED_SEVERAL']);
  });

  it.each([
    [
      'phone',
      row({ key: { name: 'phone', value: PHONE }, profile: { phone: PHONE, customerId: 'C1' } }),
      contact(2, { phone: PHONE }),
      { whatsapp: { mobile: OTHER_PHONE, status: 'opted_in' as const }, phone: OTHER_PHONE },
      'phone (locked by a WhatsApp channel)',
    ],
    [
      'email',
      row({ key: { name: 'email', value: 'a@x.com' }, profile: { email: 'a@x.com', customerId: 'C1' } }),
      contact(2, { email: 'a@x.com' }),
      { edm: { email: 'b@x.com', status: 'subscribed' as const }, email: 'b@x.com' },
      'EDM email',
    ],
  ])(
    'keeps apart a contact whose lock would replace the %s the key names',
    (_key, input, keyContact, lock, field) => {
      // Prepare
      const locked = contact(1, { customerId: 'C1', ...lock });

      // Act
      const plan = updated(
        run(input, 'line', [keyContact], [entry({ type: 'customer_id', value: 'C1' }, [locked])]),
      );

      // Assess
      expect(plan.contact.contactId).toBe('c-02');
      expect(plan.merged).toEqual([]);
      expect(plan.warnings[0]?.message).toContain(
        `customer_id "C1" also belongs to another contact with a different ${field}`,
      );
    },
  );

  it('names the column and value that found each contact kept apart, never a contact id', () => {
    // Prepare
    const keyContact = contact(3, { customerId: 'C1', line: { uid: lineUid(3) } });
    const a = contact(1, { email: 'a@x.com', line: { uid: lineUid(1) } });
    const b = contact(2, { phone: PHONE, line: { uid: lineUid(2) } });
    const input = row({
      key: { name: 'customer_id', value: 'C1' },
      profile: { email: 'a@x.com', phone: PHONE },
    });

    // Act
    const plan = updated(
      run(
        input,
        'line',
        [keyContact],
        [entry({ type: 'email', value: 'a@x.com' }, [a]), entry({ type: 'phone', value: PHONE }, [b])],
      ),
    );

    // Assess
    expect(plan.warnings[0]?.message).toContain(
      `email "a@x.com", phone "${PHONE}" also belong to other contacts with a different line_uid`,
    );
    expect(plan.warnings[0]?.message).not.toContain('c-0');
  });

  it('merges nothing through a value several contacts hold (a shared email)', () => {
    const keyContact = contact(3, { customerId: 'C1' });
    const a = contact(1, { email: 'a@x.com' });
    const b = contact(2, { email: 'a@x.com' });
    const input = row({ key: { name: 'customer_id', value: 'C1' }, profile: { email: 'a@x.com' } });

    const plan = updated(
      run(input, 'line', [keyContact], [entry({ type: 'email', value: 'a@x.com' }, [a, b])]),
    );

    expect(plan.merged).toEqual([]);
    expect(codes(plan)).toEqual(['SHARED_IDENTIFIER_NOT_MERGED']);
    expect(plan.warnings[0]?.message).toContain('"a@x.com" in column "email" is shared by 2 contacts');
  });

  it('merges several compatible contacts found when the key matched none, the latest created first', () => {
    // Prepare
    const older = contact(1, { customerId: 'C1', name: 'Older', note: 'kept' });
    const newer = contact(2, { email: 'a@x.com', name: 'Newer' });
    const input = row({
      key: { name: 'phone', value: PHONE },
      profile: { phone: PHONE, customerId: 'C1', email: 'a@x.com' },
    });

    // Act
    const plan = updated(
      run(
        input,
        'line',
        [],
        [
          entry({ type: 'customer_id', value: 'C1' }, [older]),
          entry({ type: 'email', value: 'a@x.com' }, [newer]),
        ],
      ),
    );

    // Assess
    expect(plan.outcome).toBe('updated');
    expect(plan.contact).toMatchObject({ contactId: 'c-01', name: 'Newer', note: 'kept', phone: PHONE });
    expect(plan.merged.map((m) => m.contact.mergedInto)).toEqual(['c-01']);
  });

  it('updates the contact holding the row’s channel key when the key matched none, merging the compatible ones', () => {
    const holder = contact(2, { line: { uid: lineUid(1) } });
    const other = contact(1, { customerId: 'C1', note: 'other' });
    const input = row({
      key: { name: 'phone', value: PHONE },
      line: { uid: lineUid(1) },
      profile: { phone: PHONE, customerId: 'C1' },
    });

    const plan = updated(
      run(
        input,
        'line',
        [],
        [
          entry({ type: 'line_uid', value: lineUid(1) }, [holder]),
          entry({ type: 'customer_id', value: 'C1' }, [other]),
        ],
      ),
    );

    expect(plan.outcome).toBe('updated');
    expect(plan.contact).toMatchObject({
      contactId: 'c-01',
      line: { uid: lineUid(1) },
      phone: PHONE,
      note: 'other',
    });
  });

  it('unifies nothing through a phone the contact cannot take (its WhatsApp number is another)', () => {
    // Prepare
    const keyContact = contact(2, {
      customerId: 'C1',
      phone: OTHER_PHONE,
      whatsapp: { mobile: OTHER_PHONE, status: 'opted_in' },
    });
    const phoneHolder = contact(1, { phone: PHONE });
    const input = row({ key: { name: 'customer_id', value: 'C1' }, profile: { phone: PHONE } });

    // Act
    const plan = run(input, 'line', [keyContact], [entry({ type: 'phone', value: PHONE }, [phoneHolder])]);

    // Assess
    expect(plan.outcome).toBe('unchanged');
    expect(codes(plan)).toEqual(['PHONE_LOCKED']);
  });

  it('unifies through a phone equal to the number the contact locks', () => {
    // Prepare
    const keyContact = contact(2, { customerId: 'C1', phone: PHONE, sms: { phone: PHONE } });
    const phoneHolder = contact(1, { phone: PHONE, name: 'Holder' });
    const input = row({
      key: { name: 'customer_id', value: 'C1' },
      whatsapp: { mobile: PHONE, status: 'opted_in' },
    });

    // Act
    const plan = updated(
      run(
        input,
        'whatsapp',
        [keyContact],
        [
          entry({ type: 'phone', value: PHONE }, [phoneHolder]),
          entry({ type: 'whatsapp', value: PHONE }, []),
        ],
      ),
    );

    // Assess
    expect(plan.contact.contactId).toBe('c-01');
    expect(plan.contact).toMatchObject({
      name: 'Holder',
      customerId: 'C1',
      sms: { phone: PHONE },
      whatsapp: { mobile: PHONE, status: 'opted_in' },
    });
  });

  it('creates when the row’s phone is held by nobody', () => {
    const input = row({
      key: { name: 'email', value: 'a@x.com' },
      profile: { email: 'a@x.com', phone: PHONE },
    });

    const plan = run(input, 'line', [], [entry({ type: 'phone', value: PHONE }, [])]);

    expect(plan.outcome).toBe('created');
  });

  it('updates the key’s contact alone when the other identifiers find it again', () => {
    const stored = edmContact(1, 'subscribed', { customerId: 'C1' });
    const input = edmRow('unsubscribed', { profile: { customerId: 'C1' } });

    const plan = updated(
      run(input, 'edm', [stored], [entry({ type: 'customer_id', value: 'C1' }, [stored])]),
    );

    expect(plan.merged).toEqual([]);
    expect(plan.contact.edm?.status).toBe('unsubscribed');
  });

  it('ignores an entry for the key’s own identity', () => {
    const stored = contact(1, { email: 'a@x.com' });
    const stranger = contact(2, { email: 'a@x.com' });
    const input = row({ key: { name: 'email', value: 'a@x.com' }, profile: { email: 'a@x.com' } });

    const plan = run(input, 'line', [stored], [entry({ type: 'email', value: 'a@x.com' }, [stranger])]);

    expect(plan).toEqual({ outcome: 'unchanged', contactId: 'c-01', warnings: [] });
  });
});
