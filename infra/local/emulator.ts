/**
 * Starts and stops the local AWS emulator (moto in server mode) on a free loopback port.
 *
 * The server is started through a tiny Python launcher that asks the kernel to stop it when its parent
 * dies (PR_SET_PDEATHSIG), so an interrupted test run or CLI never leaves an orphan emulator behind.
 *
 * The launcher also makes each request atomic, as DynamoDB's conditional writes are: moto_server serves
 * requests on threads and checks a condition a few steps before it writes, so with Python's default
 * 5 ms thread switch two concurrent conditional writes could both pass (measured: two writers racing
 * for one key both won within the first rounds). A `sitecustomize` that lengthens the switch interval
 * to 1 s means a request thread only yields at I/O, which moto never does between check and write.
 * The same `sitecustomize` patches six hot spots of moto 5.2 (costs that grow with the data it holds, and
 * work redone on every request; see moto-patches.ts); `Emulator.patches` names those applied.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { MOTO_SITECUSTOMIZE } from './moto-patches.js';

export interface Emulator {
  readonly endpoint: string;
  readonly port: number;
  readonly pid: number | undefined;
  /**
   * The moto patches applied (e.g. `['sqs-clock', 'sqs-fifo-send', 'dynamodb-transactions']`); empty when
   * moto runs unpatched, and `patchNote` says why.
   */
  readonly patches: readonly string[];
  /** The patches' line on moto_server's stderr. */
  readonly patchNote: string;
  stop(): Promise<void>;
}

export class EmulatorUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmulatorUnavailableError';
  }
}

/** Puts the site directory (argv[1]) on the server's PYTHONPATH only, then runs the server. */
const LAUNCHER = [
  'import ctypes, os, signal, sys',
  'ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)',
  "os.environ['PYTHONPATH'] = os.pathsep.join(p for p in (sys.argv[1], os.environ.get('PYTHONPATH')) if p)",
  'os.execvp(sys.argv[2], sys.argv[2:])',
].join('\n');

const PATCH_MARKER = 'contact-import moto patches:';

/**
 * The directory holding the patches' `sitecustomize.py`, named by a hash of its content and written
 * atomically (a temporary file renamed into place), so concurrent test workers and older checkouts never
 * read a half-written or different file.
 */
export function motoSiteDir(): string {
  const hash = createHash('sha256').update(MOTO_SITECUSTOMIZE).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), `contact-import-moto-site-${hash}`);
  const file = join(dir, 'sitecustomize.py');
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    const partial = `${file}.${process.pid}.${Date.now()}.tmp`;
    writeFileSync(partial, MOTO_SITECUSTOMIZE);
    renameSync(partial, file);
  }
  return dir;
}

/** The patches named on the marker line of moto_server's stderr (none when it ran unpatched). */
export function patchesOf(note: string): string[] {
  const applied = note.split(' (')[0]?.trim() ?? '';
  return applied === '' || applied === 'none' ? [] : applied.split(',');
}

/** Where `moto_server` is: `$MOTO_SERVER`, the project's `.venv`, or PATH. */
export function findMotoServer(cwd = process.cwd()): string {
  const candidates = [process.env.MOTO_SERVER, join(cwd, '.venv', 'bin', 'moto_server')];
  for (const dir of (process.env.PATH ?? '').split(delimiter))
    if (dir) candidates.push(join(dir, 'moto_server'));
  const found = candidates.find((c): c is string => Boolean(c) && existsSync(c as string));
  if (!found) {
    throw new EmulatorUnavailableError(
      'moto_server was not found on PATH or in .venv. Install it with: python3 -m venv .venv && .venv/bin/pip install "moto[server]"',
    );
  }
  return found;
}

/** Asks the kernel for a free loopback port. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function answers(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1000) });
    return res.ok;
  } catch {
    return false;
  }
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Starts moto_server and resolves once it answers HTTP.
 *
 * @example
 * const emulator = await startEmulator();
 * process.env.AWS_ENDPOINT_URL = emulator.endpoint;
 * await emulator.stop();
 */
export async function startEmulator(opts: { port?: number; timeoutMs?: number } = {}): Promise<Emulator> {
  const moto = findMotoServer();
  const port = opts.port ?? (await freePort());
  const endpoint = `http://127.0.0.1:${port}`;
  const site = motoSiteDir();
  const child = spawn('python3', ['-c', LAUNCHER, site, moto, '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: 'true' },
  });
  let stderr = '';
  let patchNote = 'none (the patches did not load)';
  child.stderr?.on('data', (chunk: Buffer) => {
    const text = stderr + chunk.toString();
    const marker = text.split('\n').find((line) => line.startsWith(PATCH_MARKER));
    if (marker) patchNote = marker.slice(PATCH_MARKER.length).trim();
    stderr = text.slice(-4000);
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  while (!(await answers(endpoint))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new EmulatorUnavailableError(
        `moto_server did not start on ${endpoint}: ${stderr.trim() || 'no output'}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.stderr?.removeAllListeners('data');
  child.stderr?.resume();

  return {
    endpoint,
    port,
    pid: child.pid,
    patches: patchesOf(patchNote),
    patchNote,
    async stop() {
      process.removeListener('exit', killOnExit);
      child.kill('SIGTERM');
      if (!(await waitForExit(child, 5000))) child.kill('SIGKILL');
    },
  };
}

/** Forgets every resource and item in the emulator (moto's reset API). */
export async function resetEmulator(endpoint: string): Promise<void> {
  const res = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
  if (!res.ok) throw new Error(`Emulator reset failed at ${endpoint}: HTTP ${res.status}`);
}
