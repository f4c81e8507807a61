/**
 * `fields define` / `fields remove` (RULES §3): a type change needs --force, which counts the contacts
 * holding values of the old type; removal keeps the values. Real CLI, local runner, emulator.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../../helpers/cli/run.js';
import { useCliStack } from '../../helpers/cli/runner.js';

useCliStack({ disabled: ['sendingHealth'] });

const WS = 'cli-fields';

beforeAll(async () => {
  await cli(['workspace', 'set', '-w', WS, '--region', 'TW']);
});

async function importLoyalty(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cli-fields-'));
  writeFileSync(
    join(dir, 'loyalty.csv'),
    'phone,name,loyalty\n0911000111,Ann,gold since 2019\n0911000222,Bob,\n',
  );
  const run = await cli(['submit', 'loyalty.csv', '-w', WS, '-c', 'line', '-k', 'phone', '--wait'], {
    cwd: dir,
  });
  expect(run.code).toBe(0);
}

describe('Command: fields define (type change)', () => {
  it('refuses another type for an existing field without --force, with one line', async () => {
    // Prepare
    await cli(['fields', 'define', '-w', WS, '-n', 'loyalty', '-t', 'text']);
    await importLoyalty();

    // Act
    const run = await cli(['fields', 'define', '-w', WS, '-n', 'loyalty', '-t', 'number']);
    const listed = await cli(['fields', 'list', '-w', WS, '--json']);

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'error: custom field "loyalty" is already a text field: redefining it as number changes how every file reads it (contacts keep the values they hold); run again with --force to do it anyway\n',
    );
    expect(JSON.parse(listed.stdout)).toEqual([{ name: 'loyalty', type: 'text' }]);
  });

  it('redefines it with --force and says how many contacts hold a value of the old type', async () => {
    const run = await cli(['fields', 'define', '-w', WS, '-n', 'loyalty', '-t', 'number', '--force']);

    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      'custom field loyalty (number) redefined for workspace cli-fields\n' +
        '1 contacts hold a text value of loyalty: they keep it until an import sets a new one\n',
    );
  });

  it('redefines a select with other options without --force (same type)', async () => {
    await cli(['fields', 'define', '-w', WS, '-n', 'tier', '-t', 'select', '--options', 'a,b']);

    const run = await cli(['fields', 'define', '-w', WS, '-n', 'tier', '-t', 'select', '--options', 'a,b,c']);

    expect(run.code).toBe(0);
    expect(run.stdout).toBe('custom field tier (select (a, b, c)) redefined for workspace cli-fields\n');
  });
});

describe('Command: fields remove', () => {
  it('removes the definition and says the contacts keep their values', async () => {
    // Act
    const run = await cli(['fields', 'remove', '-w', WS, '-n', 'loyalty']);
    const listed = await cli(['fields', 'list', '-w', WS, '--json']);
    const exported = await cli(['export', '-w', WS, '--format', 'jsonl']);

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      'custom field loyalty removed from workspace cli-fields; 1 contacts keep their values (a column of that name is now skipped)\n',
    );
    expect(JSON.parse(listed.stdout)).toEqual([{ name: 'tier', type: 'select', options: ['a', 'b', 'c'] }]);
    expect(exported.stdout).toContain('"loyalty":"gold since 2019"');
  });

  it('fails with one line naming the fields there are when the field does not exist', async () => {
    const run = await cli(['fields', 'remove', '-w', WS, '-n', 'nope']);

    expect(run.code).toBe(1);
    expect(run.stderr).toBe('error: workspace cli-fields has no custom field "nope" (its fields: tier)\n');
  });
});
