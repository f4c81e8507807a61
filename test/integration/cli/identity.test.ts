/**
 * Identity resolution as an operator meets it (issue 16, reproductions 1 and 2): files submitted with the
 * CLI against the local stack, then exported, as a user would check the result.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Runner, startRunner } from '../../../infra/local/runner.js';
import { cli } from '../../helpers/cli/run.js';
import { useEmulator } from '../../helpers/emulator.js';

const env = useEmulator();
let runner: Runner;

beforeAll(async () => {
  runner = await startRunner({
    endpoint: inject('emulatorEndpoint'),
    provisioned: env.provisioned,
    sweepIntervalMs: 0,
  });
  for (const workspace of ['cli-family', 'cli-line']) {
    expect((await cli(['workspace', 'set', '-w', workspace, '--region', 'TW'])).code).toBe(0);
  }
});

afterAll(async () => {
  await runner?.stop();
});

const U1 = `U${'1'.repeat(32)}`;
const U2 = `U${'2'.repeat(32)}`;

/** A folder holding the files, each given as its lines. */
function files(named: Record<string, readonly string[]>): string {
  const dir = mkdtempSync(join(tmpdir(), 'cli-identity-'));
  for (const [name, lines] of Object.entries(named)) {
    writeFileSync(join(dir, name), lines.map((line) => `${line}\n`).join(''));
  }
  return dir;
}

/** `submit FILE -w W -c C -k K --wait`, run in `dir`, as an operator types it. */
function submit(dir: string, file: string, workspace: string, channel: string, key: string) {
  return cli(['submit', file, '-w', workspace, '-c', channel, '-k', key, '--wait'], { cwd: dir });
}

/** `export -w W --format jsonl`: one object per live contact. */
async function exportJsonl(workspace: string): Promise<Record<string, unknown>[]> {
  const run = await cli(['export', '-w', workspace, '--format', 'jsonl']);
  expect(run.code).toBe(0);
  return run.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** `export -w W -c C -k K` (csv): the rows as objects keyed by the header, and what it said on stderr. */
async function exportCsv(workspace: string, channel: string, key: string) {
  const run = await cli(['export', '-w', workspace, '-c', channel, '-k', key]);
  expect(run.code).toBe(0);
  const [header = [], ...rows] = parse(run.stdout, { bom: true }) as string[][];
  const records = rows.map((row) => Object.fromEntries(header.map((column, i) => [column, row[i]])));
  return { records, stderr: run.stderr };
}

/** `report ID --out DIR` for the import a `submit --wait` printed: its warnings.csv, as rows of cells. */
async function warningsOf(submitted: { stdout: string }): Promise<string[][]> {
  const importId = /^import (\S+) /.exec(submitted.stdout)?.[1] ?? '';
  const out = mkdtempSync(join(tmpdir(), 'cli-identity-report-'));
  const run = await cli(['report', importId, '--out', out]);
  expect(run.code).toBe(0);
  return parse(readFileSync(join(out, 'warnings.csv')), { bom: true }) as string[][];
}

const byName = (a: Record<string, unknown>, b: Record<string, unknown>): number =>
  String(a.name).localeCompare(String(b.name));

describe('Command: submit and export, identity resolution (issue 16)', () => {
  it("1. a family phone: Kid's EDM file creates a second contact and keeps Kid's opt-out (RULES §6)", async () => {
    // Prepare
    const header = 'email,messaging_status,display_name,mobile';
    const dir = files({
      'mom.csv': [header, 'mom@example.com,subscribed,Mom,0912000001'],
      'kid.csv': [header, 'kid@example.com,unsubscribed,Kid,0912000001'],
    });
    const mom = await submit(dir, 'mom.csv', 'cli-family', 'edm', 'email');

    // Act
    const kid = await submit(dir, 'kid.csv', 'cli-family', 'edm', 'email');

    // Assess: what submit printed
    expect(mom.code).toBe(0);
    expect(mom.stdout).toContain('rows: 1 total, 1 created, 0 updated, 0 unchanged, 0 skipped, 0 failed\n');
    expect(kid.code).toBe(0);
    expect(kid.stdout).toMatch(/^import cli-family\.[0-9a-f]{24} succeeded \(edm, key email, file kid\.csv/);
    expect(kid.stdout).toContain('rows: 1 total, 1 created, 0 updated, 0 unchanged, 0 skipped, 0 failed\n');
    expect(kid.stdout).toContain('warnings: MERGE_CONFLICT_CHANNEL_KEY x1\n');
    expect((await warningsOf(kid)).map((row) => row.slice(0, 6))).toEqual([
      [...header.split(','), 'row_number', 'error_code'],
      ['kid@example.com', 'unsubscribed', 'Kid', '0912000001', '2', 'MERGE_CONFLICT_CHANNEL_KEY'],
    ]);

    // Assess: what an export shows
    const contacts = (await exportJsonl('cli-family')).sort(byName);
    expect(contacts).toEqual([
      expect.objectContaining({
        name: 'Kid',
        email: 'kid@example.com',
        phone: '+886912000001',
        edm: expect.objectContaining({ email: 'kid@example.com', status: 'unsubscribed' }),
      }),
      expect.objectContaining({
        name: 'Mom',
        email: 'mom@example.com',
        phone: '+886912000001',
        edm: expect.objectContaining({ email: 'mom@example.com', status: 'subscribed' }),
      }),
    ]);
    const csv = await exportCsv('cli-family', 'edm', 'email');
    expect(
      csv.records
        .map((r) => [r.email, r.messaging_status, r.display_name])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    ).toEqual([
      ['kid@example.com', 'unsubscribed', 'Kid'],
      ['mom@example.com', 'subscribed', 'Mom'],
    ]);
    expect(csv.stderr).toBe('exported 2 contacts of workspace cli-family (edm file, key email)\n');
  });

  it('2. a second LINE account sharing a phone: two contacts, and the phone then selects the latest (RULES §4, §6)', async () => {
    // Prepare
    const dir = files({
      'first.csv': ['line_uid,phone,name', `${U1},0912000002,One`],
      'second.csv': ['line_uid,phone,name', `${U2},0912000002,Two`],
      'latest.csv': ['phone,name', '0912000002,Latest'],
    });
    const first = await submit(dir, 'first.csv', 'cli-line', 'line', 'line_uid');

    // Act
    const second = await submit(dir, 'second.csv', 'cli-line', 'line', 'line_uid');
    const latest = await submit(dir, 'latest.csv', 'cli-line', 'line', 'phone');

    // Assess: what submit printed
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('rows: 1 total, 1 created, 0 updated, 0 unchanged, 0 skipped, 0 failed\n');
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(
      'rows: 1 total, 1 created, 0 updated, 0 unchanged, 0 skipped, 0 failed\n',
    );
    expect(second.stdout).toContain('warnings: MERGE_CONFLICT_CHANNEL_KEY x1\n');
    expect(latest.code).toBe(0);
    expect(latest.stdout).toContain(
      'rows: 1 total, 0 created, 1 updated, 0 unchanged, 0 skipped, 0 failed\n',
    );
    expect(latest.stdout).toContain('warnings: KEY_MATCHED_SEVERAL x1\n');
    expect((await warningsOf(second)).map((row) => row.slice(0, 5))).toEqual([
      ['line_uid', 'phone', 'name', 'row_number', 'error_code'],
      [U2, '0912000002', 'Two', '2', 'MERGE_CONFLICT_CHANNEL_KEY'],
    ]);
    expect((await warningsOf(latest)).map((row) => row.slice(0, 4))).toEqual([
      ['phone', 'name', 'row_number', 'error_code'],
      ['0912000002', 'Latest', '2', 'KEY_MATCHED_SEVERAL'],
    ]);

    // Assess: what an export shows
    const contacts = (await exportJsonl('cli-line')).sort(byName);
    expect(contacts).toEqual([
      expect.objectContaining({ name: 'Latest', phone: '+886912000002', line: { uid: U2 } }),
      expect.objectContaining({ name: 'One', phone: '+886912000002', line: { uid: U1 } }),
    ]);
    const byUid = await exportCsv('cli-line', 'line', 'line_uid');
    expect(byUid.records.map((r) => [r.line_uid, r.name]).sort()).toEqual([
      [U1, 'One'],
      [U2, 'Latest'],
    ]);
    expect(byUid.stderr).toBe('exported 2 contacts of workspace cli-line (line file, key line_uid)\n');
  });
});
