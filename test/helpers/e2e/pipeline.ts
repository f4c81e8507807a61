/**
 * The whole pipeline on the emulator for one test file: a reset and provisioned emulator, the local
 * runner calling the real handlers, and an SQS queue subscribed to the notifications topic (as a
 * subscriber would), plus ways to upload a file and read what the import produced.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, expect } from 'vitest';
import { type Runner, type RunnerOptions, startRunner } from '../../../infra/local/runner.js';
import { DynamoContactStore } from '../../../shared/adapters/contact-store.js';
import { DynamoImportLedger } from '../../../shared/adapters/import-ledger.js';
import { S3ObjectStore } from '../../../shared/adapters/s3-object-store.js';
import { DynamoWorkspaceStore } from '../../../shared/adapters/workspace-store.js';
import { WORKSPACE_PATTERN } from '../../../shared/domain/channels.js';
import type { Contact } from '../../../shared/domain/model.js';
import { importIdFor } from '../../../shared/ids.js';
import { reportKeys } from '../../../shared/pipeline/aggregate/aggregate.js';
import type { ImportSummary } from '../../../shared/pipeline/aggregate/summary.js';
import { type EmulatorContext, useEmulator } from '../emulator.js';
import { type ReceivedNotification, type Subscriber, subscribe } from './subscriber.js';

export interface Upload {
  readonly key: string;
  readonly versionId: string;
  readonly importId: string;
}

export interface ImportResult {
  readonly summary: ImportSummary;
  /** failures.csv and warnings.csv as rows of cells (the header first), BOM removed. */
  readonly failures: string[][];
  readonly warnings: string[][];
}

export interface PipelineHarness {
  readonly env: EmulatorContext;
  readonly runner: Runner;
  readonly store: S3ObjectStore;
  readonly contacts: DynamoContactStore;
  /**
   * Uploads a file under `incoming/<workspace>/<channel>/<key>/<name>`, registering its workspace first as
   * an operator would (`workspace set`) unless `register` is false.
   */
  upload(path: string, body: string | Uint8Array, options?: { register?: boolean }): Promise<Upload>;
  /** Waits for the pipeline to go quiet, checks the job completed, and reads the import's report. */
  result(upload: Upload): Promise<ImportResult>;
  /** Uploads a CSV given as its lines (each ends with a line break) and returns its report. */
  importLines(path: string, lines: readonly string[]): Promise<ImportResult>;
  /** Every notification received since the last call. */
  notifications(): Promise<ReceivedNotification[]>;
  /** The live contacts of a workspace (tombstones left out). */
  liveContacts(workspace: string): Promise<Contact[]>;
}

function csvRows(text: string | undefined): string[][] {
  if (text === undefined) return [];
  return parse(text, { bom: true, relax_column_count: true }) as string[][];
}

/**
 * Call at the top level of an e2e test file.
 *
 * @example
 * const pipeline = usePipeline();
 * const upload = await pipeline.upload('incoming/acme/line/phone/a.csv', 'phone\n0912345678\n');
 * const { summary } = await pipeline.result(upload);
 */
export function usePipeline(options: Partial<RunnerOptions> = {}): PipelineHarness {
  const env = useEmulator();
  const state = {} as {
    runner: Runner;
    store: S3ObjectStore;
    contacts: DynamoContactStore;
    subscriber: Subscriber;
  };

  beforeAll(async () => {
    // The handlers' INFO lines would drown the test output; warnings and errors still show.
    process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
    state.subscriber = await subscribe(env.clients, env.provisioned.topics.notifications, 'e2e-subscriber');
    state.store = new S3ObjectStore(env.clients.s3, env.provisioned.bucket);
    state.contacts = new DynamoContactStore(env.clients.dynamodb, env.provisioned.tables.contacts);
    state.runner = await startRunner({
      endpoint: env.config.aws.endpoint as string,
      provisioned: env.provisioned,
      sweepIntervalMs: 0,
      disabled: ['sendingHealth'],
      ...options,
    });
  });

  afterAll(async () => {
    await state.runner?.stop();
  });

  return {
    env,
    get runner() {
      return state.runner;
    },
    get store() {
      return state.store;
    },
    get contacts() {
      return state.contacts;
    },
    async upload(path, body, options = {}) {
      const segment = path.split('/')[1] ?? '';
      if (options.register !== false && WORKSPACE_PATTERN.test(segment)) {
        await new DynamoWorkspaceStore(env.clients.dynamodb, env.provisioned.tables.contacts).putSettings(
          segment,
          {},
        );
      }
      const res = await env.clients.s3.send(
        new PutObjectCommand({ Bucket: env.provisioned.bucket, Key: path, Body: body }),
      );
      const versionId = res.VersionId as string;
      const workspace = path.split('/')[1] as string;
      return {
        key: path,
        versionId,
        importId: importIdFor(workspace, { bucket: env.provisioned.bucket, key: path, versionId }),
      };
    },
    async result(upload) {
      await state.runner.idle();
      const workspace = upload.key.split('/')[1] as string;
      const keys = reportKeys(workspace, upload.importId);
      const summaryText = await state.store.getText(keys.summary);
      expect(summaryText, `summary.json of ${upload.importId}`).toBeDefined();
      const summary = JSON.parse(summaryText as string) as ImportSummary;
      // Every import ends completed, with the outcome its summary states.
      const job = await new DynamoImportLedger(env.clients.dynamodb, env.provisioned.tables.imports).getJob(
        workspace,
        upload.importId,
      );
      expect(job).toMatchObject({ status: 'completed', outcome: summary.outcome });
      return {
        summary,
        failures: csvRows(await state.store.getText(keys.failures)),
        warnings: csvRows(await state.store.getText(keys.warnings)),
      };
    },
    async importLines(path, lines) {
      return this.result(await this.upload(path, lines.map((line) => `${line}\n`).join('')));
    },
    notifications() {
      return state.subscriber.drain();
    },
    async liveContacts(workspace) {
      const all: Contact[] = [];
      for await (const page of state.contacts.list(workspace)) all.push(...page);
      return all.filter((c) => !c.mergedInto);
    },
  };
}
