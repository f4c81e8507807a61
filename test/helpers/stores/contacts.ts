import type { Contact } from '../../../shared/domain/model.js';
import type { ContactWrite } from '../../../shared/pipeline/ports.js';

let sequence = 0;

/**
 * A contact as the rules engine would hand it to the store: new (version 0) unless told otherwise.
 *
 * @example
 * const ann = aContact('acme', { line: { uid: 'U1' } });
 */
export function aContact(workspace: string, fields: Partial<Contact> = {}): Contact {
  sequence += 1;
  return {
    workspace,
    contactId: `c-test-${sequence}`,
    createdAt: new Date(Date.UTC(2024, 0, 1, 0, 0, sequence)).toISOString(),
    createdBy: `test#${sequence}`,
    version: 0,
    tags: [],
    custom: {},
    ...fields,
  };
}

/** The write that creates `contact`. */
export function creation(contact: Contact): ContactWrite {
  return { contact };
}

/** The write that changes `previous` (as read) into `changes` applied to it. */
export function change(previous: Contact, changes: Partial<Contact>): ContactWrite {
  return { previous, contact: { ...previous, ...changes } };
}
