/**
 * Record factories for domain tests: contacts, rows, decide contexts, and a validator for a header.
 */

import { isIssue } from '../../../shared/domain/channels.js';
import type { Candidates, DecideContext } from '../../../shared/domain/decide.js';
import { type HeaderMapping, mapHeader } from '../../../shared/domain/header.js';
import type {
  Channel,
  Contact,
  CustomFieldDefinition,
  KeyName,
  RowInput,
} from '../../../shared/domain/model.js';
import { createRowValidator, type RowValidator } from '../../../shared/domain/row.js';

export const WORKSPACE = 'acme';
export const IMPORT_ID = 'acme.0123456789abcdef01234567';
/** The clock every domain test uses: 2024-06-01 12:00 in Taipei. */
export const NOW = new Date('2024-06-01T04:00:00.000Z');

/** Every column of each channel's template, in the order of RULES §3 (an independent copy of the spec). */
export const TEMPLATES = {
  line: ['line_uid', 'phone', 'customer_id', 'name', 'email', 'note', 'tags'],
  edm: [
    'email',
    'messaging_status',
    'display_name',
    'gender',
    'customer_id',
    'mobile',
    'birthday',
    'tag',
    'consent_source',
    'consent_at',
  ],
  whatsapp: [
    'WhatsApp_mobile',
    'messaging_status',
    'display_name',
    'gender',
    'customer_id',
    'email',
    'birthday',
    'tag',
  ],
} as const satisfies Record<Channel, readonly string[]>;

/** A LINE UID built from a small number, e.g. lineUid(1) → 'U000…001'. */
export function lineUid(n: number): string {
  return `U${n.toString(16).padStart(32, '0')}`;
}

/** A stored contact; `id` also orders creation (c-01 before c-02). */
export function contact(id: number, overrides: Partial<Contact> = {}): Contact {
  const two = String(id).padStart(2, '0');
  return {
    workspace: WORKSPACE,
    contactId: `c-${two}`,
    createdAt: `2024-01-${two}T00:00:00.000Z`,
    createdBy: `seed#${id}`,
    version: 1,
    tags: [],
    custom: {},
    ...overrides,
  };
}

type RowOverrides = Partial<Omit<RowInput, 'key' | 'profile'>> & {
  key: { name: KeyName; value: string };
  profile?: RowInput['profile'];
};

/** A validated row with only the given cells filled. */
export function row(overrides: RowOverrides): RowInput {
  return { rowNumber: 2, profile: {}, tags: [], custom: {}, warnings: [], ...overrides };
}

export function context(channel: Channel, overrides: Partial<DecideContext> = {}): DecideContext {
  return {
    workspace: WORKSPACE,
    importId: IMPORT_ID,
    channel,
    now: '2024-06-01T04:00:00.000Z',
    newContactId: 'c-new',
    ...overrides,
  };
}

export function candidates(byKey: readonly Contact[], byIdentity: Candidates['byIdentity'] = []): Candidates {
  return { byKey, byIdentity };
}

/** The mapping of a header that must be accepted. */
export function mapping(
  header: readonly string[],
  channel: Channel,
  key: KeyName,
  customFields: readonly CustomFieldDefinition[] = [],
): HeaderMapping {
  const mapped = mapHeader(header, channel, key, customFields);
  if (isIssue(mapped)) throw new Error(`header rejected: ${mapped.message}`);
  return mapped;
}

/** A validator for a header, with region TW, time zone Asia/Taipei and the test clock. */
export function validator(
  header: readonly string[],
  channel: Channel,
  key: KeyName,
  customFields: readonly CustomFieldDefinition[] = [],
): RowValidator {
  return createRowValidator({
    mapping: mapping(header, channel, key, customFields),
    settings: { region: 'TW', timeZone: 'Asia/Taipei' },
    now: NOW,
  });
}
