import fc from 'fast-check';
import { describe, it } from 'vitest';
import { runScenario } from '../../model/harness.js';
import { MemoryContactStore } from '../../model/memory-contact-store.js';
import { oneImport, twoImports } from '../../model/scenario.js';

/** Runs per property; `npm run test:model -- --runs N` sets it for a long campaign. */
const RUNS = Number(process.env.MODEL_RUNS ?? 150);
/** Generous: the runs share two cores with the rest of the suite; nothing here is a timed assertion. */
const TIMEOUT_MS = 120_000 + RUNS * 400;

let sequence = 0;
const ports = () => ({ contacts: new MemoryContactStore(), workspace: `model-${++sequence}` });

describe('Differential: the pipeline against the oracle (RULES §9), in-memory ports', () => {
  it(
    'ends one import as some order that keeps file order within every component',
    async () => {
      await fc.assert(
        fc.asyncProperty(oneImport(12), fc.scheduler(), async (scenario, scheduler) => {
          await runScenario(scenario, ports(), scheduler);
        }),
        { numRuns: RUNS },
      );
    },
    TIMEOUT_MS,
  );

  it(
    'ends two imports run at once as some interleaving that keeps each file order within its components',
    async () => {
      await fc.assert(
        fc.asyncProperty(twoImports(6), fc.scheduler(), async (scenario, scheduler) => {
          await runScenario(scenario, ports(), scheduler);
        }),
        { numRuns: Math.ceil(RUNS / 2) },
      );
    },
    TIMEOUT_MS,
  );
});
