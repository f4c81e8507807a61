/**
 * Runs the real CLI in-process with captured output, as a user would type it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIO, OutputStream } from '../../../cli/io.js';
import { runCli } from '../../../cli/program.js';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A stream that remembers what was written; `isTTY` as given. */
export function captureStream(isTTY = false): OutputStream & { text(): string } {
  let text = '';
  return {
    isTTY,
    write(chunk: string) {
      text += chunk;
      return true;
    },
    text: () => text,
  };
}

export interface CliOptions {
  /** Working directory (relative file arguments resolve against it). @default a fresh temporary folder */
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Runs one command line and returns its exit code and output. No local stack state is shared with a
 * developer's own `.local/` (the state folder is temporary).
 *
 * @example
 * const { code, stdout } = await cli(['template', '-c', 'line']);
 */
export async function cli(argv: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  const stdout = captureStream();
  const stderr = captureStream();
  const cwd = options.cwd ?? mkdtempSync(join(tmpdir(), 'cli-'));
  const io: CliIO = {
    stdout,
    stderr,
    cwd,
    env: { ...process.env, CONTACT_IMPORT_LOCAL_DIR: join(cwd, '.local'), ...options.env },
  };
  const code = await runCli(argv, io);
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}
