/**
 * report.html in a real browser (issue 14, item 4): an import through the whole pipeline on the emulator,
 * its report.html opened by headless Chromium from a folder with the CSV files beside it, as `report`
 * downloads them. DOM checks, a screenshot, and the injection case: a cell holding markup stays text.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { reportKeys } from '../../../shared/pipeline/aggregate/aggregate.js';
import { dumpDom, pngSize, screenshot } from '../../helpers/browser.js';
import { usePipeline } from '../../helpers/e2e/pipeline.js';

const pipeline = usePipeline();
const INJECTION = `<img src=x onerror="document.title='pwned'">`;
const SCRIPT = `<script>document.title='pwned'</script>`;

/** Where the test leaves the page and its screenshot (printed, so a person can look at them). */
const dir = mkdtempSync(join(tmpdir(), 'report-html-'));
let importId = '';
let dom = '';

beforeAll(async () => {
  const rows = [
    ['phone', 'name', 'email', 'nickname'],
    ['0912345678', '王小明', 'ming@example.com', 'ming'],
    ['0912345679', INJECTION, 'not-an-email', 'x'],
    ['12', SCRIPT, '', 'y'],
    ['', 'no key', '', ''],
    ['0912345680', '陳美玲', 'mei@example.com', ''],
  ];
  const upload = await pipeline.upload('incoming/browser/line/phone/report-test.csv', stringify(rows));
  const { summary } = await pipeline.result(upload);
  importId = summary.importId;
  const keys = reportKeys('browser', importId);
  for (const [name, key] of [
    ['report.html', keys.html],
    ['failures.csv', keys.failures],
    ['warnings.csv', keys.warnings],
    ['summary.json', keys.summary],
  ] as const) {
    writeFileSync(join(dir, name), (await pipeline.store.getText(key)) ?? '');
  }
  dom = await dumpDom(join(dir, 'report.html'));
});

describe('report.html in headless Chromium', () => {
  it('shows the summary, the counts as a bar chart, errors by code and column, the rows and skipped columns', () => {
    expect(dom).toContain(`<title>Import report ${importId}</title>`);
    expect(dom).toContain('<h1>Import report: report-test.csv</h1>');
    expect(dom).toContain('completed with errors');
    expect(dom.match(/<rect /g)).toHaveLength(5);
    for (const section of [
      'Rows by outcome',
      'Errors by code',
      'Errors by column',
      'Failed and skipped rows',
      'Warnings',
      'Skipped columns',
    ]) {
      expect(dom).toContain(`<h2>${section}</h2>`);
    }
    expect(dom).toMatch(
      /<td><code>INVALID_EMAIL<\/code><\/td><td class="num">1<\/td><td>Not a valid email address\.<\/td>/,
    );
    expect(dom).toMatch(/<td><code>email<\/code><\/td><td class="num">1<\/td>/);
    expect(dom).toContain('<code>KEY_EMPTY</code>');
    expect(dom).toContain('<li><code>nickname</code></li>');
    expect(dom).toContain('<a href="failures.csv">failures.csv</a>');
  });

  it('renders a cell holding <img onerror> or <script> as text: no element is created, no script runs', () => {
    expect(dom).not.toMatch(/<img|<script/i);
    expect(dom).toContain('&lt;img src=x onerror="document.title=\'pwned\'"&gt;');
    expect(dom).toContain("&lt;script&gt;document.title='pwned'&lt;/script&gt;");
    expect(dom).not.toContain('<title>pwned</title>');
  });

  it('takes a screenshot of the page', async () => {
    // Act
    const png = join(dir, 'report.png');
    await screenshot(join(dir, 'report.html'), png, [1280, 1600]);

    // Assess
    expect(existsSync(png)).toBe(true);
    const image = readFileSync(png);
    expect(pngSize(image)).toEqual({ width: 1280, height: 1600 });
    expect(image.length).toBeGreaterThan(20_000);
    process.stderr.write(`report.html and its screenshot: ${dir}\n`);
  });
});
