/**
 * `demo`: the README's quick start in one command. Starts a local stack in this process, defines the
 * examples' custom field, submits every file of `examples/`, waits for each import, prints its summary,
 * the first rows of its failures.csv and where its report was saved, exports the contacts and imports
 * them again (every row `unchanged`), prints a table of all the imports, then stops everything (also on
 * Ctrl-C or an error). Exit 0 when every import ended as intended, 1 otherwise.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { findMotoServer } from '../../infra/local/emulator.js';
import { loadConfig } from '../../shared/config.js';
import { REPORT_COLUMNS } from '../../shared/domain/channels.js';
import type { Channel, KeyName } from '../../shared/domain/model.js';
import type { ImportSummary } from '../../shared/pipeline/aggregate/summary.js';
import { type CommandContext, EXIT } from '../context.js';
import {
  DEMO_FIELDS,
  DEMO_IMPORTS,
  DEMO_SETTINGS,
  DEMO_WORKSPACE,
  type DemoImport,
  EXAMPLES_DIR,
} from '../demo-plan.js';
import { summaryLines, summaryTable } from '../format.js';
import { type CliIO, println } from '../io.js';
import { type LocalStack, startLocalStack } from '../local/stack.js';
import { localDir } from '../local/state.js';
import { contactStore, workspaceStore } from '../stores.js';
import { localStackEnv, type Target, targetFor } from '../target.js';
import { writeCsvExport } from './export.js';
import { awaitSummary, downloadReport, uploadImport } from './imports.js';

/** Rows of failures.csv the demo shows per import. */
const FAILURES_SHOWN = 6;

/** `row 5  KEY_EMPTY  The key value is empty: …` for the first failed or skipped rows. */
export function failureLines(failuresCsv: string, limit = FAILURES_SHOWN): string[] {
  const records = parse(failuresCsv, { bom: true, relax_column_count: true }) as string[][];
  const [header, ...rows] = records;
  if (!header) return [];
  const at = (name: string) => header.indexOf(name);
  const [rowAt, codeAt, messageAt] = REPORT_COLUMNS.map(at) as [number, number, number];
  const lines = rows.slice(0, limit).map((row) => `  row ${row[rowAt]}  ${row[codeAt]}  ${row[messageAt]}`);
  if (rows.length > limit) lines.push(`  … and ${rows.length - limit} more`);
  return lines;
}

interface DemoResult {
  readonly name: string;
  readonly summary: ImportSummary;
  /** Whether the import ended as the demo intends. */
  readonly asIntended: boolean;
}

/** Submits one file as the command line would, waits, prints its summary; says so when it surprises. */
async function importFile(
  io: CliIO,
  target: Target,
  file: { dir: string; name: string; channel: Channel; key: KeyName; dryRun?: boolean },
  intended: (summary: ImportSummary) => string | undefined,
): Promise<{ importId: string; result: DemoResult }> {
  const shown = file.dir === EXAMPLES_DIR ? `examples/${file.name}` : file.name;
  println(
    io.stdout,
    `$ npm run cli -- submit ${shown} -w ${DEMO_WORKSPACE} -c ${file.channel} -k ${file.key}${file.dryRun ? ' --dry-run' : ''} --wait`,
  );
  const submitted = await uploadImport(target, file.dir, file.name, {
    workspace: DEMO_WORKSPACE,
    channel: file.channel,
    key: file.key,
    dryRun: file.dryRun === true,
  });
  const summary = await awaitSummary(target, io, DEMO_WORKSPACE, submitted.importId, 300);
  for (const line of summaryLines(summary)) println(io.stdout, line);
  const surprise = intended(summary);
  if (surprise) println(io.stdout, `UNEXPECTED: ${surprise}`);
  return { importId: submitted.importId, result: { name: file.name, summary, asIntended: !surprise } };
}

/**
 * A dry run of the first example before anything is imported: it counts what the import would do, and the
 * workspace still has no contact afterwards.
 */
async function dryRun(io: CliIO, target: Target): Promise<DemoResult> {
  const [first] = DEMO_IMPORTS as [DemoImport];
  println(io.stdout);
  println(io.stdout, `== ${first.file}, dry run first: what would it do? (no contact is written)`);
  const file = { dir: EXAMPLES_DIR, name: first.file, channel: first.channel, key: first.key, dryRun: true };
  const { result } = await importFile(io, target, file, (summary) =>
    summary.dryRun ? undefined : 'the summary should say "dryRun": true',
  );
  let written = 0;
  for await (const page of contactStore(target).list(DEMO_WORKSPACE)) written += page.length;
  println(io.stdout, `contacts in ${DEMO_WORKSPACE} after the dry run: ${written}`);
  if (written === 0) return result;
  println(io.stdout, `UNEXPECTED: a dry run should write nothing, ${written} contacts exist`);
  return { ...result, asIntended: false };
}

async function runExamples(io: CliIO, target: Target, reportsDir: string): Promise<DemoResult[]> {
  const results: DemoResult[] = [];
  for (const example of DEMO_IMPORTS) {
    println(io.stdout);
    println(io.stdout, `== ${example.file}: ${example.about}`);
    const { importId, result } = await importFile(
      io,
      target,
      { dir: EXAMPLES_DIR, name: example.file, channel: example.channel, key: example.key },
      (summary) =>
        summary.outcome === example.expect
          ? undefined
          : `this example should end ${example.expect}, it ended ${summary.outcome}`,
    );
    const out = join(reportsDir, importId);
    const files = await downloadReport(target, DEMO_WORKSPACE, importId, out);
    const failures = failureLines(readFileSync(files.failures, 'utf8'));
    if (failures.length > 0) {
      println(io.stdout, 'failures.csv (row, code, message):');
      for (const line of failures) println(io.stdout, line);
    }
    println(io.stdout, `report saved in ${out}/ (open ${files.html} in a browser)`);
    results.push(result);
  }
  return results;
}

/** Exports the contacts as a LINE file and imports it again: every row must come back `unchanged`. */
async function roundTrip(io: CliIO, target: Target, dir: string): Promise<DemoResult> {
  const name = 'contacts-export.csv';
  println(io.stdout);
  println(io.stdout, '== export the contacts and import them again: nothing changes');
  println(io.stdout, `$ npm run cli -- export -w ${DEMO_WORKSPACE} -c line -k phone > ${name}`);
  let csv = '';
  const { written } = await writeCsvExport(target, DEMO_WORKSPACE, 'line', 'phone', {
    write: (text: string) => {
      csv += text;
    },
  });
  writeFileSync(join(dir, name), csv);
  println(io.stdout, `${written} contacts written to ${join(dir, name)}`);
  const { result } = await importFile(io, target, { dir, name, channel: 'line', key: 'phone' }, (summary) =>
    summary.outcome === 'succeeded' && summary.rows.unchanged === summary.rows.total
      ? undefined
      : `every row should be unchanged, the import ended ${summary.outcome} with ${summary.rows.unchanged} of ${summary.rows.total} unchanged`,
  );
  return result;
}

export async function demo(ctx: CommandContext): Promise<number> {
  const { io } = ctx;
  findMotoServer();
  // The handlers run in this process and log JSON to stdout: keep the demo's output readable.
  process.env.POWERTOOLS_LOG_LEVEL ??= ctx.globals.verbose ? 'INFO' : 'ERROR';
  println(io.stdout, 'starting a local stack: moto_server, the resources, the pipeline functions…');
  const stack: LocalStack = await startLocalStack();
  const onInterrupt = () => {
    println(io.stderr, 'interrupted: stopping the local stack');
    void stack.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onInterrupt);
  process.once('SIGTERM', onInterrupt);
  const target = targetFor(
    'local',
    `the demo stack at ${stack.endpoint}`,
    loadConfig(localStackEnv(stack.state(''), process.env)),
  );
  try {
    println(io.stdout, `local stack up at ${stack.endpoint} (moto_server pid ${stack.emulator.pid})`);
    await workspaceStore(target).putSettings(DEMO_WORKSPACE, DEMO_SETTINGS);
    println(
      io.stdout,
      `$ npm run cli -- workspace set -w ${DEMO_WORKSPACE} --region ${DEMO_SETTINGS.region} --timezone ${DEMO_SETTINGS.timeZone}`,
    );
    for (const field of DEMO_FIELDS) {
      await workspaceStore(target).defineField(DEMO_WORKSPACE, field);
      println(
        io.stdout,
        `$ npm run cli -- fields define -w ${DEMO_WORKSPACE} -n ${field.name} -t ${field.type}${field.options ? ` --options ${field.options.join(',')}` : ''}`,
      );
    }
    const reportsDir = join(localDir(io.env), 'demo-reports');
    mkdirSync(reportsDir, { recursive: true });
    const results = [
      await dryRun(io, target),
      ...(await runExamples(io, target, reportsDir)),
      await roundTrip(io, target, reportsDir),
    ];
    println(io.stdout);
    for (const line of summaryTable(results)) println(io.stdout, line);
    const unexpected = results.filter((r) => !r.asIntended);
    println(io.stdout);
    println(io.stdout, 'what each deliberate error means: examples/README.md');
    return unexpected.length === 0 ? EXIT.ok : EXIT.failed;
  } finally {
    process.removeListener('SIGINT', onInterrupt);
    process.removeListener('SIGTERM', onInterrupt);
    target.close();
    await stack.stop();
    println(io.stdout, 'local stack stopped');
  }
}
