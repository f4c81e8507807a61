/**
 * A long run of the differential test: `npm run test:model -- --runs 2000` on the in-memory ports, or
 * `npm run test:model -- --moto --runs 200` with the real DynamoContactStore on the emulator. `--seed S`
 * and `--path P` replay a failure fast-check reported; MODEL_DEBUG=1 prints the pipeline's log, its writes and
 * logged plans, and the oracle's final states. Prints the time taken.
 */
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '2000' },
    moto: { type: 'boolean', default: false },
    seed: { type: 'string' },
    path: { type: 'string' },
  },
});
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1)
  throw new Error(`--runs must be a positive integer, got "${values.runs}"`);

const project = values.moto ? 'integration' : 'unit';
const file = `test/${project}/model/differential.test.ts`;
const env = {
  ...process.env,
  MODEL_RUNS: String(runs),
  ...(values.seed ? { MODEL_SEED: values.seed } : {}),
  ...(values.path ? { MODEL_PATH: values.path } : {}),
};
const started = Date.now();
const result = spawnSync('npx', ['vitest', 'run', '--project', project, file], { stdio: 'inherit', env });
const seconds = ((Date.now() - started) / 1000).toFixed(1);
console.log(`differential (${project}): ${runs} runs per property (half for two imports) in ${seconds} s`);
process.exit(result.status ?? 1);
