/**
 * The adapters a command uses, built over the target's clients and resource names. The one place the CLI
 * names adapter classes.
 */
import { DynamoContactStore } from '../shared/adapters/contact-store.js';
import { DynamoImportLedger } from '../shared/adapters/import-ledger.js';
import { S3ObjectStore } from '../shared/adapters/s3-object-store.js';
import { DynamoWorkspaceStore } from '../shared/adapters/workspace-store.js';
import type { ContactStore, ImportLedger, WorkspaceStore } from '../shared/pipeline/ports.js';
import type { Target } from './target.js';

export function objectStore(target: Target): S3ObjectStore {
  return new S3ObjectStore(target.clients.s3, target.bucket);
}

export function importLedger(target: Target): ImportLedger {
  return new DynamoImportLedger(target.clients.dynamodb, target.config.resources.tables.imports.name);
}

export function contactStore(target: Target): ContactStore {
  return new DynamoContactStore(target.clients.dynamodb, target.config.resources.tables.contacts.name);
}

export function workspaceStore(target: Target): WorkspaceStore {
  return new DynamoWorkspaceStore(target.clients.dynamodb, target.config.resources.tables.contacts.name);
}
