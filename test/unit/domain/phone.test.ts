import fc from 'fast-check';
import {
  getCountries,
  getExampleNumber,
  type PhoneNumber,
  parsePhoneNumberFromString,
} from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/mobile/examples';
import { describe, expect, it } from 'vitest';
import { isIssue } from '../../../shared/domain/channels.js';
import { WorkspaceSettingsError } from '../../../shared/domain/errors.js';
import type { Issue } from '../../../shared/domain/model.js';
import { regionShortcut } from '../../../shared/domain/normalise/numbering-plan.js';
import { createPhoneNormaliser } from '../../../shared/domain/normalise/phone.js';

describe('RULES §3 phone / mobile (E.164 or national format with the workspace region)', () => {
  it.each([
    ['0912345678', '+886912345678'],
    ['+886912345678', '+886912345678'],
    ['0912-345-678', '+886912345678'],
    ['0912 345 678', '+886912345678'],
    ['+886 912 345 678', '+886912345678'],
    ['(02) 2345-6789', '+886223456789'],
    ['+14155552671', '+14155552671'],
    ['+852 9123 4567', '+85291234567'],
    ['０９１２－３４５－６７８', '+886912345678'],
  ])('normalises %s to %s', (value, e164) => {
    // Prepare
    const warnings: Issue[] = [];

    // Act
    const result = createPhoneNormaliser('TW').national('phone', value, warnings);

    // Assess
    expect(result).toBe(e164);
    expect(warnings).toEqual([]);
  });

  it.each([
    ['0812345678', 'not a number Taiwan issues (min metadata would accept it)'],
    ['091234567', 'too short'],
    ['09123456789', 'too long'],
    ['0912345678 ext. 12', 'extension text'],
    ['call 0912345678', 'surrounding text'],
    ['+886123456789', 'invalid number'],
  ])('fails %s (%s) with INVALID_PHONE', (value) => {
    const result = createPhoneNormaliser('TW').national('phone', value, []);

    expect(isIssue(result) && result.code).toBe('INVALID_PHONE');
    expect(isIssue(result) && result.message).toContain('region TW');
  });

  it('suggests a + when the digits are a valid international number', () => {
    const result = createPhoneNormaliser('TW').national('phone', '14155552671', []);

    expect(isIssue(result) && result.message).toContain('put a + in front');
  });

  it('reads a national number with the workspace region', () => {
    expect(createPhoneNormaliser('US').national('mobile', '(415) 555-2671', [])).toBe('+14155552671');
  });

  it.each(['8.86912E+11', '8.86912e+11', '9.12346E+8', '1E+10', '8,86912E+11'])(
    'fails %s: a spreadsheet destroyed the digits',
    (value) => {
      const result = createPhoneNormaliser('TW').national('mobile', value, []);

      expect(isIssue(result) && result.code).toBe('EXCEL_NUMBER_DAMAGED');
    },
  );

  it.each([
    ['912345678', '+886912345678', 'TW'],
    ['912-345-678', '+886912345678', 'TW'],
    ['223456789', '+886223456789', 'TW'],
    ['7911123456', '+447911123456', 'GB'],
    // Indonesia writes its national format with a parenthesis first: (021) 8350123.
    ['218350123', '+62218350123', 'ID'],
    ['8123456789', '+628123456789', 'ID'],
  ])('recovers %s that lost its leading zero as %s with a warning', (value, e164, region) => {
    // Prepare
    const warnings: Issue[] = [];

    // Act
    const result = createPhoneNormaliser(region).national('mobile', value, warnings);

    // Assess
    expect(result).toBe(e164);
    expect(warnings.map((w) => w.code)).toEqual(['LEADING_ZERO_RECOVERED']);
    expect(warnings[0]?.message).toContain(e164);
  });

  it('does not warn for a region whose national numbers have no leading zero', () => {
    const warnings: Issue[] = [];

    expect(createPhoneNormaliser('US').national('phone', '4155552671', warnings)).toBe('+14155552671');
    expect(warnings).toEqual([]);
  });

  it('fails digits that lost a zero when they are also a valid international number (ambiguous)', () => {
    // Prepare: 431840819 is Taichung 04-3184-0819 without its 0, and also Austria +43 1840819.
    const warnings: Issue[] = [];

    // Act
    const result = createPhoneNormaliser('TW').national('mobile', '431840819', warnings);

    // Assess
    expect(isIssue(result) && result.code).toBe('INVALID_PHONE');
    expect(warnings).toEqual([]);
  });

  it('fails Indonesian digits that lost a zero when they also read as +62 and a number (ambiguous), never a silent landline', () => {
    // Prepare: 62812345678 is (0628) 12345678 without its 0, and also +62 812-345-678 without its +.
    const warnings: Issue[] = [];

    // Act
    const result = createPhoneNormaliser('ID').national('mobile', '62812345678', warnings);

    // Assess
    expect(isIssue(result) && result.code).toBe('INVALID_PHONE');
    expect(warnings).toEqual([]);
  });

  it('parses a repeated value once and still warns on every row', () => {
    // Prepare
    const phones = createPhoneNormaliser('TW', 1);
    const first: Issue[] = [];
    const second: Issue[] = [];

    // Act
    phones.national('phone', '912345678', first);
    phones.national('phone', '922333444', []); // also recovered: parsed, cached, and the full cache cleared
    const again = phones.national('phone', '912345678', second);

    // Assess
    expect(again).toBe('+886912345678');
    expect(second.map((w) => w.code)).toEqual(['LEADING_ZERO_RECOVERED']);
  });

  it('refuses a region that does not exist', () => {
    expect(() => createPhoneNormaliser('XX')).toThrow(WorkspaceSettingsError);
    expect(() => createPhoneNormaliser('XX')).toThrow('"XX"');
  });
});

describe('RULES §3 WhatsApp_mobile (strict E.164 with +)', () => {
  it.each([
    ['+886912345678', '+886912345678'],
    ['+14155552671', '+14155552671'],
    ['＋８８６９１２３４５６７８', '+886912345678'],
  ])('accepts %s as %s', (value, e164) => {
    expect(createPhoneNormaliser('TW').strict('WhatsApp_mobile', value)).toBe(e164);
  });

  it.each([
    ['0912345678', 'national format'],
    ['+886 912 345 678', 'spaces'],
    ['+8860912345678', 'national prefix after the country code'],
    ['+886123456789', 'not a valid number'],
    ['abc', 'text'],
  ])('fails %s (%s)', (value) => {
    const result = createPhoneNormaliser('TW').strict('WhatsApp_mobile', value);

    expect(isIssue(result) && result.code).toBe('INVALID_PHONE');
    expect(isIssue(result) && result.message).toContain('E.164');
  });

  it('says the + is missing when the digits are a valid international number', () => {
    const result = createPhoneNormaliser('TW').strict('WhatsApp_mobile', '886912345678');

    expect(isIssue(result) && result.message).toContain('the leading + is missing');
  });

  it('fails a number a spreadsheet damaged', () => {
    const result = createPhoneNormaliser('TW').strict('WhatsApp_mobile', '8.86912E+11');

    expect(isIssue(result) && result.code).toBe('EXCEL_NUMBER_DAMAGED');
  });

  it('parses a repeated value once', () => {
    const phones = createPhoneNormaliser('TW');

    expect(phones.strict('WhatsApp_mobile', '+886912345678')).toBe(
      phones.strict('WhatsApp_mobile', '+886912345678'),
    );
  });
});

describe('Function: regionShortcut (agrees with libphonenumber-js)', () => {
  /** Every region with a shortcut and an example number. */
  const REGIONS = getCountries().filter(
    (region) => regionShortcut(region) && getExampleNumber(region, examples),
  );

  it('reads the common ways of writing a Taiwanese number', () => {
    const shortcut = regionShortcut('TW');

    expect(
      ['0912345678', '0912-345-678', '0912 345 678', '+886912345678', '+886 912 345 678'].map((v) =>
        shortcut?.e164(v),
      ),
    ).toEqual(Array(5).fill('+886912345678'));
    expect(shortcut?.e164('(02) 2345-6789')).toBeUndefined();
  });

  it('leaves digits that dial out of the country to the full parse (Israel: 019 is an international prefix)', () => {
    expect(regionShortcut('IL')?.e164('01997169033')).toBeUndefined();
  });

  it('leaves regions with carrier codes or transform rules to the full parse', () => {
    expect(regionShortcut('GB')).toBeUndefined();
    expect(regionShortcut('AR')).toBeUndefined();
    expect(REGIONS.length).toBeGreaterThan(150);
  });

  it('gives only what the full parse gives, for numbers of every region written many ways', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...REGIONS),
        fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 6 }),
        fc.integer({ min: -1, max: 1 }),
        fc.constantFrom('', '0', '00', '01', '1', '8', '+', '+ '),
        fc.boolean(),
        (region, tail, lengthChange, lead, hyphenated) => {
          // Prepare: a real example number of the region with a changed tail and length, written with a
          // national prefix, an international dialling prefix, or a country calling code.
          const example = getExampleNumber(region, examples) as PhoneNumber;
          const digits = example.nationalNumber;
          const changed = `${digits.slice(0, Math.max(1, digits.length - tail.length))}${tail.join('')}`;
          const national = changed.slice(0, digits.length + lengthChange);
          const body = hyphenated ? `${national.slice(0, 3)}-${national.slice(3)}` : national;
          const text = lead.startsWith('+')
            ? `+${example.countryCallingCode}${lead.slice(1)}${body}`
            : `${lead}${body}`;

          // Act
          const quick = regionShortcut(region)?.e164(text);

          // Assess
          if (quick !== undefined) {
            const full = parsePhoneNumberFromString(text, { defaultCountry: region, extract: false });
            expect(full?.isValid()).toBe(true);
            expect(full?.number).toBe(quick);
          }
        },
      ),
      { numRuns: 5000 },
    );
  }, 60_000);
});
