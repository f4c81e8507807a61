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
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';

export interface Emulator {
  readonly endpoint: string;
  readonly port: number;
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

export class EmulatorUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmulatorUnavailableError';
  }
}

const LAUNCHER = [
  'import ctypes, os, signal, sys, tempfile',
  'ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)',
  "site = os.path.join(tempfile.gettempdir(), 'contact-import-moto-site')",
  'os.makedirs(site, exist_ok=True)',
  "open(os.path.join(site, 'sitecustomize.py'), 'w').write('import sys\\nsys.setswitchinterval(1.0)\\n')",
  "os.environ['PYTHONPATH'] = os.pathsep.join(p for p in (site, os.environ.get('PYTHONPATH')) if p)",
  'os.execvp(sys.argv[1], sys.argv[1:])',
].join('\n');

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
  const child = spawn('python3', ['-c', LAUNCHER, moto, '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: 'true' },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
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
