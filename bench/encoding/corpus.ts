/**
 * A seeded corpus of short import files in the encodings Excel writes (RULES §2): the names of TW, HK, JP,
 * CN and Western workspaces in Big5, Shift_JIS, GB18030, Windows-1252, UTF-8 and UTF-16 (with its BOM, as
 * Excel's "Unicode text" writes it), 1 to 100 rows. Most files are in the workspace's own legacy encoding
 * or in Unicode; one in five is another region's text in that region's legacy encoding (a supplier abroad),
 * where the workspace's region is a misleading hint.
 *
 * @example
 * for (const file of encodingCorpus({ filesPerSize: 300, seed: 11 })) detectEncoding(file.bytes, file);
 */
import iconv from 'iconv-lite';
import { csvCell, random } from '../generate.js';

export type CorpusEncoding = 'big5' | 'shift_jis' | 'gb18030' | 'windows-1252' | 'utf-8' | 'utf-16le';
export type Locale = 'TW' | 'HK' | 'JP' | 'CN' | 'Western';

/** Row counts of the files, as the goal states them. */
export const CORPUS_SIZES = [1, 2, 5, 20, 100] as const;

const CODECS: Readonly<Record<CorpusEncoding, string>> = {
  big5: 'cp950',
  shift_jis: 'cp932',
  gb18030: 'gb18030',
  'windows-1252': 'windows-1252',
  'utf-8': 'utf8',
  'utf-16le': 'utf16le',
};

interface Names {
  readonly family: readonly string[];
  readonly given: readonly string[];
  /** How a full name is written from its parts. */
  readonly join: (family: string, given: string) => string;
  readonly tags: readonly string[];
  /** The legacy encoding Excel writes on this locale's Windows. */
  readonly legacy: CorpusEncoding;
  /** The workspace region files of this locale are uploaded to. */
  readonly regions: readonly string[];
}

const chars = (text: string): string[] => [...text];

const LOCALES: Readonly<Record<Locale, Names>> = {
  TW: {
    family: chars(
      '陳林黃張李王吳劉蔡楊許鄭謝郭洪曾邱廖賴周徐蘇葉莊呂江何蕭羅高潘簡朱鍾彭游詹胡施沈余趙盧梁顏柯翁魏孫戴',
    ),
    given: [
      '志明',
      '雅婷',
      '怡君',
      '家豪',
      '俊傑',
      '淑芬',
      '建宏',
      '佳穎',
      '美玲',
      '冠廷',
      '欣怡',
      '承恩',
      '柏宇',
      '詩涵',
      '子軒',
      '品妤',
      '宜蓁',
      '思妤',
      '文華',
      '國榮',
      '秀英',
      '麗珍',
      '惠雯',
      '嘉偉',
      '浩然',
      '凱文',
      '慶豐',
      '宗翰',
    ],
    join: (f, g) => `${f}${g}`,
    tags: ['VIP', '台北', '新竹', '台中', '高雄', '新客', '回購', '會員', '電子報', '門市'],
    legacy: 'big5',
    regions: ['TW'],
  },
  HK: {
    family: chars('陳李張黃何梁林劉羅鄭謝郭曾蔡吳袁馮鄧許蘇盧葉朱麥'),
    given: [
      '家偉',
      '嘉欣',
      '詠琪',
      '志偉',
      '俊傑',
      '穎詩',
      '卓健',
      '子晴',
      '曉彤',
      '浩霖',
      '凱琳',
      '美儀',
      '振華',
      '慧敏',
      '國強',
      '淑儀',
      '偉文',
      '樂怡',
      '天佑',
      '家俊',
      '永康',
      '婉婷',
      '錦輝',
      '麗華',
    ],
    join: (f, g) => `${f}${g}`,
    tags: ['VIP', '九龍', '港島', '新界', '會員', '新客', '門市', '網購'],
    legacy: 'big5',
    regions: ['HK'],
  },
  JP: {
    family: [
      '佐藤',
      '鈴木',
      '高橋',
      '田中',
      '伊藤',
      '渡辺',
      '山本',
      '中村',
      '小林',
      '加藤',
      '吉田',
      '山田',
      '佐々木',
      '山口',
      '松本',
      '井上',
      '木村',
      '林',
      '斎藤',
      '清水',
      '山崎',
      '森',
      '池田',
      '橋本',
      '阿部',
      '石川',
      '山下',
      '中島',
      '石井',
      '小川',
      '前田',
      '岡田',
      '長谷川',
      '藤田',
      '後藤',
      '近藤',
      '村上',
      '遠藤',
      '青木',
      '坂本',
    ],
    given: [
      '太郎',
      '花子',
      '一郎',
      '健太',
      '翔太',
      '大輔',
      '拓也',
      '美咲',
      'さくら',
      '陽菜',
      '結衣',
      '葵',
      '蓮',
      '悠真',
      '湊',
      '陽翔',
      'あかり',
      'ゆい',
      'まり',
      'かおる',
      '直樹',
      '由美',
      '恵子',
      '裕子',
      '和也',
      '達也',
      '愛',
      '舞',
    ],
    join: (f, g) => `${f}${g}`,
    tags: ['VIP', '東京', '大阪', '会員', '新規', 'メルマガ', '店舗', 'リピーター'],
    legacy: 'shift_jis',
    regions: ['JP'],
  },
  CN: {
    family: chars(
      '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈',
    ),
    given: [
      '伟',
      '芳',
      '娜',
      '秀英',
      '敏',
      '静',
      '丽',
      '强',
      '磊',
      '军',
      '洋',
      '勇',
      '艳',
      '杰',
      '娟',
      '涛',
      '明',
      '超',
      '秀兰',
      '霞',
      '平',
      '刚',
      '桂英',
      '文',
      '辉',
      '建国',
      '红',
      '玉梅',
      '鹏飞',
      '雪',
      '婷',
      '浩宇',
      '子轩',
      '欣怡',
      '梓涵',
      '俊博',
    ],
    join: (f, g) => `${f}${g}`,
    tags: ['VIP', '北京', '上海', '会员', '新客', '门店', '复购', '电子报'],
    legacy: 'gb18030',
    regions: ['CN'],
  },
  Western: {
    family: [
      'García',
      'Lefèvre',
      'Müller',
      'Dubois',
      'Ødegaard',
      'Åkesson',
      'Muñoz',
      'Conceição',
      'Martin',
      'Groß',
      'Peña',
      'Brontë',
      'Smith',
      'Johnson',
      'Dupont',
      'Fernández',
      'Álvarez',
      'Bernard',
      'Le Guen',
      'Gómez',
      'Ström',
      'Lindqvist',
      "O'Brien",
      'Schäfer',
      'Nuñez',
      'Kowalski',
      'Jensen',
      'Rossi',
      'Bäcker',
      'Côté',
    ],
    given: [
      'José',
      'François',
      'Zoë',
      'Renée',
      'Søren',
      'Björn',
      'Ana',
      'João',
      'Chloé',
      'Jürgen',
      'Inés',
      'Noël',
      'Olivia',
      'John',
      'Emma',
      'Lucas',
      'Mateo',
      'Sofía',
      'Léa',
      'Maël',
      'Andrés',
      'Magnus',
      'Åsa',
      'Hélène',
      'Øyvind',
      'Agnès',
      'Ramón',
      'Anaïs',
      'Frédéric',
      'Thomas',
    ],
    join: (f, g) => `${g} ${f}`,
    tags: ['vip', 'newsletter', 'store', 'online', 'café', 'événement', 'Zürich', 'München'],
    legacy: 'windows-1252',
    regions: ['US', 'FR', 'DE'],
  },
};

/** The locale whose text a legacy encoding carries. */
const LOCALE_OF: Readonly<Record<string, readonly Locale[]>> = {
  big5: ['TW', 'HK'],
  shift_jis: ['JP'],
  gb18030: ['CN'],
  'windows-1252': ['Western'],
};

export interface CorpusFile {
  /** Data rows (the header is extra). */
  readonly rows: number;
  /** The workspace's locale and region (the hint the detector gets). */
  readonly locale: Locale;
  readonly region: string;
  /** The locale whose names the file holds: another one when a supplier abroad sent it. */
  readonly textLocale: Locale;
  readonly encoding: CorpusEncoding;
  /** The text as written, and its bytes as uploaded. */
  readonly text: string;
  readonly bytes: Buffer;
}

export interface CorpusOptions {
  /** Files of each size. */
  readonly filesPerSize: number;
  readonly seed: number;
}

const pick = <T>(next: () => number, items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;

/** One file's text: a LINE file keyed by phone, with a name and tags in the locale's language. */
function fileText(names: Names, rows: number, next: () => number): string {
  const lines = ['name,phone,email,tags'];
  for (let n = 0; n < rows; n++) {
    const name = names.join(pick(next, names.family), pick(next, names.given));
    const phone = `09${String(Math.floor(next() * 1e8)).padStart(8, '0')}`;
    const tags = next() < 0.5 ? '' : [pick(next, names.tags), pick(next, names.tags)].join(',');
    lines.push([name, phone, `c${n}@example.com`, tags].map(csvCell).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** The encoding of one file: the locale's legacy one (40 %), UTF-8 (25 %), UTF-16 (15 %), another's (20 %). */
function encodingOf(locale: Locale, next: () => number): CorpusEncoding {
  const roll = next();
  if (roll < 0.4) return LOCALES[locale].legacy;
  if (roll < 0.65) return 'utf-8';
  if (roll < 0.8) return 'utf-16le';
  const others = (['big5', 'shift_jis', 'gb18030', 'windows-1252'] as const).filter(
    (e) => e !== LOCALES[locale].legacy,
  );
  return pick(next, others);
}

function encode(text: string, encoding: CorpusEncoding): Buffer {
  // Excel's "Unicode text" is UTF-16 LE with a BOM. UTF-8 goes without one (as most tools but Excel write it).
  if (encoding === 'utf-16le')
    return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
  return iconv.encode(text, CODECS[encoding]);
}

/**
 * The corpus: `filesPerSize` files of each size of {@link CORPUS_SIZES}, the workspaces' locales in turn.
 * The same options always give the same files.
 */
export function* encodingCorpus(options: CorpusOptions): Generator<CorpusFile> {
  const next = random(options.seed);
  const locales = Object.keys(LOCALES) as Locale[];
  for (const rows of CORPUS_SIZES) {
    for (let i = 0; i < options.filesPerSize; i++) {
      const locale = locales[i % locales.length] as Locale;
      const encoding = encodingOf(locale, next);
      const textLocale =
        encoding in LOCALE_OF && !(LOCALE_OF[encoding] as readonly Locale[]).includes(locale)
          ? pick(next, LOCALE_OF[encoding] as readonly Locale[])
          : locale;
      const text = fileText(LOCALES[textLocale], rows, next);
      yield {
        rows,
        locale,
        region: pick(next, LOCALES[locale].regions),
        textLocale,
        encoding,
        text,
        bytes: encode(text, encoding),
      };
    }
  }
}
