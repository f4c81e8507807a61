/**
 * A seeded generator of realistic import files: Traditional Chinese names, Taiwanese mobiles written the
 * ways people write them (`0912345678`, `0912-345-678`, `+886912345678`), tags, consent times — with a
 * share of invalid rows (the kinds spreadsheets and people produce) and of rows repeating an earlier key
 * value. The same options and seed always give the same text.
 *
 * @example
 * const { text } = generateCsv({ channel: 'edm', rows: 1000, seed: 7, duplicateRate: 0.1, invalidRate: 0.05 });
 */
import { CHANNEL_COLUMNS } from '../shared/domain/channels.js';
import type { Channel, KeyName } from '../shared/domain/model.js';

export interface GenerateOptions {
  readonly channel: Channel;
  /** Data rows (the header is extra). */
  readonly rows: number;
  readonly seed: number;
  /** Share of rows that repeat an earlier row's key value. @default 0.1 */
  readonly duplicateRate?: number;
  /** Share of rows with one invalid cell. @default 0.05 */
  readonly invalidRate?: number;
  /** The Key Value the file is meant for. @default phone for line and whatsapp, email for edm */
  readonly key?: KeyName;
}

export interface GeneratedCsv {
  /** The whole file: header line, then one line per row, `\n` line ends. */
  readonly text: string;
  readonly header: readonly string[];
  readonly channel: Channel;
  readonly key: KeyName;
  readonly rows: number;
  /** Rows given an invalid cell. */
  readonly invalid: number;
  /** Rows given an earlier row's key value. */
  readonly duplicates: number;
}

const SURNAMES = ['王', '陳', '林', '張', '李', '黃', '吳', '劉', '蔡', '楊', '許', '鄭', '謝', '郭', '洪'];
const GIVEN = [
  '小明',
  '美玲',
  '志豪',
  '淑芬',
  '家豪',
  '雅婷',
  '俊傑',
  '怡君',
  '建宏',
  '佳穎',
  '冠宇',
  '詩涵',
];
const TAGS = ['VIP', '台北', '新竹', '台中', '高雄', '新客', '回購', '會員', '電子報', '門市'];
const SOURCES = ['Website Footer', 'Checkout', '門市活動', 'LINE 好友募集'];
const EDM = ['subscribed', 'subscribed', 'subscribed', 'unsubscribed', 'hard_bounce', 'spam_report'];
const WHATSAPP = ['opted_in', 'opted_in', 'not_subscribed', 'opted_out'];
const GENDERS = ['female', 'male', 'unknown'];

/** mulberry32: small, fast, good enough to vary test data deterministically. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function csvCell(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** The default Key Value of a channel's benchmark file. */
export function defaultKeyFor(channel: Channel): KeyName {
  return channel === 'edm' ? 'email' : 'phone';
}

/** The column carrying each key, per channel (the bench must not depend on the code it measures for this). */
const KEY_COLUMN: Record<Channel, Partial<Record<KeyName, string>>> = {
  line: { line_uid: 'line_uid', phone: 'phone', email: 'email', customer_id: 'customer_id' },
  edm: { email: 'email', phone: 'mobile', customer_id: 'customer_id' },
  whatsapp: { phone: 'WhatsApp_mobile', email: 'email', customer_id: 'customer_id' },
};

/**
 * Generates a CSV file for a channel (all of its template columns) — see the module comment.
 */
export function generateCsv(options: GenerateOptions): GeneratedCsv {
  const { channel, rows, seed } = options;
  const duplicateRate = options.duplicateRate ?? 0.1;
  const invalidRate = options.invalidRate ?? 0.05;
  const key = options.key ?? defaultKeyFor(channel);
  const header = CHANNEL_COLUMNS[channel].map((spec) => spec.column);
  const keyColumn = KEY_COLUMN[channel][key];
  if (keyColumn === undefined) throw new RangeError(`Key "${key}" is not allowed for channel "${channel}"`);
  const next = random(seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)] as T;
  const digits = (n: number): string => String(Math.floor(next() * 10 ** n)).padStart(n, '0');
  const two = (below: number): string => String(Math.floor(next() * below)).padStart(2, '0');

  const mobile = (n: number, written: 'national' | 'dashed' | 'e164' | 'lost-zero'): string => {
    const rest = String(10_000_000 + ((n * 7_919) % 89_999_999)).padStart(8, '0');
    const national = `09${rest}`;
    if (written === 'e164') return `+8869${rest}`;
    if (written === 'lost-zero') return `9${rest}`;
    return written === 'dashed'
      ? `${national.slice(0, 4)}-${national.slice(4, 7)}-${national.slice(7)}`
      : national;
  };
  const date = (from: number, span: number): string => {
    const day = new Date(Date.UTC(from, 0, 1) + Math.floor(next() * span * 365) * 86_400_000);
    return day.toISOString().slice(0, 10);
  };

  const keyValues: string[] = [];
  const lines = [header.join(',')];
  let invalid = 0;
  let duplicates = 0;
  for (let n = 0; n < rows; n++) {
    const name = `${pick(SURNAMES)}${pick(GIVEN)}`;
    const email = `user${n}.${digits(3)}@example.com`;
    const cells: Record<string, string> = {
      line_uid: `U${digits(16)}${digits(16)}`.replace(
        /\d/g,
        (d) => '0123456789abcdef'[(Number(d) * 7) % 16] as string,
      ),
      phone: mobile(
        n,
        next() < 0.02 ? 'lost-zero' : pick(['national', 'national', 'dashed', 'e164'] as const),
      ),
      mobile: mobile(n, next() < 0.02 ? 'lost-zero' : pick(['national', 'dashed', 'e164'] as const)),
      WhatsApp_mobile: mobile(n, 'e164'),
      customer_id: `CRM-${String(n).padStart(7, '0')}`,
      name,
      display_name: name,
      email,
      note: next() < 0.2 ? `備註 ${n}, 請於週末聯絡` : '',
      tags: [...new Set([pick(TAGS), pick(TAGS)])].join(','),
      tag: [...new Set([pick(TAGS), pick(TAGS)])].join(', '),
      gender: next() < 0.8 ? pick(GENDERS) : '',
      birthday: next() < 0.7 ? date(1950, 55) : '',
      consent_source: pick(SOURCES),
      consent_at: `${date(2020, 4)} ${two(24)}:${two(60)}:${two(60)}`,
      messaging_status: channel === 'edm' ? pick(EDM) : pick(WHATSAPP),
    };
    if (n > 0 && next() < duplicateRate) {
      cells[keyColumn] = keyValues[Math.floor(next() * keyValues.length)] as string;
      duplicates++;
    }
    keyValues.push(cells[keyColumn] as string);
    if (next() < invalidRate) {
      invalid++;
      const damage = pick(['phone', 'excel', 'email', 'status', 'blank-key', 'birthday'] as const);
      if (damage === 'phone')
        cells[channel === 'whatsapp' ? 'WhatsApp_mobile' : channel === 'edm' ? 'mobile' : 'phone'] = '12-345';
      else if (damage === 'excel')
        cells[channel === 'whatsapp' ? 'WhatsApp_mobile' : channel === 'edm' ? 'mobile' : 'phone'] =
          '8.86912E+11';
      else if (damage === 'email') cells.email = `user${n}@`;
      else if (damage === 'status') cells.messaging_status = 'active';
      else if (damage === 'blank-key') cells[keyColumn] = '';
      else cells.birthday = '2099-02-30';
      if (channel === 'line' && damage === 'status') cells.line_uid = 'U-not-a-uid';
    }
    lines.push(header.map((column) => csvCell(cells[column] ?? '')).join(','));
  }
  return { text: `${lines.join('\n')}\n`, header, channel, key, rows, invalid, duplicates };
}
