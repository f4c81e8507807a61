/**
 * Runs the CLI as a separate process, exactly as `npm run cli -- …` does, for the commands that start and
 * stop processes (`local up`, `local down`, `demo`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { REPO_ROOT } from '../../../cli/local/state.js';

export interface Spawned {
  readonly child: ChildProcess;
  /** Output so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (128 + signal number when killed by a signal). */
  readonly exit: Promise<number>;
  /** Resolves once stdout contains the text. */
  waitFor(text: string): Promise<void>;
}

/**
 * The child's environment: the caller's, without the emulator endpoint the integration setup exports (the
 * command must find its stack by itself), plus `env`.
 */
function childEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { AWS_ENDPOINT_URL: _endpoint, ...rest } = process.env;
  return { ...rest, ...env };
}

/**
 * @example
 * const up = spawnCli(['local', 'up'], { CONTACT_IMPORT_LOCAL_DIR: dir });
 * expect(await up.exit).toBe(0);
 */
export function spawnCli(argv: readonly string[], env: NodeJS.ProcessEnv = {}): Spawned {
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...argv], {
    cwd: REPO_ROOT,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    for (const w of waiters.filter((w) => out.includes(w.text))) w.resolve();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exit = new Promise<number>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? 128 + (signal === 'SIGINT' ? 2 : 15)));
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exit,
    waitFor(text) {
      if (out.includes(text)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        waiters.push({ text, resolve });
        void exit.then(() => reject(new Error(`the CLI exited before printing "${text}":\n${out}\n${err}`)));
      });
    },
  };
}

/** Whether a process id is alive. */
export function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
