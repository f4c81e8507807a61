/**
 * Applies one row's filled cells to one contact (RULES §3–§5): blank never overwrites, tags merge,
 * channel primary keys attach but never change, locked email / phone stay, EDM irreversibility holds.
 */
import { type CodedIssue, issue } from './codes.js';
import type { Channel, Contact, Identity, Issue, RowInput } from './model.js';
import { IRREVERSIBLE_EDM_STATUSES } from './status.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export interface Applied {
  readonly contact: Contact;
  /** Whether any stored value differs from the contact given. */
  readonly changed: boolean;
  readonly warnings: Issue[];
}

/** Whether another contact (not the one being written) already holds this channel primary key. */
export type HeldElsewhere = (identity: Identity) => boolean;

/**
 * The contact with the row applied. `channel` names the phone column in warnings (`mobile` in EDM files); `heldElsewhere` tells which
 * channel primary keys belong to someone else (attaching them would take them away).
 *
 * @example
 * applyRow(contact, row, 'line', () => false);
 * // { contact: { ...contact, name: row.profile.name, tags: [...contact.tags, ...new tags] }, changed: true, warnings: [] }
 */
export function applyRow(
  base: Contact,
  row: RowInput,
  channel: Channel,
  heldElsewhere: HeldElsewhere,
): Applied {
  const next: Mutable<Contact> = { ...base, tags: [...base.tags], custom: { ...base.custom } };
  const warnings: Issue[] = [];
  let changed = false;
  const set = <K extends keyof Mutable<Contact>>(field: K, value: Contact[K]): void => {
    if (next[field] === value) return;
    next[field] = value;
    changed = true;
  };
  /** Whether a channel primary key can be attached; warns when another contact holds it. */
  const claimable = (identity: Identity, column: string): boolean => {
    if (!heldElsewhere(identity)) return true;
    warnings.push(issue('CHANNEL_KEY_IGNORED', { column, value: identity.value, held: 'taken' }));
    return false;
  };
  const differs = (column: string, value: string): CodedIssue =>
    issue('CHANNEL_KEY_IGNORED', { column, value, held: 'differs' });

  if (row.line) {
    const uid = row.line.uid;
    if (next.line) {
      if (next.line.uid !== uid) warnings.push(differs('line_uid', uid));
    } else if (claimable({ type: 'line_uid', value: uid }, 'line_uid')) set('line', { uid });
  }

  if (row.edm) {
    const { email, status, consentSource, consentAt } = row.edm;
    const current = next.edm;
    if (current) {
      if (current.email !== email) warnings.push(differs('email', email));
      else {
        const keep = status === 'subscribed' && IRREVERSIBLE_EDM_STATUSES.has(current.status);
        if (keep) warnings.push(issue('STATUS_IRREVERSIBLE', { current: current.status, requested: status }));
        const updated = {
          ...current,
          status: keep ? current.status : status,
          ...(consentSource === undefined ? {} : { consentSource }),
          ...(consentAt === undefined ? {} : { consentAt }),
        };
        if (
          updated.status !== current.status ||
          updated.consentSource !== current.consentSource ||
          updated.consentAt !== current.consentAt
        ) {
          set('edm', updated);
        }
      }
    } else if (claimable({ type: 'edm_email', value: email }, 'email')) {
      set('edm', { ...row.edm });
      set('email', email);
    }
  }

  if (row.whatsapp) {
    const { mobile, status } = row.whatsapp;
    const current = next.whatsapp;
    if (current) {
      if (current.mobile !== mobile) warnings.push(differs('WhatsApp_mobile', mobile));
      else if (current.status !== status) set('whatsapp', { mobile, status });
    } else if (next.sms && next.sms.phone !== mobile) {
      warnings.push(
        issue('CHANNEL_KEY_IGNORED', { column: 'WhatsApp_mobile', value: mobile, held: 'phone-locked' }),
      );
    } else if (claimable({ type: 'whatsapp', value: mobile }, 'WhatsApp_mobile')) {
      set('whatsapp', { mobile, status });
      set('phone', mobile);
    }
  }

  const { profile } = row;
  if (profile.name !== undefined) set('name', profile.name);
  if (profile.customerId !== undefined) set('customerId', profile.customerId);
  if (profile.note !== undefined) set('note', profile.note);
  if (profile.gender !== undefined) set('gender', profile.gender);
  if (profile.birthday !== undefined) set('birthday', profile.birthday);
  if (profile.email !== undefined) {
    if (next.edm && next.edm.email !== profile.email)
      warnings.push(issue('EMAIL_LOCKED', { value: profile.email }));
    else set('email', profile.email);
  }
  if (profile.phone !== undefined) {
    const lock = next.whatsapp
      ? { channel: 'WhatsApp', phone: next.whatsapp.mobile }
      : next.sms && { channel: 'SMS', phone: next.sms.phone };
    if (lock && lock.phone !== profile.phone) {
      warnings.push(
        issue('PHONE_LOCKED', {
          column: channel === 'edm' ? 'mobile' : 'phone',
          value: profile.phone,
          channel: lock.channel,
        }),
      );
    } else set('phone', profile.phone);
  }

  for (const tag of row.tags) {
    if (!next.tags.includes(tag)) {
      next.tags.push(tag);
      changed = true;
    }
  }
  for (const [name, value] of Object.entries(row.custom)) {
    if (next.custom[name] !== value) {
      next.custom[name] = value;
      changed = true;
    }
  }
  return { contact: next, changed, warnings };
}
