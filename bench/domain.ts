/**
 * Domain benchmark: validate + normalise rows/s and µs/row of `createRowValidator` for each channel, beside
 * csv-parse's own time for the same rows (the same generated CSV text parsed with csv-parse alone), and the
 * cost of `decide` for valid rows against no candidates (the create path). Times are CPU time of the process
 * (user + system, `process.cpuUsage`), so that other work on a shared machine does not inflate them; the
 * wall-clock time of validation is shown beside. Prints a table with the machine.
 *
 * Run: `npx tsx bench/domain.ts [rows]` (default 200,000 rows per channel), or call `runDomainBench()`.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parse } from 'csv-parse/sync';
import { isIssue } from '../shared/domain/channels.js';
import { decide } from '../shared/domain/decide.js';
import { mapHeader } from '../shared/domain/header.js';
import type { Channel, RowInput } from '../shared/domain/model.js';
import { createRowValidator } from '../shared/domain/row.js';
import { generateCsv } from './generate.js';

export interface DomainBenchOptions {
  /** Rows per channel. @default 200000 */
  readonly rows?: number;
  readonly seed?: number;
  readonly channels?: readonly Channel[];
}

export interface DomainBenchRow {
  readonly channel: Channel;
  readonly rows: number;
  readonly ok: number;
  readonly failed: number;
  readonly skipped: number;
  /** csv-parse alone on the same text, CPU µs per row. */
  readonly parseUsPerRow: number;
  /** Header mapping, validator compilation and every row's validation and normalisation, CPU µs per row. */
  readonly validateUsPerRow: number;
  readonly validateRowsPerSecond: number;
  /** The same, wall-clock µs per row (inflated when the machine is busy). */
  readonly validateWallUsPerRow: number;
  /** `decide` against no candidates, CPU µs per valid row (a sample of up to 50,000 rows). */
  readonly decideUsPerRow: number;
}

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly node: string;
}

export function machine(): Machine {
  return { cpu: os.cpus()[0]?.model.trim() ?? 'unknown', cores: os.cpus().length, node: process.version };
}

const NOW = new Date('2024-06-01T04:00:00.000Z');
const SETTINGS = { region: 'TW', timeZone: 'Asia/Taipei' };

/** CPU microseconds (user + system) since a `process.cpuUsage()` reading. */
function cpuSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return used.user + used.system;
}

const DECIDE_SAMPLE = 50_000;

function benchChannel(channel: Channel, rows: number, seed: number): DomainBenchRow {
  const file = generateCsv({ channel, rows, seed, duplicateRate: 0.1, invalidRate: 0.05 });

  const parseCpu = process.cpuUsage();
  const records: string[][] = parse(file.text, { bom: true, relax_column_count: true });
  const parseUs = cpuSince(parseCpu);

  const validateCpu = process.cpuUsage();
  const validateWall = performance.now();
  const mapping = mapHeader(records[0] as string[], channel, file.key, []);
  if (isIssue(mapping)) throw new Error(`bench header rejected: ${mapping.message}`);
  const validate = createRowValidator({ mapping, settings: SETTINGS, now: NOW });
  let ok = 0;
  let failed = 0;
  let skipped = 0;
  const sample: RowInput[] = [];
  for (let i = 1; i < records.length; i++) {
    const result = validate(records[i] as string[], i + 1);
    if (result.ok) {
      ok++;
      if (sample.length < DECIDE_SAMPLE) sample.push(result.row);
    } else if (result.outcome === 'failed') failed++;
    else skipped++;
  }
  const validateUs = cpuSince(validateCpu);
  const validateWallUs = (performance.now() - validateWall) * 1000;

  const ctx = {
    workspace: 'bench',
    importId: 'bench.000000000000000000000000',
    channel,
    now: NOW.toISOString(),
    newContactId: 'c-bench',
  };
  const decideCpu = process.cpuUsage();
  for (const row of sample) decide(row, { byKey: [], byIdentity: [] }, ctx);
  const decideUs = cpuSince(decideCpu);

  return {
    channel,
    rows,
    ok,
    failed,
    skipped,
    parseUsPerRow: parseUs / rows,
    validateUsPerRow: validateUs / rows,
    validateRowsPerSecond: rows / (validateUs / 1_000_000),
    validateWallUsPerRow: validateWallUs / rows,
    decideUsPerRow: sample.length === 0 ? 0 : decideUs / sample.length,
  };
}

/**
 * Runs the benchmark and returns one result per channel. A small warm-up run first lets the JIT settle.
 *
 * @example
 * const results = runDomainBench({ rows: 50_000 });
 */
export function runDomainBench(options: DomainBenchOptions = {}): DomainBenchRow[] {
  const rows = options.rows ?? 200_000;
  const seed = options.seed ?? 20240601;
  const channels = options.channels ?? (['line', 'edm', 'whatsapp'] as const);
  for (const channel of channels) benchChannel(channel, Math.min(rows, 20_000), seed + 1);
  return channels.map((channel) => benchChannel(channel, rows, seed));
}

/** The results as a Markdown table, with the machine. */
export function formatDomainBench(results: readonly DomainBenchRow[], host: Machine = machine()): string {
  const fixed = (n: number, digits = 2) => n.toFixed(digits);
  const lines = [
    `Machine: ${host.cpu}, ${host.cores} cores, Node ${host.node}`,
    '',
    '| channel | rows | ok / failed / skipped | csv-parse µs/row | validate µs/row | validate rows/s | validate ÷ parse | decide µs/row | validate wall µs/row |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...results.map(
      (r) =>
        `| ${r.channel} | ${r.rows.toLocaleString('en-US')} | ${r.ok} / ${r.failed} / ${r.skipped} | ${fixed(r.parseUsPerRow)} | ` +
        `${fixed(r.validateUsPerRow)} | ${Math.round(r.validateRowsPerSecond).toLocaleString('en-US')} | ` +
        `${fixed(r.validateUsPerRow / r.parseUsPerRow)} | ${fixed(r.decideUsPerRow)} | ${fixed(r.validateWallUsPerRow)} |`,
    ),
    '',
    'µs/row and rows/s are CPU time of the process (user + system); wall time is inflated when the machine is busy.',
  ];
  return lines.join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = Number(process.argv[2] ?? 200_000);
  console.log(formatDomainBench(runDomainBench({ rows })));
}
