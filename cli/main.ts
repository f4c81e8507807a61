/**
 * Entry point of the operator CLI: `npm run cli -- <command>` (see `--help`).
 */
import { processIO } from './io.js';
import { runCli } from './program.js';

// The SDK warns on every run that releases after early 2027 need Node 22; the lock file pins it (DESIGN.md).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

process.exitCode = await runCli(process.argv.slice(2), processIO());
