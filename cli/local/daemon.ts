/**
 * The background process of `local up`: runs the local stack until it receives SIGTERM or SIGINT, then
 * stops the runner and the emulator and removes the state file. Its output (the handlers' JSON logs) goes
 * to the log file `local up` opened for it. Not meant to be started by hand.
 */

import { createLogger } from '../../shared/adapters/logger.js';
import { startLocalStack } from './stack.js';
import { removeState, writeState } from './state.js';

const logFile = process.env.CONTACT_IMPORT_DAEMON_LOG ?? '';
const logger = createLogger('local-stack');

try {
  const stack = await startLocalStack();
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('local stack stopping', { signal });
    try {
      await stack.stop();
    } finally {
      removeState();
      process.exit(0);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  writeState(stack.state(logFile));
  logger.info('local stack ready', { endpoint: stack.endpoint });
} catch (err) {
  logger.error('local stack failed to start', { error: err as Error });
  // Plain text last: `local up` quotes the log's last line to the user.
  console.error(`local stack failed to start: ${(err as Error).message}`);
  process.exit(1);
}
