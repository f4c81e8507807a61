/**
 * The operator command line: every command, its options and its exit code. `runCli` runs one command
 * line in-process (the tests call it with their own streams); `cli/main.ts` runs it for the terminal.
 * Exit codes: see `EXIT` in context.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import type { ExportOptions } from './commands/export.js';
import type { AcceptRiskOptions, CanSendOptions } from './commands/gate.js';
import type { HistoryOptions } from './commands/history.js';
import type { SubmitOptions } from './commands/imports.js';
import type { FieldOptions, ReinstateOptions, WorkspaceOptions } from './commands/workspace.js';
import { type CommandContext, EXIT, type GlobalOptions } from './context.js';
import { describeError, isOperatorError, MissingComponentError, WaitTimeoutError } from './errors.js';
import { type CliIO, println } from './io.js';
import { REPO_ROOT } from './local/state.js';

/**
 * Loads a command's module only when the command runs, so that one missing piece of the pipeline makes
 * only the commands that need it fail (with a clear line), never the whole tool.
 */
async function load<M>(component: string, importer: () => Promise<M>): Promise<M> {
  try {
    return await importer();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND')
      throw new MissingComponentError(component, err);
    throw err;
  }
}

/** The version in the repository's package.json. */
function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** `-w, --workspace`, which most commands require. */
const WORKSPACE_OPTION = ['-w, --workspace <workspace>', 'the workspace'] as const;

function buildProgram(io: CliIO, setExit: (code: number) => void): Command {
  const program = new Command('contact-import')
    .description('Operate the contact import pipeline: submit CSV files, follow imports, read reports.')
    .option('--local', 'talk to the local stack started by `local up`')
    .option('--aws', 'talk to the deployed stack in AWS (default credential chain)')
    .option('--stage <stage>', 'stage of the deployed stack (default: $STAGE or prod)')
    .option(
      '--outputs <file>',
      'outputs file of `cdk deploy --outputs-file` (default: $CONTACT_IMPORT_OUTPUTS)',
    )
    .option('--verbose', 'print stack traces and details of errors')
    .version(packageVersion(), '-V, --version', 'print the version of the CLI')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });

  const run =
    <A extends unknown[]>(action: (ctx: CommandContext, ...args: A) => Promise<number>) =>
    async (...args: unknown[]) => {
      const command = args[args.length - 1] as Command;
      const ctx: CommandContext = { io, globals: command.optsWithGlobals() as GlobalOptions };
      setExit(await action(ctx, ...(args.slice(0, -1) as A)));
    };
  const localCommands = () => load('the local stack', () => import('./commands/local.js'));
  const importCommands = () => load('the import commands', () => import('./commands/imports.js'));
  const workspaceCommands = () => load('the workspace commands', () => import('./commands/workspace.js'));
  const exportCommand = () => load('the contact export', () => import('./commands/export.js'));
  const demoCommand = () => load('the demo', () => import('./commands/demo.js'));
  const templateCommand = () => load('the template command', () => import('./commands/template.js'));
  const gateCommands = () => load('the send gate', () => import('./commands/gate.js'));
  const historyCommand = () => load('the import history', () => import('./commands/history.js'));

  const local = program.command('local').description('run the whole pipeline on this machine');
  local
    .command('up')
    .description('start the emulator, create the resources and run the functions in the background')
    .action(run(async (ctx) => (await localCommands()).localUp(ctx)));
  local
    .command('down')
    .description('stop the local stack and everything it started')
    .action(run(async (ctx) => (await localCommands()).localDown(ctx)));
  local
    .command('status')
    .description('say whether the local stack is up, and where')
    .action(run(async (ctx) => (await localCommands()).localStatus(ctx)));

  program
    .command('submit')
    .description('upload a CSV file as an import (incoming/<workspace>/<channel>/<key>/<file>)')
    .argument('<file>', 'the CSV file')
    .requiredOption('-w, --workspace <workspace>', 'the workspace (tenant)')
    .requiredOption('-c, --channel <channel>', 'line, edm or whatsapp')
    .requiredOption('-k, --key <key>', 'the Key Value: line_uid, phone, email or customer_id')
    .option('--wait', 'wait for the import to finish and print its summary')
    .option('--json', 'print the summary document as JSON (implies --wait)')
    .option(
      '--dry-run',
      'decide every row against the current contacts and report what would happen; write no contact',
    )
    .option(
      '--timeout <seconds>',
      'give up waiting after this long (exit 4; default: 900 s plus 1 s per 2 KiB of the file)',
    )
    .action(
      run(async (ctx, file: string, opts: SubmitOptions) => (await importCommands()).submit(ctx, file, opts)),
    );

  program
    .command('status')
    .description("show an import's progress, or its summary once finished")
    .argument('<importId>', 'the id printed by submit')
    .option('--json', 'print the job (or the summary) as JSON')
    .action(
      run(async (ctx, importId: string, opts: { json?: boolean }) =>
        (await importCommands()).status(ctx, importId, opts),
      ),
    );

  program
    .command('report')
    .description("download an import's failures.csv, warnings.csv, summary.json and report.html")
    .argument('<importId>', 'the id printed by submit')
    .option('--out <dir>', 'where to write the files (default: ./import-reports/<importId>)')
    .option('--open', 'open report.html in the browser (prints its path when nothing can open it)')
    .action(
      run(async (ctx, importId: string, opts: { out?: string; open?: boolean }) =>
        (await importCommands()).report(ctx, importId, opts),
      ),
    );

  const imports = program.command('imports').description("a workspace's imports");
  imports
    .command('list')
    .description(
      'the imports of a workspace, newest first: time, file, channel, key, outcome, counts, uploader',
    )
    .requiredOption(...WORKSPACE_OPTION)
    .addOption(new Option('--limit <n>', 'at most this many imports').default('20'))
    .option('--since <date>', 'only imports created since this date (YYYY-MM-DD, UTC) or ISO time')
    .option('--json', 'print the import jobs as JSON')
    .action(run(async (ctx, opts: HistoryOptions) => (await historyCommand()).listImports(ctx, opts)));
  imports
    .command('cancel')
    .description(
      'stop an unfinished import: batches not applied yet are skipped (CANCELLED); what was applied stays',
    )
    .argument('<importId>', 'the id printed by submit')
    .action(run(async (ctx, importId: string) => (await importCommands()).cancel(ctx, importId)));

  program
    .command('template')
    .description("print a channel's CSV header line (system columns, then the workspace's custom fields)")
    .requiredOption('-c, --channel <channel>', 'line, edm or whatsapp')
    .option('-w, --workspace <workspace>', 'append the custom fields of this workspace')
    .action(
      run(async (ctx, opts: { channel: string; workspace?: string }) =>
        (await templateCommand()).template(ctx, opts),
      ),
    );

  program
    .command('export')
    .description("print a workspace's live contacts as CSV (re-importable) or JSON lines")
    .requiredOption(...WORKSPACE_OPTION)
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'jsonl']).default('csv'))
    .option('-c, --channel <channel>', 'csv: the channel whose header the file uses (default line)')
    .option('-k, --key <key>', 'csv: the Key Value the file is meant to be re-imported with')
    .action(run(async (ctx, opts: ExportOptions) => (await exportCommand()).exportContacts(ctx, opts)));

  const fields = program.command('fields').description("manage a workspace's custom fields");
  fields
    .command('define')
    .description('define (or redefine) a custom field')
    .requiredOption(...WORKSPACE_OPTION)
    .requiredOption('-n, --name <name>', 'the column name, exactly as files will carry it')
    .requiredOption('-t, --type <type>', 'text, number, date, boolean or select')
    .option('--options <values>', 'select: the allowed values, comma-separated')
    .option('--force', 'allow another type for an existing field (says how many contacts hold values)')
    .action(run(async (ctx, opts: FieldOptions) => (await workspaceCommands()).defineField(ctx, opts)));
  fields
    .command('remove')
    .description('remove a custom field: files no longer fill it; contacts keep their values')
    .requiredOption(...WORKSPACE_OPTION)
    .requiredOption('-n, --name <name>', 'the field to remove')
    .action(
      run(async (ctx, opts: { workspace: string; name: string }) =>
        (await workspaceCommands()).removeField(ctx, opts),
      ),
    );
  fields
    .command('list')
    .description("list a workspace's custom fields")
    .requiredOption(...WORKSPACE_OPTION)
    .option('--json', 'print JSON')
    .action(
      run(async (ctx, opts: { workspace: string; json?: boolean }) =>
        (await workspaceCommands()).listFields(ctx, opts),
      ),
    );

  const workspace = program.command('workspace').description("a workspace's settings and sending health");
  workspace
    .command('show')
    .description('settings, custom fields, flags and EDM sending health (24 hours)')
    .requiredOption(...WORKSPACE_OPTION)
    .option('--json', 'print JSON')
    .action(
      run(async (ctx, opts: { workspace: string; json?: boolean }) =>
        (await workspaceCommands()).showWorkspace(ctx, opts),
      ),
    );
  workspace
    .command('reinstate')
    .description('lift an EDM sending suspension after the manual review, and notify')
    .requiredOption(...WORKSPACE_OPTION)
    .requiredOption('--reason <text>', 'what the review found and what was done (kept for audit)')
    .requiredOption('--actor <who>', 'who reviewed and reinstated (kept for audit)')
    .action(
      run(async (ctx, opts: ReinstateOptions) => (await workspaceCommands()).reinstateWorkspace(ctx, opts)),
    );
  workspace
    .command('accept-risk')
    .description('record a signed WhatsApp Risk Acceptance Form: clears the WhatsApp send gate, and notifies')
    .requiredOption(...WORKSPACE_OPTION)
    .requiredOption('-c, --channel <channel>', 'whatsapp (the only channel with a risk acceptance)')
    .requiredOption('--signed-by <name>', 'who signed the form (kept for audit)')
    .requiredOption('--document <ref>', 'where the signed form is: a document number or URL (kept for audit)')
    .action(run(async (ctx, opts: AcceptRiskOptions) => (await gateCommands()).acceptRisk(ctx, opts)));
  workspace
    .command('can-send')
    .description('may the workspace send on a channel now? exit 0 yes, exit 5 no (with the reason)')
    .requiredOption(...WORKSPACE_OPTION)
    .requiredOption('-c, --channel <channel>', 'edm or whatsapp')
    .option('--json', 'print the answer as JSON')
    .action(run(async (ctx, opts: CanSendOptions) => (await gateCommands()).canSendCommand(ctx, opts)));
  workspace
    .command('set')
    .description('set the default phone region and the time zone of a workspace')
    .requiredOption(...WORKSPACE_OPTION)
    .option('--region <region>', 'ISO 3166-1 alpha-2 region for national phone numbers, e.g. TW')
    .option('--timezone <zone>', 'IANA time zone for consent_at, e.g. Asia/Taipei')
    .action(run(async (ctx, opts: WorkspaceOptions) => (await workspaceCommands()).setWorkspace(ctx, opts)));

  program
    .command('demo')
    .description('start a local stack, import every file of examples/, print the summaries, stop')
    .action(run(async (ctx) => (await demoCommand()).demo(ctx)));

  return program;
}

/**
 * Runs one command line and returns its exit code; never throws and never exits the process.
 *
 * @example
 * const code = await runCli(['submit', 'a.csv', '-w', 'acme', '-c', 'line', '-k', 'phone'], processIO());
 */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = buildProgram(io, (code) => {
    exitCode = code;
  });
  const verbose = argv.includes('--verbose');
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    println(io.stderr, `error: ${describeError(err)}`);
    if (verbose && err instanceof Error && err.stack) println(io.stderr, err.stack);
    else if (!isOperatorError(err)) println(io.stderr, '(run again with --verbose for details)');
    return err instanceof WaitTimeoutError ? EXIT.stillRunning : EXIT.failed;
  }
}
