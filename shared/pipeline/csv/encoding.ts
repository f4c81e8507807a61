/**
 * Which encoding a CSV file is in, and how to turn its bytes into text (RULES §2). Excel writes UTF-8 with
 * a BOM, "Unicode text" (UTF-16 with a BOM) or the legacy code page of the user's Windows; all of them are
 * read here, and bytes that the chosen encoding cannot decode are found with their offset.
 */
import chardet from 'chardet';
import iconv from 'iconv-lite';

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
}

const BOMS: readonly { readonly bytes: readonly number[]; readonly encoding: Encoding }[] = [
  { bytes: [0xef, 0xbb, 0xbf], encoding: 'utf-8' },
  { bytes: [0xff, 0xfe], encoding: 'utf-16le' },
  { bytes: [0xfe, 0xff], encoding: 'utf-16be' },
];

/** chardet's names for the encodings we read; anything else it proposes is ignored. */
const CHARDET_NAMES: Readonly<Record<string, LegacyEncoding>> = {
  Big5: 'big5',
  GB18030: 'gb18030',
  Shift_JIS: 'shift_jis',
  'windows-1252': 'windows-1252',
  'ISO-8859-1': 'windows-1252',
};

/**
 * Tried after chardet's guesses. Windows-1252 decodes almost anything, so it goes last for text that looks
 * Chinese or Japanese, and first for text that does not.
 */
const FALLBACK_ORDER: readonly LegacyEncoding[] = ['big5', 'gb18030', 'shift_jis', 'windows-1252'];

/**
 * Detects the encoding of a file from its first bytes (up to {@link DETECTION_PREFIX_BYTES}): a BOM wins,
 * then strict UTF-8 (plain ASCII is UTF-8), then UTF-16 without BOM (NUL bytes at every other position),
 * then chardet's guesses among the legacy encodings, each accepted only when it decodes the sample.
 *
 * @example
 * detectEncoding(Buffer.from([0xef, 0xbb, 0xbf, 0x61])); // { encoding: 'utf-8', bomLength: 3 }
 * detectEncoding(iconv.encode('name\n王小明\n', 'big5')); // { encoding: 'big5', bomLength: 0 }
 */
export function detectEncoding(prefix: Uint8Array): DetectedEncoding {
  for (const bom of BOMS) {
    if (bom.bytes.every((byte, i) => prefix[i] === byte)) {
      return { encoding: bom.encoding, bomLength: bom.bytes.length };
    }
  }
  const utf16 = utf16WithoutBom(prefix);
  if (utf16) return { encoding: utf16, bomLength: 0 };
  const first = prefix.findIndex((byte) => byte >= 0x80);
  if (first < 0) return { encoding: 'utf-8', bomLength: 0 };
  const sample = completeLines(prefix.subarray(first, first + DETECTION_SAMPLE_BYTES));
  // A few bad bytes in an otherwise consistent file are reported on their rows; they do not make the
  // whole file another encoding (which would garble every name).
  const utf8 = utf8Sequences(withoutIncompleteTail(sample));
  if (
    utf8.invalid === 0 ||
    (utf8.invalid <= Math.max(1, utf8.valid / 20) && utf8.valid >= 2 * utf8.invalid)
  ) {
    return { encoding: 'utf-8', bomLength: 0 };
  }

  const guesses = chardet
    .analyse(sample)
    .map((match) => CHARDET_NAMES[match.name])
    .filter((name): name is LegacyEncoding => name !== undefined);
  // chardet is unsure on a few names; how the non-ASCII bytes cluster is a steadier signal.
  const cjk = pairedShare(sample) >= 0.7;
  const candidates = [...new Set([...guesses, ...FALLBACK_ORDER])].sort(
    (a, b) => Number(a === 'windows-1252') - Number(b === 'windows-1252'),
  );
  if (!cjk) candidates.unshift(candidates.pop() as LegacyEncoding);
  const scored = candidates.map((encoding) => {
    const text = iconv.decode(Buffer.from(sample), LEGACY_CODECS[encoding]);
    let invalid = 0;
    let high = 0;
    for (const char of text) {
      if (char === '\uFFFD') invalid++;
      else if (char.charCodeAt(0) >= 0x80) high++;
    }
    return { encoding, invalid, tolerated: invalid <= Math.max(1, high / 100) };
  });
  const chosen = scored.find((s) => s.tolerated);
  if (chosen) return { encoding: chosen.encoding, bomLength: 0 };
  const best = scored.reduce((a, b) => (b.invalid < a.invalid ? b : a));
  return {
    encoding: best.encoding,
    bomLength: 0,
    undecodableAt: first + legacyInvalidAt(sample, best.encoding),
  };
}

/** Valid multi-byte UTF-8 sequences and invalid bytes in a sample. */
function utf8Sequences(bytes: Uint8Array): { valid: number; invalid: number } {
  let valid = 0;
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
      i += length;
    }
  }
  return { valid, invalid };
}

/**
 * Share of the non-ASCII bytes that sit next to another non-ASCII byte. Chinese and Japanese text is made
 * of double-byte characters, so nearly all of its bytes are paired; the accented letters of Latin text
 * mostly stand alone between ASCII letters.
 */
function pairedShare(sample: Uint8Array): number {
  let high = 0;
  let paired = 0;
  for (let i = 0; i < sample.length; i++) {
    if ((sample[i] as number) < 0x80) continue;
    high++;
    if ((sample[i - 1] ?? 0) >= 0x80 || (sample[i + 1] ?? 0) >= 0x80) paired++;
  }
  return high === 0 ? 0 : paired / high;
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
