/**
 * CLI start-up: wall time of ordinary commands as an operator runs them (`node cli/bin.mjs …`, what
 * `npm run cli --` runs after npm itself), against the emulator, median of N runs each, after one warm-up
 * run that builds the bundle. The same commands through tsx from the sources (how the CLI ran before the
 * bundle) are measured for comparison. `npm run` adds its own start-up (~0.3–0.4 s) on top of both.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../cli/local/state.js';
import type { LocalEnvironment } from '../lib/pipeline.js';
import type { Section } from '../lib/report.js';

const run = promisify(execFile);

/** The commands measured: metric name → arguments. */
export const CLI_COMMANDS = {
  cli_startup_seconds_template: ['template', '-c', 'line'],
  cli_startup_seconds_workspace_show: ['workspace', 'show', '-w', 'bench-empty'],
  cli_startup_seconds_export_empty: ['export', '-w', 'bench-empty', '--format', 'jsonl'],
} as const;

type CommandMetric = keyof typeof CLI_COMMANDS;

export interface CliStartupResult {
  readonly runs: number;
  /** Median seconds per command, bundled (`cli/bin.mjs`) and from the sources through tsx. */
  readonly bundled: Record<CommandMetric, number>;
  readonly tsx: Record<CommandMetric, number>;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

async function timed(args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const started = performance.now();
  await run(process.execPath, args, { cwd: REPO_ROOT, env });
  return (performance.now() - started) / 1000;
}

/**
 * @example
 * const { bundled } = await measureCliStartup(env, 7);
 */
export async function measureCliStartup(env: LocalEnvironment, runs: number): Promise<CliStartupResult> {
  await env.provision();
  const childEnv = {
    ...process.env,
    AWS_ENDPOINT_URL: env.emulator.endpoint,
    AWS_REGION: env.config.aws.region,
    STAGE: env.config.resources.stage,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  // The commands read a workspace, which must be registered (RULES §1: an unknown one is refused).
  await run(process.execPath, ['cli/bin.mjs', 'workspace', 'set', '-w', 'bench-empty', '--region', 'TW'], {
    cwd: REPO_ROOT,
    env: childEnv,
  });
  const bundled = {} as Record<CommandMetric, number>;
  const tsx = {} as Record<CommandMetric, number>;
  for (const [metric, argv] of Object.entries(CLI_COMMANDS) as [CommandMetric, readonly string[]][]) {
    await timed(['cli/bin.mjs', ...argv], childEnv); // warm-up: builds the bundle when stale
    const times: number[] = [];
    const tsxTimes: number[] = [];
    for (let i = 0; i < runs; i++) {
      times.push(await timed(['cli/bin.mjs', ...argv], childEnv));
      tsxTimes.push(await timed(['--import', 'tsx', 'cli/main.ts', ...argv], childEnv));
    }
    bundled[metric] = median(times);
    tsx[metric] = median(tsxTimes);
  }
  return { runs, bundled, tsx };
}

/** The section of the report. */
export function cliStartupSection(result: CliStartupResult): Section {
  const metrics = (Object.keys(CLI_COMMANDS) as CommandMetric[]).map((name) => ({
    name,
    value: result.bundled[name],
    unit: 's',
    goal: { max: 0.6, text: '≤ 0.6 s (idle machine)' },
  }));
  return {
    metrics,
    notes: (Object.keys(CLI_COMMANDS) as CommandMetric[]).map(
      (name) =>
        `${name}: \`node cli/bin.mjs ${CLI_COMMANDS[name].join(' ')}\` against the emulator, median of ${result.runs} runs: ${result.bundled[name].toFixed(2)} s (from the sources through tsx, as before the bundle: ${result.tsx[name].toFixed(2)} s). Wall time: a loaded machine (see the load average) makes both slower.`,
    ),
    details: { ...result },
  };
}
