import type { TestProject } from 'vitest/node';
import { type Emulator, startEmulator } from '../../infra/local/emulator.js';

declare module 'vitest' {
  export interface ProvidedContext {
    emulatorEndpoint: string;
    /** The moto patches' line on the emulator's stderr (see infra/local/moto-patches.ts). */
    emulatorPatchNote: string;
  }
}

let emulator: Emulator | undefined;

/** One emulator for the whole integration run; each test file resets it (see setup-file.ts). */
export async function setup(project: TestProject): Promise<void> {
  emulator = await startEmulator();
  project.provide('emulatorEndpoint', emulator.endpoint);
  project.provide('emulatorPatchNote', emulator.patchNote);
}

export async function teardown(): Promise<void> {
  await emulator?.stop();
}
