/**
 * The WorkspaceStore port over the contacts table: one partition per workspace, `<ws>#META`, holding the
 * settings item (sk `SETTINGS`: region, time zone, one `flag_<name>` attribute per flag, so that setting
 * one flag never needs a read) and one item per custom field (sk `FIELD#<name>`). One Query reads both.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { isSupportedCountry } from 'libphonenumber-js/max';
import { WorkspaceSettingsError } from '../domain/errors.js';
import {
  type CustomFieldDefinition,
  DEFAULT_REGION,
  DEFAULT_TIME_ZONE,
  FIELD_TYPES,
  type WorkspaceFlags,
  type WorkspaceSettings,
} from '../domain/model.js';
import type { WorkspaceStore } from '../pipeline/ports.js';
import type { RiskAcceptance, RiskAcceptanceStore } from '../pipeline/send-gate/risk-acceptance.js';
import { Expression } from './dynamo/expression.js';
import type { RetryPolicy } from './dynamo/retry.js';
import { DynamoTable, type Item, isConditionFailed } from './dynamo/table.js';

const SETTINGS = 'SETTINGS';
const FIELD_PREFIX = 'FIELD#';
const FLAG_PREFIX = 'flag_';
const RISK_FLAG = `${FLAG_PREFIX}whatsappRiskAcceptanceRequired`;
/** The settings item's list of Risk Acceptance Forms (RULES §8), oldest first. */
const RISK_ACCEPTANCES = 'whatsappRiskAcceptances';
const FLAG_NAMES = [
  'whatsappRiskAcceptanceRequired',
  'edmSendingSuspended',
] as const satisfies readonly (keyof WorkspaceFlags)[];

export interface WorkspaceStoreOptions {
  readonly retry?: Partial<RetryPolicy>;
}

/** A workspace's settings and custom fields, read together. */
export interface WorkspaceProfile {
  readonly settings: WorkspaceSettings;
  readonly fields: CustomFieldDefinition[];
}

function metaPk(workspace: string): string {
  return `${workspace}#META`;
}

/**
 * The region in upper case, or WorkspaceSettingsError when libphonenumber has no numbering plan for it.
 *
 * @example
 * checkRegion('jp'); // 'JP'
 */
export function checkRegion(region: string): string {
  const upper = region.trim().toUpperCase();
  if (!isSupportedCountry(upper)) {
    throw new WorkspaceSettingsError(
      `Region "${region}" is not a supported ISO 3166-1 alpha-2 phone region (e.g. TW, JP, US)`,
    );
  }
  return upper;
}

/**
 * The time zone unchanged, or WorkspaceSettingsError when it is not an IANA time zone.
 *
 * @example
 * checkTimeZone('Asia/Tokyo'); // 'Asia/Tokyo'
 */
export function checkTimeZone(timeZone: string): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new WorkspaceSettingsError(
      `Time zone "${timeZone}" is not a valid IANA time zone (e.g. Asia/Taipei, Europe/Paris)`,
    );
  }
  return timeZone;
}

function checkField(field: CustomFieldDefinition): CustomFieldDefinition {
  if (field.name.trim() === '' || field.name !== field.name.trim()) {
    throw new WorkspaceSettingsError(
      `Custom field name "${field.name}" must be non-blank without outer spaces`,
    );
  }
  if (!FIELD_TYPES.includes(field.type)) {
    throw new WorkspaceSettingsError(
      `Custom field "${field.name}" has type "${field.type}"; use one of ${FIELD_TYPES.join(', ')}`,
    );
  }
  if (field.type === 'select' && (field.options ?? []).length === 0) {
    throw new WorkspaceSettingsError(
      `Custom field "${field.name}" is a select and needs at least one option`,
    );
  }
  if (field.type !== 'select' && field.options !== undefined) {
    throw new WorkspaceSettingsError(
      `Custom field "${field.name}" is a ${field.type}: only a select has options`,
    );
  }
  return { name: field.name, type: field.type, ...(field.options ? { options: [...field.options] } : {}) };
}

const REGISTERED_AT = 'registeredAt';

/**
 * A workspace is registered once `workspace set` wrote its settings. A flag alone does not register it (an
 * SES event may carry any tag); settings written before registration existed hold a region or time zone.
 */
function isRegistered(item: Item | undefined): item is Item {
  return item !== undefined && (REGISTERED_AT in item || 'region' in item || 'timeZone' in item);
}

function settingsOf(workspace: string, item: Item | undefined): WorkspaceSettings {
  const flags: WorkspaceFlags = {};
  for (const name of FLAG_NAMES) {
    const value = item?.[`${FLAG_PREFIX}${name}`];
    if (typeof value === 'boolean') flags[name] = value;
  }
  return {
    workspace,
    region: typeof item?.region === 'string' ? item.region : DEFAULT_REGION,
    timeZone: typeof item?.timeZone === 'string' ? item.timeZone : DEFAULT_TIME_ZONE,
    flags,
  };
}

function fieldOf(item: Item): CustomFieldDefinition {
  const options = Array.isArray(item.options) ? { options: item.options as string[] } : {};
  return { name: String(item.name), type: item.type as CustomFieldDefinition['type'], ...options };
}

/**
 * @example
 * const workspaces = new DynamoWorkspaceStore(clients.dynamodb, config.resources.tables.contacts.name);
 * const { region, timeZone } = await workspaces.getSettings('acme'); // 'TW', 'Asia/Taipei' by default
 */
export class DynamoWorkspaceStore implements WorkspaceStore, RiskAcceptanceStore {
  private readonly table: DynamoTable;

  constructor(client: DynamoDBClient, tableName: string, options: WorkspaceStoreOptions = {}) {
    this.table = new DynamoTable(client, tableName, options.retry);
  }

  async getSettings(workspace: string): Promise<WorkspaceSettings> {
    return settingsOf(workspace, await this.table.get({ pk: metaPk(workspace), sk: SETTINGS }));
  }

  async findSettings(workspace: string): Promise<WorkspaceSettings | undefined> {
    const item = await this.table.get({ pk: metaPk(workspace), sk: SETTINGS });
    return isRegistered(item) ? settingsOf(workspace, item) : undefined;
  }

  /**
   * Registers the workspace (`registeredAt`, kept from the first time) and changes the region and/or time
   * zone after checking them; flags and fields stay as they are.
   */
  async putSettings(
    workspace: string,
    settings: Partial<Pick<WorkspaceSettings, 'region' | 'timeZone'>>,
  ): Promise<WorkspaceSettings> {
    const x = new Expression();
    if (settings.region !== undefined) x.set('region', checkRegion(settings.region));
    if (settings.timeZone !== undefined) x.set('timeZone', checkTimeZone(settings.timeZone));
    x.setTo(REGISTERED_AT, `if_not_exists(${x.name(REGISTERED_AT)}, ${x.value(new Date().toISOString())})`);
    const item = await this.table.update({
      Key: { pk: metaPk(workspace), sk: SETTINGS },
      ReturnValues: 'ALL_NEW',
      ...x.buildUpdate(),
    });
    return settingsOf(workspace, item);
  }

  /** Sets the given flags (each independently: two writers of different flags never undo each other). */
  async setFlags(workspace: string, flags: Partial<WorkspaceFlags>): Promise<void> {
    const x = new Expression();
    const names = FLAG_NAMES.filter((name) => flags[name] !== undefined);
    if (names.length === 0) return;
    for (const name of names) x.set(`${FLAG_PREFIX}${name}`, flags[name]);
    await this.table.update({ Key: { pk: metaPk(workspace), sk: SETTINGS }, ...x.buildUpdate() });
  }

  /** The workspace's custom fields, by name. */
  async listFields(workspace: string): Promise<CustomFieldDefinition[]> {
    return (await this.load(workspace)).fields;
  }

  /** Defines a custom field, or redefines it when the name exists. */
  async defineField(workspace: string, field: CustomFieldDefinition): Promise<void> {
    const checked = checkField(field);
    await this.table.put({
      Item: { pk: metaPk(workspace), sk: `${FIELD_PREFIX}${checked.name}`, ...checked },
    });
  }

  /**
   * Clears the WhatsApp gate and appends the acceptance to `whatsappRiskAcceptances`, on condition that
   * the flag is raised (one conditional update: two operators cannot both record against one raise).
   */
  async acceptWhatsappRisk(workspace: string, acceptance: RiskAcceptance): Promise<boolean> {
    const x = new Expression().set(RISK_FLAG, false);
    const list = x.name(RISK_ACCEPTANCES);
    x.setTo(
      RISK_ACCEPTANCES,
      `list_append(if_not_exists(${list}, ${x.value([])}), ${x.value([acceptance])})`,
    );
    try {
      await this.table.update({
        Key: { pk: metaPk(workspace), sk: SETTINGS },
        ...x.buildUpdate(`${x.name(RISK_FLAG)} = ${x.value(true)}`),
      });
      return true;
    } catch (err) {
      if (isConditionFailed(err)) return false;
      throw err;
    }
  }

  /** The workspace's recorded Risk Acceptance Forms, oldest first. */
  async whatsappRiskAcceptances(workspace: string): Promise<RiskAcceptance[]> {
    const item = await this.table.get({ pk: metaPk(workspace), sk: SETTINGS });
    const list = item?.[RISK_ACCEPTANCES];
    return Array.isArray(list) ? (list as RiskAcceptance[]) : [];
  }

  async markRiskAcceptanceNotified(workspace: string, index: number, at: string): Promise<void> {
    if (!Number.isInteger(index) || index < 0) throw new RangeError(`no acceptance at index ${index}`);
    const x = new Expression();
    // A list element's index stays outside the name placeholder, so this update is written by hand.
    const element = `${x.name(RISK_ACCEPTANCES)}[${index}]`;
    const update = `SET ${element}.${x.name('notifiedAt')} = ${x.value(at)}`;
    await this.table.update({
      Key: { pk: metaPk(workspace), sk: SETTINGS },
      UpdateExpression: update,
      ...x.build(`attribute_exists(${element})`),
    });
  }

  /** Deletes a custom field's definition; false when the workspace had no field of that name. */
  async removeField(workspace: string, name: string): Promise<boolean> {
    const removed = await this.table.delete({
      Key: { pk: metaPk(workspace), sk: `${FIELD_PREFIX}${name}` },
      ReturnValues: 'ALL_OLD',
    });
    return removed !== undefined;
  }

  /**
   * Settings and custom fields in one Query (what the splitter needs before it reads a file).
   *
   * @example
   * const { settings, fields } = await workspaces.load('acme');
   */
  async load(workspace: string): Promise<WorkspaceProfile> {
    const x = new Expression();
    let settings: Item | undefined;
    const fields: CustomFieldDefinition[] = [];
    const pages = this.table.query({
      KeyConditionExpression: `${x.name('pk')} = ${x.value(metaPk(workspace))}`,
      ConsistentRead: true,
      ...x.build(),
    });
    for await (const page of pages) {
      for (const item of page) {
        if (item.sk === SETTINGS) settings = item;
        else if (String(item.sk).startsWith(FIELD_PREFIX)) fields.push(fieldOf(item));
      }
    }
    return { settings: settingsOf(workspace, settings), fields };
  }
}
