import type { TestProject } from 'vitest/node';
import { type Emulator, startEmulator } from '../../infra/local/emulator.js';

declare module 'vitest' {
  export interface ProvidedContext {
    emulatorEndpoint: string;
  }
}

let emulator: Emulator | undefined;

/** One emulator for the whole integration run; each test file resets it (see setup-file.ts). */
export async function setup(project: TestProject): Promise<void> {
  emulator = await startEmulator();
  project.provide('emulatorEndpoint', emulator.endpoint);
}

export async function teardown(): Promise<void> {
  await emulator?.stop();
}
