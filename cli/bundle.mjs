/**
 * The CLI as one precompiled bundle, so an ordinary command starts in a fraction of a second instead of
 * compiling TypeScript with tsx on every run (1.5–2 s). `cli/bin.mjs` builds it on first use (and again
 * whenever a source file it was built from changed); `npm run build:cli` builds it on demand.
 *
 * The bundle is `node_modules/.cache/contact-import-cli/main.mjs` (ES module, Node 20, dependencies
 * bundled in so that Node resolves one file instead of hundreds of SDK modules; lazy commands become
 * chunks). Its `inputs.json` lists the project's source files it was built from, package.json and the
 * lock file, each with its modification time.
 */
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const OUT_DIR = join(ROOT, 'node_modules', '.cache', 'contact-import-cli');
export const BUNDLE = join(OUT_DIR, 'main.mjs');
const INPUTS = join(OUT_DIR, 'inputs.json');

function mtime(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -1;
  }
}

/** Whether the bundle exists and no file it was built from changed since. */
export function isFresh() {
  let inputs;
  try {
    inputs = JSON.parse(readFileSync(INPUTS, 'utf8'));
  } catch {
    return false;
  }
  if (mtime(BUNDLE) < 0) return false;
  return Object.entries(inputs).every(([file, ms]) => mtime(join(ROOT, file)) === ms);
}

/** Builds the bundle with esbuild (a devDependency); throws when esbuild is not installed. */
export async function build() {
  const esbuild = await import('esbuild');
  rmSync(OUT_DIR, { recursive: true, force: true });
  mkdirSync(OUT_DIR, { recursive: true });
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: { main: 'cli/main.ts' },
    outdir: OUT_DIR,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    minifySyntax: true,
    minifyWhitespace: true,
    metafile: true,
    logLevel: 'error',
    // Bundled CommonJS dependencies still call require().
    banner: {
      js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
    },
    // The demo and `local up` run the pipeline's handlers from their TypeScript sources (cli/bin.mjs runs
    // them with tsx), and aws-cdk-lib is never needed by a command.
    external: ['esbuild', 'tsx', 'aws-cdk-lib', 'aws-cdk-lib/*', 'constructs', 'cdk-nag'],
  });
  // The project's own sources are checked one by one; dependencies change only with the lock file, so
  // that stands for the ~750 files of node_modules (stat-ing those on every call would cost ~50 ms).
  const own = Object.keys(result.metafile.inputs).filter((file) => !file.startsWith('node_modules/'));
  const inputs = {};
  for (const file of [...own, 'package.json', 'package-lock.json', 'cli/bundle.mjs']) {
    inputs[file] = mtime(join(ROOT, file));
  }
  writeFileSync(INPUTS, `${JSON.stringify(inputs)}\n`);
  return BUNDLE;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = Date.now();
  const bundle = await build();
  process.stdout.write(
    `built ${bundle} in ${Date.now() - started} ms (from ${dirname(bundle)}/inputs.json)\n`,
  );
}
