/**
 * An exact shortcut past libphonenumber-js for the numbers most files are full of: the workspace region's
 * own numbers, written nationally (`0912-345-678`) or internationally (`+886 912 345 678`). It compiles the
 * region's validation patterns once and applies libphonenumber's own validity rule (the national number
 * matches the region's general pattern and one number type's pattern and possible lengths), which costs
 * a fraction of a full parse. Whatever it does not accept for certain goes to the full parse.
 *
 * It reads numbering-plan accessors that libphonenumber-js does not declare in its typings (the version is
 * pinned, and the tests compare both paths over many numbers of many regions).
 */

import type { CountryCode, MetadataJson } from 'libphonenumber-js/core';
import { Metadata } from 'libphonenumber-js/core';
import metadata from 'libphonenumber-js/metadata.max.json';

/** The parts of libphonenumber-js's numbering plan object this shortcut reads. */
interface PlanInternals {
  callingCode(): string;
  /** The international dialling prefix, a pattern (`0(?:0|1[2-9])` in Israel). */
  IDDPrefix(): string;
  nationalPrefix(): string | undefined;
  /** The national prefix itself unless the plan sets a pattern (carrier codes and the like). */
  nationalPrefixForParsing(): string | undefined;
  /** A falsy placeholder (`0`) when the plan has no transform rule. */
  nationalPrefixTransformRule(): string | 0 | undefined;
  nationalNumberPattern(): string;
  /** Every type of the max metadata lists its possible lengths (libphonenumber skips the check when absent). */
  type(name: string): { pattern(): string; possibleLengths(): number[] } | undefined;
}

/** The number types libphonenumber's validity check tries, fixed line first. */
const TYPES = [
  'FIXED_LINE',
  'MOBILE',
  'PREMIUM_RATE',
  'TOLL_FREE',
  'SHARED_COST',
  'VOIP',
  'PERSONAL_NUMBER',
  'PAGER',
  'UAN',
  'VOICEMAIL',
];

/** Digits with at most single spaces or hyphens between groups, and an optional leading `+`. */
const SIMPLE = /^\+?\d+(?:[ -]\d+)*$/;
const NON_DIGITS = /\D/g;

export interface RegionShortcut {
  /**
   * The E.164 form of a number of the region written simply, or undefined when the full parse must decide
   * (another region, other punctuation, a number that is not valid, anything ambiguous).
   */
  e164(value: string): string | undefined;
}

const whole = (pattern: string): RegExp => new RegExp(`^(?:${pattern})$`);

/**
 * The shortcut for a region, or undefined when its national prefix rules are not a plain prefix (e.g. GB,
 * JP, AR: carrier codes and transform rules) and every number takes the full parse.
 *
 * @example
 * regionShortcut('TW')?.e164('0912-345-678'); // '+886912345678'
 */
export function regionShortcut(region: CountryCode): RegionShortcut | undefined {
  const data = new Metadata(metadata as MetadataJson);
  data.selectNumberingPlan(region);
  const plan = data.numberingPlan as unknown as PlanInternals;
  const prefix = plan.nationalPrefix();
  if (plan.nationalPrefixForParsing() !== prefix || plan.nationalPrefixTransformRule()) return undefined;
  const callingCode = plan.callingCode();
  // Digits that start like an international call (`00…`, or `019…` in Israel) are not a national number.
  const dialsOut = new RegExp(`^(?:${plan.IDDPrefix()})`);
  const general = whole(plan.nationalNumberPattern());
  const types: { pattern: RegExp; lengths: number[] }[] = [];
  for (const name of TYPES) {
    const type = plan.type(name);
    // An empty pattern marks a type folded into another (US mobile numbers are fixed-line patterns).
    if (type?.pattern()) types.push({ pattern: whole(type.pattern()), lengths: type.possibleLengths() });
  }
  const valid = (national: string): boolean =>
    general.test(national) &&
    types.some((type) => type.lengths.includes(national.length) && type.pattern.test(national));
  // A national number that begins with the national prefix could be read with or without it: leave those
  // to the full parse.
  const unambiguous = (national: string): boolean =>
    (prefix === undefined || !national.startsWith(prefix)) && valid(national);

  return {
    e164(value) {
      if (!SIMPLE.test(value)) return undefined;
      const digits = value.replace(NON_DIGITS, '');
      if (value.startsWith('+')) {
        return digits.startsWith(callingCode) && unambiguous(digits.slice(callingCode.length))
          ? `+${digits}`
          : undefined;
      }
      if (prefix === undefined || !digits.startsWith(prefix) || dialsOut.test(digits) || valid(digits)) {
        return undefined;
      }
      const national = digits.slice(prefix.length);
      return unambiguous(national) ? `+${callingCode}${national}` : undefined;
    },
  };
}
