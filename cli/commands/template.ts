/**
 * `template`: the header line of a channel's import file. Without a workspace it needs no stack, so it
 * loads no AWS SDK (the stores are imported only for `-w`).
 */
import { stringify } from 'csv-stringify/sync';
import { CHANNEL_COLUMNS } from '../../shared/domain/channels.js';
import type { CustomFieldDefinition } from '../../shared/domain/model.js';
import { type CommandContext, EXIT } from '../context.js';
import { println } from '../io.js';
import { parseChannel, parseWorkspace } from '../validate.js';

/** One CSV line (names with commas or quotes are quoted as a CSV reader expects). */
export function csvLine(cells: readonly string[]): string {
  return stringify([cells], { eof: false });
}

/**
 * The header of a channel's import file: its system columns in template order, then the custom fields.
 *
 * @example
 * templateHeader('whatsapp', [{ name: 'member_tier', type: 'select', options: ['gold'] }]);
 * // ['WhatsApp_mobile', 'messaging_status', 'display_name', …, 'tag', 'member_tier']
 */
export function templateHeader(
  channel: keyof typeof CHANNEL_COLUMNS,
  fields: readonly CustomFieldDefinition[],
): string[] {
  return [...CHANNEL_COLUMNS[channel].map((spec) => spec.column), ...fields.map((field) => field.name)];
}

/** `template -c C [-w W]`: prints the header line of a channel's file. */
export async function template(
  ctx: CommandContext,
  options: { channel: string; workspace?: string },
): Promise<number> {
  const channel = parseChannel(options.channel);
  const workspace = options.workspace === undefined ? undefined : parseWorkspace(options.workspace);
  const fields = workspace ? await customFields(ctx, workspace) : [];
  println(ctx.io.stdout, csvLine(templateHeader(channel, fields)));
  return EXIT.ok;
}

async function customFields(ctx: CommandContext, workspace: string): Promise<CustomFieldDefinition[]> {
  const [{ withTarget }, { workspaceStore }] = await Promise.all([
    import('../target.js'),
    import('../stores.js'),
  ]);
  return withTarget(ctx, (target) => workspaceStore(target).listFields(workspace));
}
