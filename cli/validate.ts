/**
 * Argument checks done before anything is uploaded, each failing with one line that names the value and
 * what is accepted. The pipeline checks the same things again (RULES §1); checking here saves a round trip.
 */
import { statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { allowedKeys, WORKSPACE_PATTERN } from '../shared/domain/channels.js';
import {
  CHANNELS,
  type Channel,
  FIELD_TYPES,
  type FieldType,
  KEYS,
  type KeyName,
} from '../shared/domain/model.js';
import { workspaceOfImportId } from '../shared/ids.js';
import { CSV_EXTENSION, INCOMING_PREFIX } from '../shared/resources.js';
import { UsageError } from './errors.js';

function oneOf<T extends string>(option: string, allowed: readonly T[], value: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${option} must be one of ${allowed.join(', ')}, got "${value}"`);
}

/**
 * A workspace name as the S3 key and the tables accept it.
 *
 * @example
 * parseWorkspace('acme-tw'); // 'acme-tw'
 * parseWorkspace('Acme');    // throws UsageError
 */
export function parseWorkspace(value: string): string {
  if (WORKSPACE_PATTERN.test(value)) return value;
  throw new UsageError(
    `--workspace must be 2-63 lower-case letters, digits or dashes, starting with a letter or digit, got "${value}"`,
  );
}

/** @example parseChannel('edm'); // 'edm' */
export function parseChannel(value: string): Channel {
  return oneOf('--channel', CHANNELS, value);
}

/**
 * A Key Value allowed for the channel (RULES §1).
 *
 * @example
 * parseKey('whatsapp', 'line_uid'); // throws: --key line_uid is not allowed for whatsapp; use phone, customer_id or email
 */
export function parseKey(channel: Channel, value: string): KeyName {
  const key = oneOf('--key', KEYS, value);
  const allowed = allowedKeys(channel);
  if (allowed.includes(key)) return key;
  throw new UsageError(`--key ${key} is not allowed for ${channel}; use one of ${allowed.join(', ')}`);
}

/** @example parseFieldType('select'); // 'select' */
export function parseFieldType(value: string): FieldType {
  return oneOf('--type', FIELD_TYPES, value);
}

/** A comma-separated list: trimmed, empty parts dropped. */
export function parseList(value: string): string[] {
  return value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

/**
 * The workspace of an import id, or a UsageError saying what an import id looks like.
 *
 * @example
 * parseImportId('acme.0123456789abcdef01234567'); // { importId: 'acme.0123…', workspace: 'acme' }
 */
export function parseImportId(value: string): { importId: string; workspace: string } {
  const workspace = workspaceOfImportId(value);
  if (workspace) return { importId: value, workspace };
  throw new UsageError(
    `"${value}" is not an import id: it looks like <workspace>.<24 hex digits>, as printed by submit`,
  );
}

/** A local CSV file to submit: its size and the object name it is uploaded under. */
export interface CsvFile {
  readonly path: string;
  readonly size: number;
  /** The file's base name with the extension in lower case (the bucket notifies on `.csv` only). */
  readonly objectName: string;
}

/**
 * Checks that a file exists, is a regular file and is named `.csv` (any case).
 *
 * @example
 * checkCsvFile('examples/line-contacts.csv'); // { path, size: 1234, objectName: 'line-contacts.csv' }
 */
export function checkCsvFile(path: string): CsvFile {
  let stats: ReturnType<typeof statSync>;
  try {
    stats = statSync(path);
  } catch {
    throw new UsageError(`file "${path}" does not exist`);
  }
  if (!stats.isFile()) throw new UsageError(`"${path}" is not a file`);
  const name = basename(path);
  const extension = extname(name);
  if (extension.toLowerCase() !== CSV_EXTENSION)
    throw new UsageError(`file "${path}" is not a .csv file: save it as CSV (comma-separated) first`);
  return {
    path,
    size: stats.size,
    objectName: `${name.slice(0, -extension.length)}${CSV_EXTENSION}`,
  };
}

/**
 * The S3 key an import is uploaded under: `incoming/<workspace>/<channel>/<key>/<file name>`.
 *
 * @example
 * incomingKey('acme', 'line', 'phone', 'contacts.csv'); // 'incoming/acme/line/phone/contacts.csv'
 */
export function incomingKey(workspace: string, channel: Channel, key: KeyName, objectName: string): string {
  return `${INCOMING_PREFIX}${workspace}/${channel}/${key}/${objectName}`;
}
