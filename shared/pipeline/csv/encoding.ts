/**
 * Which encoding a CSV file is in, and how to turn its bytes into text (RULES §2). Excel writes UTF-8 with
 * a BOM, "Unicode text" (UTF-16 with a BOM) or the legacy code page of the user's Windows; all of them are
 * read here, and bytes that the chosen encoding cannot decode are found with their offset.
 */
import iconv from 'iconv-lite';
import { type Plausibility, plausibility, type ScoredEncoding } from './plausibility.js';

export const ENCODINGS = [
  'utf-8',
  'utf-16le',
  'utf-16be',
  'big5',
  'gb18030',
  'shift_jis',
  'windows-1252',
] as const;
export type Encoding = (typeof ENCODINGS)[number];

/** The name the summary shows for an encoding. */
export const ENCODING_NAMES: Readonly<Record<Encoding, string>> = {
  'utf-8': 'UTF-8',
  'utf-16le': 'UTF-16LE',
  'utf-16be': 'UTF-16BE',
  big5: 'Big5 (CP950)',
  gb18030: 'GB18030',
  shift_jis: 'Shift_JIS (CP932)',
  'windows-1252': 'Windows-1252',
};

/** iconv-lite codecs of the legacy encodings: the Windows code pages Excel writes (supersets of the standards). */
const LEGACY_CODECS = {
  big5: 'cp950',
  gb18030: 'gb18030',
  shift_jis: 'cp932',
  'windows-1252': 'windows-1252',
} as const;
export type LegacyEncoding = keyof typeof LEGACY_CODECS;

/** Bytes of the prefix that are inspected, starting at the first non-ASCII byte. */
export const DETECTION_SAMPLE_BYTES = 64 * 1024;
/**
 * How far into the file the detector looks for a first non-ASCII byte: a file whose first rows are plain
 * ASCII (English names first) still has its encoding detected from the rows that are not.
 */
export const DETECTION_PREFIX_BYTES = 1024 * 1024 + DETECTION_SAMPLE_BYTES;

export interface DetectedEncoding {
  readonly encoding: Encoding;
  /** Length of the byte order mark to skip (0 when there is none). */
  readonly bomLength: number;
  /** Set when no supported encoding decodes the sample: the offset of the first byte the best guess cannot decode. */
  readonly undecodableAt?: number;
  /**
   * Set when several encodings read the sample as plausible but different text and nothing settles which
   * (RULES §2): the file is rejected ENCODING_UNCERTAIN, naming these, the most plausible first.
   */
  readonly uncertain?: readonly Encoding[];
}

/** What the detector may know besides the bytes. */
export interface DetectionHints {
  /** The workspace's phone region (ISO 3166-1 alpha-2): its usual legacy encoding breaks a tie. */
  readonly region?: string;
}

const BOMS: readonly { readonly bytes: readonly number[]; readonly encoding: Encoding }[] = [
  { bytes: [0xef, 0xbb, 0xbf], encoding: 'utf-8' },
  { bytes: [0xff, 0xfe], encoding: 'utf-16le' },
  { bytes: [0xfe, 0xff], encoding: 'utf-16be' },
];

/** What a file's encoding is called in its job and summary: the name, and whether a BOM came first. */
export interface FileEncoding {
  readonly encoding: Encoding;
  readonly bomLength: number;
}

/**
 * The label the splitter records for a file's encoding (`ImportJob.encoding`).
 *
 * @example
 * encodingLabel({ encoding: 'utf-8', bomLength: 3 }); // 'UTF-8 (BOM)'
 */
export function encodingLabel({ encoding, bomLength }: FileEncoding): string {
  return bomLength > 0 ? `${ENCODING_NAMES[encoding]} (BOM)` : ENCODING_NAMES[encoding];
}

/**
 * Reads a label of {@link encodingLabel} back, for a stage that reads the file again with the format the
 * splitter found (the sweeper); undefined for a label it never writes.
 *
 * @example
 * parseEncodingLabel('UTF-16LE (BOM)'); // { encoding: 'utf-16le', bomLength: 2 }
 * parseEncodingLabel('Big5 (CP950)');   // { encoding: 'big5', bomLength: 0 }
 */
export function parseEncodingLabel(label: string): FileEncoding | undefined {
  const withBom = label.endsWith(' (BOM)');
  const name = withBom ? label.slice(0, -' (BOM)'.length) : label;
  const encoding = ENCODINGS.find((e) => ENCODING_NAMES[e] === name);
  if (encoding === undefined) return undefined;
  if (!withBom) return { encoding, bomLength: 0 };
  const bom = BOMS.find((b) => b.encoding === encoding);
  return bom ? { encoding, bomLength: bom.bytes.length } : undefined;
}

/** The legacy encoding Excel writes on Windows set up for a region (RULES §2). */
const REGION_ENCODINGS: Readonly<Record<string, LegacyEncoding>> = {
  TW: 'big5',
  HK: 'big5',
  MO: 'big5',
  JP: 'shift_jis',
  CN: 'gb18030',
};

/** Legacy encodings in the order a tie is listed when no region settles it. */
const LEGACY_ORDER: readonly LegacyEncoding[] = ['big5', 'gb18030', 'shift_jis', 'windows-1252'];

/** A reading is plausible when this share of its non-ASCII characters is everyday text of its language. */
export const PLAUSIBLE_SCORE = 0.9;

/**
 * How far a plausible reading must lead the next one to win alone: the fewer characters were weighed, the
 * more the scores are chance (a name or two can be everyday text in two encodings: GB2312 `李娜` is two
 * common Big5 characters too). 0.41 for 6 characters, 0.2 for 25, 0.1 from 100.
 */
export function clearMargin(weighed: number): number {
  return Math.min(0.5, Math.max(0.1, 1 / Math.sqrt(Math.max(1, weighed))));
}

/** A reading with more undecodable characters than this share of its non-ASCII ones is not a candidate. */
const MAX_INVALID_SHARE = 0.2;
/** Multi-byte sequences that make valid UTF-8 certain: legacy text never forms so many by chance. */
const UTF8_CERTAIN_SEQUENCES = 4;

/**
 * Detects the encoding of a file from its first bytes (up to {@link DETECTION_PREFIX_BYTES}): a BOM wins,
 * then UTF-16 without BOM (NUL bytes at every other position), plain ASCII (UTF-8), and UTF-8 whose
 * multi-byte sequences leave no doubt. Otherwise every encoding that decodes the sample is scored for how
 * plausible its text is ({@link plausibility}); a reading wins when it is plausible and clearly ahead of the
 * others (the region's own encoding by half as much). When nothing settles it, the result lists the
 * candidates in `uncertain` — never a guess.
 *
 * @example
 * detectEncoding(Buffer.from([0xef, 0xbb, 0xbf, 0x61])); // { encoding: 'utf-8', bomLength: 3 }
 * detectEncoding(iconv.encode('name\n王小明\n', 'big5'), { region: 'TW' }); // { encoding: 'big5', bomLength: 0 }
 */
export function detectEncoding(prefix: Uint8Array, hints: DetectionHints = {}): DetectedEncoding {
  for (const bom of BOMS) {
    if (bom.bytes.every((byte, i) => prefix[i] === byte)) {
      return { encoding: bom.encoding, bomLength: bom.bytes.length };
    }
  }
  const utf16 = utf16WithoutBom(prefix);
  if (utf16) return { encoding: utf16, bomLength: 0 };
  const firstHigh = prefix.findIndex((byte) => byte >= 0x80);
  if (firstHigh < 0) return { encoding: 'utf-8', bomLength: 0 };
  // From the start of its line, so that the first non-ASCII character is seen with its neighbours.
  const first = prefix.lastIndexOf(0x0a, firstHigh) + 1;
  const sample = completeLines(prefix.subarray(first, first + DETECTION_SAMPLE_BYTES));
  const utf8 = utf8Sequences(withoutIncompleteTail(sample));
  // A few bad bytes in a long, otherwise consistent UTF-8 file are reported on their rows; they do not make
  // the whole file another encoding (which would garble every name).
  if (
    (utf8.invalid === 0 && (utf8.long > 0 || utf8.valid >= UTF8_CERTAIN_SEQUENCES)) ||
    (utf8.invalid <= Math.max(1, utf8.valid / 20) && utf8.valid >= 3 * utf8.invalid && utf8.long >= 2)
  ) {
    return { encoding: 'utf-8', bomLength: 0 };
  }

  const readings = legacyReadings(sample);
  if (utf8.invalid === 0) {
    const text = Buffer.from(sample).toString('utf8');
    readings.unshift({ encoding: 'utf-8', text, invalid: 0, ...plausibility(text, 'utf-8') });
  }
  // One bad byte in a file fails its row, not the file: such a reading still competes, its U+FFFD weighing 0.
  const candidates = readings.filter(
    (r) => r.invalid <= Math.max(1, r.weighed / 100) && r.invalid <= r.weighed * MAX_INVALID_SHARE,
  );
  if (candidates.length === 0) {
    const best = readings.reduce((a, b) => (b.invalid < a.invalid ? b : a));
    return {
      encoding: best.encoding,
      bomLength: 0,
      undecodableAt: first + legacyInvalidAt(sample, best.encoding as LegacyEncoding),
    };
  }
  return decide(candidates, hints.region === undefined ? undefined : REGION_ENCODINGS[hints.region]);
}

interface Reading extends Plausibility {
  readonly encoding: ScoredEncoding & Encoding;
  readonly text: string;
  /** Undecodable characters (U+FFFD). */
  readonly invalid: number;
}

function legacyReadings(sample: Uint8Array): Reading[] {
  return LEGACY_ORDER.map((encoding) => {
    const text = iconv.decode(Buffer.from(sample), LEGACY_CODECS[encoding]);
    let invalid = 0;
    for (let i = text.indexOf('\uFFFD'); i >= 0; i = text.indexOf('\uFFFD', i + 1)) invalid++;
    return { encoding, text, invalid, ...plausibility(text, encoding) };
  });
}

/**
 * The winner among readings that decode the sample, or the uncertain ones. The region's encoding needs only
 * half the lead, but must lead: a tie between two everyday readings is more often a supplier's file in the
 * other encoding than chance, so the region never settles one.
 */
function decide(candidates: readonly Reading[], hinted: LegacyEncoding | undefined): DetectedEncoding {
  // Readings that give the same text are one reading (the first listed stands for them).
  const distinct = candidates.filter((r, i) => candidates.findIndex((o) => o.text === r.text) === i);
  const ranked = [...distinct].sort((a, b) => b.score - a.score);
  const [best, second] = ranked as [Reading, Reading | undefined];
  const lead = best.score - (second?.score ?? 0);
  const margin = clearMargin(best.weighed);
  if (best.score >= PLAUSIBLE_SCORE && (lead >= margin || (best.encoding === hinted && lead >= margin / 2))) {
    return { encoding: best.encoding, bomLength: 0 };
  }
  const plausible = ranked.filter((r) => r.score >= PLAUSIBLE_SCORE);
  const listed = plausible.length >= 2 ? plausible : ranked.slice(0, 2);
  return { encoding: best.encoding, bomLength: 0, uncertain: listed.map((r) => r.encoding) };
}

/** Valid multi-byte UTF-8 sequences (`long`: of 3 or 4 bytes) and invalid bytes in a sample. */
function utf8Sequences(bytes: Uint8Array): { valid: number; long: number; invalid: number } {
  let valid = 0;
  let long = 0;
  let invalid = 0;
  for (let i = 0; i < bytes.length; ) {
    if ((bytes[i] as number) < 0x80) {
      i++;
      continue;
    }
    const length = utf8SequenceLength(bytes, i, bytes.length);
    if (length === 0) {
      invalid++;
      i++;
    } else {
      valid++;
      if (length > 2) long++;
      i += length;
    }
  }
  return { valid, long, invalid };
}

/** ASCII text in UTF-16 without a BOM has a NUL byte in every other position (odd for LE, even for BE). */
function utf16WithoutBom(prefix: Uint8Array): Encoding | undefined {
  const length = Math.min(prefix.length, 2048) & ~1;
  if (length < 4) return undefined;
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i < length; i += 2) {
    if (prefix[i] === 0) evenNul++;
    if (prefix[i + 1] === 0) oddNul++;
  }
  const units = length / 2;
  if (oddNul > units * 0.6 && evenNul < units * 0.1) return 'utf-16le';
  if (evenNul > units * 0.6 && oddNul < units * 0.1) return 'utf-16be';
  return undefined;
}

/** Cuts a sample after its last line feed: a line feed never sits inside a multi-byte character. */
function completeLines(sample: Uint8Array): Uint8Array {
  const lastLf = sample.lastIndexOf(0x0a);
  return lastLf > 0 ? sample.subarray(0, lastLf + 1) : sample;
}

/** Drops a UTF-8 sequence cut by the end of a sample (at most 3 bytes) so that it does not count as invalid. */
function withoutIncompleteTail(bytes: Uint8Array): Uint8Array {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const byte = bytes[bytes.length - back] as number;
    if ((byte & 0xc0) === 0x80) continue;
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return need > back ? bytes.subarray(0, bytes.length - back) : bytes;
  }
  return bytes;
}

/**
 * Offset of the first byte that is not valid UTF-8 (overlong forms, surrogates and code points past
 * U+10FFFF included), or -1.
 *
 * @example
 * utf8InvalidAt(Buffer.from([0x61, 0xe4, 0xb8, 0x41])); // 1
 */
export function utf8InvalidAt(bytes: Uint8Array, start = 0, end = bytes.length): number {
  for (let i = start; i < end; ) {
    if ((bytes[i] as number) < 0x80) {
      i++;
      continue;
    }
    const length = utf8SequenceLength(bytes, i, end);
    if (length === 0) return i - start;
    i += length;
  }
  return -1;
}

/** Length of the valid multi-byte UTF-8 sequence at `i` (which holds a byte ≥ 0x80), or 0. */
function utf8SequenceLength(bytes: Uint8Array, i: number, end: number): number {
  const b = bytes[i] as number;
  let need: number;
  let min: number;
  if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80];
  else if (b >= 0xe0 && b <= 0xef) [need, min] = [2, 0x800];
  else if (b >= 0xf0 && b <= 0xf4) [need, min] = [3, 0x10000];
  else return 0;
  if (i + need >= end) return 0;
  let cp = b & (0x3f >> need);
  for (let k = 1; k <= need; k++) {
    const c = bytes[i + k] as number;
    if ((c & 0xc0) !== 0x80) return 0;
    cp = (cp << 6) | (c & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return need + 1;
}

/**
 * Offset of the first byte a legacy encoding cannot decode, or -1. iconv-lite turns such bytes into
 * U+FFFD, which none of these encodings can represent, so its presence is the signal; the offset is found
 * by feeding the bytes one at a time (only on the failure path).
 */
export function legacyInvalidAt(
  bytes: Uint8Array,
  encoding: LegacyEncoding,
  start = 0,
  end = bytes.length,
): number {
  const codec = LEGACY_CODECS[encoding];
  if (!iconv.decode(bytes.subarray(start, end), codec).includes('\uFFFD')) return -1;
  const decoder = iconv.getDecoder(codec);
  let pending = start;
  for (let i = start; i < end; i++) {
    const out = decoder.write(Buffer.from(bytes.buffer, bytes.byteOffset + i, 1));
    if (out.includes('\uFFFD')) return pending - start;
    if (out !== '') pending = i + 1;
  }
  return decoder.end()?.includes('\uFFFD') ? pending - start : -1;
}

/**
 * Decodes a whole (small) buffer: the detection sample and the header line. Rows are decoded cell by cell
 * by the tokenizer instead.
 */
export function decodeBytes(bytes: Uint8Array, encoding: Encoding): string {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (encoding) {
    case 'utf-8':
      return buffer.toString('utf8');
    case 'utf-16le':
    case 'utf-16be':
      return new TextDecoder(encoding).decode(buffer);
    default:
      return iconv.decode(buffer, LEGACY_CODECS[encoding]);
  }
}

/** Decodes one cell of a legacy-encoded file. */
export function decodeLegacy(buffer: Buffer, start: number, end: number, encoding: LegacyEncoding): string {
  return iconv.decode(buffer.subarray(start, end), LEGACY_CODECS[encoding]);
}

export function isLegacy(encoding: Encoding): encoding is LegacyEncoding {
  return Object.hasOwn(LEGACY_CODECS, encoding);
}

export function isUtf16(encoding: Encoding): encoding is 'utf-16le' | 'utf-16be' {
  return encoding === 'utf-16le' || encoding === 'utf-16be';
}

/**
 * Where a UTF-16 file ends in the middle of a character (RULES §2: a truncated upload is rejected, never
 * stored with U+FFFD): the offset of a last odd byte, or of a high surrogate with nothing after it;
 * undefined when the file ends on a whole character.
 *
 * @param size the object's size in bytes
 * @param tail its last two bytes (fewer for a smaller object)
 * @example
 * utf16TruncatedAt('utf-16le', 9, Uint8Array.of(0x6f, 0x00)); // 8
 * utf16TruncatedAt('utf-16le', 8, Uint8Array.of(0x3d, 0xd8)); // 6 (U+D83D, the first half of an emoji)
 */
export function utf16TruncatedAt(
  encoding: 'utf-16le' | 'utf-16be',
  size: number,
  tail: Uint8Array,
): number | undefined {
  if (size % 2 === 1) return size - 1;
  if (tail.length < 2) return undefined;
  const high = encoding === 'utf-16le' ? (tail[1] as number) : (tail[0] as number);
  return high >= 0xd8 && high <= 0xdb ? size - 2 : undefined;
}
