/**
 * The whole pipeline on this machine, in this process: moto_server, the resources of `resources.ts`, and
 * the local runner that feeds the queues to the real handlers. `local up` runs it in a background process
 * (`daemon.ts`); `demo` runs it in its own process.
 */
import { type Emulator, startEmulator } from '../../infra/local/emulator.js';
import { type Provisioned, provision } from '../../infra/local/provision.js';
import { startRunner } from '../../infra/local/runner.js';
import { createClients, destroyClients } from '../../shared/adapters/clients.js';
import { loadConfig } from '../../shared/config.js';
import { localStackEnv } from '../target.js';
import type { LocalStackState } from './state.js';

export interface LocalStack {
  readonly endpoint: string;
  readonly emulator: Emulator;
  readonly provisioned: Provisioned;
  /** What a state file would say about this stack (pids, endpoint, resources). */
  state(logFile: string): LocalStackState;
  /** Stops the runner, then the emulator. Safe to call twice. */
  stop(): Promise<void>;
}

const STAGE = 'local';
const REGION = 'ap-northeast-1';

/**
 * Starts the emulator, provisions it and starts the runner. The process environment is pointed at the
 * emulator first (the handlers build their clients from it), so call this only in a process that talks
 * to this local stack alone.
 *
 * @example
 * const stack = await startLocalStack();
 * try { ... } finally { await stack.stop(); }
 */
export async function startLocalStack(): Promise<LocalStack> {
  const emulator = await startEmulator();
  try {
    // Default names only: the state file and every command resolve the local stack's names the same way.
    const bootstrap = loadConfig({
      AWS_ENDPOINT_URL: emulator.endpoint,
      AWS_REGION: REGION,
      STAGE,
    });
    const clients = createClients(bootstrap.aws);
    const provisioned = await provision(clients, bootstrap.resources).finally(() => destroyClients(clients));
    const startedAt = new Date().toISOString();
    const state = (logFile: string): LocalStackState => ({
      endpoint: emulator.endpoint,
      region: REGION,
      stage: STAGE,
      daemonPid: process.pid,
      emulatorPid: emulator.pid,
      startedAt,
      logFile,
      provisioned,
    });
    for (const [name, value] of Object.entries(localStackEnv(state(''), {}))) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    const runner = await startRunner({ endpoint: emulator.endpoint, provisioned });
    let stopped: Promise<void> | undefined;
    return {
      endpoint: emulator.endpoint,
      emulator,
      provisioned,
      state,
      stop() {
        stopped ??= runner.stop().finally(() => emulator.stop());
        return stopped;
      },
    };
  } catch (err) {
    await emulator.stop();
    throw err;
  }
}
