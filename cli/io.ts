/**
 * What a command may touch of its process: output streams, environment and working directory. Tests pass
 * their own to run the real commands in-process and read what they printed.
 */

export interface OutputStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

export interface CliIO {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

/**
 * The IO of this process. The working directory is where the user typed the command: `npm run` moves to
 * the package folder and says where it came from in `INIT_CWD`.
 */
export function processIO(): CliIO {
  const cwd = process.env.INIT_CWD || process.cwd();
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd };
}

/** Writes one line. */
export function println(stream: OutputStream, text = ''): void {
  stream.write(`${text}\n`);
}
