/**
 * The state file of a local stack started by `local up`: where the emulator listens and which processes
 * to stop. It lives in `.local/` (git-ignored) at the repository root, or in `$CONTACT_IMPORT_LOCAL_DIR`.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Provisioned } from '../../infra/local/provision.js';

const PACKAGE_NAME = 'contact-import-pipeline';

/**
 * The repository root: the nearest folder above this module whose package.json is this project's. (From
 * the sources that is two levels up; from the CLI bundle in `node_modules/.cache/` it is further.)
 */
function findRepoRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    try {
      if (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name === PACKAGE_NAME) return `${dir}/`;
    } catch {
      // no package.json here, or not JSON: keep going up
    }
    if (dirname(dir) === dir) return fileURLToPath(new URL('../../', import.meta.url));
  }
}

/** The repository root, with a trailing slash. */
export const REPO_ROOT = findRepoRoot(dirname(fileURLToPath(import.meta.url)));

export interface LocalStackState {
  readonly endpoint: string;
  readonly region: string;
  readonly stage: string;
  /** The background process that owns the emulator and the runner; stopping it stops both. */
  readonly daemonPid: number;
  readonly emulatorPid: number | undefined;
  readonly startedAt: string;
  /** Where the background process writes its output (the handlers' JSON logs). */
  readonly logFile: string;
  readonly provisioned: Provisioned;
}

/** The folder of the state and log files. */
export function localDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.CONTACT_IMPORT_LOCAL_DIR || join(REPO_ROOT, '.local');
}

export function statePath(env: NodeJS.ProcessEnv = process.env): string {
  return join(localDir(env), 'stack.json');
}

/** The state file's content, or undefined when there is none (or it is unreadable). */
export function readState(env: NodeJS.ProcessEnv = process.env): LocalStackState | undefined {
  try {
    return JSON.parse(readFileSync(statePath(env), 'utf8')) as LocalStackState;
  } catch {
    return undefined;
  }
}

/** Writes the state atomically (a reader never sees half a file). */
export function writeState(state: LocalStackState, env: NodeJS.ProcessEnv = process.env): void {
  mkdirSync(localDir(env), { recursive: true });
  const path = statePath(env);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}

export function removeState(env: NodeJS.ProcessEnv = process.env): void {
  rmSync(statePath(env), { force: true });
}

/** Whether a process id is alive (signal 0 checks without sending anything). */
export function isAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the emulator at `endpoint` answers. */
export async function answers(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1500) });
    return res.ok;
  } catch {
    return false;
  }
}

/**
 * The running local stack, or undefined when none is up. A state file whose daemon is gone is stale and
 * is removed, so that it never sends a command to a dead endpoint.
 *
 * @example
 * const state = await runningStack();
 * if (state) console.log(state.endpoint);
 */
export async function runningStack(
  env: NodeJS.ProcessEnv = process.env,
): Promise<LocalStackState | undefined> {
  const state = readState(env);
  if (!state) return undefined;
  if (isAlive(state.daemonPid) && (await answers(state.endpoint))) return state;
  if (!isAlive(state.daemonPid)) removeState(env);
  return undefined;
}
