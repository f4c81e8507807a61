/**
 * Applies one row's filled cells to one contact (RULES §3–§5): blank never overwrites, tags merge,
 * channel primary keys attach but never change, locked email / phone stay, EDM irreversibility holds.
 */
import { issue } from './codes.js';
import type { Channel, Contact, EdmStatus, Identity, Issue, Mutable, RowInput } from './model.js';
import { IRREVERSIBLE_EDM_STATUSES } from './status.js';

export interface Applied {
  readonly contact: Contact;
  /** Whether any stored value differs from the contact given. */
  readonly changed: boolean;
  readonly warnings: Issue[];
}

/**
 * JSON with object keys sorted, so two equal values give the same text.
 *
 * @example
 * canonicalJson({ b: 1, a: [2] }) === canonicalJson({ a: [2], b: 1 }); // true
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

/**
 * Whether two states of one contact hold the same values; the version and the write stamps (bookkeeping)
 * aside. Rows whose net effect on a contact is nothing — a re-import, or rows of one file that set a value
 * and set it back — leave it equal to its stored state, and nothing is written (RULES §9).
 *
 * @example
 * sameValues(stored, applyRow(applyRow(stored, a, 'line', no).contact, b, 'line', no).contact);
 */
export function sameValues(a: Contact, b: Contact): boolean {
  const { version: _va, writtenBy: _wa, ...left } = a;
  const { version: _vb, writtenBy: _wb, ...right } = b;
  return canonicalJson(left) === canonicalJson(right);
}

/** Whether another contact (not the one being written) already holds this channel primary key. */
export type HeldElsewhere = (identity: Identity) => boolean;

/** The contact being built and what happened to it; passed to the steps below instead of closures. */
interface Work {
  readonly next: Mutable<Contact>;
  readonly warnings: Issue[];
  readonly heldElsewhere: HeldElsewhere;
  changed: boolean;
}

/** Whether a channel primary key can be attached; warns when another contact holds it. */
function claimable(work: Work, identity: Identity, column: string): boolean {
  if (!work.heldElsewhere(identity)) return true;
  work.warnings.push(issue('CHANNEL_KEY_IGNORED', { column, value: identity.value, held: 'taken' }));
  return false;
}

function differs(work: Work, column: string, value: string): void {
  work.warnings.push(issue('CHANNEL_KEY_IGNORED', { column, value, held: 'differs' }));
}

function applyLine(work: Work, uid: string): void {
  const { next } = work;
  if (next.line) {
    if (next.line.uid !== uid) differs(work, 'line_uid', uid);
  } else if (claimable(work, { type: 'line_uid', value: uid }, 'line_uid')) {
    next.line = { uid };
    work.changed = true;
  }
}

function applyEdm(work: Work, edm: NonNullable<RowInput['edm']>): void {
  const { next } = work;
  const current = next.edm;
  if (current === undefined) {
    if (claimable(work, { type: 'edm_email', value: edm.email }, 'email')) {
      next.edm = { ...edm };
      next.email = edm.email;
      work.changed = true;
    }
    return;
  }
  if (current.email !== edm.email) {
    differs(work, 'email', edm.email);
    return;
  }
  let status: EdmStatus = edm.status;
  if (status === 'subscribed' && IRREVERSIBLE_EDM_STATUSES.has(current.status)) {
    work.warnings.push(issue('STATUS_IRREVERSIBLE', { current: current.status, requested: status }));
    status = current.status;
  }
  const consentSource = edm.consentSource ?? current.consentSource;
  const consentAt = edm.consentAt ?? current.consentAt;
  if (
    status !== current.status ||
    consentSource !== current.consentSource ||
    consentAt !== current.consentAt
  ) {
    next.edm = {
      email: current.email,
      status,
      ...(consentSource === undefined ? {} : { consentSource }),
      ...(consentAt === undefined ? {} : { consentAt }),
    };
    work.changed = true;
  }
}

function applyWhatsapp(work: Work, { mobile, status }: NonNullable<RowInput['whatsapp']>): void {
  const { next } = work;
  const current = next.whatsapp;
  if (current) {
    if (current.mobile !== mobile) differs(work, 'WhatsApp_mobile', mobile);
    else if (current.status !== status) {
      next.whatsapp = { mobile, status };
      work.changed = true;
    }
  } else if (next.sms && next.sms.phone !== mobile) {
    work.warnings.push(
      issue('CHANNEL_KEY_IGNORED', { column: 'WhatsApp_mobile', value: mobile, held: 'phone-locked' }),
    );
  } else if (claimable(work, { type: 'whatsapp', value: mobile }, 'WhatsApp_mobile')) {
    next.whatsapp = { mobile, status };
    next.phone = mobile;
    work.changed = true;
  }
}

function applyProfile(work: Work, profile: RowInput['profile'], channel: Channel): void {
  const { next } = work;
  // Named property access (not a loop over field names) keeps these loads and stores monomorphic: this
  // runs once per row.
  const { name, customerId, note, gender, birthday } = profile;
  if (name !== undefined && next.name !== name) {
    next.name = name;
    work.changed = true;
  }
  if (customerId !== undefined && next.customerId !== customerId) {
    next.customerId = customerId;
    work.changed = true;
  }
  if (note !== undefined && next.note !== note) {
    next.note = note;
    work.changed = true;
  }
  if (gender !== undefined && next.gender !== gender) {
    next.gender = gender;
    work.changed = true;
  }
  if (birthday !== undefined && next.birthday !== birthday) {
    next.birthday = birthday;
    work.changed = true;
  }
  const { email, phone } = profile;
  if (email !== undefined && next.email !== email) {
    if (next.edm) work.warnings.push(issue('EMAIL_LOCKED', { value: email }));
    else {
      next.email = email;
      work.changed = true;
    }
  }
  if (phone !== undefined && next.phone !== phone) {
    const lock = next.whatsapp ? 'WhatsApp' : next.sms ? 'SMS' : undefined;
    if (lock) {
      const column = channel === 'edm' ? 'mobile' : 'phone';
      work.warnings.push(issue('PHONE_LOCKED', { column, value: phone, channel: lock }));
    } else {
      next.phone = phone;
      work.changed = true;
    }
  }
}

/**
 * The contact with the row applied. `channel` names the phone column in warnings (`mobile` in EDM files);
 * `heldElsewhere` tells which channel primary keys belong to someone else (attaching them would take them
 * away from their holder).
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
  const work: Work = {
    next: { ...base, tags: [...base.tags], custom: { ...base.custom } },
    warnings: [],
    heldElsewhere,
    changed: false,
  };
  if (row.line) applyLine(work, row.line.uid);
  if (row.edm) applyEdm(work, row.edm);
  if (row.whatsapp) applyWhatsapp(work, row.whatsapp);
  applyProfile(work, row.profile, channel);

  const { next } = work;
  for (const tag of row.tags) {
    if (!next.tags.includes(tag)) {
      next.tags.push(tag);
      work.changed = true;
    }
  }
  for (const name in row.custom) {
    const value = row.custom[name] as Contact['custom'][string];
    if (next.custom[name] !== value) {
      next.custom[name] = value;
      work.changed = true;
    }
  }
  return { contact: next, changed: work.changed, warnings: work.warnings };
}
