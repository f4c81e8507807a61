/**
 * `export -w W [--format csv|jsonl] [-c C] [-k K]`: a workspace's live contacts on stdout.
 *
 * - jsonl: every live contact, one JSON object per line (see `contactJson`).
 * - csv: a file of channel C (default line) meant to be imported again with Key Value K (default phone
 *   for line and whatsapp, email for edm); imported back unchanged it yields `unchanged` on every row.
 *   So it holds the contacts that file can carry: those with a value for K (and, for edm / whatsapp, on
 *   that channel), and of several contacts sharing a value of K only the one created latest (the one an
 *   import by K selects). The others are counted on stderr, with the options that include them.
 */
import { stringify } from 'csv-stringify/sync';
import type { Channel, Contact, KeyName } from '../../shared/domain/model.js';
import { type CommandContext, EXIT } from '../context.js';
import { UsageError } from '../errors.js';
import { type CsvLayout, contactJson, csvLayout } from '../export-format.js';
import { type OutputStream, println } from '../io.js';
import { contactStore, registeredSettings, workspaceStore } from '../stores.js';
import { type Target, withTarget } from '../target.js';
import { parseChannel, parseKey, parseWorkspace } from '../validate.js';

/** The Key Value a channel's export is re-imported with unless `--key` says otherwise. */
export const DEFAULT_EXPORT_KEY: Readonly<Record<Channel, KeyName>> = {
  line: 'phone',
  edm: 'email',
  whatsapp: 'phone',
};

export interface ExportOptions {
  readonly workspace: string;
  readonly format: 'csv' | 'jsonl';
  readonly channel?: string;
  readonly key?: string;
}

async function* liveContacts(pages: AsyncIterable<Contact[]>): AsyncIterable<Contact[]> {
  for await (const page of pages) yield page.filter((contact) => !contact.mergedInto);
}

/** For each key value, the contact created latest: the one an import keyed by that value updates. */
async function latestHolders(pages: AsyncIterable<Contact[]>, layout: CsvLayout): Promise<Set<string>> {
  const latest = new Map<string, Contact>();
  for await (const page of pages) {
    for (const contact of page) {
      const value = layout.keyOf(contact);
      const held = value === undefined ? undefined : latest.get(value);
      if (value !== undefined && (!held || contact.createdAt > held.createdAt)) latest.set(value, contact);
    }
  }
  return new Set([...latest.values()].map((contact) => contact.contactId));
}

function write(stream: OutputStream, text: string): void {
  if (text !== '') stream.write(text);
}

/** How many contacts a CSV export wrote, and why it left the others out. */
export interface CsvExportCounts {
  readonly written: number;
  /** Contacts without a value for the key, or not on the file's channel. */
  readonly notCarried: number;
  /** Contacts whose key value a later contact also holds. */
  readonly shadowed: number;
}

/**
 * Writes a workspace's contacts as a channel's import file keyed by `key` (see the module comment).
 *
 * @example
 * const counts = await writeCsvExport(target, 'acme', 'line', 'phone', io.stdout);
 */
export async function writeCsvExport(
  target: Target,
  workspace: string,
  channel: Channel,
  key: KeyName,
  out: OutputStream,
): Promise<CsvExportCounts> {
  const contacts = contactStore(target);
  const workspaces = workspaceStore(target);
  const [settings, fields] = await Promise.all([
    registeredSettings(workspaces, workspace),
    workspaces.listFields(workspace),
  ]);
  const layout = csvLayout(channel, key, fields, settings.timeZone);
  const selected = await latestHolders(liveContacts(contacts.list(workspace)), layout);
  // A BOM so that Excel shows Chinese names; the importer strips it.
  write(out, stringify([layout.header], { bom: true }));
  let written = 0;
  let notCarried = 0;
  let shadowed = 0;
  for await (const page of liveContacts(contacts.list(workspace))) {
    const rows: string[][] = [];
    for (const contact of page) {
      const row = layout.row(contact);
      if (!row) notCarried += 1;
      else if (!selected.has(contact.contactId)) shadowed += 1;
      else rows.push(row);
    }
    write(out, stringify(rows));
    written += rows.length;
  }
  return { written, notCarried, shadowed };
}

export async function exportContacts(ctx: CommandContext, options: ExportOptions): Promise<number> {
  const { io } = ctx;
  const workspace = parseWorkspace(options.workspace);
  if (options.format === 'jsonl' && (options.channel !== undefined || options.key !== undefined))
    throw new UsageError('--channel and --key apply to --format csv only (jsonl holds every channel)');
  const channel = parseChannel(options.channel ?? 'line');
  const key = parseKey(channel, options.key ?? DEFAULT_EXPORT_KEY[channel]);

  return withTarget(ctx, async (target) => {
    await registeredSettings(workspaceStore(target), workspace);
    if (options.format === 'jsonl') {
      let count = 0;
      for await (const page of liveContacts(contactStore(target).list(workspace))) {
        write(io.stdout, page.map((contact) => `${JSON.stringify(contactJson(contact))}\n`).join(''));
        count += page.length;
      }
      println(io.stderr, `exported ${count} contacts of workspace ${workspace}`);
      return EXIT.ok;
    }

    const { written, notCarried, shadowed } = await writeCsvExport(
      target,
      workspace,
      channel,
      key,
      io.stdout,
    );
    println(
      io.stderr,
      `exported ${written} contacts of workspace ${workspace} (${channel} file, key ${key})`,
    );
    if (notCarried > 0) {
      println(
        io.stderr,
        `left out ${notCarried} contacts that have no ${key}${channel === 'line' ? '' : ` or are not on the ${channel} channel`}: use another --key/--channel, or --format jsonl`,
      );
    }
    if (shadowed > 0) {
      println(
        io.stderr,
        `left out ${shadowed} contacts whose ${key} a later contact also has (an import keyed by ${key} updates the latest): use --key line_uid or --format jsonl`,
      );
    }
    return EXIT.ok;
  });
}
