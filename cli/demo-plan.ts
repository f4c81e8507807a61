/**
 * What `demo` imports: the files of `examples/`, in order (later files update contacts the earlier ones
 * created), with the channel, Key Value and outcome each is written to produce. `examples/README.md`
 * explains every deliberate error.
 */
import { join } from 'node:path';
import type { CustomFieldDefinition } from '../shared/domain/model.js';
import type { ImportOutcome } from '../shared/pipeline/ports.js';
import { REPO_ROOT } from './local/state.js';

export const EXAMPLES_DIR = join(REPO_ROOT, 'examples');

export const DEMO_WORKSPACE = 'demo-tw';

/** Registered before the first import, as `workspace set` would: an unknown workspace imports nothing. */
export const DEMO_SETTINGS = { region: 'TW', timeZone: 'Asia/Taipei' } as const;

/** Defined before the first import, as `fields define` would: the files carry a `member_tier` column. */
export const DEMO_FIELDS: readonly CustomFieldDefinition[] = [
  { name: 'member_tier', type: 'select', options: ['regular', 'silver', 'gold'] },
];

export interface DemoImport {
  readonly file: string;
  readonly channel: 'line' | 'edm' | 'whatsapp';
  readonly key: 'line_uid' | 'phone' | 'email' | 'customer_id';
  readonly about: string;
  readonly expect: ImportOutcome;
}

export const DEMO_IMPORTS: readonly DemoImport[] = [
  {
    file: 'line-contacts.csv',
    channel: 'line',
    key: 'phone',
    about: 'LINE contacts keyed by phone, both phone formats, tags, a custom field, a stray column',
    expect: 'completed_with_errors',
  },
  {
    file: 'edm-subscribers.csv',
    channel: 'edm',
    key: 'email',
    about: 'an email list: unification with the LINE contacts, status rules, a misspelt column',
    expect: 'completed_with_errors',
  },
  {
    file: 'whatsapp-contacts.csv',
    channel: 'whatsapp',
    key: 'phone',
    about: 'WhatsApp numbers: strict E.164, a blank status is skipped, the risk-acceptance flag',
    expect: 'completed_with_errors',
  },
  {
    file: 'crm-updates.csv',
    channel: 'line',
    key: 'customer_id',
    about: 'CRM updates keyed by customer_id, which updates but never creates',
    expect: 'completed_with_errors',
  },
  {
    file: 'edm-missing-status.csv',
    channel: 'edm',
    key: 'email',
    about: 'an EDM file without messaging_status: the whole file is rejected',
    expect: 'rejected',
  },
];
