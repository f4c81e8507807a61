/**
 * How plausible a decoding of a file's bytes is, as text people type into a contact list (RULES §2 "never
 * import mojibake"). A wrong legacy decoding still gives valid characters, but not the ones a person of
 * that language writes: Big5 read as Windows-1252 is `ªL«T³Ç` (symbols between letters), Big5 read as
 * GB18030 falls on rare characters, kana and private-use code points, Shift_JIS read as Big5 on the
 * second level of the standard. The common characters of each encoding are its own first level, read
 * from the code tables themselves (Big5 level 1, GB2312 level 1, JIS X 0208 level 1 with kana), so no
 * frequency list has to be shipped.
 */
import iconv from 'iconv-lite';

/** The legacy encodings that are scored, by their iconv-lite codec. */
export type ScoredEncoding = 'utf-8' | 'big5' | 'gb18030' | 'shift_jis' | 'windows-1252';

/**
 * Weight of a character: 1 for what the encoding's language writes every day, less for the rest, undefined
 * for what is no evidence either way. `inWord`: the character sits between two ASCII letters.
 */
type Weigh = (code: number, char: string, inWord: boolean) => number | undefined;

/** Characters of the double-byte codes `lead × trail` of a codec (each decoded once, at first use). */
function tableChars(
  codec: string,
  leads: readonly [number, number],
  trails: readonly number[][],
): Set<string> {
  const bytes: number[] = [];
  for (let lead = leads[0]; lead <= leads[1]; lead++) {
    for (const [from, to] of trails) {
      for (let trail = from as number; trail <= (to as number); trail++) bytes.push(lead, trail);
    }
  }
  const chars = new Set(iconv.decode(Buffer.from(bytes), codec));
  chars.delete('\uFFFD');
  return chars;
}

const BIG5_TRAILS = [
  [0x40, 0x7e],
  [0xa1, 0xfe],
];
const GB_TRAILS = [[0xa1, 0xfe]];
const SJIS_TRAILS = [
  [0x40, 0x7e],
  [0x80, 0xfc],
];

interface Levels {
  readonly first: Set<string>;
  readonly second: Set<string>;
}

let tables: { big5: Levels; gb18030: Levels; shift_jis: Levels } | undefined;

/** The first and second levels of each CJK standard, built once (about 20,000 characters, a few ms). */
function levels() {
  tables ??= {
    big5: {
      first: tableChars('cp950', [0xa4, 0xc6], BIG5_TRAILS),
      second: tableChars('cp950', [0xc9, 0xf9], BIG5_TRAILS),
    },
    gb18030: {
      first: tableChars('gb18030', [0xb0, 0xd7], GB_TRAILS),
      second: tableChars('gb18030', [0xd8, 0xf7], GB_TRAILS),
    },
    shift_jis: {
      first: tableChars('cp932', [0x88, 0x98], SJIS_TRAILS),
      second: tableChars('cp932', [0x99, 0xea], SJIS_TRAILS),
    },
  };
  return tables;
}

/** Full-width forms and CJK punctuation: real in CJK text, but not evidence of a language. */
const cjkPunctuation = (code: number): boolean =>
  (code >= 0x3000 && code <= 0x303f) || (code >= 0xff01 && code <= 0xff5e);

/** Typographic punctuation Excel and Word put into Western text (’ “ ” – — … • €): neutral. */
const TYPOGRAPHIC = new Set([...'‘’‚“”„–—…•€†‡‰‹›™']);
/**
 * Accented letters of the languages Windows-1252 is written in. Š and Ž belong to languages of other code
 * pages and are what Shift_JIS lead bytes become (`山田` reads `ŽR“c`): they weigh as uncommon letters.
 */
const COMMON_LATIN = new Set([...'ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝßàáâãäåæçèéêëìíîïñòóôõöøùúûüýÿŒœ']);

const latinLetter = (code: number): boolean =>
  code >= 0xc0 && code <= 0x24f && code !== 0xd7 && code !== 0xf7;

function cjkWeigh(table: Levels, kana: boolean): Weigh {
  return (code, char, inWord) => {
    // `Sof庚a`: two bytes of an accented Latin letter read as one ideograph inside a Latin word.
    if (inWord) return 0;
    if (table.first.has(char)) return 1;
    if (kana && code >= 0x3041 && code <= 0x30ff) return 1;
    if (table.second.has(char)) return 0.5;
    if (cjkPunctuation(code)) return 0.5;
    // Half-width katakana: what Chinese bytes become in Shift_JIS.
    if (kana && code >= 0xff61 && code <= 0xff9f) return 0.1;
    return 0;
  };
}

const windows1252Weigh: Weigh = (code, char) => {
  if (TYPOGRAPHIC.has(char)) return undefined;
  if (COMMON_LATIN.has(char)) return 1;
  return latinLetter(code) ? 0.5 : 0;
};

/**
 * The scripts UTF-8 text of a contact list is written in. Few two-byte sequences could also be legacy
 * bytes that happen to form UTF-8: then they must at least be letters of one alphabet.
 */
function utf8Weigh(): Weigh {
  let family: string | undefined;
  return (code, char) => {
    if (TYPOGRAPHIC.has(char)) return undefined;
    const current = scriptFamily(code);
    if (current === undefined) return 0;
    family ??= current;
    return family === current ? 1 : 0;
  };
}

function scriptFamily(code: number): string | undefined {
  if (latinLetter(code) || (code >= 0x1e00 && code <= 0x1eff)) return 'latin';
  if (code >= 0x370 && code <= 0x3ff) return 'greek';
  if (code >= 0x400 && code <= 0x52f) return 'cyrillic';
  if (code >= 0x590 && code <= 0x5ff) return 'hebrew';
  if (code >= 0x600 && code <= 0x6ff) return 'arabic';
  if (code >= 0xe00 && code <= 0xe7f) return 'thai';
  if (code >= 0x2e80 || (code >= 0x1100 && code <= 0x11ff)) return 'cjk';
  return undefined;
}

function weighFor(encoding: ScoredEncoding): Weigh {
  switch (encoding) {
    case 'utf-8':
      return utf8Weigh();
    case 'windows-1252':
      return windows1252Weigh;
    case 'shift_jis':
      return cjkWeigh(levels().shift_jis, true);
    default:
      return cjkWeigh(levels()[encoding], false);
  }
}

const asciiLetter = (code: number): boolean => (code | 0x20) >= 0x61 && (code | 0x20) <= 0x7a;

export interface Plausibility {
  /** Mean weight of the non-ASCII characters that count (1: every one is everyday text of the language). */
  readonly score: number;
  /** How many characters were weighed: the more, the more the score means. */
  readonly weighed: number;
}

/**
 * How plausible a decoded text is for the encoding that produced it. Undecodable bytes (U+FFFD) weigh 0.
 *
 * @example
 * plausibility('name\n林志明\n', 'big5');          // { score: 1, weighed: 3 }
 * plausibility('name\nªL§Ó©ú\n', 'windows-1252'); // { score: ~0.1, weighed: 5 }
 */
export function plausibility(text: string, encoding: ScoredEncoding): Plausibility {
  const weigh = weighFor(encoding);
  let total = 0;
  let weighed = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.codePointAt(i) as number;
    if (code < 0x80) continue;
    const char = String.fromCodePoint(code);
    const inWord = asciiLetter(text.charCodeAt(i - 1)) && asciiLetter(text.charCodeAt(i + char.length));
    if (char.length === 2) i++;
    const weight = char === '\uFFFD' ? 0 : weigh(code, char, inWord);
    if (weight === undefined) continue;
    total += weight;
    weighed++;
  }
  return { score: weighed === 0 ? 1 : total / weighed, weighed };
}
