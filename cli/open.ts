/**
 * Opening a file with the desktop's default program (`report --open`): `open` on macOS, `xdg-open`
 * elsewhere. On a server without either, the caller prints the path instead.
 */
import { spawn } from 'node:child_process';

/** The program that opens files on this platform. */
export function openerCommand(platform: NodeJS.Platform = process.platform): string {
  return platform === 'darwin' ? 'open' : 'xdg-open';
}

/**
 * Opens a file without waiting for the program to finish; resolves with the program's name, or undefined
 * when it is not installed.
 *
 * @example
 * await openInBrowser('/tmp/r/report.html', process.env); // 'xdg-open'
 */
export function openInBrowser(path: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const command = openerCommand();
  return new Promise((resolve) => {
    const child = spawn(command, [path], { env, detached: true, stdio: 'ignore' });
    child.once('error', () => resolve(undefined));
    child.once('spawn', () => {
      child.unref();
      resolve(command);
    });
  });
}
