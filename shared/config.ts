/**
 * Runtime configuration, read once from the environment. The same code talks to AWS or to the local
 * emulator by configuration alone: set `AWS_ENDPOINT_URL` to point every client at the emulator.
 *
 * | variable | meaning | default |
 * | --- | --- | --- |
 * | `AWS_REGION` | region of every client | `ap-northeast-1` |
 * | `AWS_ENDPOINT_URL` | emulator endpoint; unset for AWS | — |
 * | `STAGE`, `RESOURCE_PREFIX`, `BUCKET_SUFFIX` | select the resource names of `resources.ts` | `local`, `contact-import`, — |
 * | `QUEUE_URL_UPLOADS`, `QUEUE_URL_BATCHES`, `QUEUE_URL_AGGREGATE`, `QUEUE_URL_FEEDBACK` | queue URLs | — |
 * | `TOPIC_ARN_NOTIFICATIONS` | the notifications topic | — |
 * | `TOPIC_ARN_ALARMS` | the operators' topic (alarms, unattributable rejections) | — |
 * | `REPORT_URL_EXPIRY_SECONDS` | lifetime of the presigned report URL | `86400` |
 * | `STALL_MINUTES` | a job without progress this long is finished by the sweeper | `30` |
 * | `MAX_FILE_BYTES`, `MAX_ROWS`, `MAX_CELL_BYTES` | import size limits (RULES §2) | 2 GiB, 10 000 000, 64 KiB |
 * | `SFTP_ROLE_ID` | role id of the SFTP partners' access role (names SFTP uploads in the history) | — |
 */
import { DEFAULT_LIMITS, type ImportLimits } from './domain/limits.js';
import { type QueueId, type Resources, resourcesFor } from './resources.js';

export interface AwsConfig {
  readonly region: string;
  /** Emulator endpoint (e.g. `http://127.0.0.1:5000`); undefined means real AWS. */
  readonly endpoint: string | undefined;
}

export interface AppConfig {
  readonly aws: AwsConfig;
  readonly resources: Resources;
  /** Queue URLs by queue id, where the environment gives them. */
  readonly queueUrls: Partial<Record<QueueId, string>>;
  readonly notificationsTopicArn: string | undefined;
  readonly alarmsTopicArn: string | undefined;
  readonly reportUrlExpirySeconds: number;
  readonly stallMinutes: number;
  /** Size limits of an import; a larger file, more rows or a larger cell are rejected or fail. */
  readonly limits: ImportLimits;
  /** The SFTP partners' access role id (`AROA…`), when the stack has partners. */
  readonly sftpRoleId: string | undefined;
}

export class ConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigurationError';
  }
}

const QUEUE_ENV: Record<QueueId, string> = {
  uploads: 'QUEUE_URL_UPLOADS',
  batches: 'QUEUE_URL_BATCHES',
  aggregate: 'QUEUE_URL_AGGREGATE',
  feedback: 'QUEUE_URL_FEEDBACK',
};

/** The environment variable that carries a queue's URL. */
export function queueUrlVariable(id: QueueId): string {
  return QUEUE_ENV[id];
}

function positiveNumber(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new ConfigurationError(`${name} must be a positive number, got "${raw}"`);
  return value;
}

/** Reads the configuration from the environment (see the table above). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const queueUrls: Partial<Record<QueueId, string>> = {};
  for (const [id, name] of Object.entries(QUEUE_ENV) as [QueueId, string][]) {
    const url = env[name];
    if (url) queueUrls[id] = url;
  }
  return {
    aws: {
      region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'ap-northeast-1',
      endpoint: env.AWS_ENDPOINT_URL || undefined,
    },
    resources: resourcesFor(
      env.STAGE ?? 'local',
      env.RESOURCE_PREFIX ?? 'contact-import',
      env.BUCKET_SUFFIX ?? '',
    ),
    queueUrls,
    notificationsTopicArn: env.TOPIC_ARN_NOTIFICATIONS || undefined,
    alarmsTopicArn: env.TOPIC_ARN_ALARMS || undefined,
    reportUrlExpirySeconds: positiveNumber(env, 'REPORT_URL_EXPIRY_SECONDS', 86_400),
    stallMinutes: positiveNumber(env, 'STALL_MINUTES', 30),
    limits: {
      maxFileBytes: positiveNumber(env, 'MAX_FILE_BYTES', DEFAULT_LIMITS.maxFileBytes),
      maxRows: positiveNumber(env, 'MAX_ROWS', DEFAULT_LIMITS.maxRows),
      maxCellBytes: positiveNumber(env, 'MAX_CELL_BYTES', DEFAULT_LIMITS.maxCellBytes),
    },
    sftpRoleId: env.SFTP_ROLE_ID || undefined,
  };
}

/** A queue URL the function needs, or a clear error naming the missing variable. */
export function requireQueueUrl(config: AppConfig, id: QueueId): string {
  const url = config.queueUrls[id];
  if (!url) throw new ConfigurationError(`${QUEUE_ENV[id]} is not set: the ${id} queue URL is required`);
  return url;
}
