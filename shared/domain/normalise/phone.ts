/**
 * Phone numbers to E.164 (RULES §3). National formats are read with the workspace region; WhatsApp numbers
 * must already be E.164. Uses libphonenumber-js with the `max` metadata: `min` validates by length only and
 * accepts numbers Taiwan never issues (e.g. `0812345678`), `max` checks the numbering plan's patterns.
 */

import type { CountryCode } from 'libphonenumber-js/max';
import { isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { type CodedIssue, issue } from '../codes.js';
import { WorkspaceSettingsError } from '../errors.js';
import type { Issue } from '../model.js';
import { type RegionShortcut, regionShortcut } from './numbering-plan.js';

/** A spreadsheet's scientific notation, `8.86912E+11`: the digits after the mantissa are gone. */
export const EXCEL_SCIENTIFIC = /^[+-]?\d+(?:[.,]\d+)?E\+?\d+$/i;
/** What a written phone number may contain: digits and the usual separators, an optional leading `+`. */
const PHONE_CHARACTERS = /^\+?[\d\s\-().]+$/;
/** E.164: `+`, a country code not starting with 0, at most 15 digits. */
const E164 = /^\+[1-9]\d{1,14}$/;
const NON_DIGITS = /\D/g;
const NON_ASCII = /[^\x20-\x7e]/;

/** Full-width digits, `＋` and `－` (typed with a Chinese or Japanese input method) read as their ASCII forms. */
function ascii(value: string): string {
  return NON_ASCII.test(value) ? value.normalize('NFKC') : value;
}

type Parsed =
  | { readonly e164: string; readonly recovered: boolean }
  | { readonly failure: 'damaged' | 'invalid' | 'plus-lost' };

export interface PhoneNormaliser {
  /**
   * A phone in E.164 or in the region's national format. A national number that lost its leading zero is
   * recovered with a LEADING_ZERO_RECOVERED warning when nothing else could be meant.
   */
  national(column: string, value: string, warnings: Issue[]): string | CodedIssue;
  /** A phone that must already be E.164 with `+` (WhatsApp_mobile). */
  strict(column: string, value: string): string | CodedIssue;
}

/**
 * Default number of distinct values a normaliser remembers of those the full parse read (a file repeats
 * numbers; memory stays bounded).
 */
export const PHONE_CACHE_SIZE = 10_000;

/**
 * A phone normaliser for one import: the region is checked once, the region's own numbers written simply
 * (most of a file, and mostly all different) take the shortcut without touching the cache, and a value that
 * needs the full parse is parsed once — also when the splitter's component pass and the row validator both
 * read it, when they share the normaliser.
 *
 * @example
 * const phones = createPhoneNormaliser('TW');
 * phones.national('phone', '0912-345-678', []); // '+886912345678'
 * phones.strict('WhatsApp_mobile', '0912345678').code; // 'INVALID_PHONE'
 */
export function createPhoneNormaliser(region: string, cacheSize = PHONE_CACHE_SIZE): PhoneNormaliser {
  if (!isSupportedCountry(region)) {
    throw new WorkspaceSettingsError(`Region "${region}" is not a supported ISO 3166-1 alpha-2 phone region`);
  }
  const country = region as CountryCode;
  const shortcut = regionShortcut(country);
  const nationalCache = new Map<string, Parsed>();
  const strictCache = new Map<string, Parsed>();

  const remember = (cache: Map<string, Parsed>, value: string, parsed: Parsed): Parsed => {
    // Clearing a full cache costs ~0.5 µs; evicting the oldest key costs ~9 µs per insert in V8, whose
    // deleted Map slots stay in front of `keys().next()` until the table is rebuilt.
    if (cache.size >= cacheSize) cache.clear();
    cache.set(value, parsed);
    return parsed;
  };

  return {
    national(column, value, warnings) {
      const quick = shortcut?.e164(ascii(value));
      if (quick !== undefined) return quick;
      const parsed =
        nationalCache.get(value) ?? remember(nationalCache, value, parseNational(value, country));
      if ('failure' in parsed) return failure(parsed.failure, column, value, region);
      if (parsed.recovered) {
        warnings.push(issue('LEADING_ZERO_RECOVERED', { column, value, normalised: parsed.e164 }));
      }
      return parsed.e164;
    },
    strict(column, value) {
      // Strict: the shortcut's answer counts only when it is the value as written.
      if (shortcut?.e164(value) === value) return value;
      const parsed = strictCache.get(value) ?? remember(strictCache, value, parseStrict(value, shortcut));
      if ('failure' in parsed) return failure(parsed.failure, column, value);
      return parsed.e164;
    },
  };
}

function failure(kind: 'damaged' | 'invalid' | 'plus-lost', column: string, value: string, region?: string) {
  if (kind === 'damaged') return issue('EXCEL_NUMBER_DAMAGED', { column, value });
  const params = { column, value, plusLost: kind === 'plus-lost' };
  return issue('INVALID_PHONE', region === undefined ? params : { ...params, region });
}

function validE164(text: string, country?: CountryCode): string | undefined {
  const phone = parsePhoneNumberFromString(text, { defaultCountry: country, extract: false });
  return phone?.isValid() ? phone.number : undefined;
}

function parseNational(written: string, country: CountryCode): Parsed {
  const value = ascii(written);
  if (EXCEL_SCIENTIFIC.test(value)) return { failure: 'damaged' };
  if (!PHONE_CHARACTERS.test(value)) return { failure: 'invalid' };
  const international = value.startsWith('+');
  const digits = value.replace(NON_DIGITS, '');
  const phone = parsePhoneNumberFromString(value, { defaultCountry: country, extract: false });
  if (!phone?.isValid()) {
    return { failure: !international && validE164(`+${digits}`) ? 'plus-lost' : 'invalid' };
  }
  // The leading zero was lost when the digits are a complete national number that the region writes with
  // a 0 in front — in the digits of its national format, since some regions open it with a parenthesis
  // (Indonesia: `(021) 8350123`). Only unambiguous when the same digits are not also a valid international
  // number.
  const lostZero =
    !international &&
    !digits.startsWith('0') &&
    phone.nationalNumber === digits &&
    phone.formatNational().replace(NON_DIGITS, '').startsWith('0');
  if (lostZero && validE164(`+${digits}`)) return { failure: 'invalid' };
  return { e164: phone.number, recovered: lostZero };
}

function parseStrict(written: string, shortcut: RegionShortcut | undefined): Parsed {
  const value = ascii(written);
  if (EXCEL_SCIENTIFIC.test(value)) return { failure: 'damaged' };
  if (!E164.test(value))
    return { failure: /^\d+$/.test(value) && validE164(`+${value}`) ? 'plus-lost' : 'invalid' };
  // Strict: the value must already be the number's E.164 form (`+8860912…` is not).
  const e164 = shortcut?.e164(value) ?? validE164(value);
  return e164 === value ? { e164, recovered: false } : { failure: 'invalid' };
}
