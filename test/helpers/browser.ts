/**
 * A real browser for report tests: headless Chromium (Debian's `chromium` package; `.ci/run` installs it
 * when missing), run as a separate process on a local file.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** `$CHROMIUM` or `chromium` on PATH. */
const BINARY = process.env.CHROMIUM || 'chromium';

async function chromium(args: readonly string[]): Promise<string> {
  const profile = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
  const { stdout } = await run(
    BINARY,
    [
      '--headless',
      // Root in a container has no user namespace for Chromium's sandbox; the page is our own file.
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-extensions',
      `--user-data-dir=${profile}`,
      ...args,
    ],
    { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
  );
  return stdout;
}

/**
 * The DOM of a local HTML file after Chromium loaded it (and ran whatever it would run).
 *
 * @example
 * const dom = await dumpDom('/tmp/r/report.html');
 */
export function dumpDom(path: string): Promise<string> {
  return chromium(['--dump-dom', pathToFileURL(path).href]);
}

/**
 * Saves a PNG screenshot of a local HTML file.
 *
 * @example
 * await screenshot('/tmp/r/report.html', '/tmp/r/report.png', [1280, 2200]);
 */
export async function screenshot(
  path: string,
  png: string,
  [width, height]: [number, number],
): Promise<void> {
  await chromium([
    `--screenshot=${png}`,
    `--window-size=${width},${height}`,
    '--hide-scrollbars',
    pathToFileURL(path).href,
  ]);
}

/** Width and height of a PNG, from its IHDR chunk. */
export function pngSize(png: Buffer): { width: number; height: number } {
  if (png.subarray(1, 4).toString('latin1') !== 'PNG') throw new Error('not a PNG file');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}
