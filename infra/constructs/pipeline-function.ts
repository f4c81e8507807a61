/**
 * The house Lambda function: one pipeline handler bundled with local esbuild into a minified ES module
 * for Node.js 22 on arm64, with its own log group and an execution role that starts empty.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { queueUrlVariable } from '../../shared/config.js';
import { FUNCTION_TIMEOUT_SECONDS, type FunctionName, type QueueId } from '../../shared/resources.js';
import { InvalidPropsError } from '../errors.js';

/** Levels Powertools Logger understands. */
export const POWERTOOLS_LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type PowertoolsLogLevel = (typeof POWERTOOLS_LOG_LEVELS)[number];

/** The repository root: function entries are given relative to it. */
export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * An ES module bundle has no `require`; some bundled CommonJS dependencies still call it. The banner
 * gives them one.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

/** The longest presigned URL S3 accepts (SigV4): seven days. */
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

/** What every pipeline function reads from its environment (`shared/config.ts`). */
export interface PipelineEnvironment {
  /** The stage, e.g. `prod`: with the prefix and suffix it selects the names of `resources.ts`. */
  readonly stage: string;
  /** The prefix of every resource name, e.g. `contact-import`. */
  readonly resourcePrefix: string;
  /** The bucket-name suffix (the account id in AWS). */
  readonly bucketSuffix: string;
  /** The URL of every queue. */
  readonly queueUrls: Readonly<Record<QueueId, string>>;
  /** The topic that receives one notification per import. */
  readonly notificationsTopicArn: string;
  /** The operators' topic (`TOPIC_ARN_ALARMS`): unattributable rejections. */
  readonly alarmsTopicArn: string;
  /** Lifetime of the presigned report URL. */
  readonly reportUrlExpirySeconds: number;
  /** A job without progress this long is finished by the sweeper. */
  readonly stallMinutes: number;
}

/**
 * The environment variables `loadConfig()` reads, for one pipeline environment.
 *
 * @example
 * environmentVariables({ stage: 'prod', resourcePrefix: 'contact-import', bucketSuffix: '123456789012',
 *   queueUrls, notificationsTopicArn, reportUrlExpirySeconds: 43_200, stallMinutes: 30 });
 * // { STAGE: 'prod', RESOURCE_PREFIX: 'contact-import', QUEUE_URL_UPLOADS: '…', … }
 */
export function environmentVariables(env: PipelineEnvironment): Record<string, string> {
  const queues = Object.entries(env.queueUrls).map(([id, url]) => [queueUrlVariable(id as QueueId), url]);
  return {
    STAGE: env.stage,
    RESOURCE_PREFIX: env.resourcePrefix,
    BUCKET_SUFFIX: env.bucketSuffix,
    ...Object.fromEntries(queues),
    TOPIC_ARN_NOTIFICATIONS: env.notificationsTopicArn,
    TOPIC_ARN_ALARMS: env.alarmsTopicArn,
    REPORT_URL_EXPIRY_SECONDS: String(env.reportUrlExpirySeconds),
    STALL_MINUTES: String(env.stallMinutes),
  };
}

export interface PipelineFunctionProps {
  /** Which pipeline function this is: it sets the timeout (`FUNCTION_TIMEOUT_SECONDS`) and the name. */
  readonly name: FunctionName;
  /** The handler module relative to the repository root; it exports `handler`. */
  readonly entry: string;
  /** What the handler reads from its environment. */
  readonly environment: PipelineEnvironment;
  /**
   * Memory in MiB (also buys CPU).
   * @default 1024
   */
  readonly memorySize?: number;
  /**
   * Powertools Logger level.
   * @default 'INFO'
   */
  readonly logLevel?: PowertoolsLogLevel;
  /**
   * How long the function's log group keeps events.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the log group when the stack is deleted.
   * @default RemovalPolicy.DESTROY
   */
  readonly logRemovalPolicy?: RemovalPolicy;
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function validate(props: PipelineFunctionProps, functionName: string): void {
  if (!/\.(ts|js|mjs)$/.test(props.entry) || !existsSync(resolve(PROJECT_ROOT, props.entry))) {
    throw new InvalidPropsError(
      `entry "${props.entry}" must be an existing .ts or .js file relative to ${PROJECT_ROOT}`,
    );
  }
  const memory = props.memorySize;
  if (memory !== undefined && (!Number.isInteger(memory) || memory < 128 || memory > 10_240)) {
    throw new InvalidPropsError(`memorySize must be an integer from 128 to 10240 MiB, got ${memory}`);
  }
  if (props.logLevel !== undefined && !POWERTOOLS_LOG_LEVELS.includes(props.logLevel)) {
    throw new InvalidPropsError(
      `logLevel must be one of ${POWERTOOLS_LOG_LEVELS.join(', ')}, got "${props.logLevel}"`,
    );
  }
  const { reportUrlExpirySeconds, stallMinutes } = props.environment;
  if (
    !Number.isInteger(reportUrlExpirySeconds) ||
    reportUrlExpirySeconds < 1 ||
    reportUrlExpirySeconds > MAX_PRESIGN_SECONDS
  ) {
    throw new InvalidPropsError(
      `reportUrlExpirySeconds must be an integer from 1 to ${MAX_PRESIGN_SECONDS}, got ${reportUrlExpirySeconds}`,
    );
  }
  if (!Number.isInteger(stallMinutes) || stallMinutes < 1) {
    throw new InvalidPropsError(`stallMinutes must be a positive integer, got ${stallMinutes}`);
  }
  if (functionName.length > 64) {
    throw new InvalidPropsError(`function name "${functionName}" is longer than 64 characters`);
  }
}

/**
 * One pipeline Lambda function with its log group and an execution role that may write to that log
 * group and nothing else; the stack grants it the rest.
 *
 * @example
 * const splitter = new PipelineFunction(this, 'Splitter', {
 *   name: 'splitter',
 *   entry: 'functions/splitter/handler.ts',
 *   environment,
 * });
 * splitter.fn.addEventSource(new SqsEventSource(uploads, { reportBatchItemFailures: true }));
 */
export class PipelineFunction extends Construct {
  /** The Lambda function. */
  readonly fn: NodejsFunction;
  /** Its execution role (no managed policies). */
  readonly role: iam.Role;
  /** The log group the function writes to. */
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: PipelineFunctionProps) {
    super(scope, id);
    const env = props.environment;
    const functionName = `${env.resourcePrefix}-${env.stage}-${kebab(props.name)}`;
    validate(props, functionName);

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/aws/lambda/${functionName}`,
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.DESTROY,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${functionName}`,
    });
    this.logGroup.grantWrite(this.role);

    this.fn = new NodejsFunction(this, 'Function', {
      functionName,
      entry: resolve(PROJECT_ROOT, props.entry),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: resolve(PROJECT_ROOT, 'package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 1024,
      timeout: Duration.seconds(FUNCTION_TIMEOUT_SECONDS[props.name]),
      role: this.role,
      logGroup: this.logGroup,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: `${env.resourcePrefix}-${kebab(props.name)}`,
        POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
        ...environmentVariables(env),
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_BANNER,
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        // Bundle the AWS SDK too: the pinned version runs, not whichever one the runtime ships.
        externalModules: [],
        forceDockerBundling: false,
        logLevel: LogLevel.WARNING,
      },
    });
  }
}
