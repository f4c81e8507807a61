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

/** The IO of this process. */
export function processIO(): CliIO {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}

/** Writes one line. */
export function println(stream: OutputStream, text = ''): void {
  stream.write(`${text}\n`);
}
