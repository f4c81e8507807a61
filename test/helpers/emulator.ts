import { afterAll, beforeAll, inject } from 'vitest';
import { resetEmulator } from '../../infra/local/emulator.js';
import { type Provisioned, provision } from '../../infra/local/provision.js';
import { type Clients, createClients, destroyClients } from '../../shared/adapters/clients.js';
import { type AppConfig, loadConfig } from '../../shared/config.js';

export interface EmulatorContext {
  readonly config: AppConfig;
  readonly clients: Clients;
  readonly provisioned: Provisioned;
}

/**
 * Gives a test file a freshly reset and provisioned emulator. Call at the top level of the file; the
 * returned object is filled in before the first test runs.
 *
 * @example
 * const env = useEmulator();
 * it('...', async () => { await env.clients.s3.send(...); });
 */
export function useEmulator(): EmulatorContext {
  const ctx = {} as { config: AppConfig; clients: Clients; provisioned: Provisioned };
  beforeAll(async () => {
    await resetEmulator(inject('emulatorEndpoint'));
    ctx.config = loadConfig();
    ctx.clients = createClients(ctx.config.aws);
    ctx.provisioned = await provision(ctx.clients, ctx.config.resources);
  });
  afterAll(() => {
    if (ctx.clients) destroyClients(ctx.clients);
  });
  return ctx;
}
