/**
 * `npm run bench`: every benchmark of the pipeline in one table (metric, value, goal, met?) with the machine
 * it ran on. `--json` also writes bench/results.json; `--quick` runs smaller sizes (a smoke run whose
 * numbers are not comparable to the goals); `--only a,b` measures only what those metrics need.
 * `--million [rows]` runs only the 1M-row import on the local stack (bench/metrics/million.ts), which the
 * default run leaves out: it takes most of an hour.
 *
 * Generated files come from bench/generate.ts (seeded), LINE channel keyed by phone. The emulator is started
 * by this process and stopped at the end.
 */
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError, Option } from 'commander';
import { describePrices } from './cost.js';
import { CORPUS_SIZES } from './encoding/corpus.js';
import { generatedImport, updateOf } from './lib/files.js';
import { LocalEnvironment } from './lib/pipeline.js';
import {
  describeMachine,
  isMet,
  type Metric,
  machineLine,
  metricsJson,
  renderTable,
  type Section,
} from './lib/report.js';
import { awsModelSection } from './metrics/aws.js';
import { cliStartupSection, measureCliStartup } from './metrics/cli-startup.js';
import { type ComponentsResult, componentsSection, measureComponents } from './metrics/components.js';
import { type E2eResult, endToEndSection, measureEndToEnd } from './metrics/e2e.js';
import { encodingSection, measureEncodings } from './metrics/encodings.js';
import { fairnessSection, measureFairness } from './metrics/fairness.js';
import { type ImportPhases, importSection, measureImports } from './metrics/import-costs.js';
import { loadSection, measureLoad } from './metrics/load.js';
import { measureMillion, millionSection } from './metrics/million.js';
import {
  measureProcessorCpu,
  type ProcessorCpuResult,
  processorCpuSecondsPerRow,
  processorSection,
} from './metrics/processor.js';
import { measureQueues, queueSection } from './metrics/queues.js';
import { measureSplitter, type SplitterResult, splitterSection } from './metrics/splitter.js';

/** The metrics each measurement produces. */
const GROUPS = {
  splitter: ['splitter_cpu_ratio', 'splitter_rss_ratio', 'processor_parse_ns_per_row'],
  components: ['components_bytes_per_row', 'components_ns_per_row'],
  queues: ['sqs_messages_per_1000_rows', 'sqs_billed_requests_per_1000_rows'],
  imports: [
    'dynamodb_calls_per_1000_rows_first',
    'dynamodb_calls_per_1000_rows_update',
    'dynamodb_rcu_per_row_first',
    'dynamodb_rcu_per_row_update',
    'dynamodb_wcu_floor_per_row_first',
    'dynamodb_wcu_per_row_first',
    'dynamodb_wcu_floor_per_row_update',
    'dynamodb_wcu_per_row_update',
    'reimport_wcu_per_row',
    'reimport_unique_keys_wcu_per_row',
    'cost_usd_per_million_rows',
    'naive_cost_usd_per_million_rows',
  ],
  processor: ['processor_cpu_us_per_row'],
  e2e: ['e2e_rows_per_second_local', 'e2e_conditional_overhead_ratio', 'e2e_overhead_ratio'],
  aws: ['aws_minutes_per_million_rows_cold', 'aws_minutes_per_million_rows_warm'],
  encodings: ['encoding_wrong_imports', 'encoding_not_right_share_20_rows_up'],
  fairness: ['fairness_ratio', 'fairness_queue_wait_seconds'],
  load: ['load_files_late', 'load_slowest_file_seconds', 'load_dead_letters', 'load_notifications_wrong'],
  cli: [
    'cli_startup_seconds_template',
    'cli_startup_seconds_workspace_show',
    'cli_startup_seconds_export_empty',
  ],
  million: [
    'million_split_seconds',
    'million_splitter_peak_rss_mib',
    'million_moto_peak_rss_mib',
    'million_apply_rows_per_second',
    'million_apply_projected_minutes',
    'million_rows_add_up',
  ],
} as const;

type Group = keyof typeof GROUPS;
const ALL_METRICS: readonly string[] = Object.values(GROUPS).flat();
/** What a run measures unless told otherwise: not the 1M-row import (`--million`) nor the load run (`--load`). */
const OPT_IN: readonly string[] = [...GROUPS.million, ...GROUPS.load];
const DEFAULT_METRICS = ALL_METRICS.filter((name) => !OPT_IN.includes(name));

/** Sizes of a full run (as the goals are stated) and of a quick smoke run. */
const SIZES = {
  full: {
    splitRows: 200_000,
    splitBigRows: 2_000_000,
    splitRuns: 3,
    queueRows: 200_000,
    importRows: 2_000,
    processorRows: 5_000,
    e2eRows: 2_000,
    encodingFilesPerSize: 400,
    componentRows: 10_000_000,
    cliRuns: 7,
    fairnessFiles: 9,
    fairnessRows: 2_000,
  },
  quick: {
    splitRows: 20_000,
    splitBigRows: 200_000,
    splitRuns: 1,
    queueRows: 20_000,
    importRows: 600,
    processorRows: 1_000,
    e2eRows: 2_000,
    encodingFilesPerSize: 40,
    componentRows: 1_000_000,
    cliRuns: 3,
    fairnessFiles: 3,
    fairnessRows: 500,
  },
} as const;

export class UnknownMetricError extends Error {
  constructor(name: string) {
    super(`Unknown metric "${name}". Known metrics: ${ALL_METRICS.join(', ')}`);
    this.name = 'UnknownMetricError';
  }
}

/** `--json` asked of a run that is not a full one: results.json must always come from a full run. */
export class PartialResultsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PartialResultsError';
  }
}

interface Options {
  readonly quick: boolean;
  readonly json: boolean;
  readonly only?: string;
  /** Rows of the end-to-end run instead of the mode's size. */
  readonly e2eRows?: number;
  /** Rows of the 1M-row import (`--million [rows]`; true: 1,000,000); only it runs then. */
  readonly million?: number | true;
  readonly millionApplyMinutes: number;
  readonly millionDryRun: boolean;
  readonly millionWorkers: number;
  /** Also the load run (200 files from 50 workspaces); only with this flag. */
  readonly load: boolean;
}

type Sizes = { -readonly [K in keyof (typeof SIZES)['full']]: number };

function sizesOf(options: Options): Sizes {
  const sizes: Sizes = { ...(options.quick ? SIZES.quick : SIZES.full) };
  if (options.e2eRows !== undefined) sizes.e2eRows = options.e2eRows;
  return sizes;
}

function selected(only: string | undefined, million: boolean): Set<string> {
  if (!only) return new Set(million ? GROUPS.million : DEFAULT_METRICS);
  const names = only
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  for (const name of names) if (!ALL_METRICS.includes(name)) throw new UnknownMetricError(name);
  return new Set(names);
}

function progress(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/** Groups whose measurements another group's metrics are computed from. */
const FEEDS: Partial<Record<Group, readonly Group[]>> = {
  aws: ['splitter', 'components', 'imports', 'e2e', 'processor'],
  imports: ['processor'],
  processor: ['imports'],
};

async function measure(sizes: Sizes, wanted: Set<string>, options: Options): Promise<Section[]> {
  const direct = (group: Group) => GROUPS[group].some((name) => wanted.has(name));
  const needs = (group: Group) =>
    direct(group) ||
    Object.entries(FEEDS).some(([fed, feeds]) => direct(fed as Group) && feeds.includes(group));
  const sections: Section[] = [];
  let splitter: SplitterResult | undefined;
  let components: ComponentsResult | undefined;
  let imports: ImportPhases | undefined;
  let e2e: E2eResult | undefined;
  if (needs('million')) {
    const rows = typeof options.million === 'number' ? options.million : 1_000_000;
    progress(`million: ${rows.toLocaleString('en')} rows through the local stack (its own emulator)`);
    const env = await LocalEnvironment.start();
    try {
      const result = await measureMillion(env, {
        rows,
        applyMinutes: options.millionApplyMinutes,
        dryRun: options.millionDryRun,
        workers: options.millionWorkers,
        progress,
      });
      sections.push(millionSection(result));
    } finally {
      await env.stop();
    }
  }
  if (needs('splitter')) {
    progress(
      `splitter: ${sizes.splitRows.toLocaleString('en')} and ${sizes.splitBigRows.toLocaleString('en')} rows`,
    );
    splitter = await measureSplitter({
      rows: sizes.splitRows,
      bigRows: sizes.splitBigRows,
      runs: sizes.splitRuns,
    });
    sections.push(splitterSection(splitter));
  }
  if (needs('components')) {
    progress(`components: the union-find over ${sizes.componentRows.toLocaleString('en')} rows`);
    components = measureComponents({ rows: sizes.componentRows });
    sections.push(componentsSection(components));
  }
  let processor: ProcessorCpuResult | undefined;
  if (needs('processor')) {
    progress(`processor: CPU of ${sizes.processorRows.toLocaleString('en')} rows over instant ports`);
    processor = await measureProcessorCpu(generatedImport('line', sizes.processorRows, 7));
  }
  if (needs('encodings')) {
    const files = sizes.encodingFilesPerSize * CORPUS_SIZES.length;
    progress(`encodings: ${files.toLocaleString('en')} generated files through the detector`);
    sections.push(encodingSection(measureEncodings({ filesPerSize: sizes.encodingFilesPerSize, seed: 11 })));
  }
  const local: readonly Group[] = ['queues', 'imports', 'e2e', 'cli', 'fairness', 'load'];
  if (!local.some(needs)) return sections;
  progress('starting the emulator');
  const env = await LocalEnvironment.start();
  try {
    if (needs('queues')) {
      progress(`queues: splitting ${sizes.queueRows.toLocaleString('en')} rows on the emulator`);
      sections.push(queueSection(await measureQueues(env, generatedImport('line', sizes.queueRows, 3))));
    }
    if (needs('cli')) {
      progress(`cli: start-up of ordinary commands, ${sizes.cliRuns} runs each`);
      sections.push(cliStartupSection(await measureCliStartup(env, sizes.cliRuns)));
    }
    if (needs('load')) {
      const load = { workspaces: 50, filesPerWorkspace: 4, rowsPerFile: 20, timeoutSeconds: 600 };
      progress('load: 200 files of 20 rows from 50 workspaces at once');
      sections.push(loadSection(await measureLoad(env, load)));
    }
    if (needs('fairness')) {
      const fairness = { backlogFiles: sizes.fairnessFiles, backlogRows: sizes.fairnessRows, smallRows: 25 };
      progress(
        `fairness: a 25-row import behind ${fairness.backlogFiles} files of ${fairness.backlogRows} rows`,
      );
      sections.push(fairnessSection(await measureFairness(env, fairness)));
    }
    if (needs('e2e')) {
      progress(`e2e: ${sizes.e2eRows.toLocaleString('en')} rows through the local pipeline`);
      e2e = await measureEndToEnd(env, generatedImport('line', sizes.e2eRows, 5));
      sections.push(endToEndSection(e2e));
    }
    if (needs('imports')) {
      progress(`imports: ${sizes.importRows.toLocaleString('en')} rows, first / update / reimport, metered`);
      const first = generatedImport('line', sizes.importRows, 1);
      const unique = wanted.has('reimport_unique_keys_wcu_per_row')
        ? generatedImport('line', Math.ceil(sizes.importRows / 3), 2, { duplicateRate: 0 })
        : undefined;
      imports = await measureImports(env, { first, update: updateOf(first), ...(unique ? { unique } : {}) });
      if (processor) sections.push(processorSection(processor, imports.first));
      const cpuSecondsPerRow = processor && processorCpuSecondsPerRow(processor, imports.first);
      sections.push(importSection(imports, cpuSecondsPerRow));
    }
  } finally {
    await env.stop();
  }
  if (direct('aws') && splitter && components && imports && e2e && processor) {
    sections.push(awsModelSection({ splitter, components, imports, e2e, processor }));
  }
  return sections;
}

async function main(options: Options): Promise<void> {
  // The handlers' INFO logs and the SDK's notice that its 2027 releases need Node 22 would bury the table.
  process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  if (options.json) {
    const partial = [
      options.quick && '--quick',
      options.only !== undefined && '--only',
      options.million !== undefined && '--million',
      options.e2eRows !== undefined && '--e2e-rows',
    ].filter(Boolean);
    if (partial.length > 0) {
      throw new PartialResultsError(
        `--json writes bench/results.json, which comes from a full run only; drop ${partial.join(', ')} or --json`,
      );
    }
  }
  const wanted = selected(options.only, options.million !== undefined);
  // The load run's metrics are measured only when asked for (`--load`, or by name with `--only`).
  if (options.load) for (const name of GROUPS.load) wanted.add(name);
  const sizes = sizesOf(options);
  const started = performance.now();
  const machine = describeMachine();
  const loadBefore = os.loadavg();
  const sections = await measure(sizes, wanted, options);
  const seconds = (performance.now() - started) / 1000;
  const loadAfter = os.loadavg();
  const order = (m: Metric) => ALL_METRICS.indexOf(m.name);
  const metrics = sections
    .flatMap((s) => s.metrics)
    .filter((m) => wanted.has(m.name))
    .sort((a, b) => order(a) - order(b));

  const load = (l: number[]) => l.map((n) => n.toFixed(2)).join(' ');
  const lines = [
    `Benchmarks${options.quick ? ' — QUICK RUN: small sizes, a smoke test; the numbers are NOT comparable to the goals' : ''}`,
    `Machine: ${machineLine(machine)}`,
    `Load average (1, 5, 15 min) before ${load(loadBefore)}, after ${load(loadAfter)}`,
    '',
    renderTable(metrics),
    '',
    'What the numbers are:',
    ...sections.flatMap((s) => s.notes).map((n) => `- ${n}`),
    '',
    `Prices: ${describePrices()}.`,
    `Took ${(seconds / 60).toFixed(1)} min.`,
  ];
  console.log(lines.join('\n'));

  if (options.json) {
    const file = fileURLToPath(new URL('./results.json', import.meta.url));
    const results = {
      quick: options.quick,
      machine,
      load: { before: loadBefore, after: loadAfter },
      sizes,
      seconds,
      metrics: metricsJson(metrics),
      notes: sections.flatMap((s) => s.notes),
      details: sections.map((s) => s.details),
    };
    await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
    progress(`wrote ${file}`);
  }
  if (metrics.some((m) => isMet(m) === false)) progress('some metrics miss their goal (see "met?")');
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`not a positive whole number: ${value}`);
  return n;
}

const program = new Command('bench')
  .description('Runs the benchmarks and prints one table: metric, value, goal, met?')
  .option('--quick', 'small sizes for a fast smoke run (clearly labelled)', false)
  .option('--json', 'also write bench/results.json', false)
  .option(
    '--load',
    'also the load run: 200 files of 20 rows from 50 workspaces at once (up to 12 minutes on the emulator)',
    false,
  )
  .addOption(new Option('--only <metrics>', `comma-separated metric names: ${ALL_METRICS.join(', ')}`))
  .addOption(
    new Option(
      '--e2e-rows <rows>',
      `rows of the end-to-end run (default ${SIZES.full.e2eRows}, quick ${SIZES.quick.e2eRows})`,
    ).argParser(positiveInteger),
  )
  .addOption(
    new Option(
      '--million [rows]',
      'only the 1M-row import on the local stack: split, then apply for --million-apply-minutes',
    ).argParser(positiveInteger),
  )
  .addOption(
    new Option('--million-apply-minutes <minutes>', 'longest apply of --million; 0: until it completes')
      .argParser((value) => (value === '0' ? 0 : positiveInteger(value)))
      .default(10),
  )
  .option(
    '--million-dry-run',
    'upload the 1M-row file to dry-run/ (rows decided and counted, none written)',
    false,
  )
  .addOption(
    new Option('--million-workers <pollers>', 'pollers a queue in the apply of --million')
      .argParser(positiveInteger)
      .default(4),
  )
  .action(async (options: Options) => {
    try {
      await main(options);
    } catch (err) {
      if (!(err instanceof UnknownMetricError || err instanceof PartialResultsError)) throw err;
      program.error(err.message);
    }
  });

await program.parseAsync(process.argv);
