/**
 * Changing a workspace's custom fields (RULES §3): a field that changes type is a decision about data
 * already imported, so it needs an explicit `force`, and the caller learns how many contacts hold a value
 * of the old type. Values are never rewritten: a contact keeps what it holds until an import changes it.
 */
import type { CustomFieldDefinition } from '../domain/model.js';
import type { ContactStore, WorkspaceStore } from './ports.js';

/** Redefining a field with another type without `force`. */
export class FieldTypeChangeError extends Error {
  constructor(
    readonly field: string,
    readonly from: string,
    readonly to: string,
  ) {
    super(
      `custom field "${field}" is already a ${from} field: redefining it as ${to} changes how every file reads it ` +
        '(contacts keep the values they hold); run again with --force to do it anyway',
    );
    this.name = 'FieldTypeChangeError';
  }
}

/** Removing a field the workspace does not have. */
export class FieldNotFoundError extends Error {
  constructor(
    readonly workspace: string,
    readonly field: string,
    known: readonly string[],
  ) {
    super(
      `workspace ${workspace} has no custom field "${field}" (its fields: ${known.join(', ') || 'none'})`,
    );
    this.name = 'FieldNotFoundError';
  }
}

export interface FieldDeps {
  readonly workspaces: WorkspaceStore & {
    /** Deletes a field definition; false when there was none. */
    removeField(workspace: string, name: string): Promise<boolean>;
  };
  readonly contacts: Pick<ContactStore, 'list'>;
}

export interface DefineResult {
  /** The definition it replaced, when the name existed. */
  readonly previous?: CustomFieldDefinition;
  /** With a type change: the live contacts holding a value of the field (of the old type). */
  readonly holders?: number;
}

/**
 * Live contacts of a workspace holding a value of a custom field (reads every contact: one Query of the
 * workspace index and batched reads, never a Scan).
 *
 * @example
 * await contactsHoldingField('acme', 'member_tier', { contacts }); // 12
 */
export async function contactsHoldingField(
  workspace: string,
  name: string,
  deps: Pick<FieldDeps, 'contacts'>,
): Promise<number> {
  let holders = 0;
  for await (const page of deps.contacts.list(workspace)) {
    for (const contact of page) {
      if (contact.mergedInto === undefined && contact.custom[name] !== undefined) holders += 1;
    }
  }
  return holders;
}

/**
 * Defines a custom field, or redefines it. Another type than the current one is refused unless `force`;
 * forced, the result counts the contacts that hold a value of the old type.
 *
 * @example
 * await defineCustomField('acme', { name: 'points', type: 'number' }, { force: true }, deps);
 * // { previous: { name: 'points', type: 'text' }, holders: 12 }
 */
export async function defineCustomField(
  workspace: string,
  field: CustomFieldDefinition,
  options: { readonly force?: boolean },
  deps: FieldDeps,
): Promise<DefineResult> {
  const previous = (await deps.workspaces.listFields(workspace)).find((f) => f.name === field.name);
  const typeChanges = previous !== undefined && previous.type !== field.type;
  if (typeChanges && !options.force) throw new FieldTypeChangeError(field.name, previous.type, field.type);
  const holders = typeChanges ? await contactsHoldingField(workspace, field.name, deps) : undefined;
  await deps.workspaces.defineField(workspace, field);
  return { ...(previous ? { previous } : {}), ...(holders === undefined ? {} : { holders }) };
}

/**
 * Removes a custom field's definition: files no longer fill it (its column is skipped as unknown). Values
 * contacts hold stay, and come back into use if the field is defined again.
 *
 * @example
 * await removeCustomField('acme', 'member_tier', deps); // { holders: 12 }
 */
export async function removeCustomField(
  workspace: string,
  name: string,
  deps: FieldDeps,
): Promise<{ readonly holders: number }> {
  if (!(await deps.workspaces.removeField(workspace, name))) {
    const known = (await deps.workspaces.listFields(workspace)).map((f) => f.name);
    throw new FieldNotFoundError(workspace, name, known);
  }
  return { holders: await contactsHoldingField(workspace, name, deps) };
}
