/**
 * fast-check arbitraries for domain properties: small pools of identifiers so that rows and contacts
 * collide often (shared phones, duplicate keys, conflicting channel keys).
 */
import fc from 'fast-check';
import type {
  Channel,
  Contact,
  EdmStatus,
  KeyName,
  RowInput,
  WhatsappStatus,
} from '../../../shared/domain/model.js';
import { EDM_STATUSES, GENDERS, WHATSAPP_STATUSES } from '../../../shared/domain/model.js';
import { lineUid, WORKSPACE } from './factories.js';

const EMAILS = ['a@x.com', 'b@x.com', 'c@x.com'];
const PHONES = ['+886912345678', '+886922333444', '+886933444555'];
const CUSTOMER_IDS = ['C1', 'C2', 'C3'];
const UIDS = [lineUid(1), lineUid(2), lineUid(3)];
const TAGS = ['VIP', '台北', '新客', '高雄'];
const NAMES = ['王小明', '陳美玲', '林志豪'];

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const pick = <T>(values: readonly T[]) => fc.constantFrom(...values);

/** Drops undefined properties so generated values look like stored / validated ones. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

const customValues = fc.dictionary(
  pick(['points', 'level']),
  fc.oneof(fc.integer({ max: 3, min: 0 }), pick(['gold', 'silver'])),
  { maxKeys: 2 },
);

const contactFields = fc.record({
  name: maybe(pick(NAMES)),
  email: maybe(pick(EMAILS)),
  phone: maybe(pick(PHONES)),
  customerId: maybe(pick(CUSTOMER_IDS)),
  note: maybe(fc.constant('note')),
  gender: maybe(pick(GENDERS)),
  tags: fc.uniqueArray(pick(TAGS), { maxLength: 3 }),
  custom: customValues,
  line: maybe(pick(UIDS)),
  edm: maybe(fc.tuple(pick(EMAILS), pick(EDM_STATUSES))),
  whatsapp: maybe(fc.tuple(pick(PHONES), pick(WHATSAPP_STATUSES))),
  sms: maybe(pick(PHONES)),
});

/**
 * A workspace of up to five live contacts that satisfies the store's invariants: channel primary keys
 * are unique, an EDM contact's email is its EDM address, a WhatsApp contact's phone its number.
 */
export const worldContacts: fc.Arbitrary<Contact[]> = fc.array(contactFields, { maxLength: 5 }).map((all) => {
  const claimed = new Set<string>();
  const claim = (key: string | undefined): boolean => {
    if (key === undefined || claimed.has(key)) return false;
    claimed.add(key);
    return true;
  };
  return all.map((fields, index) => {
    const uid = claim(fields.line && `line#${fields.line}`) ? fields.line : undefined;
    const edm = claim(fields.edm && `edm#${fields.edm[0]}`) ? fields.edm : undefined;
    const whatsapp = claim(fields.whatsapp && `wa#${fields.whatsapp[0]}`) ? fields.whatsapp : undefined;
    const smsFree = fields.sms !== undefined && (whatsapp === undefined || whatsapp[0] === fields.sms);
    const sms = smsFree && claim(`sms#${fields.sms}`) ? fields.sms : undefined;
    return defined<Contact>({
      workspace: WORKSPACE,
      contactId: `c-${index}`,
      createdAt: `2024-01-0${1 + (index % 3)}T00:00:00.000Z`,
      createdBy: 'seed',
      version: 1,
      name: fields.name,
      email: edm ? edm[0] : fields.email,
      phone: whatsapp ? whatsapp[0] : (sms ?? fields.phone),
      customerId: fields.customerId,
      note: fields.note,
      gender: fields.gender,
      tags: fields.tags,
      custom: fields.custom,
      line: uid === undefined ? undefined : { uid },
      edm: edm && { email: edm[0], status: edm[1] as EdmStatus },
      whatsapp: whatsapp && { mobile: whatsapp[0], status: whatsapp[1] as WhatsappStatus },
      sms: sms === undefined ? undefined : { phone: sms },
    });
  });
});

const KEYS_BY_CHANNEL: Record<Channel, readonly KeyName[]> = {
  line: ['line_uid', 'phone', 'email', 'customer_id'],
  edm: ['email', 'customer_id', 'phone'],
  whatsapp: ['phone', 'customer_id', 'email'],
};

/** A validated row of any channel and allowed key, with the key's cell filled. */
export const anyRow: fc.Arbitrary<{ channel: Channel; row: RowInput }> = fc
  .record({
    channel: pick(['line', 'edm', 'whatsapp'] as const),
    keyPick: fc.nat(),
    name: maybe(pick(NAMES)),
    email: maybe(pick(EMAILS)),
    phone: maybe(pick(PHONES)),
    customerId: maybe(pick(CUSTOMER_IDS)),
    gender: maybe(pick(GENDERS)),
    uid: maybe(pick(UIDS)),
    edmStatus: pick(EDM_STATUSES),
    whatsappStatus: pick(WHATSAPP_STATUSES),
    tags: fc.uniqueArray(pick(TAGS), { maxLength: 3 }),
    custom: customValues,
  })
  .map((g) => {
    const keys = KEYS_BY_CHANNEL[g.channel];
    const key = keys[g.keyPick % keys.length] as KeyName;
    // The channel's own columns: EDM always has its address, WhatsApp its number.
    const edmEmail = g.channel === 'edm' ? (g.email ?? (EMAILS[0] as string)) : undefined;
    const mobile = g.channel === 'whatsapp' ? (g.phone ?? (PHONES[0] as string)) : undefined;
    const profile = defined({
      name: g.name,
      email: g.channel === 'edm' ? undefined : key === 'email' ? (g.email ?? EMAILS[1]) : g.email,
      phone: g.channel === 'whatsapp' ? undefined : key === 'phone' ? (g.phone ?? PHONES[1]) : g.phone,
      customerId: key === 'customer_id' ? (g.customerId ?? CUSTOMER_IDS[0]) : g.customerId,
      gender: g.gender,
    });
    const uid =
      g.channel === 'line' && key === 'line_uid'
        ? (g.uid ?? UIDS[0])
        : g.channel === 'line'
          ? g.uid
          : undefined;
    const keyValue = {
      line_uid: uid,
      phone: mobile ?? profile.phone,
      email: edmEmail ?? profile.email,
      customer_id: profile.customerId,
    }[key] as string;
    const row: RowInput = defined({
      rowNumber: 2,
      key: { name: key, value: keyValue },
      profile,
      tags: g.tags,
      custom: g.custom,
      warnings: [],
      line: uid === undefined ? undefined : { uid },
      edm: edmEmail === undefined ? undefined : { email: edmEmail, status: g.edmStatus },
      whatsapp: mobile === undefined ? undefined : { mobile, status: g.whatsappStatus },
    });
    return { channel: g.channel, row };
  });
