/**
 * Metrics 1 and 2, from the splitter's own benchmark (`bench/split.ts`): CPU time per row of `splitFile`
 * over csv-parse alone on the same generated file in the same process, and the peak RSS of a split of
 * ten times as many rows over the peak RSS of the smaller split, each in a child process.
 */
import type { Section } from '../lib/report.js';
import { runSplitBench, type SplitBenchResult } from '../split.js';

export interface SplitterSizes {
  /** Rows of the CPU comparison (and of the smaller RSS run). */
  readonly rows: number;
  /** Rows of the larger RSS run. */
  readonly bigRows: number;
  /** CPU measurements per candidate (the median is kept). */
  readonly runs: number;
}

export interface SplitterResult {
  readonly sizes: SplitterSizes;
  readonly cpuRatio: number;
  readonly rssRatio: number;
  readonly bench: SplitBenchResult;
}

/**
 * @example
 * const { cpuRatio, rssRatio } = await measureSplitter({ rows: 200_000, bigRows: 2_000_000, runs: 3 });
 */
export async function measureSplitter(sizes: SplitterSizes): Promise<SplitterResult> {
  const bench = await runSplitBench({ ...sizes, print: false });
  const [small, big] = bench.peakRss;
  const rssRatio = small && big ? big.peakMiB / small.peakMiB : Number.NaN;
  return { sizes, cpuRatio: bench.ratio, rssRatio, bench };
}

/** The section of the report. */
export function splitterSection(result: SplitterResult): Section {
  const { bench, sizes } = result;
  const us = bench.usPerRow;
  const [small, big] = bench.peakRss;
  return {
    metrics: [
      { name: 'splitter_cpu_ratio', value: result.cpuRatio, goal: { max: 2, text: '≤ 2.0 (stretch 1.6)' } },
      { name: 'splitter_rss_ratio', value: result.rssRatio, goal: { max: 1.2, text: '≤ 1.2' } },
      { name: 'processor_parse_ns_per_row', value: bench.processorParseNsPerRow, digits: 0 },
    ],
    notes: [
      `splitter_cpu_ratio: CPU µs per row of splitFile (read, tokenise, validate, normalise, buffer, serialise) ÷ csv-parse alone, the same ${sizes.rows.toLocaleString('en')}-row generated LINE file in one process, median of ${sizes.runs}: ${us.splitter.toFixed(2)} ÷ ${us.csvParse.toFixed(2)} µs (tokenizer alone ${us.tokenizer.toFixed(2)}, row validation alone ${us.validator.toFixed(2)}; without validation the ratio is ${bench.ratioWithoutValidation.toFixed(2)}).`,
      `processor_parse_ns_per_row: CPU ns per valid row of parseMessage over the batch messages of that split (what reading a batch costs the processor, information), median of ${sizes.runs}.`,
      `splitter_rss_ratio: peak RSS splitting ${big?.rows.toLocaleString('en')} rows (${big?.peakMiB.toFixed(0)} MiB) ÷ ${small?.rows.toLocaleString('en')} rows (${small?.peakMiB.toFixed(0)} MiB), each a child process streaming the file from disk.`,
    ],
    details: { sizes, ...bench },
  };
}
