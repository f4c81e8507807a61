/**
 * `imports list` (issue 14, item 2): a workspace's history newest first, with who uploaded each file,
 * served by a Query of the imports table's `byWorkspace` index. Real CLI, local runner, emulator.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ImportJob } from '../../../shared/pipeline/ports.js';
import { cli } from '../../helpers/cli/run.js';
import { useCliStack } from '../../helpers/cli/runner.js';

const stack = useCliStack({ disabled: ['sendingHealth'] });
const WS = 'cli-history';
const ids: string[] = [];

beforeAll(async () => {
  await cli(['workspace', 'set', '-w', WS, '--region', 'TW']);
  const dir = mkdtempSync(join(tmpdir(), 'cli-history-'));
  writeFileSync(join(dir, 'first.csv'), 'phone,name\n0911000111,Ann\n');
  writeFileSync(join(dir, 'second.csv'), 'phone,name\n0911000222,Bob\nnot-a-phone,Cat\n');
  for (const file of ['first.csv', 'second.csv']) {
    const run = await cli(['submit', file, '-w', WS, '-c', 'line', '-k', 'phone', '--wait'], {
      cwd: dir,
      env: { USER: 'amy' },
    });
    ids.push(run.stdout.match(/import (\S+)/)?.[1] ?? '');
  }
  await stack.env.clients.s3.send(
    new PutObjectCommand({
      Bucket: stack.env.provisioned.bucket,
      Key: `incoming/${WS}/edm/email/console-upload.csv`,
      Body: 'email,messaging_status\nann@example.com,subscribed\n',
    }),
  );
  await stack.runner.idle();
});

describe('Command: imports list', () => {
  it('lists the imports newest first with file, channel, key, outcome, counts and uploader', async () => {
    // Act
    const run = await cli(['imports', 'list', '-w', WS]);

    // Assess
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^time \(UTC\)\s+file\s+channel\s+key\s+outcome\s+created\/updated\/unchanged\/skipped\/failed\s+uploaded by\s+import$/,
    );
    expect(lines.slice(1).map((line) => line.split(/\s{2,}/).slice(1))).toEqual([
      [
        'console-upload.csv',
        'edm',
        'email',
        'succeeded',
        '1/0/0/0/0',
        'direct',
        expect.stringMatching(/^cli-history\./),
      ],
      ['second.csv', 'line', 'phone', 'completed_with_errors', '1/0/0/0/1', 'cli (amy)', ids[1]],
      ['first.csv', 'line', 'phone', 'succeeded', '1/0/0/0/0', 'cli (amy)', ids[0]],
    ]);
    expect(lines[1]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} {2}/);
  });

  it('prints the jobs as JSON with --json, and honours --limit and --since', async () => {
    // Act
    const limited = await cli(['imports', 'list', '-w', WS, '--limit', '1', '--json']);
    const future = await cli(['imports', 'list', '-w', WS, '--since', '2999-01-01']);

    // Assess
    const jobs = JSON.parse(limited.stdout) as ImportJob[];
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({
      status: 'completed',
      outcome: 'succeeded',
      uploadedBy: { kind: 'direct' },
    });
    expect(future.code).toBe(0);
    expect(future.stdout).toBe(`workspace ${WS} has no imports since 2999-01-01T00:00:00.000Z\n`);
  });

  it.each([
    [['--limit', '0'], 'error: --limit must be a whole number from 1 to 1000, got "0"\n'],
    [
      ['--since', 'yesterday'],
      'error: --since must be a date as YYYY-MM-DD or an ISO time, got "yesterday"\n',
    ],
    [
      ['--since', '2024-02-30'],
      'error: --since must be a date as YYYY-MM-DD or an ISO time, got "2024-02-30"\n',
    ],
  ])('fails with one line and exit 1 for %j', async (args, message) => {
    const run = await cli(['imports', 'list', '-w', WS, ...args]);

    expect(run.code).toBe(1);
    expect(run.stderr).toBe(message);
  });
});
