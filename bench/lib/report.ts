/**
 * What a benchmark reports: metrics with their goals, one table for all of them, the machine they ran on,
 * and the JSON written by `--json`.
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';

export interface Goal {
  /** The metric meets its goal when its value is at most this. */
  readonly max: number;
  /** How the goal reads in the table, e.g. `≤ 2.0` or `≤ 1.05 × floor (3.10)`. */
  readonly text: string;
}

export interface Metric {
  /** Stable name, also the key in results.json. */
  readonly name: string;
  readonly value: number;
  readonly unit?: string;
  readonly goal?: Goal;
  /** Decimals shown in the table. @default 2 */
  readonly digits?: number;
}

/** Whether a metric meets its goal; undefined for a metric without a goal. */
export function isMet(metric: Metric): boolean | undefined {
  return metric.goal ? metric.value <= metric.goal.max + 1e-12 : undefined;
}

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly node: string;
  readonly platform: string;
  readonly emulator: string;
  readonly date: string;
}

function motoVersion(): string {
  const out = spawnSync('python3', ['-c', 'import moto; print(moto.__version__)'], { encoding: 'utf8' });
  return out.status === 0 ? `moto ${out.stdout.trim()}` : 'moto (version unknown)';
}

/** The machine the numbers come from. */
export function describeMachine(now = new Date()): Machine {
  return {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown CPU',
    cores: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    emulator: motoVersion(),
    date: now.toISOString(),
  };
}

export function machineLine(m: Machine): string {
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}, ${m.emulator}, ${m.date}`;
}

function formatValue(metric: Metric): string {
  const digits = metric.digits ?? 2;
  const text = metric.value.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
  return metric.unit ? `${text} ${metric.unit}` : text;
}

/**
 * The one table: metric, value, goal, met?.
 *
 * @example
 * renderTable([{ name: 'splitter_cpu_ratio', value: 1.7, goal: { max: 2, text: '≤ 2.0' } }]);
 */
export function renderTable(metrics: readonly Metric[]): string {
  const rows = metrics.map((m) => {
    const met = isMet(m);
    return [m.name, formatValue(m), m.goal?.text ?? '—', met === undefined ? '—' : met ? 'yes' : 'NO'];
  });
  const header = ['metric', 'value', 'goal', 'met?'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => (i === 1 ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 1 ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** The metrics as results.json holds them: by name, with the goal and whether it was met. */
export function metricsJson(metrics: readonly Metric[]) {
  return Object.fromEntries(
    metrics.map((m) => [
      m.name,
      {
        value: m.value,
        ...(m.unit ? { unit: m.unit } : {}),
        ...(m.goal ? { goal: m.goal.text, goalMax: m.goal.max, met: isMet(m) } : {}),
      },
    ]),
  );
}

/** What one group of measurements reports: its metrics, lines explaining them, and raw details for the JSON. */
export interface Section {
  readonly metrics: Metric[];
  readonly notes: string[];
  readonly details: Record<string, unknown>;
}
