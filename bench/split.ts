/**
 * Splitter benchmark: CPU time per row of `splitFile` against csv-parse alone on the same 200,000-row file
 * in the same process (goal: ratio ≤ 2.0), with the split of that time into its parts, and the peak RSS of
 * a split of 200,000 and of 2,000,000 rows, each in a child process that streams the file from disk (the
 * splitter must not hold a file in memory: the two peaks should be close).
 *
 * Run: `npx tsx bench/split.ts` (prints a table), or call `runSplitBench()`.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse } from 'csv-parse';
import { isIssue } from '../shared/domain/channels.js';
import { mapHeader } from '../shared/domain/header.js';
import { createRowValidator } from '../shared/domain/row.js';
import { readRecordBatches } from '../shared/pipeline/csv/reader.js';
import { parseMessage } from '../shared/pipeline/messages.js';
import type { ObjectHead, ObjectStore } from '../shared/pipeline/part-store.js';
import type { MessageSender, OutgoingMessage } from '../shared/pipeline/split/ports.js';
import { type SplitDeps, splitFile } from '../shared/pipeline/split/split-file.js';
import { MemoryImportLedger, MemoryWorkspaceStore } from '../test/helpers/split/fakes.js';
import { generateCsv } from './generate.js';

const KEY = 'incoming/bench/line/phone/contacts.csv';
/** Rows generated at a time, so that the parent never holds the 2,000,000-row file either. */
const PIECE_ROWS = 200_000;

/**
 * Writes a LINE import keyed by phone (every template column; 5 % repeated keys, 2 % invalid rows) of
 * `rows` rows, generated piece by piece. Returns its header.
 */
export async function writeCsv(file: string, rows: number): Promise<readonly string[]> {
  const out = createWriteStream(file);
  let header: readonly string[] = [];
  for (let from = 0; from < rows; from += PIECE_ROWS) {
    const piece = generateCsv({
      channel: 'line',
      rows: Math.min(PIECE_ROWS, rows - from),
      seed: 1 + from / PIECE_ROWS,
      duplicateRate: 0.05,
      invalidRate: 0.02,
    });
    header = piece.header;
    const text = from === 0 ? piece.text : piece.text.slice(piece.text.indexOf('\n') + 1);
    if (!out.write(text)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  out.end();
  await finished(out);
  return header;
}

/** The upload bucket over one local file; whatever the splitter writes is counted and dropped. */
class FileObjectStore implements ObjectStore {
  written = 0;
  constructor(private readonly file: string) {}
  async getText(): Promise<string | undefined> {
    return undefined;
  }
  async getStream(_key: string, opts: { start?: number } = {}): Promise<Readable> {
    return createReadStream(this.file, { start: opts.start ?? 0, highWaterMark: 64 * 1024 });
  }
  async head(): Promise<ObjectHead> {
    return { size: (await stat(this.file)).size, versionId: 'v1' };
  }
  async put(_key: string, body: string | Uint8Array): Promise<void> {
    this.written += typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  }
  async putIfAbsent(key: string, body: string): Promise<boolean> {
    await this.put(key, body);
    return true;
  }
  async putStream(): Promise<void> {}
  async list(): Promise<string[]> {
    return [];
  }
  async presign(key: string): Promise<string> {
    return key;
  }
}

class CountingSender implements MessageSender {
  messages = 0;
  bytes = 0;
  /** The bodies sent, when kept. */
  readonly bodies: string[] = [];
  constructor(private readonly keep = false) {}
  async send(messages: readonly OutgoingMessage[]): Promise<void> {
    this.messages += messages.length;
    for (const m of messages) {
      this.bytes += Buffer.byteLength(m.body);
      if (this.keep) this.bodies.push(m.body);
    }
  }
}

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

async function split(
  file: string,
  keepBodies = false,
): Promise<{ rows: number; validRows: number; messages: number; bodies: string[] }> {
  const batches = new CountingSender(keepBodies);
  const ledger = new MemoryImportLedger();
  const deps: SplitDeps = {
    store: new FileObjectStore(file),
    ledger,
    workspaces: new MemoryWorkspaceStore(),
    batches,
    continuations: new CountingSender(),
    sendAggregate: async () => undefined,
    operators: { publish: async () => undefined },
    remainingTimeMs: () => 900_000,
    logger: silent,
  };
  const result = await splitFile({ kind: 'object', bucket: 'bench', key: KEY }, deps);
  const rows = 'rowsTotal' in result ? result.rowsTotal : 0;
  const counts = [...ledger.jobs.values()][0]?.counts;
  const validRows = rows - (counts ? counts.failed + counts.skipped : 0);
  return { rows, validRows, messages: batches.messages, bodies: batches.bodies };
}

/** The processor's reading of the batch messages of a split of `file`: returns a run over them, and their rows. */
async function processorParse(file: string): Promise<{ run: () => Promise<number>; rows: number }> {
  const { bodies, validRows } = await split(file, true);
  const run = async () => {
    let rows = 0;
    for (const body of bodies) rows += parseMessage(body, 'batch').rows.length;
    return rows;
  };
  return { run, rows: validRows };
}

/** CPU time (user + system) of `run`, in microseconds. */
async function cpuMicros(run: () => Promise<unknown>): Promise<number> {
  const start = process.cpuUsage();
  await run();
  const used = process.cpuUsage(start);
  return used.user + used.system;
}

/** Median of `times` runs, after one warm-up run. */
async function median(times: number, run: () => Promise<unknown>): Promise<number> {
  await run();
  const samples: number[] = [];
  for (let i = 0; i < times; i++) samples.push(await cpuMicros(run));
  samples.sort((a, b) => a - b);
  return samples[Math.floor(times / 2)] as number;
}

async function csvParseAlone(file: string): Promise<number> {
  let records = 0;
  for await (const _ of createReadStream(file, { highWaterMark: 64 * 1024 }).pipe(parse())) records++;
  return records;
}

async function tokenizerAlone(file: string): Promise<number> {
  let records = 0;
  const chunks = createReadStream(file, { highWaterMark: 64 * 1024 });
  for await (const batch of readRecordBatches(chunks, {
    encoding: 'utf-8',
    delimiter: ',',
    startByte: 0,
    maxCellBytes: 65536,
  })) {
    records += batch.length;
  }
  return records;
}

/** Validation alone, over cells already parsed (so the cost of reading is not counted twice). */
async function validatorAlone(file: string, header: readonly string[]): Promise<() => Promise<number>> {
  const cells: string[][] = [];
  for await (const batch of readRecordBatches(createReadStream(file), {
    encoding: 'utf-8',
    delimiter: ',',
    startByte: 0,
    maxCellBytes: 65536,
  })) {
    for (const record of batch) if (record.rowNumber > 1) cells.push(record.cells);
  }
  const mapping = mapHeader(header, 'line', 'phone', []);
  if (isIssue(mapping)) throw new Error(mapping.message);
  return async () => {
    const validate = createRowValidator({
      mapping,
      settings: { region: 'TW', timeZone: 'Asia/Taipei' },
      now: new Date(),
    });
    let ok = 0;
    for (let i = 0; i < cells.length; i++) if (validate(cells[i] as string[], i + 2).ok) ok++;
    return ok;
  };
}

/** Runs one split of `file` in a child process and returns its peak resident set size in MiB. */
function peakRssOfChild(file: string): { peakMiB: number; rows: number } {
  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), '--rss-child', file],
    {
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    },
  );
  if (child.status !== 0) throw new Error(`RSS child failed: ${child.stderr}`);
  const { maxRssKiB, rows } = JSON.parse(child.stdout.trim().split('\n').pop() as string);
  return { peakMiB: maxRssKiB / 1024, rows };
}

export interface SplitBenchResult {
  readonly machine: string;
  readonly rows: number;
  readonly usPerRow: {
    readonly csvParse: number;
    readonly tokenizer: number;
    readonly validator: number;
    readonly splitter: number;
  };
  /** CPU to parse the batch messages in the processor (`parseMessage`), per valid row, in nanoseconds. */
  readonly processorParseNsPerRow: number;
  /** Splitter CPU per row over csv-parse CPU per row (goal ≤ 2.0). */
  readonly ratio: number;
  /** The same without the domain's row validation: what the splitter itself adds. */
  readonly ratioWithoutValidation: number;
  readonly messagesPer1000ValidRows: number;
  readonly peakRss: readonly { readonly rows: number; readonly peakMiB: number }[];
}

/**
 * @example
 * const result = await runSplitBench(); // prints a table
 * result.ratio; // e.g. 1.9
 */
export async function runSplitBench(
  options: { rows?: number; bigRows?: number; runs?: number; print?: boolean } = {},
): Promise<SplitBenchResult> {
  const rows = options.rows ?? 200_000;
  const bigRows = options.bigRows ?? 2_000_000;
  const runs = options.runs ?? 3;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'split-bench-'));
  try {
    const file = path.join(dir, 'rows.csv');
    const header = await writeCsv(file, rows);
    const csvParse = await median(runs, () => csvParseAlone(file));
    const tokenizer = await median(runs, () => tokenizerAlone(file));
    const validator = await median(runs, await validatorAlone(file, header));
    let messages = 0;
    let validRows = 0;
    const splitter = await median(runs, async () => {
      ({ messages, validRows } = await split(file));
    });
    const parsing = await processorParse(file);
    const parseMicros = await median(runs, parsing.run);
    const big = path.join(dir, 'big.csv');
    await writeCsv(big, bigRows);
    const peakRss = [
      { rows, peakMiB: peakRssOfChild(file).peakMiB },
      { rows: bigRows, peakMiB: peakRssOfChild(big).peakMiB },
    ];
    const perRow = (micros: number) => micros / rows;
    const result: SplitBenchResult = {
      machine: `${os.cpus()[0]?.model ?? 'unknown CPU'} ×${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
      rows,
      usPerRow: {
        csvParse: perRow(csvParse),
        tokenizer: perRow(tokenizer),
        validator: perRow(validator),
        splitter: perRow(splitter),
      },
      processorParseNsPerRow: (parseMicros * 1000) / parsing.rows,
      ratio: splitter / csvParse,
      ratioWithoutValidation: (splitter - validator) / csvParse,
      messagesPer1000ValidRows: (messages / validRows) * 1000,
      peakRss,
    };
    if (options.print ?? true) printTable(result);
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function printTable(r: SplitBenchResult): void {
  const f = (n: number) => n.toFixed(2);
  console.log(`Splitter benchmark — ${r.rows.toLocaleString('en')} rows — ${r.machine}`);
  console.table({
    'csv-parse alone': { 'CPU µs/row': f(r.usPerRow.csvParse), 'vs csv-parse': '1.00' },
    'tokenizer alone': {
      'CPU µs/row': f(r.usPerRow.tokenizer),
      'vs csv-parse': f(r.usPerRow.tokenizer / r.usPerRow.csvParse),
    },
    'row validation alone (domain)': {
      'CPU µs/row': f(r.usPerRow.validator),
      'vs csv-parse': f(r.usPerRow.validator / r.usPerRow.csvParse),
    },
    'splitFile (all of it)': { 'CPU µs/row': f(r.usPerRow.splitter), 'vs csv-parse': f(r.ratio) },
    'splitFile minus validation': {
      'CPU µs/row': f(r.usPerRow.splitter - r.usPerRow.validator),
      'vs csv-parse': f(r.ratioWithoutValidation),
    },
  });
  console.table(
    Object.fromEntries(
      r.peakRss.map((p) => [`${p.rows.toLocaleString('en')} rows`, { 'peak RSS MiB': p.peakMiB.toFixed(0) }]),
    ),
  );
  console.log(
    `Processor: parsing batch messages, ${r.processorParseNsPerRow.toFixed(0)} ns CPU per valid row`,
  );
  console.log(`Batch messages per 1,000 valid rows: ${r.messagesPer1000ValidRows.toFixed(2)} (goal ≤ 2)`);
}

const entry = process.argv[1] ? pathToFileURL(process.argv[1]).href : '';
if (import.meta.url === entry) {
  const child = process.argv.indexOf('--rss-child');
  if (child > 0) {
    const { rows } = await split(process.argv[child + 1] as string);
    console.log(JSON.stringify({ rows, maxRssKiB: process.resourceUsage().maxRSS }));
  } else {
    await runSplitBench();
  }
}
