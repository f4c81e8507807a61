/**
 * The operator commands end to end: the real CLI (in-process, output captured) against the emulator with
 * the local runner feeding the real handlers, as `local up` does.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { EXAMPLES_DIR } from '../../../cli/demo-plan.js';
import { DynamoImportLedger } from '../../../shared/adapters/import-ledger.js';
import { CHANNEL_COLUMNS, REPORT_COLUMNS } from '../../../shared/domain/channels.js';
import type { ImportSummary } from '../../../shared/pipeline/aggregate/summary.js';
import { cli } from '../../helpers/cli/run.js';
import { useCliStack } from '../../helpers/cli/runner.js';

const stack = useCliStack();
const { env } = stack;

const WS = 'cli-tw';
const IMPORT_ID = new RegExp(`^${WS}\\.[0-9a-f]{24}$`);

describe('Command: workspace set registers a workspace (RULES §1)', () => {
  it('registers the workspace the other commands use', async () => {
    const run = await cli(['workspace', 'set', '-w', WS, '--region', 'TW', '--timezone', 'Asia/Taipei']);

    expect(run.code, run.stderr).toBe(0);
  });

  it.each([
    [['fields', 'list', '-w', 'cli-tw-typo']],
    [['fields', 'define', '-w', 'cli-tw-typo', '-n', 'tier', '-t', 'text']],
    [['workspace', 'show', '-w', 'cli-tw-typo']],
    [['export', '-w', 'cli-tw-typo']],
    [['export', '-w', 'cli-tw-typo', '--format', 'jsonl']],
    [['submit', 'line-contacts.csv', '-w', 'cli-tw-typo', '-c', 'line', '-k', 'phone']],
  ])('says an unknown workspace is not registered and exits 1: %j', async (args) => {
    // Act
    const run = await cli(args, { cwd: EXAMPLES_DIR });

    // Assess
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      'error: workspace "cli-tw-typo" is not registered: check the name, or register it with workspace set -w cli-tw-typo --region <region>\n',
    );
  });
});

/** Runs `submit --json` from the examples folder (or `cwd`) and parses the summary it prints. */
async function submitJson(file: string, channel: string, key: string, cwd = EXAMPLES_DIR, workspace = WS) {
  const run = await cli(['submit', file, '-w', workspace, '-c', channel, '-k', key, '--json'], { cwd });
  const summary = run.stdout ? (JSON.parse(run.stdout) as ImportSummary) : undefined;
  return { ...run, summary };
}

/** A job the splitter has not finished, with no upload behind it (so nothing else moves it). */
async function unfinishedJob(hexDigit: string): Promise<string> {
  const ledger = new DynamoImportLedger(env.clients.dynamodb, env.provisioned.tables.imports);
  const importId = `${WS}.${hexDigit.repeat(24)}`;
  const source = {
    bucket: env.provisioned.bucket,
    key: `incoming/${WS}/line/phone/${hexDigit}.csv`,
    versionId: 'v',
    size: 1,
  };
  await ledger.createJob({ workspace: WS, importId, channel: 'line', key: 'phone', source });
  return importId;
}

function tempFile(name: string, text: string): { dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'cli-it-'));
  const path = join(dir, name);
  writeFileSync(path, text);
  return { dir, path };
}

describe('Command: fields define / fields list / template', () => {
  it('defines the custom field the examples carry and lists it', async () => {
    // Act
    const defined = await cli([
      'fields',
      'define',
      '-w',
      WS,
      '-n',
      'member_tier',
      '-t',
      'select',
      '--options',
      'regular,silver,gold',
    ]);
    const listed = await cli(['fields', 'list', '-w', WS, '--json']);

    // Assess
    expect(defined.code).toBe(0);
    expect(defined.stdout).toBe(
      `custom field member_tier (select (regular, silver, gold)) defined for workspace ${WS}\n`,
    );
    expect(JSON.parse(listed.stdout)).toEqual([
      { name: 'member_tier', type: 'select', options: ['regular', 'silver', 'gold'] },
    ]);
  });

  it("appends the workspace's custom fields to the channel's system columns", async () => {
    const run = await cli(['template', '-c', 'line', '-w', WS]);

    expect(run.code).toBe(0);
    expect(run.stdout).toBe('line_uid,phone,customer_id,name,email,note,tags,member_tier\n');
  });
});

describe('Command: submit', () => {
  it('prints the summary document and exits 2 when rows failed (LINE example)', async () => {
    // Act
    const { code, summary, stderr } = await submitJson('line-contacts.csv', 'line', 'phone');

    // Assess
    expect(code).toBe(2);
    expect(summary).toMatchObject({
      workspace: WS,
      channel: 'line',
      key: 'phone',
      outcome: 'completed_with_errors',
      rows: { total: 11, created: 4, updated: 1, unchanged: 0, skipped: 0, failed: 6 },
      skippedColumns: [{ name: 'nickname' }],
      warnings: { LEADING_ZERO_RECOVERED: 1 },
      flags: { whatsappRiskAcceptanceRequired: false },
    });
    expect(summary?.importId).toMatch(IMPORT_ID);
    expect(summary?.reports.failures).toBe(
      `s3://${env.provisioned.bucket}/reports/${WS}/${summary?.importId}/failures.csv`,
    );
    expect(stderr).toContain(
      `import ${summary?.importId} submitted (s3://${env.provisioned.bucket}/incoming/${WS}/line/phone/line-contacts.csv)`,
    );
  });

  it('unifies EDM subscribers with the LINE contacts and keeps an unsubscribe (EDM example)', async () => {
    const { code, summary } = await submitJson('edm-subscribers.csv', 'edm', 'email');

    expect(code).toBe(2);
    expect(summary).toMatchObject({
      outcome: 'completed_with_errors',
      rows: { total: 11, created: 1, updated: 3, unchanged: 0, skipped: 0, failed: 7 },
      skippedColumns: [{ name: 'consent_sorce', suggestion: 'consent_source' }],
      warnings: { STATUS_IRREVERSIBLE: 1 },
    });
  });

  it('skips a blank WhatsApp status and flags the workspace (WhatsApp example)', async () => {
    const { code, summary } = await submitJson('whatsapp-contacts.csv', 'whatsapp', 'phone');

    expect(code).toBe(2);
    expect(summary).toMatchObject({
      outcome: 'completed_with_errors',
      rows: { total: 9, created: 2, updated: 1, unchanged: 0, skipped: 1, failed: 5 },
      flags: { whatsappRiskAcceptanceRequired: true },
    });
  });

  it('updates by customer_id and never creates (CRM example)', async () => {
    const { code, summary } = await submitJson('crm-updates.csv', 'line', 'customer_id');

    expect(code).toBe(2);
    expect(summary?.rows).toEqual({ total: 4, created: 0, updated: 2, unchanged: 0, skipped: 0, failed: 2 });
  });

  it('exits 3 and names the reason when the file is rejected', async () => {
    const { code, summary } = await submitJson('edm-missing-status.csv', 'edm', 'email');

    expect(code).toBe(3);
    expect(summary?.outcome).toBe('rejected');
    expect(summary?.rejection?.code).toBe('MISSING_REQUIRED_COLUMN');
  });

  it('exits 0 when every row succeeded, and prints the summary for a person with --wait', async () => {
    // Prepare
    const { dir } = tempFile(
      'new-members.csv',
      'phone,name,tags\n0911222333,周美華,新會員\n+886911222444,許志明,新會員\n',
    );

    // Act
    const run = await cli(['submit', 'new-members.csv', '-w', WS, '-c', 'line', '-k', 'phone', '--wait'], {
      cwd: dir,
    });

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^import cli-tw\.[0-9a-f]{24} succeeded \(line, key phone, file new-members\.csv/,
    );
    expect(run.stdout).toContain('rows: 2 total, 2 created, 0 updated, 0 unchanged, 0 skipped, 0 failed\n');
  });

  it('prints only the import id without --wait; the pipeline uses the same id', async () => {
    // Prepare
    const { dir } = tempFile('one.csv', 'email,messaging_status\nsubmit.only@example.com,subscribed\n');

    // Act
    const submitted = await cli(['submit', 'one.csv', '-w', WS, '-c', 'edm', '-k', 'email'], { cwd: dir });
    await stack.runner.idle();
    const importId = submitted.stdout.trim();
    const status = await cli(['status', importId]);

    // Assess
    expect(submitted.code).toBe(0);
    expect(importId).toMatch(IMPORT_ID);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`import ${importId} succeeded (edm, key email, file one.csv`);
  });

  it('never prints a contact email or phone on stderr while waiting', async () => {
    // Prepare
    const { dir } = tempFile('private.csv', 'phone,email\n0955666777,very.private@example.com\n');

    // Act
    const run = await cli(['submit', 'private.csv', '-w', WS, '-c', 'line', '-k', 'phone', '--wait'], {
      cwd: dir,
    });

    // Assess
    expect(run.code).toBe(0);
    expect(run.stderr).not.toMatch(/very\.private|0955666777|955666777/);
    expect(run.stdout).not.toMatch(/very\.private|0955666777|955666777/);
  });
});

describe('Command: submit --dry-run and imports cancel (RULES §1, §7)', () => {
  const DRY = 'cli-dry';

  it('uploads into dry-run/, prints what would happen, and leaves the workspace without contacts', async () => {
    // Prepare
    expect((await cli(['workspace', 'set', '-w', DRY, '--region', 'TW'])).code).toBe(0);

    // Act
    const run = await cli(
      ['submit', 'line-contacts.csv', '-w', DRY, '-c', 'line', '-k', 'phone', '--dry-run', '--wait'],
      {
        cwd: EXAMPLES_DIR,
      },
    );

    // Assess
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain(`/incoming/${DRY}/line/phone/dry-run/line-contacts.csv)`);
    expect(run.stdout).toMatch(
      /^import cli-dry\.[0-9a-f]{24} dry run completed with errors \(line, key phone/,
    );
    expect(run.stdout).toContain(
      'would be: rows: 11 total, 5 created, 1 updated, 0 unchanged, 0 skipped, 5 failed\n',
    );
    expect(run.stdout).toContain('dry run: no contact was written');
    const exported = await cli(['export', '-w', DRY, '--format', 'jsonl']);
    expect(exported.stdout).toBe('');
  });

  it('refuses to cancel a finished import with one line and exit 1', async () => {
    // Prepare
    const { summary } = await submitJson('crm-updates.csv', 'line', 'customer_id');
    const importId = summary?.importId ?? '';

    // Act
    const run = await cli(['imports', 'cancel', importId]);

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `error: Import ${importId} is already completed: only an unfinished import can be cancelled\n`,
    );
  });

  it('cancels an unfinished import once and says so again on a second cancel', async () => {
    // Prepare: a job the splitter has not finished (no upload behind it, so nothing else moves it)
    const importId = await unfinishedJob('c');

    // Act
    const first = await cli(['imports', 'cancel', importId]);
    const second = await cli(['imports', 'cancel', importId]);
    const status = await cli(['status', importId]);

    // Assess
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(
      `import ${importId} cancelled: batches not applied yet will be skipped (CANCELLED)`,
    );
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(new RegExp(`^import ${importId} was already cancelled at \\d{4}-`));
    expect(status.code).toBe(4);
    expect(status.stdout).toMatch(/splitting: 0 rows so far, cancelled at .*: skipping the batches left\n$/);
  });

  it('says an import nobody submitted cannot be cancelled', async () => {
    const run = await cli(['imports', 'cancel', `${WS}.000000000000000000000000`]);

    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`error: no import "${WS}.000000000000000000000000" was found`);
  });
});

describe('Command: submit --wait that times out, and status of an unfinished import (exit 4)', () => {
  it('keeps the last state on screen with the import id and exits 4; the import goes on', async () => {
    // Prepare
    const { dir } = tempFile('slow.csv', 'phone,name\n0911333444,Ann\n');

    // Act
    const run = await cli(
      ['submit', 'slow.csv', '-w', WS, '-c', 'line', '-k', 'phone', '--wait', '--timeout', '0.001'],
      {
        cwd: dir,
      },
    );
    await stack.runner.idle();

    // Assess
    expect(run.code).toBe(4);
    const importId = /^import (\S+) submitted/.exec(run.stderr)?.[1] ?? '';
    expect(importId).toMatch(IMPORT_ID);
    expect(run.stderr).toContain(`error: import ${importId} did not finish within 0 s`);
    expect(run.stderr).toContain(`check it with \`status ${importId}\``);
    expect((await cli(['status', importId])).code).toBe(0);
  });

  it('exits 4 with the progress line for an import that is still running', async () => {
    // Prepare
    const importId = await unfinishedJob('f');

    // Act
    const run = await cli(['status', importId]);

    // Assess
    expect(run.code).toBe(4);
    expect(run.stdout).toBe(`${importId} splitting: 0 rows so far\n`);
  });
});

describe('Command: status', () => {
  it('shows the summary of a finished import with its exit code', async () => {
    // Prepare
    const { summary } = await submitJson('crm-updates.csv', 'line', 'customer_id');

    // Act
    const run = await cli(['status', summary?.importId ?? '', '--json']);

    // Assess
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout)).toEqual(summary);
  });

  it('fails with one line for an import nobody submitted', async () => {
    const run = await cli(['status', `${WS}.000000000000000000000000`]);

    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `error: no import "${WS}.000000000000000000000000" was found: check the id printed by submit (and --local/--aws); a file just uploaded shows up within seconds\n`,
    );
  });
});

describe('Command: report', () => {
  it('downloads failures.csv, warnings.csv and summary.json and signs a fresh link', async () => {
    // Prepare
    const { summary } = await submitJson('whatsapp-contacts.csv', 'whatsapp', 'phone');
    const out = mkdtempSync(join(tmpdir(), 'cli-report-'));

    // Act
    const run = await cli(['report', summary?.importId ?? '', '--out', out]);

    // Assess
    expect(run.code).toBe(0);
    const failures = parse(readFileSync(join(out, 'failures.csv')), { bom: true }) as string[][];
    expect(failures[0]).toEqual([...CHANNEL_COLUMNS.whatsapp.map((spec) => spec.column), ...REPORT_COLUMNS]);
    expect(failures.slice(1).map((row) => [row[8], row[9]])).toEqual([
      ['5', 'INVALID_PHONE'],
      ['6', 'STATUS_BLANK_SKIPPED'],
      ['7', 'INVALID_STATUS'],
      ['8', 'KEY_EMPTY'],
      ['9', 'EXCEL_NUMBER_DAMAGED'],
      ['10', 'INVALID_PHONE'],
    ]);
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))).toEqual(summary);
    expect(run.stdout).toMatch(
      /failures\.csv, link valid for \d+ h: http:\/\/127\.0\.0\.1:\d+\/.*X-Amz-Signature=/,
    );
  });
});

describe('Command: report --open', () => {
  it('downloads report.html too and opens it with the desktop opener, or prints its path without one', async () => {
    // Prepare
    const { summary } = await submitJson('crm-updates.csv', 'line', 'customer_id');
    const out = mkdtempSync(join(tmpdir(), 'cli-open-'));
    const bin = mkdtempSync(join(tmpdir(), 'cli-opener-'));
    const opened = join(bin, 'opened.txt');
    writeFileSync(join(bin, 'xdg-open'), `#!/bin/sh\necho "$1" > ${opened}\n`, { mode: 0o755 });
    const id = summary?.importId ?? '';

    // Act
    const withOpener = await cli(['report', id, '--out', out, '--open'], {
      env: { PATH: `${bin}:/usr/bin:/bin` },
    });
    const without = await cli(['report', id, '--out', out, '--open'], { env: { PATH: '/nonexistent' } });

    // Assess
    expect(withOpener.code).toBe(0);
    expect(withOpener.stdout).toContain(`wrote ${join(out, 'report.html')}\n`);
    expect(withOpener.stdout).toMatch(
      /report\.html, link valid for \d+ h: http:\/\/127\.0\.0\.1:\d+\/.*report\.html\?.*X-Amz-Signature=/,
    );
    expect(withOpener.stdout).toContain(`opened ${join(out, 'report.html')} with xdg-open\n`);
    await expect
      .poll(() => (existsSync(opened) ? readFileSync(opened, 'utf8') : ''))
      .toBe(`${join(out, 'report.html')}\n`);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain(
      '<a href="failures.csv">failures.csv</a>',
    );
    expect(without.code).toBe(0);
    expect(without.stdout).toContain(
      `no program to open it was found (xdg-open): open ${join(out, 'report.html')} in a browser\n`,
    );
  });
});

describe('Command: workspace set', () => {
  it('stores the region and time zone and prints the settings in force', async () => {
    const run = await cli(['workspace', 'set', '-w', 'cli-jp', '--region', 'jp', '--timezone', 'Asia/Tokyo']);

    expect(run.code).toBe(0);
    expect(run.stdout).toBe('workspace cli-jp: region JP, time zone Asia/Tokyo\n');
  });
});

describe('Command: export', () => {
  it('writes every live contact as one JSON object per line', async () => {
    // Act
    const run = await cli(['export', '-w', WS, '--format', 'jsonl']);

    // Assess
    expect(run.code).toBe(0);
    const contacts = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const ming = contacts.find((c) => c.customerId === 'C0001');
    expect(ming).toMatchObject({
      name: '王小明',
      email: 'xiaoming.wang@example.com.tw',
      phone: '+886912345678',
      gender: 'male',
      birthday: '1988-03-14',
      custom: { member_tier: 'gold' },
      line: { uid: 'U4af4980629a0b0c5e2f0e4c1d2b3a4f5' },
      edm: { email: 'xiaoming.wang@example.com.tw', status: 'subscribed', consentSource: '官網頁尾' },
      whatsapp: { mobile: '+886912345678', status: 'opted_in' },
    });
    expect(ming?.tags).toEqual(expect.arrayContaining(['VIP', '台北信義', '回購', '電子報', 'WhatsApp']));
    expect(Object.keys(ming ?? {})).toEqual(
      expect.arrayContaining(['contactId', 'createdAt', 'note', 'customerId', 'tags', 'custom']),
    );
    expect(run.stderr).toBe(`exported ${contacts.length} contacts of workspace ${WS}\n`);
  });

  it.each([
    ['line', 'phone'],
    ['line', 'customer_id'],
    ['edm', 'email'],
    ['whatsapp', 'phone'],
  ])('writes a %s file keyed by %s that imports back with every row unchanged', async (channel, key) => {
    // Prepare
    const exported = await cli(['export', '-w', WS, '--format', 'csv', '-c', channel, '-k', key]);
    const { dir } = tempFile(`export-${channel}-${key}.csv`, exported.stdout);

    // Act
    const { code, summary } = await submitJson(`export-${channel}-${key}.csv`, channel, key, dir);

    // Assess
    expect(exported.code).toBe(0);
    expect(code).toBe(0);
    expect(summary?.outcome).toBe('succeeded');
    expect(summary?.rows.total).toBeGreaterThan(0);
    expect(summary?.rows.unchanged).toBe(summary?.rows.total);
    expect(summary?.warnings).toEqual({});
  });

  it('neutralises every formula lead in the export, which still imports back unchanged with the values intact', async () => {
    // Prepare: a workspace whose contacts hold every formula lead (RULES §7)
    const ws = 'cli-formula';
    await cli(['workspace', 'set', '-w', ws, '--region', 'TW']);
    const notes = ['=HYPERLINK("http://x","y")', '@SUM(A1)', '-2+3', '+1', '＝1+1'];
    const rows = notes.map(
      (note, i) => `U${String(i).padStart(32, 'a')},Contact ${i},"${note.replace(/"/g, '""')}"`,
    );
    const { dir } = tempFile('formulas.csv', `line_uid,name,note\n${rows.join('\n')}\n`);
    const first = await submitJson('formulas.csv', 'line', 'line_uid', dir, ws);
    expect(first.summary?.rows.created).toBe(notes.length);

    // Act
    const exported = await cli(['export', '-w', ws, '-c', 'line', '-k', 'line_uid']);
    writeFileSync(join(dir, 'export.csv'), exported.stdout);
    const again = await submitJson('export.csv', 'line', 'line_uid', dir, ws);

    // Assess: every formula-like cell starts with ' in the file, and nothing changed on re-import
    const cells = (parse(exported.stdout, { bom: true }) as string[][]).slice(1);
    const exportedNotes = cells.map((row) => row[5] as string).sort();
    expect(exportedNotes).toEqual(notes.map((note) => `'${note}`).sort());
    expect(again.summary?.rows).toMatchObject({ total: notes.length, unchanged: notes.length });
    const jsonl = await cli(['export', '-w', ws, '--format', 'jsonl']);
    const stored = jsonl.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { note: string }).note);
    expect(stored.sort()).toEqual([...notes].sort());
  });

  it('counts on stderr the contacts an EDM file cannot carry', async () => {
    // Act
    const run = await cli(['export', '-w', WS, '-c', 'edm']);

    // Assess
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^exported \d+ contacts of workspace cli-tw \(edm file, key email\)\n/);
    expect(run.stderr).toMatch(
      /left out \d+ contacts that have no email or are not on the edm channel: use another --key\/--channel, or --format jsonl\n$/,
    );
  });
});
