/**
 * Which stack a command talks to, decided once per command:
 *
 * 1. `--aws`: the deployed stack (default credential chain). Its names come from the outputs file of
 *    `cdk deploy --outputs-file` (`--outputs` or `CONTACT_IMPORT_OUTPUTS`), else from `STAGE` (default
 *    `prod`), `RESOURCE_PREFIX`, `BUCKET_SUFFIX` (the account id) and `AWS_REGION`.
 * 2. `--local`: the local stack started by `local up`; an error when none is up.
 * 3. neither: `AWS_ENDPOINT_URL` when set (an emulator you run yourself), else the local stack when one is
 *    up (a notice on stderr says so), else AWS.
 */
import { type Clients, createClients, destroyClients } from '../shared/adapters/clients.js';
import { type AppConfig, loadConfig } from '../shared/config.js';
import { StackUnavailableError, UsageError } from './errors.js';
import { type CliIO, println } from './io.js';
import { type LocalStackState, runningStack } from './local/state.js';
import { outputsEnvironment } from './stack-outputs.js';

export interface TargetOptions {
  readonly local?: boolean;
  readonly aws?: boolean;
  readonly stage?: string;
  /** The `cdk deploy --outputs-file` JSON naming the deployed stack's resources. */
  readonly outputs?: string;
}

export interface Target {
  readonly kind: 'local' | 'endpoint' | 'aws';
  /** One line for humans: which stack this is. */
  readonly description: string;
  readonly config: AppConfig;
  readonly clients: Clients;
  /** The upload bucket (also the report bucket). */
  readonly bucket: string;
  close(): void;
}

/** The environment the adapters read, pointing at a running local stack. */
export function localStackEnv(state: LocalStackState, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { queues, topics } = state.provisioned;
  return {
    ...env,
    AWS_ENDPOINT_URL: state.endpoint,
    AWS_REGION: state.region,
    STAGE: state.stage,
    RESOURCE_PREFIX: undefined,
    BUCKET_SUFFIX: undefined,
    QUEUE_URL_UPLOADS: queues.uploads.url,
    QUEUE_URL_BATCHES: queues.batches.url,
    QUEUE_URL_AGGREGATE: queues.aggregate.url,
    QUEUE_URL_FEEDBACK: queues.feedback.url,
    TOPIC_ARN_NOTIFICATIONS: topics.notifications,
    TOPIC_ARN_ALARMS: topics.alarms,
  };
}

/** Builds a target from a configuration. */
export function targetFor(kind: Target['kind'], description: string, config: AppConfig): Target {
  const clients = createClients(config.aws);
  return {
    kind,
    description,
    config,
    clients,
    bucket: config.resources.bucket.name,
    close: () => destroyClients(clients),
  };
}

function awsTarget(options: TargetOptions, env: NodeJS.ProcessEnv): Target {
  const outputsFile = options.outputs ?? env.CONTACT_IMPORT_OUTPUTS;
  const deployed = outputsFile ? outputsEnvironment(outputsFile, options.stage) : {};
  const config = loadConfig({
    ...env,
    ...deployed,
    AWS_ENDPOINT_URL: undefined,
    STAGE: options.stage ?? deployed.STAGE ?? env.STAGE ?? 'prod',
  });
  return targetFor('aws', `AWS stage ${config.resources.stage} in ${config.aws.region}`, config);
}

const NO_LOCAL_STACK = 'no local stack is running: start one with `npm run cli -- local up` (or use --aws)';

/**
 * Opens the stack a command talks to (see the module comment for the order).
 *
 * @example
 * const target = await openTarget({ local: true }, io);
 * try { ... target.clients.s3 ... } finally { target.close(); }
 */
export async function openTarget(options: TargetOptions, io: CliIO): Promise<Target> {
  if (options.local && (options.aws || options.outputs))
    throw new UsageError('use either --local or --aws/--outputs, not both');
  if (options.aws || options.outputs) return awsTarget(options, io.env);
  const state = await runningStack(io.env);
  if (options.local && !state) throw new StackUnavailableError(NO_LOCAL_STACK);
  if (!options.local && io.env.AWS_ENDPOINT_URL) {
    const config = loadConfig({ ...io.env, STAGE: options.stage ?? io.env.STAGE });
    return targetFor('endpoint', `the emulator at ${config.aws.endpoint}`, config);
  }
  if (state) {
    if (!options.local) println(io.stderr, `using the local stack at ${state.endpoint} (--aws for AWS)`);
    return targetFor(
      'local',
      `the local stack at ${state.endpoint}`,
      loadConfig(localStackEnv(state, io.env)),
    );
  }
  return awsTarget(options, io.env);
}

/**
 * Runs `use` with the command's target and closes the target afterwards.
 *
 * @example
 * const fields = await withTarget(ctx, (target) => workspaceStore(target).listFields('acme'));
 */
export async function withTarget<T>(
  ctx: { readonly io: CliIO; readonly globals: TargetOptions },
  use: (target: Target) => Promise<T>,
): Promise<T> {
  const target = await openTarget(ctx.globals, ctx.io);
  try {
    return await use(target);
  } finally {
    target.close();
  }
}
