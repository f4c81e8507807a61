/**
 * The oracle: a sequential, deliberately plain implementation of RULES §3–§6 (field application, Key Value,
 * statuses, profile unification) over an in-memory map of contacts, written from the text of
 * `../shared/RULES.md` and not from `shared/domain`. The differential test compares the pipeline with it.
 *
 * How the text is read where it leaves room — the decisions of the repository's rule book,
 * `shared/domain/RULES.md` (each is one place below, so it is easy to change):
 *
 * 1. Identifiers. A contact holds `email` (its profile email, which is its EDM address when it has EDM),
 *    `phone` (its profile phone, which is its WhatsApp number when it has WhatsApp), `customer_id`,
 *    `line_uid` and `whatsapp` (its WhatsApp number). A row's identifiers are the same kinds, read from
 *    its cells (an EDM address is an `email`; a WhatsApp number is both a `whatsapp` and a `phone`).
 * 2. The key selects (§4): the latest created holder of the key value — except that when the key's column
 *    is the channel's own primary key (EDM `email`, WhatsApp `WhatsApp_mobile`), the holder of that channel
 *    key is the one.
 * 3. A value several contacts hold (a family phone, a shared email) leads nowhere; neither does a phone
 *    the target's WhatsApp channel locks to another number. When the key value itself is held by several
 *    contacts, nothing merges (the selection is by creation order only).
 * 4. Key matched (§6): the contacts found through the row's other identifiers merge into the target when
 *    compatible with the target, the row and the ones taken before (earliest created first), and — for
 *    a phone or email key — when they do not lock another phone / EDM address than the key value.
 * 5. Key matched none (§6): a contact found holding the row's channel primary key plays the target (as 4,
 *    without the key-value lock). Otherwise the compatible contacts found are the row's contact when they
 *    can all be one (one, or several compatible with each other, which merge); else the row creates. Key
 *    `customer_id` never creates: the row fails.
 * 6. Merge values: the survivor is the earliest created (its creation rank stays); each profile field and
 *    custom field takes the first value present in [target, others latest created first]; tags are the
 *    union; a channel is kept from whoever has it (all equal, they are compatible) with the most
 *    restrictive status, consent fields by the same precedence; then the row applies as to any contact.
 *    After a merge, the EDM address is the email and the WhatsApp number is the phone.
 * 7. A row whose EDM address (WhatsApp number) differs from the contact's: the address and the row's
 *    status (and consent cells) are ignored, the rest applies. A channel key another contact holds is
 *    not attached.
 * 8. Outcome: `created`; `updated` when anything the user sees changed (a merge always does);
 *    `unchanged` otherwise. Warnings are not modelled.
 */
import type {
  Channel,
  Contact,
  CustomValue,
  EdmStatus,
  Gender,
  Outcome,
  RowInput,
  WhatsappStatus,
} from '../../shared/domain/model.js';

/** Logical creation order (RULES §9): [0, n] for stored contacts by createdAt, [import, row] for created ones. */
export type Rank = readonly [number, number];

export interface ModelContact {
  readonly id: string;
  readonly rank: Rank;
  name?: string;
  email?: string;
  phone?: string;
  customerId?: string;
  note?: string;
  gender?: Gender;
  birthday?: string;
  tags: string[];
  custom: Record<string, CustomValue>;
  line?: { uid: string };
  edm?: { email: string; status: EdmStatus; consentSource?: string; consentAt?: string };
  whatsapp?: { mobile: string; status: WhatsappStatus };
}

export type ModelState = ReadonlyMap<string, ModelContact>;

/** The file a row comes from: its channel and its position in the logical order of imports (1, 2, ...). */
export interface ModelFile {
  readonly channel: Channel;
  readonly order: number;
}

export type IdentifierType = 'email' | 'phone' | 'customer_id' | 'line_uid' | 'whatsapp';

export interface Identifier {
  readonly type: IdentifierType;
  readonly value: string;
}

type ChannelKeys = { line?: string; edm?: string; whatsapp?: string };

const PROFILE_FIELDS = ['name', 'email', 'phone', 'customerId', 'note', 'gender', 'birthday'] as const;
const EDM_ORDER: readonly EdmStatus[] = ['subscribed', 'unsubscribed', 'hard_bounce', 'spam_report'];
const WHATSAPP_ORDER: readonly WhatsappStatus[] = ['opted_in', 'not_subscribed', 'opted_out'];
const IRREVERSIBLE: readonly EdmStatus[] = ['unsubscribed', 'hard_bounce', 'spam_report'];

export const compareRank = (a: Rank, b: Rank): number => a[0] - b[0] || a[1] - b[1];
const latestFirst = (a: ModelContact, b: ModelContact): number => compareRank(b.rank, a.rank);

/** The live stored contacts as the oracle's state, ranked by createdAt (then id, for equal times). */
export function stateOf(stored: readonly Contact[]): ModelState {
  const live = stored
    .filter((c) => c.mergedInto === undefined)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.contactId.localeCompare(b.contactId));
  return new Map(
    live.map((c, index) => {
      const { workspace: _w, contactId, createdAt: _c, createdBy: _b, version: _v, sms: _s, ...rest } = c;
      const copy = structuredClone(rest) as Omit<ModelContact, 'id' | 'rank'>;
      delete (copy as { fbId?: string }).fbId;
      delete (copy as { igId?: string }).igId;
      return [contactId, { ...copy, id: contactId, rank: [0, index] as Rank }];
    }),
  );
}

/** Identifiers a contact holds (reading 1). */
export function contactIdentifiers(c: ModelContact | Contact): Identifier[] {
  const list: Identifier[] = [];
  const add = (type: IdentifierType, value: string | undefined) => {
    if (value !== undefined) list.push({ type, value: type === 'email' ? value.toLowerCase() : value });
  };
  add('email', c.email);
  add('email', c.edm?.email);
  add('phone', c.phone);
  add('phone', c.whatsapp?.mobile);
  add('customer_id', c.customerId);
  add('line_uid', c.line?.uid);
  add('whatsapp', c.whatsapp?.mobile);
  return list;
}

/** Identifiers a row carries (reading 1), the key's own included. */
export function rowIdentifiers(row: RowInput): Identifier[] {
  const list: Identifier[] = [];
  const add = (type: IdentifierType, value: string | undefined) => {
    if (value !== undefined) list.push({ type, value });
  };
  add('email', row.edm?.email);
  add('email', row.profile.email);
  add('phone', row.profile.phone);
  add('phone', row.whatsapp?.mobile);
  add('whatsapp', row.whatsapp?.mobile);
  add('customer_id', row.profile.customerId);
  add('line_uid', row.line?.uid);
  return list;
}

const sameIdentifier = (a: Identifier, b: Identifier) => a.type === b.type && a.value === b.value;

function holders(state: ModelState, wanted: Identifier): ModelContact[] {
  return [...state.values()].filter((c) => contactIdentifiers(c).some((i) => sameIdentifier(i, wanted)));
}

function channelKeys(c: ModelContact): ChannelKeys {
  return { line: c.line?.uid, edm: c.edm?.email, whatsapp: c.whatsapp?.mobile };
}

function rowChannelKeys(row: RowInput): ChannelKeys {
  return { line: row.line?.uid, edm: row.edm?.email, whatsapp: row.whatsapp?.mobile };
}

/** RULES §6: no channel primary key holds different values on the two. */
function compatible(a: ChannelKeys, b: ChannelKeys): boolean {
  const clash = (x?: string, y?: string) => x !== undefined && y !== undefined && x !== y;
  return !clash(a.line, b.line) && !clash(a.edm, b.edm) && !clash(a.whatsapp, b.whatsapp);
}

function union(a: ChannelKeys, b: ChannelKeys): ChannelKeys {
  return { line: a.line ?? b.line, edm: a.edm ?? b.edm, whatsapp: a.whatsapp ?? b.whatsapp };
}

function mostRestrictive<T>(order: readonly T[], values: readonly T[]): T {
  return values.reduce((worst, v) => (order.indexOf(v) > order.indexOf(worst) ? v : worst));
}

/** Reading 6: the merged contact before the row applies. `ordered` is [target, others latest first]. */
function fold(ordered: readonly ModelContact[]): ModelContact {
  const survivor = ordered.reduce((a, b) => (compareRank(b.rank, a.rank) < 0 ? b : a));
  const merged: ModelContact = { id: survivor.id, rank: survivor.rank, tags: [], custom: {} };
  for (const field of PROFILE_FIELDS) {
    const found = ordered.find((c) => c[field] !== undefined)?.[field];
    if (found !== undefined) (merged as unknown as Record<string, unknown>)[field] = found;
  }
  for (const c of ordered) {
    for (const tag of c.tags) if (!merged.tags.includes(tag)) merged.tags.push(tag);
    for (const [name, value] of Object.entries(c.custom))
      if (!(name in merged.custom)) merged.custom[name] = value;
  }
  const line = ordered.find((c) => c.line)?.line;
  if (line) merged.line = { uid: line.uid };
  const edms = ordered.flatMap((c) => (c.edm ? [c.edm] : []));
  const [firstEdm] = edms;
  if (firstEdm) {
    merged.edm = {
      email: firstEdm.email,
      status: mostRestrictive(
        EDM_ORDER,
        edms.map((e) => e.status),
      ),
    };
    const source = edms.find((e) => e.consentSource !== undefined)?.consentSource;
    const at = edms.find((e) => e.consentAt !== undefined)?.consentAt;
    if (source !== undefined) merged.edm.consentSource = source;
    if (at !== undefined) merged.edm.consentAt = at;
    merged.email = firstEdm.email;
  }
  const whatsapps = ordered.flatMap((c) => (c.whatsapp ? [c.whatsapp] : []));
  const [firstWhatsapp] = whatsapps;
  if (firstWhatsapp) {
    const status = mostRestrictive(
      WHATSAPP_ORDER,
      whatsapps.map((w) => w.status),
    );
    merged.whatsapp = { mobile: firstWhatsapp.mobile, status };
    merged.phone = firstWhatsapp.mobile;
  }
  return merged;
}

/**
 * RULES §3–§5: the row's filled cells on a contact (mutated). `taken` tells whether a channel primary key
 * belongs to a contact outside this write.
 */
function applyCells(c: ModelContact, row: RowInput, taken: (keys: ChannelKeys) => boolean): void {
  if (row.line) {
    if (!c.line && !taken({ line: row.line.uid })) c.line = { uid: row.line.uid };
  }
  if (row.edm) {
    const { email, status, consentSource, consentAt } = row.edm;
    if (!c.edm) {
      if (!taken({ edm: email })) {
        c.edm = { email, status };
        if (consentSource !== undefined) c.edm.consentSource = consentSource;
        if (consentAt !== undefined) c.edm.consentAt = consentAt;
        c.email = email;
      }
    } else if (c.edm.email === email) {
      const irreversible = status === 'subscribed' && IRREVERSIBLE.includes(c.edm.status);
      if (!irreversible) c.edm.status = status;
      if (consentSource !== undefined) c.edm.consentSource = consentSource;
      if (consentAt !== undefined) c.edm.consentAt = consentAt;
    }
  }
  if (row.whatsapp) {
    const { mobile, status } = row.whatsapp;
    if (!c.whatsapp) {
      if (!taken({ whatsapp: mobile })) {
        c.whatsapp = { mobile, status };
        c.phone = mobile;
      }
    } else if (c.whatsapp.mobile === mobile) c.whatsapp.status = status;
  }
  const { name, email, phone, customerId, note, gender, birthday } = row.profile;
  if (name !== undefined) c.name = name;
  if (customerId !== undefined) c.customerId = customerId;
  if (note !== undefined) c.note = note;
  if (gender !== undefined) c.gender = gender;
  if (birthday !== undefined) c.birthday = birthday;
  if (email !== undefined && !c.edm) c.email = email;
  if (phone !== undefined && !c.whatsapp) c.phone = phone;
  for (const tag of row.tags) if (!c.tags.includes(tag)) c.tags.push(tag);
  Object.assign(c.custom, row.custom);
}

/** Whether some contact not in `group` holds one of the channel keys. */
function takenOutside(state: ModelState, group: ReadonlySet<string>) {
  return (keys: ChannelKeys) =>
    [...state.values()].some((c) => !group.has(c.id) && holdsAny(channelKeys(c), keys));
}

/** Whether a contact's channel keys include one of the given keys (same kind, same value). */
function holdsAny(held: ChannelKeys, keys: ChannelKeys): boolean {
  return (
    (keys.line !== undefined && held.line === keys.line) ||
    (keys.edm !== undefined && held.edm === keys.edm) ||
    (keys.whatsapp !== undefined && held.whatsapp === keys.whatsapp)
  );
}

export interface ModelResult {
  readonly state: ModelState;
  readonly outcome: Outcome;
}

function keyIdentifier(row: RowInput): Identifier {
  return { type: row.key.name, value: row.key.value };
}

/** The other identifiers of the row (the key's own left out). */
function otherIdentifiers(row: RowInput): Identifier[] {
  const key = keyIdentifier(row);
  return rowIdentifiers(row).filter((i) => !sameIdentifier(i, key));
}

/**
 * Applies one row to the state (RULES §4–§6) and returns the new state and the row's outcome. The state
 * given is not changed.
 *
 * @example
 * const { state, outcome } = applyRow(stateOf(stored), row, { channel: 'edm', order: 1 });
 */
export function applyRow(state: ModelState, row: RowInput, file: ModelFile): ModelResult {
  const rowKeys = rowChannelKeys(row);
  const byKey = holders(state, keyIdentifier(row)).sort(latestFirst);
  // Reading 2.
  const ownKey: ChannelKeys =
    row.edm?.email === row.key.value
      ? { edm: row.edm.email }
      : row.whatsapp?.mobile === row.key.value
        ? { whatsapp: row.whatsapp.mobile }
        : {};
  const own = byKey.find((c) => holdsAny(channelKeys(c), ownKey));
  const keyTarget = own ?? byKey[0];
  let target: ModelContact | undefined;
  let group: ModelContact[];
  if (keyTarget) {
    target = keyTarget;
    const found = byKey.length > 1 ? [] : foundThrough(state, row, target, byKey);
    group = joinCompatible(target, found, { ...rowKeys, ...keyLock(row) });
  } else if (row.key.name === 'customer_id') {
    return { state, outcome: 'failed' };
  } else {
    const anchor = [...state.values()].find((c) => holdsAny(channelKeys(c), rowKeys));
    if (anchor) {
      target = anchor;
      group = joinCompatible(anchor, foundThrough(state, row, anchor, []), rowKeys);
    } else {
      const fitting = foundThrough(state, row, undefined, []).filter((c) =>
        compatible(channelKeys(c), rowKeys),
      );
      const allOne = fitting.every((a) => fitting.every((b) => compatible(channelKeys(a), channelKeys(b))));
      if (fitting.length === 0 || !allOne) return create(state, row, file);
      group = fitting;
      target = [...fitting].sort(latestFirst)[0] as ModelContact;
    }
  }
  const ordered = [target, ...group.filter((c) => c !== target).sort(latestFirst)];
  const next = new Map(state);
  const before = group.length === 1 ? structuredClone(target) : undefined;
  const base = group.length === 1 ? structuredClone(target) : fold(ordered);
  for (const c of group) next.delete(c.id);
  applyCells(base, row, takenOutside(state, new Set(group.map((c) => c.id))));
  next.set(base.id, base);
  const changed = before === undefined || JSON.stringify(view(before)) !== JSON.stringify(view(base));
  return { state: next, outcome: changed ? 'updated' : 'unchanged' };
}

/** A phone or email key: contacts merged in must not lock another phone / EDM address (reading 4). */
function keyLock(row: RowInput): ChannelKeys & { lockedPhone?: string } {
  if (row.key.name === 'phone') return { lockedPhone: row.key.value };
  if (row.key.name === 'email') return { edm: row.key.value };
  return {};
}

/** Reading 3: the contacts the row's other identifiers lead to, earliest created first. */
function foundThrough(
  state: ModelState,
  row: RowInput,
  target: ModelContact | undefined,
  keyHolders: readonly ModelContact[],
): ModelContact[] {
  const found: ModelContact[] = [];
  for (const identifier of otherIdentifiers(row)) {
    const held = holders(state, identifier);
    if (held.length !== 1) continue;
    const [only] = held as [ModelContact];
    if (identifier.type === 'phone' && target?.whatsapp && target.whatsapp.mobile !== identifier.value)
      continue;
    if (only === target || keyHolders.includes(only) || found.includes(only)) continue;
    found.push(only);
  }
  return found.sort((a, b) => compareRank(a.rank, b.rank));
}

/** Reading 4: the target and every candidate compatible with it, the row and the ones taken before. */
function joinCompatible(
  target: ModelContact,
  candidates: readonly ModelContact[],
  required: ChannelKeys & { lockedPhone?: string },
): ModelContact[] {
  const group = [target];
  let keys = channelKeys(target);
  for (const candidate of candidates) {
    const theirs = channelKeys(candidate);
    const lockOk =
      required.lockedPhone === undefined ||
      theirs.whatsapp === undefined ||
      theirs.whatsapp === required.lockedPhone;
    if (compatible(theirs, keys) && compatible(theirs, required) && lockOk) {
      group.push(candidate);
      keys = union(keys, theirs);
    }
  }
  return group;
}

function create(state: ModelState, row: RowInput, file: ModelFile): ModelResult {
  const created: ModelContact = {
    id: `new-${file.order}-${row.rowNumber}`,
    rank: [file.order, row.rowNumber],
    tags: [],
    custom: {},
  };
  applyCells(created, row, takenOutside(state, new Set()));
  const next = new Map(state);
  next.set(created.id, created);
  return { state: next, outcome: 'created' };
}

/**
 * What a user sees of a contact (the export's fields, without the contact id and creation time), tags
 * sorted: the order of a tag union is not a rule.
 */
export function view(c: ModelContact | Contact): Record<string, unknown> {
  const custom = Object.fromEntries(Object.entries(c.custom).sort(([a], [b]) => a.localeCompare(b)));
  return {
    name: c.name ?? null,
    email: c.email ?? null,
    phone: c.phone ?? null,
    customerId: c.customerId ?? null,
    note: c.note ?? null,
    tags: [...c.tags].sort(),
    gender: c.gender ?? null,
    birthday: c.birthday ?? null,
    custom,
    line: c.line ? { uid: c.line.uid } : null,
    edm: c.edm
      ? {
          email: c.edm.email,
          status: c.edm.status,
          consentSource: c.edm.consentSource ?? null,
          consentAt: c.edm.consentAt ?? null,
        }
      : null,
    whatsapp: c.whatsapp ? { mobile: c.whatsapp.mobile, status: c.whatsapp.status } : null,
  };
}

/** The whole contact base as a user sees it: one line per contact, sorted. */
export function userView(contacts: Iterable<ModelContact | Contact>): string[] {
  return [...contacts].map((c) => JSON.stringify(view(c))).sort();
}

/** Applies rows one by one in the order given; the key name of each row is its file's Key Value. */
export function runSequence(
  state: ModelState,
  steps: readonly { readonly row: RowInput; readonly file: ModelFile }[],
): { state: ModelState; outcomes: Outcome[] } {
  const outcomes: Outcome[] = [];
  let current = state;
  for (const { row, file } of steps) {
    const result = applyRow(current, row, file);
    current = result.state;
    outcomes.push(result.outcome);
  }
  return { state: current, outcomes };
}
