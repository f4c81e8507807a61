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
}

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
  };
}
