import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import {
  decodeBytes,
  detectEncoding,
  ENCODING_NAMES,
  ENCODINGS,
  encodingLabel,
  legacyInvalidAt,
  parseEncodingLabel,
  utf8InvalidAt,
  utf16TruncatedAt,
} from '../../../shared/pipeline/csv/encoding.js';
import { encode, type FixtureEncoding, lineCsv } from '../../helpers/split/fixtures.js';

describe('Function: detectEncoding', () => {
  it.each([
    ['utf-8', 'utf-8', 0],
    ['utf-8-bom', 'utf-8', 3],
    ['utf-16le-bom', 'utf-16le', 2],
    ['utf-16be-bom', 'utf-16be', 2],
    ['big5', 'big5', 0],
  ] as const)('detects %s Traditional Chinese names', (fixture, encoding, bomLength) => {
    // Prepare
    const bytes = encode(lineCsv(50), fixture as FixtureEncoding);

    // Act
    const detected = detectEncoding(bytes);

    // Assess
    expect(detected).toEqual({ encoding, bomLength });
    expect(decodeBytes(bytes.subarray(bomLength), encoding)).toBe(lineCsv(50));
  });

  it('detects GB18030 with Simplified Chinese names in a CN workspace', () => {
    const text = `name,phone\n${['王小明', '陈美丽', '张学友', '李小龙', '刘德华', '周杰伦', '邓丽君', '赵薇'].map((n, i) => `${n},091234567${i}`).join('\n')}\n`;
    const bytes = encode(text, 'gb18030');

    expect(detectEncoding(bytes, { region: 'CN' })).toEqual({ encoding: 'gb18030', bomLength: 0 });
    expect(decodeBytes(bytes, 'gb18030')).toBe(text);
  });

  it('names GB18030 and Big5 as uncertain for the same few names without a region (both read as common characters)', () => {
    const text = `name,phone\n${['王小明', '陈美丽', '张学友', '李小龙', '刘德华', '周杰伦', '邓丽君', '赵薇'].map((n, i) => `${n},091234567${i}`).join('\n')}\n`;

    expect(detectEncoding(encode(text, 'gb18030')).uncertain).toEqual(['gb18030', 'big5']);
  });

  it.each([
    [
      'a 2-row Big5 file of a TW workspace, not as Windows-1252',
      'name\n林思妤\n陳怡君\n',
      'cp950',
      'TW',
      'big5',
    ],
    [
      'a 20-row Big5 file of a TW workspace, not as GB18030',
      `name\n${lineCsv(20)
        .split('\n')
        .slice(1)
        .map((l) => l.split(',')[0])
        .join('\n')}`,
      'cp950',
      'TW',
      'big5',
    ],
    [
      'a 1-row Shift_JIS file of a JP workspace, not as Windows-1252 (ŽR“c)',
      'name\n山田\n',
      'cp932',
      'JP',
      'shift_jis',
    ],
    ['a 1-row Windows-1252 file of a FR workspace', 'name\nJosé\n', 'windows-1252', 'FR', 'windows-1252'],
    [
      'a 1-row UTF-8 Latin name without BOM, not as an ideograph inside the word',
      'name\nSofía\n',
      'utf8',
      'FR',
      'utf-8',
    ],
  ])('reads %s', (_case, text, codec, region, expected) => {
    const bytes = iconv.encode(text, codec);

    const detected = detectEncoding(bytes, { region });

    expect(detected).toEqual({ encoding: expected, bomLength: 0 });
    expect(decodeBytes(bytes, expected as 'big5')).toBe(text);
  });

  it('never lets the region settle a tie: GB18030 李娜 in a TW workspace is uncertain, not Big5 mojibake', () => {
    const detected = detectEncoding(iconv.encode('name\n李娜\n', 'gb18030'), { region: 'TW' });

    expect(detected.uncertain).toEqual(expect.arrayContaining(['big5', 'gb18030']));
  });

  it('detects Shift_JIS with Japanese names', () => {
    const text = `name,phone\n${['山田太郎', '佐藤花子', '鈴木一郎', '高橋まり', '田中かおる'].map((n, i) => `${n},0901234567${i}`).join('\n')}\n`;
    const bytes = encode(text, 'shift_jis');

    expect(detectEncoding(bytes)).toEqual({ encoding: 'shift_jis', bomLength: 0 });
    expect(decodeBytes(bytes, 'shift_jis')).toBe(text);
  });

  it('detects Windows-1252 with accented Latin names', () => {
    const text =
      'name,phone\nJosé Müller,0912\nFrançoise Lévêque,0913\nZoë Ångström,0914\nRenée Œuvre,0915\n';
    const bytes = encode(text, 'windows-1252');

    expect(detectEncoding(bytes)).toEqual({ encoding: 'windows-1252', bomLength: 0 });
    expect(decodeBytes(bytes, 'windows-1252')).toBe(text);
  });

  it('reads plain ASCII as UTF-8', () => {
    expect(detectEncoding(Buffer.from('email\na@example.com\n'))).toEqual({
      encoding: 'utf-8',
      bomLength: 0,
    });
  });

  it('detects UTF-16 without a BOM from its NUL bytes', () => {
    expect(detectEncoding(encode('email,name\na@example.com,Ann\n', 'utf-16le-bom').subarray(2))).toEqual({
      encoding: 'utf-16le',
      bomLength: 0,
    });
  });

  it('looks past ASCII-only first rows to find the encoding of later ones', () => {
    // Prepare: 200 KiB of English names, then Big5 names
    const ascii = lineCsv(4000, { asciiNames: true });
    const bytes = Buffer.concat([
      encode(ascii, 'big5'),
      encode(lineCsv(30).split('\n').slice(1).join('\n'), 'big5'),
    ]);

    // Act
    const detected = detectEncoding(bytes);

    // Assess
    expect(bytes.length).toBeGreaterThan(200_000);
    expect(detected.encoding).toBe('big5');
  });

  it('keeps UTF-8 when the sample ends in the middle of a character', () => {
    const bytes = Buffer.from(`name\n${'王'.repeat(40_000)}`, 'utf8').subarray(0, 64 * 1024 + 7);

    expect(detectEncoding(bytes).encoding).toBe('utf-8');
  });

  it('names the offset of the first undecodable byte of a binary file (a workbook renamed .csv)', () => {
    // Prepare: a ZIP header and bytes from a fixed pseudo-random sequence
    let seed = 7;
    const noise = Array.from({ length: 4096 }, () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed >> 16;
    });
    const bytes = Buffer.from([0x50, 0x4b, 0x03, 0x04, ...noise.map((n) => n & 0xff)]);

    // Act
    const detected = detectEncoding(bytes);

    // Assess
    expect(detected.undecodableAt).toBeGreaterThanOrEqual(4);
    expect(detected.undecodableAt).toBeLessThan(200);
  });

  it('keeps the encoding of a file with one corrupt byte: the row holding it fails, not the whole file', () => {
    const valid = encode(lineCsv(20), 'big5');
    const bytes = Buffer.concat([valid, Buffer.from([0x41, 0xa4, 0x2c, 0x0a])]);

    expect(detectEncoding(bytes)).toEqual({ encoding: 'big5', bomLength: 0 });
  });
});

describe('Function: utf16TruncatedAt', () => {
  it.each([
    ['utf-16le', 9, [0x6f, 0x00], 8],
    ['utf-16le', 8, [0x3d, 0xd8], 6],
    ['utf-16be', 8, [0xd8, 0x3d], 6],
    ['utf-16le', 8, [0x00, 0xde], undefined],
    ['utf-16le', 8, [0x6f, 0x00], undefined],
    ['utf-16be', 0, [], undefined],
  ] as const)('finds where a %s file of %i bytes ending %j is cut: %s', (encoding, size, tail, expected) => {
    expect(utf16TruncatedAt(encoding, size, Uint8Array.from(tail))).toBe(expected);
  });
});

describe('Function: utf8InvalidAt', () => {
  it.each([
    ['valid text', Buffer.from('a王b😀', 'utf8'), -1],
    ['a lone continuation byte', Buffer.from([0x61, 0x80, 0x62]), 1],
    ['a truncated sequence', Buffer.from([0x61, 0x62, 0xe4, 0xb8]), 2],
    ['a truncated sequence before ASCII', Buffer.from([0x61, 0xe4, 0xb8, 0x41]), 1],
    ['an overlong encoding', Buffer.from([0x41, 0xc0, 0xaf]), 1],
    ['a surrogate', Buffer.from([0x41, 0xed, 0xa0, 0x80]), 1],
    ['a code point past U+10FFFF', Buffer.from([0xf4, 0x90, 0x80, 0x80]), 0],
  ])('finds %s', (_name, bytes, offset) => {
    expect(utf8InvalidAt(bytes)).toBe(offset);
  });
});

describe('Function: legacyInvalidAt', () => {
  it('returns -1 for valid Big5 and the offset of the bad pair otherwise', () => {
    const valid = encode('王小明,陳', 'big5');

    expect(legacyInvalidAt(valid, 'big5')).toBe(-1);
    expect(legacyInvalidAt(Buffer.concat([valid, Buffer.from([0xa4, 0x2c])]), 'big5')).toBe(valid.length);
  });

  it('has a display name for every encoding', () => {
    expect(Object.values(ENCODING_NAMES)).toContain('Big5 (CP950)');
  });
});

describe('Function: parseEncodingLabel', () => {
  it('reads back every label the splitter records, so the sweeper reads the file as the splitter did', () => {
    // Prepare: every encoding the detector returns, with the BOM it may have had
    const detected = [
      ...ENCODINGS.map((encoding) => ({ encoding, bomLength: 0 })),
      ...['utf-8-bom', 'utf-16le-bom', 'utf-16be-bom'].map((fixture) =>
        detectEncoding(encode('phone\n0912\n', fixture as FixtureEncoding)),
      ),
    ];

    // Act / Assess
    for (const file of detected) {
      expect(parseEncodingLabel(encodingLabel(file))).toEqual({
        encoding: file.encoding,
        bomLength: file.bomLength,
      });
    }
    expect(encodingLabel({ encoding: 'utf-8', bomLength: 3 })).toBe('UTF-8 (BOM)');
  });

  it('knows no label it never writes', () => {
    expect(parseEncodingLabel('EBCDIC')).toBeUndefined();
    expect(parseEncodingLabel('Big5 (CP950) (BOM)')).toBeUndefined();
  });
});
