import { describe, expect, it } from 'vitest';
import {
  addsWhatsappRisk,
  mostRestrictiveEdm,
  mostRestrictiveWhatsapp,
  needsWhatsappRiskAcceptance,
} from '../../../shared/domain/status.js';
import { contact } from '../../helpers/domain/factories.js';

describe('RULES §6 channel statuses keep the most restrictive value', () => {
  it.each([
    [['subscribed'], 'subscribed'],
    [['subscribed', 'unsubscribed'], 'unsubscribed'],
    [['hard_bounce', 'unsubscribed'], 'hard_bounce'],
    [['spam_report', 'hard_bounce', 'subscribed'], 'spam_report'],
  ] as const)('picks from EDM statuses %o the status %s', (statuses, expected) => {
    expect(mostRestrictiveEdm(statuses)).toBe(expected);
  });

  it.each([
    [['opted_in'], 'opted_in'],
    [['opted_in', 'not_subscribed'], 'not_subscribed'],
    [['opted_out', 'not_subscribed', 'opted_in'], 'opted_out'],
  ] as const)('picks from WhatsApp statuses %o the status %s', (statuses, expected) => {
    expect(mostRestrictiveWhatsapp(statuses)).toBe(expected);
  });
});

describe('RULES §5 WhatsApp risk acceptance', () => {
  it.each([
    ['not_subscribed', true],
    ['opted_out', true],
    ['opted_in', false],
  ] as const)('flags a WhatsApp contact that is %s: %s', (status, expected) => {
    expect(needsWhatsappRiskAcceptance(contact(1, { whatsapp: { mobile: '+886912345678', status } }))).toBe(
      expected,
    );
  });

  it('does not flag a contact without WhatsApp or a tombstone', () => {
    expect(needsWhatsappRiskAcceptance(contact(1))).toBe(false);
    expect(
      needsWhatsappRiskAcceptance(
        contact(1, { mergedInto: 'c-02', whatsapp: { mobile: '+886912345678', status: 'opted_out' } }),
      ),
    ).toBe(false);
  });
});

describe('RULES §8 an import that adds non-subscribed WhatsApp contacts raises the gate again', () => {
  const wa = (status: 'opted_in' | 'not_subscribed' | 'opted_out') =>
    contact(1, { whatsapp: { mobile: '+886912345678', status } });

  it.each([
    ['a new not_subscribed contact', wa('not_subscribed'), undefined, true],
    ['an opted_in contact that opted out', wa('opted_out'), wa('opted_in'), true],
    ['a LINE contact that gains an opted_out WhatsApp', wa('opted_out'), contact(1), true],
    [
      'a not_subscribed contact rewritten (a name changed)',
      wa('not_subscribed'),
      wa('not_subscribed'),
      false,
    ],
    ['a not_subscribed contact that opts out', wa('opted_out'), wa('not_subscribed'), false],
    ['a new opted_in contact', wa('opted_in'), undefined, false],
  ] as const)('%s: %s', (_what, written, previous, expected) => {
    expect(addsWhatsappRisk(written, previous)).toBe(expected);
  });
});
