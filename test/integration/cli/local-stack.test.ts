/**
 * `local up | status | down` and `demo` as separate processes: what they start, they stop.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, readState } from '../../../cli/local/state.js';
import { alive, spawnCli } from '../../helpers/cli/spawn.js';

function stateDir(): NodeJS.ProcessEnv {
  return { CONTACT_IMPORT_LOCAL_DIR: mkdtempSync(join(tmpdir(), 'cli-local-')) };
}

describe('Command: local up / status / down', () => {
  it('runs a stack in the background that other commands find, and stops all of it', async () => {
    // Prepare
    const env = stateDir();

    // Act
    const up = spawnCli(['local', 'up'], env);
    const upCode = await up.exit;
    const state = readState(env);
    const status = spawnCli(['local', 'status'], env);
    const registered = await spawnCli(['workspace', 'set', '-w', 'acme', '--region', 'TW'], env).exit;
    const fields = spawnCli(['fields', 'list', '-w', 'acme'], env);
    const [statusCode, fieldsCode] = await Promise.all([status.exit, fields.exit]);
    const down = spawnCli(['local', 'down'], env);
    const downCode = await down.exit;
    const after = spawnCli(['local', 'status'], env);

    // Assess
    expect(upCode).toBe(0);
    expect(up.stdout()).toContain(`local stack up at ${state?.endpoint}`);
    expect(statusCode).toBe(0);
    expect(status.stdout()).toContain(`endpoint:    ${state?.endpoint}\nregion:      ap-northeast-1\n`);
    expect(status.stdout()).toContain(
      'credentials: any; e.g. AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing\n',
    );
    expect(status.stdout()).toContain(
      `topic:       ${state?.provisioned.topics.notifications} (notifications)\n`,
    );
    expect(status.stdout()).toContain(
      `upload with: aws --endpoint-url ${state?.endpoint} --region ap-northeast-1 s3 cp <file>.csv s3://${state?.provisioned.bucket}/incoming/<workspace>/<channel>/<key>/<file>.csv\n`,
    );
    expect(registered).toBe(0);
    expect(fieldsCode).toBe(0);
    expect(fields.stdout()).toBe('workspace acme has no custom fields\n');
    expect(fields.stderr()).toContain(`using the local stack at ${state?.endpoint}`);
    expect(downCode).toBe(0);
    expect(alive(state?.daemonPid)).toBe(false);
    expect(alive(state?.emulatorPid)).toBe(false);
    expect(readState(env)).toBeUndefined();
    expect(await after.exit).toBe(1);
    expect(after.stdout()).toContain('no local stack is running');
  });

  it('says so when asked to stop a stack that is not running', async () => {
    const down = spawnCli(['local', 'down'], stateDir());

    expect(await down.exit).toBe(0);
    expect(down.stdout()).toBe('no local stack is running\n');
  });
});

describe('Command: demo', () => {
  it('imports every example, prints the summaries and stops the stack it started', async () => {
    // Act
    const demo = spawnCli(['demo'], stateDir());
    const code = await demo.exit;

    // Assess
    expect(code, demo.stderr()).toBe(0);
    const out = demo.stdout();
    for (const file of [
      'line-contacts.csv',
      'edm-subscribers.csv',
      'whatsapp-contacts.csv',
      'crm-updates.csv',
    ]) {
      expect(out).toMatch(new RegExp(`\\n${file.replace('.', '\\.')}\\s+completed_with_errors\\s+\\d+`));
    }
    expect(out).toMatch(/\nline-contacts\.csv\s+completed_with_errors \(dry run\)\s+11\s+/);
    expect(out).toContain('contacts in demo-tw after the dry run: 0\n');
    expect(out).toMatch(/\nedm-missing-status\.csv\s+rejected\s+0/);
    expect(out).toMatch(/\ncontacts-export\.csv\s+succeeded\s+(\d+)\s+0\s+0\s+\1\s+0\s+0\n/);
    expect(out).toContain('row 5  KEY_EMPTY  The key value is empty');
    const reportPath = /open (\/\S+\/report\.html) in a browser/.exec(out)?.[1] ?? '';
    expect(existsSync(reportPath), reportPath).toBe(true);
    const exportPath = /contacts written to (\/\S+\.csv)\n/.exec(out)?.[1] ?? '';
    expect(existsSync(exportPath), exportPath).toBe(true);
    expect(out).not.toContain('UNEXPECTED');
    const pid = Number(/moto_server pid (\d+)/.exec(out)?.[1]);
    expect(alive(pid)).toBe(false);
    expect(out.trimEnd().endsWith('local stack stopped')).toBe(true);
  });

  it('stops the stack when interrupted with Ctrl-C', async () => {
    // Prepare
    const demo = spawnCli(['demo'], stateDir());
    await demo.waitFor('local stack up at');
    const pid = Number(/moto_server pid (\d+)/.exec(demo.stdout())?.[1]);

    // Act
    demo.child.kill('SIGINT');
    const code = await demo.exit;

    // Assess
    expect(code).toBe(130);
    expect(demo.stderr()).toContain('interrupted: stopping the local stack');
    expect(alive(pid)).toBe(false);
  });
});

describe('Launcher: cli/bin.mjs (the precompiled CLI of npm run cli)', () => {
  it('builds the bundle on first use and answers like the sources: --version, template', async () => {
    // Prepare
    const run = promisify(execFile);
    const launch = (...argv: string[]) =>
      run(process.execPath, ['cli/bin.mjs', ...argv], {
        cwd: REPO_ROOT,
        env: { ...process.env, ...stateDir() },
      });
    const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      version: string;
    };

    // Act
    const printed = await launch('--version');
    const template = await launch('template', '-c', 'edm');

    // Assess
    expect(printed.stdout).toBe(`${version}\n`);
    expect(template.stdout).toMatch(/^email,messaging_status,/);
    expect(existsSync(join(REPO_ROOT, 'node_modules', '.cache', 'contact-import-cli', 'main.mjs'))).toBe(
      true,
    );
  });
});
