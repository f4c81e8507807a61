/**
 * The splitter's component index (RULES §9): the union-find it builds over a file's identifier cells before
 * it sends a batch, measured at 10 million rows of a LINE file keyed by `line_uid` with phone, email and
 * customer_id columns (one identifier value in twenty repeats an earlier row's, so components link). Reports
 * the index's own bytes per row (its peak), the growth of the process's resident memory (at its peak and at
 * the end), and the time per row.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { isIssue } from '../../shared/domain/channels.js';
import { mapHeader } from '../../shared/domain/header.js';
import { createPhoneNormaliser } from '../../shared/domain/normalise/phone.js';
import { ComponentIndex, identifierColumns } from '../../shared/pipeline/split/components.js';
import type { Section } from '../lib/report.js';

export interface ComponentsResult {
  readonly rows: number;
  readonly distinctValues: number;
  readonly indexBytes: number;
  readonly rssGrowthBytes: number;
  readonly peakRssGrowthBytes: number;
  readonly nsPerRow: number;
}

const HEADER = ['line_uid', 'phone', 'email', 'customer_id', 'name'];

/** Row i's cells; every twentieth value repeats one of an earlier row, as families and duplicates do. */
function cellsOf(i: number): string[] {
  const echo = (n: number) => (n % 20 === 19 ? Math.floor(n / 3) : n);
  return [
    `U${echo(i).toString(16).padStart(32, '0')}`,
    `+8869${String(10_000_000 + (echo(i + 7) % 90_000_000)).padStart(8, '0')}`,
    `user${echo(i + 11)}@example.com`,
    `C${echo(i + 13)}`,
    'Ann',
  ];
}

/** Resident memory at its highest since the last reset (Linux: VmHWM), or undefined where it cannot be read. */
function peakRss(): number | undefined {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

/** Resets the high-water mark of resident memory (Linux), so VmHWM then measures this build alone. */
function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/**
 * @example
 * const { indexBytes, rows } = measureComponents({ rows: 10_000_000 });
 */
export function measureComponents({ rows }: { rows: number }): ComponentsResult {
  const mapping = mapHeader(HEADER, 'line', 'line_uid', []);
  if (isIssue(mapping)) throw new Error(`bench header refused: ${mapping.code}`);
  const columns = identifierColumns(mapping);
  if (!columns) throw new Error('bench header has no identifier columns beyond the key');
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  const hwmReset = resetPeakRss();
  let sampledPeak = rssBefore;
  const index = new ComponentIndex(columns, createPhoneNormaliser('TW'));
  const started = process.hrtime.bigint();
  for (let i = 0; i < rows; i++) {
    index.addRow(i + 2, cellsOf(i));
    if ((i & 0xffff) === 0) sampledPeak = Math.max(sampledPeak, process.memoryUsage.rss());
  }
  const tags = index.tags();
  const elapsedNs = Number(process.hrtime.bigint() - started);
  const rssAfter = process.memoryUsage().rss;
  const hwm = hwmReset ? peakRss() : undefined;
  const rssGrowthBytes = Math.max(0, rssAfter - rssBefore);
  const peakRssGrowthBytes = Math.max(0, Math.max(sampledPeak, rssAfter, hwm ?? 0) - rssBefore);
  if (tags.length < rows) throw new Error(`expected ${rows} tags, got ${tags.length}`);
  return {
    rows,
    distinctValues: index.size,
    indexBytes: index.bytes,
    rssGrowthBytes,
    peakRssGrowthBytes,
    nsPerRow: elapsedNs / rows,
  };
}

/** The section of the report. */
export function componentsSection(result: ComponentsResult): Section {
  const mb = (b: number) => (b / 1e6).toFixed(0);
  return {
    metrics: [
      {
        name: 'components_bytes_per_row',
        value: result.indexBytes / result.rows,
        unit: 'B',
        goal: { max: 50, text: '≤ 50 B a row (half the 1,024 MB splitter at 10M rows)' },
        digits: 1,
      },
      { name: 'components_ns_per_row', value: result.nsPerRow, unit: 'ns', digits: 0 },
    ],
    notes: [
      `components: ${result.rows.toLocaleString('en')} rows, 4 identifier columns, ${result.distinctValues.toLocaleString('en')} distinct fingerprints: index ${mb(result.indexBytes)} MB at its peak (${(result.indexBytes / result.rows).toFixed(1)} B a row), resident memory grew ${mb(result.peakRssGrowthBytes)} MB at its peak and ${mb(result.rssGrowthBytes)} MB by the end (cells generated on the fly, garbage included), ${result.nsPerRow.toFixed(0)} ns a row (fingerprints, phone canonical form, union-find). The splitter reads the file once for this before it sends a batch.`,
    ],
    details: { ...result },
  };
}
