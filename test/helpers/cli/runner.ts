/**
 * What a CLI test file needs of the local stack: a reset and provisioned emulator and the local runner
 * feeding the real handlers, as `local up` runs them.
 */
import { afterAll, beforeAll, inject } from 'vitest';
import { type Runner, type RunnerOptions, startRunner } from '../../../infra/local/runner.js';
import { type EmulatorContext, useEmulator } from '../emulator.js';

export interface CliStack {
  readonly env: EmulatorContext;
  readonly runner: Runner;
}

/**
 * Call at the top level of a test file.
 *
 * @example
 * const stack = useCliStack();
 * it('…', async () => { await cli(['submit', …]); await stack.runner.idle(); });
 */
export function useCliStack(options: Partial<RunnerOptions> = {}): CliStack {
  const env = useEmulator();
  const state = {} as { runner: Runner };
  beforeAll(async () => {
    state.runner = await startRunner({
      endpoint: inject('emulatorEndpoint'),
      provisioned: env.provisioned,
      sweepIntervalMs: 0,
      ...options,
    });
  });
  afterAll(async () => {
    await state.runner?.stop();
  });
  return {
    env,
    get runner() {
      return state.runner;
    },
  };
}
