/**
 * A workspace's import settings: `template` (the header line of a channel's file), `fields define | list`
 * (custom fields) and `workspace set` (default phone region, time zone).
 */
import { checkRegion, checkTimeZone } from '../../shared/adapters/workspace-store.js';
import { CHANNEL_COLUMNS, REPORT_COLUMNS } from '../../shared/domain/channels.js';
import { CHANNELS, type CustomFieldDefinition, type WorkspaceSettings } from '../../shared/domain/model.js';
import { defineCustomField, removeCustomField } from '../../shared/pipeline/custom-fields.js';
import type { RiskAcceptance } from '../../shared/pipeline/send-gate/risk-acceptance.js';
import {
  reinstate,
  type WorkspaceHealth,
  workspaceHealth,
} from '../../shared/pipeline/sending-health/workspace-health.js';
import { type CommandContext, EXIT } from '../context.js';
import { UsageError } from '../errors.js';
import { println } from '../io.js';
import { contactStore, healthStore, notifier, registeredSettings, workspaceStore } from '../stores.js';
import { type Target, withTarget } from '../target.js';
import { parseFieldType, parseList, parseWorkspace } from '../validate.js';

const RESERVED = new Set([
  ...CHANNELS.flatMap((c) => CHANNEL_COLUMNS[c].map((s) => s.column)),
  ...REPORT_COLUMNS,
]);

/**
 * A custom field definition from the command's options: the name must not be a column the channels
 * already use (the system column would always win), options are given exactly for `select`.
 *
 * @example
 * parseFieldDefinition({ name: 'member_tier', type: 'select', options: 'regular,silver,gold' });
 * // { name: 'member_tier', type: 'select', options: ['regular', 'silver', 'gold'] }
 */
export function parseFieldDefinition(
  options: Omit<FieldOptions, 'workspace' | 'force'>,
): CustomFieldDefinition {
  const name = options.name.trim();
  if (name === '' || name !== options.name)
    throw new UsageError(`--name must be a column name without surrounding spaces, got "${options.name}"`);
  if (RESERVED.has(name))
    throw new UsageError(`--name "${name}" is a system column of a channel's file: choose another name`);
  const type = parseFieldType(options.type);
  if (type !== 'select') {
    if (options.options !== undefined)
      throw new UsageError(`--options applies to select fields only, not ${type}`);
    return { name, type };
  }
  const values = parseList(options.options ?? '');
  if (values.length === 0)
    throw new UsageError('a select field needs --options, e.g. --options regular,silver,gold');
  return { name, type, options: values };
}

export interface FieldOptions {
  readonly workspace: string;
  readonly name: string;
  readonly type: string;
  /** Comma-separated values of a select field. */
  readonly options?: string;
  /** Allows another type for an existing field. */
  readonly force?: boolean;
}

const fieldDeps = (target: Target) => ({
  workspaces: workspaceStore(target),
  contacts: contactStore(target),
});

/**
 * `fields define -w W -n N -t T [--options a,b] [--force]`: another type for an existing field needs
 * --force, which then says how many contacts hold a value of the old type.
 */
export async function defineField(ctx: CommandContext, options: FieldOptions): Promise<number> {
  const workspace = parseWorkspace(options.workspace);
  const field = parseFieldDefinition(options);
  const result = await withTarget(ctx, async (target) => {
    await registeredSettings(workspaceStore(target), workspace);
    return defineCustomField(workspace, field, { force: options.force }, fieldDeps(target));
  });
  const detail = field.options ? ` (${field.options.join(', ')})` : '';
  const verb = result.previous ? 'redefined' : 'defined';
  println(
    ctx.io.stdout,
    `custom field ${field.name} (${field.type}${detail}) ${verb} for workspace ${workspace}`,
  );
  if (result.holders !== undefined && result.previous) {
    println(
      ctx.io.stdout,
      `${result.holders} contacts hold a ${result.previous.type} value of ${field.name}: they keep it until an import sets a new one`,
    );
  }
  return EXIT.ok;
}

/** `fields remove -w W -n N`: files no longer fill the field; contacts keep their values. */
export async function removeField(
  ctx: CommandContext,
  options: { workspace: string; name: string },
): Promise<number> {
  const workspace = parseWorkspace(options.workspace);
  const { holders } = await withTarget(ctx, (target) =>
    removeCustomField(workspace, options.name, fieldDeps(target)),
  );
  println(
    ctx.io.stdout,
    `custom field ${options.name} removed from workspace ${workspace}; ${holders} contacts keep their values (a column of that name is now skipped)`,
  );
  return EXIT.ok;
}

/** `fields list -w W [--json]`. */
export async function listFields(
  ctx: CommandContext,
  options: { workspace: string; json?: boolean },
): Promise<number> {
  const workspace = parseWorkspace(options.workspace);
  const fields = await withTarget(ctx, async (target) => {
    const workspaces = workspaceStore(target);
    await registeredSettings(workspaces, workspace);
    return workspaces.listFields(workspace);
  });
  if (options.json) println(ctx.io.stdout, JSON.stringify(fields, null, 2));
  else if (fields.length === 0) println(ctx.io.stdout, `workspace ${workspace} has no custom fields`);
  else
    for (const field of fields) {
      println(
        ctx.io.stdout,
        `${field.name}\t${field.type}${field.options ? `\t${field.options.join(',')}` : ''}`,
      );
    }
  return EXIT.ok;
}

export interface WorkspaceOptions {
  readonly workspace: string;
  readonly region?: string;
  readonly timezone?: string;
}

/** `workspace set -w W [--region R] [--timezone Z]`: prints the settings now in force. */
export async function setWorkspace(ctx: CommandContext, options: WorkspaceOptions): Promise<number> {
  const workspace = parseWorkspace(options.workspace);
  if (options.region === undefined && options.timezone === undefined)
    throw new UsageError('give --region and/or --timezone to change');
  const region = options.region === undefined ? undefined : checkRegion(options.region);
  const timeZone = options.timezone === undefined ? undefined : checkTimeZone(options.timezone);
  const settings = await withTarget(ctx, (target) =>
    workspaceStore(target).putSettings(workspace, {
      ...(region === undefined ? {} : { region }),
      ...(timeZone === undefined ? {} : { timeZone }),
    }),
  );
  println(ctx.io.stdout, `workspace ${workspace}: region ${settings.region}, time zone ${settings.timeZone}`);
  return EXIT.ok;
}

const percent = (fraction: number) => `${(fraction * 100).toFixed(2)} %`;

/** The lines `workspace show` prints for a person. */
export function healthLines(
  health: WorkspaceHealth,
  settings: WorkspaceSettings,
  fields: readonly CustomFieldDefinition[],
  acceptances: readonly RiskAcceptance[] = [],
): string[] {
  const flags = Object.entries(health.flags)
    .filter(([, on]) => on)
    .map(([name]) => name);
  const { counts } = health;
  const lines = [
    `workspace ${health.workspace}`,
    `region: ${settings.region}, time zone: ${settings.timeZone}`,
    `custom fields: ${fields.map((f) => `${f.name} (${f.type})`).join(', ') || 'none'}`,
    `flags: ${flags.join(', ') || 'none'}`,
    health.suspension
      ? `EDM sending: SUSPENDED since ${health.suspension.suspendedAt}: ${health.suspension.message}`
      : 'EDM sending: active',
    `since ${health.window.start}: ${counts.sends} sends, ${counts.hardBounces} hard bounces (${percent(health.bounceRate)}), ${counts.complaints} spam reports (${percent(health.complaintRate)})`,
  ];
  if (health.lastReinstatement) {
    const last = health.lastReinstatement;
    lines.push(`last reinstated ${last.reinstatedAt} by ${last.actor}: ${last.reason}`);
  }
  lines.push(`policy: ${health.policy}`);
  lines.push(
    settings.flags.whatsappRiskAcceptanceRequired
      ? 'WhatsApp sending: GATED until a signed Risk Acceptance Form is recorded (workspace accept-risk)'
      : 'WhatsApp sending: allowed',
  );
  if (acceptances.length === 0) lines.push('WhatsApp risk acceptances: none');
  else {
    lines.push('WhatsApp risk acceptances:');
    for (const a of acceptances)
      lines.push(`  ${a.acceptedAt} signed by ${a.signedBy}, document ${a.document}`);
  }
  return lines;
}

/**
 * `workspace show -w W [--json]`: settings, custom fields, flags, EDM sending health, the WhatsApp gate and
 * the history of its risk acceptances.
 */
export async function showWorkspace(
  ctx: CommandContext,
  options: { workspace: string; json?: boolean },
): Promise<number> {
  const workspace = parseWorkspace(options.workspace);
  await withTarget(ctx, async (target) => {
    const workspaces = workspaceStore(target);
    const [settings, fields, health, riskAcceptances] = await Promise.all([
      registeredSettings(workspaces, workspace),
      workspaces.listFields(workspace),
      workspaceHealth(workspace, { health: healthStore(target), workspaces }),
      workspaces.whatsappRiskAcceptances(workspace),
    ]);
    if (options.json)
      println(ctx.io.stdout, JSON.stringify({ settings, fields, health, riskAcceptances }, null, 2));
    else
      for (const line of healthLines(health, settings, fields, riskAcceptances)) println(ctx.io.stdout, line);
  });
  return EXIT.ok;
}

export interface ReinstateOptions {
  readonly workspace: string;
  readonly reason: string;
  readonly actor: string;
}

/**
 * `workspace reinstate -w W --reason R --actor A`: lifts an EDM suspension after the manual review
 * (RULES §8) and notifies `sending_reinstated`.
 */
export async function reinstateWorkspace(ctx: CommandContext, options: ReinstateOptions): Promise<number> {
  const workspace = parseWorkspace(options.workspace);
  const result = await withTarget(ctx, (target) =>
    reinstate(workspace, options.reason, options.actor, {
      health: healthStore(target),
      notifier: notifier(target),
    }),
  );
  const { reinstatement } = result;
  println(
    ctx.io.stdout,
    result.resent
      ? `workspace ${workspace} was already reinstated at ${reinstatement.reinstatedAt}; its notification has now been sent`
      : `EDM sending of workspace ${workspace} reinstated at ${reinstatement.reinstatedAt} by ${reinstatement.actor}`,
  );
  return EXIT.ok;
}
