#!/usr/bin/env node
/**
 * The CLI's launcher (`npm run cli -- …`): runs the precompiled bundle (built on first use, rebuilt when a
 * source changed; see `bundle.mjs`). The demo and `local up` need the pipeline's TypeScript handlers, and
 * a checkout without esbuild cannot build: those run the sources with tsx instead.
 */
import { BUNDLE, build, isFresh } from './bundle.mjs';

const argv = process.argv.slice(2);
const needsSources = argv[0] === 'demo' || (argv[0] === 'local' && argv[1] === 'up');

async function bundled() {
  if (isFresh()) return BUNDLE;
  try {
    return await build();
  } catch (err) {
    if (err?.code !== 'ERR_MODULE_NOT_FOUND') throw err;
    return undefined; // no esbuild (e.g. npm ci --omit=dev)
  }
}

const bundle = needsSources ? undefined : await bundled();
if (bundle) await import(bundle);
else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./main.ts');
}
