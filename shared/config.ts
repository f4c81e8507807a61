/**
 * Runtime configuration, read once from the environment. The same code talks to AWS or to the local
 * emulator by configuration alone: set `AWS_ENDPOINT_URL` to point every client at the emulator.
 */
import { type Resources, resourcesFor } from './resources.js';

export interface AwsConfig {
  readonly region: string;
  /** Emulator endpoint (e.g. `http://127.0.0.1:5000`); undefined means real AWS. */
  readonly endpoint: string | undefined;
}

export interface AppConfig {
  readonly aws: AwsConfig;
  readonly resources: Resources;
}

/** Reads `AWS_REGION`, `AWS_ENDPOINT_URL`, `STAGE`, `RESOURCE_PREFIX` and `BUCKET_SUFFIX`. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  return {
    aws: {
      region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'ap-northeast-1',
      endpoint: env.AWS_ENDPOINT_URL || undefined,
    },
    resources: resourcesFor(env.STAGE ?? 'local', env.RESOURCE_PREFIX ?? 'contact-import', env.BUCKET_SUFFIX ?? ''),
  };
}
