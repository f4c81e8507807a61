import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../../helpers/cli/run.js';

/** A folder with a small CSV in it; AWS is never reached by the commands below. */
function folderWithCsv(): string {
  const cwd = mkdtempSync(join(tmpdir(), 'cli-args-'));
  writeFileSync(join(cwd, 'contacts.csv'), 'phone,name\n0912345678,王小明\n');
  writeFileSync(join(cwd, 'contacts.xlsx'), 'x');
  return cwd;
}

/** Where a mistaken call must never get to: an endpoint nothing listens on. */
const NOWHERE = { AWS_ENDPOINT_URL: 'http://127.0.0.1:9' };

describe('Command: submit (argument checks)', () => {
  it.each([
    [
      ['-w', 'acme', '-c', 'edm', '-k', 'line_uid'],
      '--key line_uid is not allowed for edm; use one of phone, email, customer_id',
    ],
    [['-w', 'acme', '-c', 'sms', '-k', 'phone'], '--channel must be one of line, edm, whatsapp, got "sms"'],
    [
      ['-w', 'acme', '-c', 'line', '-k', 'mobile'],
      '--key must be one of line_uid, phone, email, customer_id, got "mobile"',
    ],
    [['-w', 'Acme', '-c', 'line', '-k', 'phone'], 'got "Acme"'],
    [
      ['-w', 'acme', '-c', 'line', '-k', 'phone', '--timeout', 'soon'],
      '--timeout must be a positive number of seconds, got "soon"',
    ],
  ])('refuses %j with one line and exit code 1 before uploading anything', async (args, message) => {
    // Prepare
    const cwd = folderWithCsv();

    // Act
    const run = await cli(['submit', 'contacts.csv', ...args], { cwd, env: NOWHERE });

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(message);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stdout).toBe('');
  });

  it('refuses a file that does not exist', async () => {
    const run = await cli(['submit', 'missing.csv', '-w', 'acme', '-c', 'line', '-k', 'phone'], {
      env: NOWHERE,
    });

    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: file ".*missing\.csv" does not exist\n$/);
  });

  it('refuses a file that is not a CSV', async () => {
    const run = await cli(['submit', 'contacts.xlsx', '-w', 'acme', '-c', 'line', '-k', 'phone'], {
      cwd: folderWithCsv(),
      env: NOWHERE,
    });

    expect(run.code).toBe(1);
    expect(run.stderr).toContain('is not a .csv file: save it as CSV (comma-separated) first');
  });

  it('names a missing required option', async () => {
    const run = await cli(['submit', 'contacts.csv', '-w', 'acme', '-c', 'line'], { cwd: folderWithCsv() });

    expect(run.code).toBe(1);
    expect(run.stderr).toContain("required option '-k, --key <key>' not specified");
  });
});

describe('Command: status and report (argument checks)', () => {
  it('says what an import id looks like', async () => {
    const run = await cli(['status', 'line-contacts.csv'], { env: NOWHERE });

    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'error: "line-contacts.csv" is not an import id: it looks like <workspace>.<24 hex digits>, as printed by submit\n',
    );
  });
});

describe('Command: template', () => {
  it("prints the header line of a channel's file without reaching any stack", async () => {
    const run = await cli(['template', '-c', 'whatsapp'], { env: NOWHERE });

    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      'WhatsApp_mobile,messaging_status,display_name,gender,customer_id,email,birthday,tag\n',
    );
  });
});

describe('Command: fields define (argument checks)', () => {
  it.each([
    [
      ['-n', 'phone', '-t', 'text'],
      '--name "phone" is a system column of a channel\'s file: choose another name',
    ],
    [['-n', 'tier', '-t', 'select'], 'a select field needs --options, e.g. --options regular,silver,gold'],
    [
      ['-n', 'points', '-t', 'number', '--options', 'a,b'],
      '--options applies to select fields only, not number',
    ],
    [
      ['-n', 'points', '-t', 'integer'],
      '--type must be one of text, number, date, boolean, select, got "integer"',
    ],
  ])('refuses %j with one line', async (args, message) => {
    const run = await cli(['fields', 'define', '-w', 'acme', ...args], { env: NOWHERE });

    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`error: ${message}\n`);
  });
});

describe('Command: workspace set (argument checks)', () => {
  it('refuses a time zone that does not exist', async () => {
    const run = await cli(['workspace', 'set', '-w', 'acme', '--timezone', 'Asia/Taipai'], { env: NOWHERE });

    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Time zone "Asia/Taipai" is not a valid IANA time zone');
  });

  it('refuses a region without a numbering plan', async () => {
    const run = await cli(['workspace', 'set', '-w', 'acme', '--region', 'XX'], { env: NOWHERE });

    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Region "XX" is not a supported ISO 3166-1 alpha-2 phone region');
  });
});

describe('Command: export (argument checks)', () => {
  it('refuses --channel with jsonl, which holds every channel', async () => {
    const run = await cli(['export', '-w', 'acme', '--format', 'jsonl', '-c', 'edm'], { env: NOWHERE });

    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'error: --channel and --key apply to --format csv only (jsonl holds every channel)\n',
    );
  });

  it('refuses an unknown format', async () => {
    const run = await cli(['export', '-w', 'acme', '--format', 'xlsx'], { env: NOWHERE });

    expect(run.code).toBe(1);
    expect(run.stderr).toContain("argument 'xlsx' is invalid. Allowed choices are csv, jsonl.");
  });
});

describe('Command: (any) against a stack that does not answer', () => {
  it('fails with one line naming the endpoint, no stack trace', async () => {
    // Act
    const run = await cli(['fields', 'list', '-w', 'acme'], {
      env: { ...NOWHERE, AWS_MAX_ATTEMPTS: '1' },
    });

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('Command: (any) with a host that does not exist or a path through a file', () => {
  it('turns getaddrinfo ENOTFOUND into one line saying what to check', async () => {
    // Act
    const run = await cli(['fields', 'list', '-w', 'acme'], {
      env: { AWS_ENDPOINT_URL: 'http://no-such-host.invalid:4566', AWS_MAX_ATTEMPTS: '1' },
    });

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'error: cannot reach no-such-host.invalid (ENOTFOUND): check AWS_ENDPOINT_URL (or use --local for the local stack), AWS_REGION / --outputs, and your network\n',
    );
  });

  it('turns ENOTDIR into one line naming the path and what to do', async () => {
    // Prepare
    const cwd = folderWithCsv();

    // Act (the local stack's folder is under a file: no stack can be found or started there)
    const run = await cli(['local', 'up'], {
      cwd,
      env: { CONTACT_IMPORT_LOCAL_DIR: join(cwd, 'contacts.csv', 'state') },
    });

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `error: cannot mkdir "${join(cwd, 'contacts.csv', 'state')}" (ENOTDIR): a part of the path is a file, not a folder: choose another path\n`,
    );
  });
});

describe('Option: --version', () => {
  it('prints the version of package.json', async () => {
    const run = await cli(['--version']);

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});
