/**
 * `report.html`: the import's report as one self-contained page (RULES §7; issue 14 item 4) — the
 * summary, the counts as a bar chart, errors by code and by column, the first failing and skipped rows
 * with their messages, warnings, skipped columns, and relative links to the CSV files beside it. No
 * script, no external asset (a Content-Security-Policy forbids both), so it works offline from S3 or a
 * laptop. Every value from the file is user data: `html` escapes every interpolation.
 */
import { ISSUE_CODES } from '../../domain/codes.js';
import { OUTCOMES, type Outcome } from '../../domain/model.js';
import type { PartRow } from '../messages.js';
import { errorsOf } from '../messages.js';
import { ISSUE_SEPARATOR, WARNING_PREFIX } from './report.js';
import type { ImportSummary } from './summary.js';

/** Failing and skipped rows the page lists; the rest are in failures.csv. */
export const HTML_ROWS_LIMIT = 500;

/** Text that is already HTML (built by `html`); anything else is escaped when interpolated. */
class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Escapes text for HTML content and quoted attributes.
 *
 * @example
 * escapeHtml('<img src=x onerror=alert(1)>'); // '&lt;img src=x onerror=alert(1)&gt;'
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ESCAPES[ch] as string);
}

type Value = Html | string | number | readonly Html[];

function render(value: Value): string {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map((v: Html) => v.text).join('');
  return escapeHtml(String(value));
}

/** A template whose every interpolation is escaped, unless it is itself built by `html`. */
function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new Html(out);
}

/** What the aggregator gathers while it streams the rows, for the page. */
export class HtmlReportCollector {
  /** The first failing and skipped rows, in row order. */
  readonly rows: PartRow[] = [];
  readonly byCode = new Map<string, number>();
  readonly byColumn = new Map<string, number>();

  /** Takes note of a failed or skipped row. */
  add(row: PartRow): void {
    if (this.rows.length < HTML_ROWS_LIMIT) this.rows.push(row);
    for (const { code, message } of errorsOf(row)) {
      this.byCode.set(code, (this.byCode.get(code) ?? 0) + 1);
      const column = columnOf(message);
      this.byColumn.set(column, (this.byColumn.get(column) ?? 0) + 1);
    }
  }
}

const COLUMN_NAMED = /(?:column|custom field) "([^"]+)"/;

/** The column a message names (`… in column "phone" …`), or `(whole row)`. */
export function columnOf(message: string): string {
  return COLUMN_NAMED.exec(message)?.[1] ?? '(whole row)';
}

const DESCRIPTIONS = new Map(ISSUE_CODES.map((c) => [c.code as string, c.description]));

const COLOURS: Record<Outcome, string> = {
  created: '#2e7d32',
  updated: '#1565c0',
  unchanged: '#78909c',
  skipped: '#ef6c00',
  failed: '#c62828',
};

function barChart(summary: ImportSummary): Html {
  const max = Math.max(1, ...OUTCOMES.map((o) => summary.rows[o]));
  const rowHeight = 28;
  const bars = OUTCOMES.map((outcome, i) => {
    const count = summary.rows[outcome];
    const width = Math.round((count / max) * 360);
    const y = i * rowHeight;
    return html`<g><text x="0" y="${y + 18}" class="label">${outcome}</text><rect x="100" y="${y + 4}" width="${width}" height="20" fill="${COLOURS[outcome]}"><title>${outcome}: ${count}</title></rect><text x="${108 + width}" y="${y + 18}" class="value">${count}</text></g>`;
  });
  return html`<svg role="img" aria-label="rows by outcome" width="540" height="${OUTCOMES.length * rowHeight + 4}" viewBox="0 0 540 ${OUTCOMES.length * rowHeight + 4}">${bars}</svg>`;
}

function countTable(title: string, heading: string, entries: [string, number][], describe = false): Html {
  if (entries.length === 0) return html`<h2>${title}</h2><p class="none">none</p>`;
  const rows = entries
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(
      ([name, count]) =>
        html`<tr><td><code>${name}</code></td><td class="num">${count}</td>${describe ? html`<td>${DESCRIPTIONS.get(name) ?? ''}</td>` : html``}</tr>`,
    );
  return html`<h2>${title}</h2><table><thead><tr><th>${heading}</th><th>rows</th>${describe ? html`<th>what it means</th>` : html``}</tr></thead><tbody>${rows}</tbody></table>`;
}

function rowsTable(header: readonly string[], collector: HtmlReportCollector, failedOrSkipped: number): Html {
  if (collector.rows.length === 0) return html`<h2>Failed and skipped rows</h2><p class="none">none</p>`;
  const head = header.map((name) => html`<th>${name}</th>`);
  const body = collector.rows.map((row) => {
    const cells = header.map((_name, i) => html`<td>${row.cells?.[i] ?? ''}</td>`);
    const errors = errorsOf(row);
    const messages = [
      ...errors.map((e) => e.message),
      ...row.warnings.map((w) => `${WARNING_PREFIX}${w.message}`),
    ].map((m) => html`<li>${m}</li>`);
    const codes = errors.map((e) => e.code).join(ISSUE_SEPARATOR);
    return html`<tr class="${row.outcome}"><td class="num">${row.rowNumber}</td><td>${row.outcome}</td><td><code>${codes}</code></td><td><ul>${messages}</ul></td>${cells}</tr>`;
  });
  const more =
    failedOrSkipped > collector.rows.length
      ? html`<p>The first ${collector.rows.length} of ${failedOrSkipped} rows; every one is in <a href="failures.csv">failures.csv</a>.</p>`
      : html``;
  return html`<h2>Failed and skipped rows</h2>${more}<div class="scroll"><table class="rows"><thead><tr><th>row</th><th>outcome</th><th>code</th><th>message and fix</th>${head}</tr></thead><tbody>${body}</tbody></table></div>`;
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI","Noto Sans TC",sans-serif;margin:2rem;color:#1b1b1b;max-width:1200px}
h1{font-size:1.5rem;margin-bottom:.25rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5rem 0}th,td{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f5f5f5}.num{text-align:right}.none{color:#777}dl{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}
dt{font-weight:600}.outcome{display:inline-block;padding:.1rem .5rem;border-radius:3px;color:#fff;background:#555}
.outcome.succeeded{background:#2e7d32}.outcome.completed_with_errors{background:#ef6c00}.outcome.rejected{background:#c62828}.outcome.cancelled{background:#6d4c41}
.scroll{overflow-x:auto}.rows ul{margin:0;padding-left:1rem}tr.failed td:first-child{border-left:4px solid #c62828}
tr.skipped td:first-child{border-left:4px solid #ef6c00}svg .label,svg .value{font-size:13px}
`;

/**
 * The page of an import.
 *
 * @example
 * const page = htmlReport(summary, job.header ?? [], collector); // '<!DOCTYPE html>…'
 */
export function htmlReport(
  summary: ImportSummary,
  header: readonly string[],
  collector: HtmlReportCollector,
): string {
  const file = summary.source.key.split('/').pop() ?? summary.source.key;
  const failedOrSkipped = summary.rows.failed + summary.rows.skipped;
  const rejection = summary.rejection
    ? html`<h2>The file was rejected</h2><p><code>${summary.rejection.code}</code> ${summary.rejection.message}</p>`
    : html``;
  const skipped = summary.skippedColumns.map(
    (c) =>
      html`<li><code>${c.name}</code>${c.suggestion ? html` — did you mean <code>${c.suggestion}</code>?` : html``}</li>`,
  );
  const flags = summary.flags.whatsappRiskAcceptanceRequired
    ? html`<p><strong>WhatsApp sending is gated:</strong> the workspace has not_subscribed or opted_out WhatsApp contacts; a signed Risk Acceptance Form is required (<code>workspace accept-risk</code>).</p>`
    : html``;
  const mode = summary.dryRun
    ? html` <strong>Dry run:</strong> the counts say what the import would do; no contact was written.`
    : summary.cancelledAt
      ? html` <strong>Cancelled</strong> at ${summary.cancelledAt}: rows applied before it stay applied; the rest are skipped (CANCELLED).`
      : html``;
  const problems = summary.totalsCheck.consistent
    ? html``
    : html`<h2>Totals check</h2><ul>${summary.totalsCheck.problems.map((p) => html`<li>${p}</li>`)}</ul>`;
  const page = html`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Import report ${summary.importId}</title>
<style>${new Html(STYLE)}</style></head>
<body>
<h1>Import report: ${file}</h1>
<p><span class="outcome ${summary.outcome}">${summary.outcome.replace(/_/g, ' ')}</span>${mode}</p>
<dl>
<dt>import</dt><dd><code>${summary.importId}</code></dd>
<dt>workspace</dt><dd>${summary.workspace}</dd>
<dt>channel, Key Value</dt><dd>${summary.channel ?? '-'}, ${summary.key ?? '-'}</dd>
<dt>file</dt><dd>${file} (${summary.encoding ?? 'encoding unknown'})</dd>
<dt>source</dt><dd><code>s3://${summary.source.bucket}/${summary.source.key}</code></dd>
<dt>started, finished</dt><dd>${summary.timings.createdAt}, ${summary.timings.completedAt} (${(summary.timings.durationMs / 1000).toFixed(1)} s)</dd>
<dt>rows</dt><dd>${summary.rows.total}</dd>
</dl>
<p>Files: <a href="failures.csv">failures.csv</a> (every failed and skipped row, fix and upload again as is) · <a href="warnings.csv">warnings.csv</a> · <a href="summary.json">summary.json</a></p>
${rejection}${flags}
<h2>Rows by outcome</h2>
${barChart(summary)}
${countTable('Errors by code', 'code', [...collector.byCode], true)}
${countTable('Errors by column', 'column', [...collector.byColumn])}
${rowsTable(header, collector, failedOrSkipped)}
${countTable('Warnings', 'code', Object.entries(summary.warnings), true)}
<h2>Skipped columns</h2>
${skipped.length > 0 ? html`<p>These columns are not imported:</p><ul>${skipped}</ul>` : html`<p class="none">none</p>`}
${problems}
</body></html>
`;
  return page.text;
}
