/**
 * The whole pipeline on one machine for the benchmarks: an emulator of its own, the resources provisioned,
 * the local runner calling the real handlers (each invocation timed), and the steps a benchmark needs:
 * upload a file, wait for its import to complete, read the tables.
 */

import { type AttributeValue, ScanCommand } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type Emulator, resetEmulator, startEmulator } from '../../infra/local/emulator.js';
import { type Provisioned, provision } from '../../infra/local/provision.js';
import { type Runner, type RunnerOptions, type SqsFunction, startRunner } from '../../infra/local/runner.js';
import { type Clients, createClients, destroyClients } from '../../shared/adapters/clients.js';
import { DynamoImportLedger } from '../../shared/adapters/import-ledger.js';
import { DynamoWorkspaceStore } from '../../shared/adapters/workspace-store.js';
import type { AppConfig } from '../../shared/config.js';
import { loadConfig } from '../../shared/config.js';
import { importIdFor } from '../../shared/ids.js';
import type { ImportJob } from '../../shared/pipeline/ports.js';
import type { FunctionName } from '../../shared/resources.js';
import type { AttributeMap } from './capacity.js';
import { BENCH_WORKSPACE } from './files.js';

/** Wall time the handlers spent, per function: what Lambda would bill as duration. */
export type HandlerTimes = Partial<Record<FunctionName, { invocations: number; seconds: number }>>;

export class ImportTimeoutError extends Error {
  constructor(importId: string, waitedMs: number, status: string) {
    super(`Import ${importId} was still ${status} after ${waitedMs} ms`);
    this.name = 'ImportTimeoutError';
  }
}

export interface UploadedImport {
  readonly key: string;
  readonly workspace: string;
  readonly importId: string;
}

/**
 * @example
 * const env = await LocalEnvironment.start();
 * const pipeline = await env.pipeline();
 * const upload = await pipeline.upload('incoming/bench/line/phone/a.csv', csv);
 * const job = await pipeline.waitForJob(upload);
 * await pipeline.stop();
 * await env.stop();
 */
export class LocalEnvironment {
  private constructor(
    readonly emulator: Emulator,
    /** Clients that the benchmarks use themselves (never metered). */
    readonly clients: Clients,
    readonly config: AppConfig,
  ) {}

  /** Starts an emulator of its own and points this process's configuration at it. */
  static async start(): Promise<LocalEnvironment> {
    const emulator = await startEmulator();
    process.env.AWS_ENDPOINT_URL = emulator.endpoint;
    process.env.AWS_REGION ??= 'ap-northeast-1';
    const config = loadConfig();
    return new LocalEnvironment(emulator, createClients(config.aws), config);
  }

  /**
   * Forgets everything in the emulator and provisions the resources again, with the benchmarks' workspace
   * registered (an unknown workspace imports nothing, RULES §1).
   */
  async provision(): Promise<Provisioned> {
    await resetEmulator(this.emulator.endpoint);
    const provisioned = await provision(this.clients, this.config.resources);
    await new DynamoWorkspaceStore(this.clients.dynamodb, provisioned.tables.contacts).putSettings(
      BENCH_WORKSPACE,
      {},
    );
    return provisioned;
  }

  /**
   * A freshly provisioned emulator with a runner consuming every queue with the real handlers (each timed,
   * inside `options.wrap` when given).
   */
  async pipeline(options: Pick<RunnerOptions, 'wrap'> = {}): Promise<LocalPipeline> {
    const provisioned = await this.provision();
    const times: HandlerTimes = {};
    const runner = await startRunner({
      endpoint: this.emulator.endpoint,
      provisioned,
      resources: this.config.resources,
      sweepIntervalMs: 0,
      disabled: ['sendingHealth'],
      wrap: (name, handler) => {
        const measured = timed(name, handler, times);
        return options.wrap ? options.wrap(name, measured) : measured;
      },
    });
    return new LocalPipeline(this, provisioned, runner, times);
  }

  async stop(): Promise<void> {
    destroyClients(this.clients);
    await this.emulator.stop();
  }
}

/**
 * Uploads a file with an unmetered client and names the import it starts.
 *
 * @example
 * const { importId } = await upload(env.clients.s3, bucket, 'incoming/bench/line/phone/a.csv', csv);
 */
export async function upload(
  s3: S3Client,
  bucket: string,
  key: string,
  body: string | Uint8Array,
): Promise<UploadedImport> {
  const res = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  const workspace = key.split('/')[1] as string;
  return {
    key,
    workspace,
    importId: importIdFor(workspace, { bucket, key, versionId: String(res.VersionId) }),
  };
}

function timed(name: FunctionName, handler: SqsFunction, times: HandlerTimes): SqsFunction {
  return async (event, context) => {
    const started = performance.now();
    try {
      return await handler(event, context);
    } finally {
      const entry = times[name] ?? { invocations: 0, seconds: 0 };
      entry.invocations += 1;
      entry.seconds += (performance.now() - started) / 1000;
      times[name] = entry;
    }
  };
}

export interface TimedImport {
  readonly job: ImportJob;
  /** From the upload to the completed job. */
  readonly seconds: number;
  /** CPU seconds this process (handlers, runner and anything else in it) used meanwhile. */
  readonly cpuSeconds: number;
}

export class LocalPipeline {
  private readonly ledger: DynamoImportLedger;

  constructor(
    readonly env: LocalEnvironment,
    readonly provisioned: Provisioned,
    readonly runner: Runner,
    /** Filled as the handlers run; reset it between phases with `resetTimes`. */
    readonly times: HandlerTimes,
  ) {
    this.ledger = new DynamoImportLedger(env.clients.dynamodb, provisioned.tables.imports);
  }

  resetTimes(): void {
    for (const name of Object.keys(this.times) as FunctionName[]) delete this.times[name];
  }

  /** Uploads a file under `incoming/<workspace>/<channel>/<key>/<name>.csv`: the pipeline starts. */
  upload(key: string, body: string | Uint8Array): Promise<UploadedImport> {
    return upload(this.env.clients.s3, this.provisioned.bucket, key, body);
  }

  /** Polls the job until the aggregator has completed it. */
  async waitForJob(upload: UploadedImport, timeoutMs = 1_800_000, pollMs = 100): Promise<ImportJob> {
    const started = Date.now();
    for (;;) {
      const job = await this.ledger.getJob(upload.workspace, upload.importId);
      if (job?.status === 'completed') return job;
      if (Date.now() - started > timeoutMs) {
        throw new ImportTimeoutError(upload.importId, timeoutMs, job?.status ?? 'not started');
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  /**
   * Imports a file: uploads it, waits for its job to complete, then for the queues to empty (the last
   * messages are deleted after their handler returns). Times the import and the CPU this process spent.
   */
  async importFile(file: { readonly key: string; readonly csv: string }): Promise<TimedImport> {
    const started = performance.now();
    const cpu = process.cpuUsage();
    const job = await this.waitForJob(await this.upload(file.key, file.csv));
    const seconds = (performance.now() - started) / 1000;
    const { user, system } = process.cpuUsage(cpu);
    await this.runner.idle();
    return { job, seconds, cpuSeconds: (user + system) / 1e6 };
  }

  /** Every item of a table, in the wire format (read with the unmetered client). */
  async scan(table: string): Promise<AttributeMap[]> {
    const items: AttributeMap[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.env.clients.dynamodb.send(
        new ScanCommand({ TableName: table, ExclusiveStartKey: start }),
      );
      items.push(...((page.Items ?? []) as AttributeMap[]));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  async stop(): Promise<void> {
    await this.runner.stop();
  }
}
