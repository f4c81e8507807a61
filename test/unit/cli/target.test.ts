import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeState } from '../../../cli/local/state.js';
import { openTarget } from '../../../cli/target.js';
import { STACK_OUTPUTS } from '../../../infra/outputs.js';
import { captureStream } from '../../helpers/cli/run.js';

function ioIn(env: NodeJS.ProcessEnv = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'cli-target-'));
  const stderr = captureStream();
  return {
    dir,
    stderr,
    io: {
      stdout: captureStream(),
      stderr,
      cwd: dir,
      env: { CONTACT_IMPORT_LOCAL_DIR: join(dir, '.local'), ...env },
    },
  };
}

function outputsFile(dir: string, stacks: Record<string, Record<string, string>>): string {
  const path = join(dir, 'outputs.json');
  writeFileSync(path, JSON.stringify(stacks));
  return path;
}

const PROD = {
  [STACK_OUTPUTS.stage]: 'prod',
  [STACK_OUTPUTS.region]: 'ap-northeast-1',
  [STACK_OUTPUTS.resourcePrefix]: 'contact-import',
  [STACK_OUTPUTS.bucketSuffix]: '123456789012',
  [STACK_OUTPUTS.bucket]: 'contact-import-prod-uploads-123456789012',
  [STACK_OUTPUTS.queueUrls.uploads]:
    'https://sqs.ap-northeast-1.amazonaws.com/123456789012/contact-import-prod-uploads',
};

describe('Function: openTarget', () => {
  it('names the deployed resources from the cdk outputs file', async () => {
    // Prepare
    const { io, dir } = ioIn();
    const outputs = outputsFile(dir, { 'contact-import-prod': PROD });

    // Act
    const target = await openTarget({ outputs }, io);
    target.close();

    // Assess
    expect(target.kind).toBe('aws');
    expect(target.bucket).toBe('contact-import-prod-uploads-123456789012');
    expect(target.config.aws).toEqual({ region: 'ap-northeast-1', endpoint: undefined });
    expect(target.config.resources.tables.imports.name).toBe('contact-import-prod-imports');
  });

  it('picks the stack of --stage when the outputs file holds several', async () => {
    // Prepare
    const { io, dir } = ioIn();
    const staging = { ...PROD, [STACK_OUTPUTS.stage]: 'staging', [STACK_OUTPUTS.bucket]: 'b' };
    const outputs = outputsFile(dir, { 'contact-import-prod': PROD, 'contact-import-staging': staging });

    // Act
    const target = await openTarget({ outputs, stage: 'staging' }, io);
    target.close();

    // Assess
    expect(target.config.resources.stage).toBe('staging');
    await expect(openTarget({ outputs }, io)).rejects.toThrow('has several pipeline stacks');
  });

  it('uses STAGE and BUCKET_SUFFIX from the environment with --aws, stage prod by default', async () => {
    // Prepare
    const { io } = ioIn({ BUCKET_SUFFIX: '123456789012', AWS_ENDPOINT_URL: 'http://127.0.0.1:9' });

    // Act
    const target = await openTarget({ aws: true }, io);
    target.close();

    // Assess
    expect(target.bucket).toBe('contact-import-prod-uploads-123456789012');
    expect(target.config.aws.endpoint).toBeUndefined();
  });

  it('uses an emulator named by AWS_ENDPOINT_URL when no option says otherwise', async () => {
    // Prepare
    const { io } = ioIn({ AWS_ENDPOINT_URL: 'http://127.0.0.1:9', STAGE: 'local' });

    // Act
    const target = await openTarget({}, io);
    target.close();

    // Assess
    expect(target.kind).toBe('endpoint');
    expect(target.bucket).toBe('contact-import-local-uploads');
  });

  it('refuses --local when no local stack is up, saying how to start one', async () => {
    const { io } = ioIn();

    await expect(openTarget({ local: true }, io)).rejects.toThrow(
      'no local stack is running: start one with `npm run cli -- local up` (or use --aws)',
    );
  });

  it('forgets a state file whose background process is gone and falls back to AWS', async () => {
    // Prepare
    const { io } = ioIn();
    writeState(
      {
        endpoint: 'http://127.0.0.1:9',
        region: 'ap-northeast-1',
        stage: 'local',
        daemonPid: 2 ** 22 + 17,
        emulatorPid: undefined,
        startedAt: '2024-05-01T00:00:00.000Z',
        logFile: 'daemon.log',
        provisioned: {} as never,
      },
      io.env,
    );

    // Act
    const target = await openTarget({}, io);
    target.close();

    // Assess
    expect(target.kind).toBe('aws');
    await expect(openTarget({ local: true }, io)).rejects.toThrow('no local stack is running');
  });

  it('refuses --local together with --aws', async () => {
    await expect(openTarget({ local: true, aws: true }, ioIn().io)).rejects.toThrow(
      'use either --local or --aws/--outputs, not both',
    );
  });
});
