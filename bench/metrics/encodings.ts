/**
 * Metrics of encoding detection (RULES §2): the corpus of bench/encoding/corpus.ts goes through the
 * splitter's detector with each workspace's region as the hint. A file is decoded right when the chosen
 * encoding gives back the text as written, rejected when the detector refuses it (ENCODING_UNCERTAIN or
 * undecodable), and wrong otherwise — mojibake that would have been imported. Wrong must be 0.
 */
import { decodeBytes, detectEncoding } from '../../shared/pipeline/csv/encoding.js';
import { CORPUS_SIZES, type CorpusFile, encodingCorpus } from '../encoding/corpus.js';
import type { Section } from '../lib/report.js';

export type Verdict = 'right' | 'rejected' | 'wrong';

export interface EncodingResult {
  readonly files: number;
  /** Counts per row count of the file. */
  readonly bySize: Readonly<Record<number, Readonly<Record<Verdict, number>>>>;
  /** Wrong files, to investigate: locale, region, encoding, rows, what was chosen. */
  readonly wrong: readonly string[];
}

/** What the splitter would do with one file. */
export function verdictOf(file: CorpusFile): { verdict: Verdict; chosen: string } {
  const detected = detectEncoding(file.bytes, { region: file.region });
  if (detected.uncertain !== undefined || detected.undecodableAt !== undefined) {
    return { verdict: 'rejected', chosen: detected.uncertain?.join('|') ?? 'undecodable' };
  }
  const text = decodeBytes(file.bytes.subarray(detected.bomLength), detected.encoding);
  return { verdict: text === file.text ? 'right' : 'wrong', chosen: detected.encoding };
}

/** Runs the corpus; `filesPerSize` × 5 sizes files. */
export function measureEncodings(options: { filesPerSize: number; seed: number }): EncodingResult {
  const bySize: Record<number, Record<Verdict, number>> = {};
  for (const size of CORPUS_SIZES) bySize[size] = { right: 0, rejected: 0, wrong: 0 };
  const wrong: string[] = [];
  let files = 0;
  for (const file of encodingCorpus(options)) {
    files++;
    const { verdict, chosen } = verdictOf(file);
    (bySize[file.rows] as Record<Verdict, number>)[verdict]++;
    if (verdict === 'wrong') {
      wrong.push(
        `${file.rows} rows, ${file.textLocale} text in ${file.encoding} for ${file.region}: read as ${chosen}`,
      );
    }
  }
  return { files, bySize, wrong };
}

const percent = (n: number, of: number): string => `${((100 * n) / of).toFixed(1)} %`;

/** The table of shares per size, one line each. */
export function encodingLines(result: EncodingResult): string[] {
  const lines = ['rows | files | decoded right | rejected | WRONG', '---: | ---: | ---: | ---: | ---:'];
  for (const size of CORPUS_SIZES) {
    const c = result.bySize[size] as Record<Verdict, number>;
    const n = c.right + c.rejected + c.wrong;
    lines.push(`${size} | ${n} | ${percent(c.right, n)} | ${percent(c.rejected, n)} | ${c.wrong}`);
  }
  return lines;
}

export function encodingSection(result: EncodingResult): Section {
  const sizes = Object.entries(result.bySize);
  const wrong = sizes.reduce((sum, [, c]) => sum + c.wrong, 0);
  const fromTwenty = sizes.filter(([size]) => Number(size) >= 20).map(([, c]) => c);
  const notRight = fromTwenty.reduce((sum, c) => sum + c.rejected + c.wrong, 0);
  const total = fromTwenty.reduce((sum, c) => sum + c.right + c.rejected + c.wrong, 0);
  return {
    metrics: [
      { name: 'encoding_wrong_imports', value: wrong, goal: { max: 0, text: '0' }, digits: 0 },
      {
        name: 'encoding_not_right_share_20_rows_up',
        value: notRight / total,
        goal: { max: 0.01, text: '≤ 0.01' },
        digits: 4,
      },
    ],
    notes: [
      `encoding_*: ${result.files} generated files (TW, HK, JP, CN and Western names; Big5, Shift_JIS, GB18030, ` +
        "Windows-1252, UTF-8, UTF-16; 1, 2, 5, 20, 100 rows; one in five in another region's legacy encoding) " +
        'through the detector with the workspace region as hint. Wrong = mojibake that would be imported; ' +
        'not right = rejected or wrong, over the files of 20 rows and more.',
      ...encodingLines(result),
      ...result.wrong.map((w) => `wrong: ${w}`),
    ],
    details: { encodings: result },
  };
}
