/**
 * The deployment settings an operator passes as CDK context (`-c key=value` or `cdk.json`), read and
 * checked once. Values given on the command line arrive as strings, so booleans and the partner list
 * are accepted both as JSON values and as their text.
 */
import type { Node } from 'constructs';
import type { SftpPartner } from './constructs/partner-sftp.js';
import { POWERTOOLS_LOG_LEVELS, type PowertoolsLogLevel } from './constructs/pipeline-function.js';
import { InvalidContextError } from './errors.js';

export interface PipelineContext {
  /** `stage`: names every resource (`<prefix>-<stage>-…`). Default `prod`. */
  readonly stage: string;
  /** `resourcePrefix`: the first part of every name. Default `contact-import`. */
  readonly resourcePrefix: string;
  /** `production`: deletion protection, termination protection and RETAIN removal policies. Default false. */
  readonly production: boolean;
  /** `alarmEmail`: subscribed to the alarm topic when set. */
  readonly alarmEmail: string | undefined;
  /** `notificationEmail`: subscribed to the import notifications topic when set. */
  readonly notificationEmail: string | undefined;
  /** `sftpPartners`: a Transfer Family SFTP server with one user per partner when not empty. */
  readonly sftpPartners: readonly SftpPartner[];
  /** `sesConfigurationSet`: an SES configuration set whose bounce/complaint/send events feed sending health. */
  readonly sesConfigurationSet: string | undefined;
  /** `logLevel`: Powertools log level of every function. Default `INFO`. */
  readonly logLevel: PowertoolsLogLevel;
  /**
   * `contactsWarmWriteUnits` / `contactsWarmReadUnits`: warm throughput of the contacts table (units per
   * second it serves at once), for imports faster than a new on-demand table's 4,000 / 12,000. Unset by
   * default (pre-warming is billed; see the README's "How fast on AWS").
   */
  readonly contactsWarmThroughput: WarmThroughput | undefined;
}

/** Units per second a table serves at once. */
export interface WarmThroughput {
  readonly writeUnitsPerSecond: number;
  readonly readUnitsPerSecond: number;
}

/**
 * What a new on-demand table serves without pre-warming (DynamoDB Developer Guide, "DynamoDB on-demand
 * capacity mode"); warm throughput below it would buy nothing.
 */
export const DEFAULT_WARM_THROUGHPUT: WarmThroughput = {
  writeUnitsPerSecond: 4000,
  readUnitsPerSecond: 12_000,
};

/** Every context key the app reads. */
export const CONTEXT_KEYS = [
  'stage',
  'resourcePrefix',
  'production',
  'alarmEmail',
  'notificationEmail',
  'sftpPartners',
  'sesConfigurationSet',
  'logLevel',
  'contactsWarmWriteUnits',
  'contactsWarmReadUnits',
] as const;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function text(node: Node, key: string, fallback?: string): string | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return fallback;
  if (typeof value !== 'string') {
    throw new InvalidContextError(`context "${key}" must be a string, got ${JSON.stringify(value)}`);
  }
  return value;
}

function flag(node: Node, key: string): boolean {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return false;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new InvalidContextError(`context "${key}" must be true or false, got ${JSON.stringify(value)}`);
}

function email(node: Node, key: string): string | undefined {
  const value = text(node, key);
  if (value !== undefined && !EMAIL.test(value)) {
    throw new InvalidContextError(`context "${key}" must be an email address, got "${value}"`);
  }
  return value;
}

function partners(node: Node): SftpPartner[] {
  let value: unknown = node.tryGetContext('sftpPartners');
  if (value === undefined || value === null || value === '') return [];
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      throw new InvalidContextError(`context "sftpPartners" is not valid JSON: ${value}`);
    }
  }
  if (!Array.isArray(value)) {
    throw new InvalidContextError(`context "sftpPartners" must be a list, got ${JSON.stringify(value)}`);
  }
  return value.map((entry: unknown, index) => {
    const record = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    const { userName, workspace, sshPublicKey } = record;
    if (typeof userName !== 'string' || typeof workspace !== 'string' || typeof sshPublicKey !== 'string') {
      throw new InvalidContextError(
        `context "sftpPartners[${index}]" needs string userName, workspace and sshPublicKey, got ${JSON.stringify(entry)}`,
      );
    }
    return { userName, workspace, sshPublicKey };
  });
}

function logLevel(node: Node): PowertoolsLogLevel {
  const value = text(node, 'logLevel', 'INFO');
  if (!POWERTOOLS_LOG_LEVELS.includes(value as PowertoolsLogLevel)) {
    throw new InvalidContextError(
      `context "logLevel" must be one of ${POWERTOOLS_LOG_LEVELS.join(', ')}, got "${value}"`,
    );
  }
  return value as PowertoolsLogLevel;
}

function units(node: Node, key: string, least: number): number | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < least) {
    throw new InvalidContextError(
      `context "${key}" must be a whole number of units per second, at least ${least.toLocaleString('en')} (a new on-demand table's default), got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

function warmThroughput(node: Node): WarmThroughput | undefined {
  const writes = units(node, 'contactsWarmWriteUnits', DEFAULT_WARM_THROUGHPUT.writeUnitsPerSecond);
  const reads = units(node, 'contactsWarmReadUnits', DEFAULT_WARM_THROUGHPUT.readUnitsPerSecond);
  if (writes === undefined && reads === undefined) return undefined;
  return {
    writeUnitsPerSecond: writes ?? DEFAULT_WARM_THROUGHPUT.writeUnitsPerSecond,
    readUnitsPerSecond: reads ?? DEFAULT_WARM_THROUGHPUT.readUnitsPerSecond,
  };
}

/**
 * Reads the pipeline's context from a construct node (usually the app's).
 *
 * @example
 * // npx cdk synth -c stage=staging -c production=false
 * const context = readPipelineContext(app.node); // { stage: 'staging', production: false, … }
 */
export function readPipelineContext(node: Node): PipelineContext {
  return {
    stage: text(node, 'stage', 'prod') as string,
    resourcePrefix: text(node, 'resourcePrefix', 'contact-import') as string,
    production: flag(node, 'production'),
    alarmEmail: email(node, 'alarmEmail'),
    notificationEmail: email(node, 'notificationEmail'),
    sftpPartners: partners(node),
    sesConfigurationSet: text(node, 'sesConfigurationSet'),
    logLevel: logLevel(node),
    contactsWarmThroughput: warmThroughput(node),
  };
}
