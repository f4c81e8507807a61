import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ISSUE_CODES } from '../../shared/domain/codes.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf-8');
const scripts = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf-8')) as {
    scripts: Record<string, string>;
  }
).scripts;

/** The README's code table as `shared/domain/codes.ts` defines it. */
function codesTable(): string {
  const rows = ISSUE_CODES.map(
    (c) => `| \`${c.code}\` | ${c.kind} | ${c.description.replace(/\|/g, '\\|')} |`,
  );
  return ['| code | kind | meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

describe('README', () => {
  it('lists every error, skip, warning and rejection code exactly as codes.ts defines it', () => {
    const table = /<!-- codes:start -->\n([\s\S]*?)\n<!-- codes:end -->/.exec(readme)?.[1];

    expect(table, 'regenerate the table between the codes markers from ISSUE_CODES').toBe(codesTable());
  });

  it('gives the two quick-start commands, and both exist', () => {
    expect(readme).toContain('npm ci && npm run demo');
    expect(readme).toContain('npm test ');
    expect(scripts.demo).toBe('tsx cli/main.ts demo');
    expect(scripts.test).toContain('test:integration');
  });

  it('documents every npm script it names', () => {
    const named = [...readme.matchAll(/npm run ([a-z:]+)/g)].map((m) => m[1] as string);

    expect(named.filter((name) => !(name in scripts))).toEqual([]);
  });
});
