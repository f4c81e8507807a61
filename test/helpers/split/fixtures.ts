/**
 * CSV fixtures generated in code (no binary blobs in git): LINE contact files with Traditional Chinese
 * names, and their bytes in every encoding the splitter reads.
 */
import iconv from 'iconv-lite';

export const SURNAMES = ['王', '陳', '林', '張', '李', '黃', '吳', '劉', '蔡', '楊'];
export const GIVEN = ['小明', '美麗', '志強', '淑芬', '家豪', '雅婷', '俊傑', '怡君', '建宏', '佳穎'];

/** A Traditional Chinese name that differs for each n below 100. */
export function chineseName(n: number): string {
  return `${SURNAMES[n % 10]}${GIVEN[Math.floor(n / 10) % 10]}`;
}

/** A Taiwanese mobile number in national format, distinct for each n below 100 million. */
export function mobile(n: number): string {
  return `09${String(n).padStart(8, '0')}`;
}

export interface LineRowsOptions {
  /** Every `invalidEvery`-th row gets a phone that cannot be parsed. */
  readonly invalidEvery?: number;
  /** Names in ASCII instead of Chinese (Windows-1252 cannot encode Chinese). */
  readonly asciiNames?: boolean;
  readonly lineBreak?: string;
}

/**
 * A LINE import keyed by phone: `name,phone,email,tags` and `rows` data rows.
 *
 * @example
 * lineCsv(2); // 'name,phone,email,tags\n王小明,0900000000,u0@example.com,vip\n陳小明,...'
 */
export function lineCsv(rows: number, options: LineRowsOptions = {}): string {
  const lines = ['name,phone,email,tags'];
  for (let n = 0; n < rows; n++) {
    const invalid =
      options.invalidEvery !== undefined && n % options.invalidEvery === options.invalidEvery - 1;
    const name = options.asciiNames ? `Customer ${n}` : chineseName(n);
    lines.push(`${name},${invalid ? 'not-a-phone' : mobile(n)},u${n}@example.com,"vip,tier ${n % 3}"`);
  }
  return `${lines.join(options.lineBreak ?? '\n')}${options.lineBreak ?? '\n'}`;
}

export type FixtureEncoding =
  | 'utf-8'
  | 'utf-8-bom'
  | 'utf-16le-bom'
  | 'utf-16be-bom'
  | 'big5'
  | 'gb18030'
  | 'shift_jis'
  | 'windows-1252';

/** The bytes a spreadsheet would save `text` as, in one of the encodings the splitter reads. */
export function encode(text: string, encoding: FixtureEncoding): Buffer {
  switch (encoding) {
    case 'utf-8':
      return Buffer.from(text, 'utf8');
    case 'utf-8-bom':
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
    case 'utf-16le-bom':
      return Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(text, 'utf-16le')]);
    case 'utf-16be-bom':
      return Buffer.concat([Buffer.from([0xfe, 0xff]), iconv.encode(text, 'utf-16be')]);
    case 'big5':
      return iconv.encode(text, 'cp950');
    case 'shift_jis':
      return iconv.encode(text, 'cp932');
    default:
      return iconv.encode(text, encoding);
  }
}
