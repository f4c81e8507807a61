/**
 * The adapters a command uses, built over the target's clients and resource names. The one place the CLI
 * names adapter classes.
 */
import { DynamoContactStore } from '../shared/adapters/contact-store.js';
import { DynamoHealthStore } from '../shared/adapters/health-store.js';
import { DynamoImportLedger } from '../shared/adapters/import-ledger.js';
import { S3ObjectStore } from '../shared/adapters/s3-object-store.js';
import { SnsNotifier } from '../shared/adapters/sns-notifier.js';
import { DynamoWorkspaceStore } from '../shared/adapters/workspace-store.js';
import { ConfigurationError } from '../shared/config.js';
import type { WorkspaceSettings } from '../shared/domain/model.js';
import type { Notifier } from '../shared/pipeline/aggregate/notifier.js';
import type { ContactStore, WorkspaceStore } from '../shared/pipeline/ports.js';
import type { HealthStore } from '../shared/pipeline/sending-health/ports.js';
import { UsageError } from './errors.js';
import type { Target } from './target.js';

export function objectStore(target: Target): S3ObjectStore {
  return new S3ObjectStore(target.clients.s3, target.bucket);
}

export function importLedger(target: Target): DynamoImportLedger {
  return new DynamoImportLedger(target.clients.dynamodb, target.config.resources.tables.imports.name);
}

export function contactStore(target: Target): ContactStore {
  return new DynamoContactStore(target.clients.dynamodb, target.config.resources.tables.contacts.name);
}

export function workspaceStore(target: Target): DynamoWorkspaceStore {
  return new DynamoWorkspaceStore(target.clients.dynamodb, target.config.resources.tables.contacts.name);
}

/**
 * The settings of a registered workspace, or a UsageError (exit 1) saying it is not: a typo in `--workspace`
 * must never look like an empty workspace (RULES §1).
 *
 * @example
 * const settings = await registeredSettings(workspaceStore(target), 'acme');
 */
export async function registeredSettings(
  workspaces: WorkspaceStore,
  workspace: string,
): Promise<WorkspaceSettings> {
  const settings = await workspaces.findSettings(workspace);
  if (!settings) {
    throw new UsageError(
      `workspace "${workspace}" is not registered: check the name, or register it with workspace set -w ${workspace} --region <region>`,
    );
  }
  return settings;
}

export function healthStore(target: Target): HealthStore {
  return new DynamoHealthStore(target.clients.dynamodb, target.config.resources.tables.contacts.name);
}

/** The notifications topic; a deployed stack names it in its outputs file or `TOPIC_ARN_NOTIFICATIONS`. */
export function notifier(target: Target): Notifier {
  const topicArn = target.config.notificationsTopicArn;
  if (!topicArn) {
    throw new ConfigurationError(
      'the notifications topic is unknown: pass --outputs <cdk outputs file> or set TOPIC_ARN_NOTIFICATIONS',
    );
  }
  return new SnsNotifier(target.clients.sns, topicArn);
}
