/**
 * The load run (issue 15, item 6; `npm run bench -- --load`): 200 small files from 50 workspaces uploaded at
 * once through the whole local pipeline. Goals: every file's import completed within 60 s of its upload, the
 * dead-letter queues empty, exactly one notification per import (read by a subscriber queue on the topic).
 */
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { DynamoImportLedger } from '../../shared/adapters/import-ledger.js';
import { DynamoWorkspaceStore } from '../../shared/adapters/workspace-store.js';
import type { FunctionName } from '../../shared/resources.js';
import { subscribe } from '../../test/helpers/e2e/subscriber.js';
import { generatedImport } from '../lib/files.js';
import type { HandlerTimes, LocalEnvironment, UploadedImport } from '../lib/pipeline.js';
import type { Section } from '../lib/report.js';

export interface LoadSizes {
  readonly workspaces: number;
  readonly filesPerWorkspace: number;
  readonly rowsPerFile: number;
  /** Seconds to wait for every import before giving up. */
  readonly timeoutSeconds: number;
}

export interface LoadResult {
  readonly sizes: LoadSizes;
  /** Seconds from each file's upload to its completed job (undefined: not completed in time). */
  readonly seconds: readonly (number | undefined)[];
  /** From the first upload to the last completion (or the timeout). */
  readonly wallSeconds: number;
  readonly uploadSeconds: number;
  readonly deadLetters: number;
  /** Imports with a number of notifications other than one. */
  readonly notificationsWrong: number;
  readonly notifications: number;
  readonly invocations: Partial<Record<FunctionName, number>>;
  readonly handlers: HandlerTimes;
  readonly batches: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * @example
 * const result = await measureLoad(env, { workspaces: 50, filesPerWorkspace: 4, rowsPerFile: 20, timeoutSeconds: 300 });
 */
export async function measureLoad(env: LocalEnvironment, sizes: LoadSizes): Promise<LoadResult> {
  const pipeline = await env.pipeline();
  try {
    const { provisioned } = pipeline;
    const subscriber = await subscribe(env.clients, provisioned.topics.notifications, 'load-subscriber');
    const workspaces = new DynamoWorkspaceStore(env.clients.dynamodb, provisioned.tables.contacts);
    const names = Array.from({ length: sizes.workspaces }, (_, w) => `load-${String(w).padStart(2, '0')}`);
    for (const name of names) await workspaces.putSettings(name, {});
    const files = names.flatMap((name, w) =>
      Array.from({ length: sizes.filesPerWorkspace }, (_, f) =>
        generatedImport('line', sizes.rowsPerFile, 1000 + w * sizes.filesPerWorkspace + f, {
          workspace: name,
        }),
      ),
    );

    const started = performance.now();
    const uploadedAt = new Map<string, number>();
    const uploads: UploadedImport[] = [];
    for (const file of files) {
      const upload = await pipeline.upload(file.key, file.csv);
      uploadedAt.set(upload.importId, Date.now());
      uploads.push(upload);
    }
    const uploadSeconds = (performance.now() - started) / 1000;

    const notified = new Map<string, number>();
    while (notified.size < uploads.length && performance.now() - started < sizes.timeoutSeconds * 1000) {
      for (const n of await subscriber.drain()) {
        const id = n.body.summary.importId;
        notified.set(id, (notified.get(id) ?? 0) + 1);
      }
      await sleep(500);
    }
    const wallSeconds = (performance.now() - started) / 1000;
    await pipeline.runner.idle({ timeoutMs: 60_000 }).catch(() => undefined);
    // Jobs first, then the last drain: a job is completed only after its notification was published, so
    // every completed job's notification is in the queue by then (read the other way round, a job that
    // completed in between counted as completed without its notification).
    const ledger = new DynamoImportLedger(env.clients.dynamodb, provisioned.tables.imports);
    const jobs = await Promise.all(uploads.map((u) => ledger.getJob(u.workspace, u.importId)));
    for (const n of await subscriber.drain()) {
      const id = n.body.summary.importId;
      notified.set(id, (notified.get(id) ?? 0) + 1);
    }
    const seconds = jobs.map((job, i) => {
      const upload = uploads[i] as UploadedImport;
      if (job?.status !== 'completed' || !job.completedAt) return undefined;
      return (Date.parse(job.completedAt) - (uploadedAt.get(upload.importId) ?? 0)) / 1000;
    });
    let deadLetters = 0;
    for (const queue of Object.values(provisioned.queues)) {
      const { Attributes = {} } = await env.clients.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queue.dlqUrl,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      deadLetters +=
        Number(Attributes.ApproximateNumberOfMessages ?? 0) +
        Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0);
    }
    return {
      sizes,
      seconds,
      wallSeconds,
      uploadSeconds,
      deadLetters,
      notificationsWrong: uploads.filter((u) => notified.get(u.importId) !== 1).length,
      notifications: [...notified.values()].reduce((a, b) => a + b, 0),
      invocations: { ...pipeline.runner.stats.invocations },
      handlers: structuredClone(pipeline.times),
      batches: jobs.reduce((sum, job) => sum + (job?.batchesTotal ?? 0), 0),
    };
  } finally {
    await pipeline.stop();
  }
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** The section of the report. */
export function loadSection(result: LoadResult): Section {
  const { sizes } = result;
  const files = sizes.workspaces * sizes.filesPerWorkspace;
  const done = result.seconds.filter((s): s is number => s !== undefined);
  const slowest = done.length === files ? Math.max(...done) : Number.POSITIVE_INFINITY;
  const handlers = Object.entries(result.handlers)
    .map(([name, t]) => `${name} ${t?.seconds.toFixed(0)} s in ${t?.invocations} invocations`)
    .join(', ');
  return {
    metrics: [
      {
        name: 'load_files_late',
        value: files - done.filter((s) => s <= 60).length,
        digits: 0,
        goal: { max: 0, text: '0' },
      },
      { name: 'load_slowest_file_seconds', value: slowest, digits: 1, goal: { max: 60, text: '≤ 60' } },
      { name: 'load_dead_letters', value: result.deadLetters, digits: 0, goal: { max: 0, text: '0' } },
      {
        name: 'load_notifications_wrong',
        value: result.notificationsWrong,
        digits: 0,
        goal: { max: 0, text: '0' },
      },
    ],
    notes: [
      `load_*: ${files} generated LINE files of ${sizes.rowsPerFile} rows from ${sizes.workspaces} workspaces uploaded one after the other (${result.uploadSeconds.toFixed(1)} s), through emulator + local runner + real handlers; seconds from each upload to its completed job: median ${percentile(done, 50).toFixed(1)}, p90 ${percentile(done, 90).toFixed(1)}, slowest ${Math.max(...done).toFixed(1)}; ${done.length} completed within ${sizes.timeoutSeconds} s, ${done.filter((s) => s <= 60).length} within 60 s; all notified after ${result.wallSeconds.toFixed(0)} s; ${result.notifications} notifications; ${result.batches} batch messages (${(result.batches / files).toFixed(1)} a file); handler wall time: ${handlers}.`,
    ],
    details: { ...result },
  };
}
