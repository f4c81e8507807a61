/**
 * The deployed stack's names, read from the outputs file `cdk deploy --outputs-file outputs.json` writes
 * (`--outputs` or `$CONTACT_IMPORT_OUTPUTS`), as the environment `loadConfig` reads. Without the file the
 * CLI takes `STAGE`, `RESOURCE_PREFIX`, `BUCKET_SUFFIX` and `AWS_REGION` from the environment.
 */
import { readFileSync } from 'node:fs';
import { STACK_OUTPUTS } from '../infra/outputs.js';
import { queueUrlVariable } from '../shared/config.js';
import type { QueueId } from '../shared/resources.js';
import { UsageError } from './errors.js';

type StackOutputs = Record<string, string>;

function readOutputsFile(path: string): Record<string, StackOutputs> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UsageError(
      `outputs file "${path}" cannot be read: write it with cdk deploy --outputs-file ${path}`,
    );
  }
  try {
    return JSON.parse(text) as Record<string, StackOutputs>;
  } catch {
    throw new UsageError(
      `outputs file "${path}" is not JSON: write it with cdk deploy --outputs-file ${path}`,
    );
  }
}

/** The pipeline stack of the file: the one of `stage` when given, else the only one. */
function pickStack(
  path: string,
  stacks: Record<string, StackOutputs>,
  stage: string | undefined,
): StackOutputs {
  const pipelines = Object.entries(stacks).filter(([, outputs]) => outputs[STACK_OUTPUTS.bucket]);
  const matching = stage
    ? pipelines.filter(([, outputs]) => outputs[STACK_OUTPUTS.stage] === stage)
    : pipelines;
  const [only, ...others] = matching;
  if (only && others.length === 0) return only[1];
  const names = pipelines.map(([name]) => name).join(', ') || 'none';
  throw new UsageError(
    matching.length === 0
      ? `outputs file "${path}" has no pipeline stack${stage ? ` of stage ${stage}` : ''} (stacks: ${names})`
      : `outputs file "${path}" has several pipeline stacks (${names}): choose one with --stage`,
  );
}

/**
 * The environment variables of the deployed stack described by an outputs file.
 *
 * @example
 * outputsEnvironment('outputs.json', 'prod');
 * // { STAGE: 'prod', AWS_REGION: 'ap-northeast-1', BUCKET_SUFFIX: '123456789012', QUEUE_URL_UPLOADS: '…', … }
 */
export function outputsEnvironment(path: string, stage: string | undefined): NodeJS.ProcessEnv {
  const outputs = pickStack(path, readOutputsFile(path), stage);
  const env: NodeJS.ProcessEnv = {
    STAGE: outputs[STACK_OUTPUTS.stage],
    AWS_REGION: outputs[STACK_OUTPUTS.region],
    RESOURCE_PREFIX: outputs[STACK_OUTPUTS.resourcePrefix],
    BUCKET_SUFFIX: outputs[STACK_OUTPUTS.bucketSuffix],
    TOPIC_ARN_NOTIFICATIONS: outputs[STACK_OUTPUTS.notificationsTopic],
    TOPIC_ARN_ALARMS: outputs[STACK_OUTPUTS.alarmTopic],
  };
  for (const [id, key] of Object.entries(STACK_OUTPUTS.queueUrls) as [QueueId, string][]) {
    env[queueUrlVariable(id)] = outputs[key];
  }
  return Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined));
}
