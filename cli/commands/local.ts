/**
 * `local up | down | status`: a local stack in a background process, so that `submit`, `status`, `report`
 * and friends can talk to it from any terminal until `local down`.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findMotoServer } from '../../infra/local/emulator.js';
import { type CommandContext, EXIT } from '../context.js';
import { StackUnavailableError } from '../errors.js';
import { displayPath } from '../format.js';
import { type CliIO, println } from '../io.js';
import {
  answers,
  isAlive,
  type LocalStackState,
  localDir,
  REPO_ROOT,
  readState,
  removeState,
  runningStack,
} from '../local/state.js';

const DAEMON = join(REPO_ROOT, 'cli', 'local', 'daemon.ts');
const START_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 15_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function lastLines(file: string, count: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-count).join('\n');
  } catch {
    return '';
  }
}

/** What another tool (the AWS CLI, an SDK) needs to talk to the local stack. */
function describeStack(io: CliIO, state: LocalStackState): void {
  const { provisioned } = state;
  const lines: [string, string][] = [
    ['endpoint', state.endpoint],
    ['region', state.region],
    ['credentials', 'any; e.g. AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing'],
    ['bucket', provisioned.bucket],
    ['topic', `${provisioned.topics.notifications} (notifications)`],
    ['topic', `${provisioned.topics.feedback} (SES feedback)`],
    ...Object.entries(provisioned.queues).map(([id, q]): [string, string] => ['queue', `${q.url} (${id})`]),
    ['tables', `${provisioned.tables.contacts}, ${provisioned.tables.imports}`],
    ['pids', `daemon ${state.daemonPid}, moto_server ${state.emulatorPid ?? 'unknown'}`],
    ['since', state.startedAt],
    ['logs', displayPath(io.cwd, state.logFile)],
  ];
  for (const [name, value] of lines) println(io.stdout, `${`${name}:`.padEnd(13)}${value}`);
  println(
    io.stdout,
    `upload with: aws --endpoint-url ${state.endpoint} --region ${state.region} s3 cp <file>.csv s3://${provisioned.bucket}/incoming/<workspace>/<channel>/<key>/<file>.csv`,
  );
}

/** Waits for the daemon to write a state file naming itself, or to die. */
async function awaitReady(pid: number, io: CliIO, logFile: string): Promise<LocalStackState> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const state = readState(io.env);
    if (state?.daemonPid === pid && (await answers(state.endpoint))) return state;
    if (!isAlive(pid)) {
      throw new StackUnavailableError(
        `the local stack did not start: ${lastLines(logFile, 1) || 'no output'} (log: ${logFile})`,
      );
    }
    await sleep(250);
  }
  process.kill(pid, 'SIGTERM');
  throw new StackUnavailableError(
    `the local stack did not start within ${START_TIMEOUT_MS / 1000} s (log: ${logFile})`,
  );
}

/**
 * `local up`: starts the daemon (detached, output to `.local/daemon.log`) and returns once it is ready.
 *
 * @example
 * npm run cli -- local up
 */
export async function localUp({ io }: CommandContext): Promise<number> {
  const running = await runningStack(io.env);
  if (running) {
    println(io.stdout, `a local stack is already up at ${running.endpoint}`);
    describeStack(io, running);
    return EXIT.ok;
  }
  findMotoServer();
  const dir = localDir(io.env);
  mkdirSync(dir, { recursive: true });
  const logFile = join(dir, 'daemon.log');
  const log = openSync(logFile, 'a');
  const child = spawn(process.execPath, ['--import', 'tsx', DAEMON], {
    cwd: REPO_ROOT,
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...io.env, CONTACT_IMPORT_DAEMON_LOG: logFile },
  });
  closeSync(log);
  child.unref();
  if (!child.pid) throw new StackUnavailableError(`could not start ${process.execPath} for the local stack`);
  const state = await awaitReady(child.pid, io, logFile);
  println(io.stdout, `local stack up at ${state.endpoint}`);
  describeStack(io, state);
  println(io.stdout, 'commands now use it automatically; stop it with: npm run cli -- local down');
  return EXIT.ok;
}

async function stopProcess(pid: number | undefined): Promise<void> {
  if (!isAlive(pid)) return;
  process.kill(pid as number, 'SIGTERM');
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) process.kill(pid as number, 'SIGKILL');
}

/** Whether a pid still runs moto_server (a recycled pid must not be killed). */
function isMoto(pid: number | undefined): boolean {
  if (!pid) return false;
  const cmdline = join('/proc', String(pid), 'cmdline');
  return existsSync(cmdline) && readFileSync(cmdline, 'utf8').includes('moto_server');
}

/** `local down`: stops the daemon (which stops the runner and moto_server) and removes the state file. */
export async function localDown({ io }: CommandContext): Promise<number> {
  const state = readState(io.env);
  if (!state) {
    println(io.stdout, 'no local stack is running');
    return EXIT.ok;
  }
  await stopProcess(state.daemonPid);
  // The emulator dies with its parent (PR_SET_PDEATHSIG); this only covers a daemon killed mid-start.
  if (isMoto(state.emulatorPid)) await stopProcess(state.emulatorPid);
  removeState(io.env);
  println(io.stdout, `local stack at ${state.endpoint} stopped`);
  return EXIT.ok;
}

/** `local status`: exit 0 and the stack's details when it is up, exit 1 when it is not. */
export async function localStatus({ io }: CommandContext): Promise<number> {
  const state = await runningStack(io.env);
  if (!state) {
    println(io.stdout, 'no local stack is running: start one with `npm run cli -- local up`');
    return EXIT.failed;
  }
  println(io.stdout, 'local stack is up');
  describeStack(io, state);
  return EXIT.ok;
}
