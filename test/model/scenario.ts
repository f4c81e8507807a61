/**
 * What the differential test generates: a small workspace, one or two files over a tiny identifier space
 * (so phones, emails, UIDs and customer_ids collide often), and how the pipeline is shaken while it runs
 * them (batch sizes, split invocations, redeliveries, duplicate deliveries, crashes).
 */
import fc from 'fast-check';
import type { Channel, Contact, EdmStatus, KeyName, WhatsappStatus } from '../../shared/domain/model.js';
import { EDM_STATUSES, GENDERS, WHATSAPP_STATUSES } from '../../shared/domain/model.js';
import { lineUid, TEMPLATES } from '../helpers/domain/factories.js';

export const PHONES = ['+886912345678', '+886922333444', '+886933444555'] as const;
/** The same numbers as a Taiwanese user types them. */
const NATIONAL = ['0912345678', '0922333444', '0933444555'] as const;
export const EMAILS = ['a@x.com', 'b@x.com', 'c@x.com'] as const;
export const UIDS = [lineUid(1), lineUid(2), lineUid(3)] as const;
export const CUSTOMER_IDS = ['C1', 'C2'] as const;
export const WHATSAPP_NUMBERS = [PHONES[0], PHONES[1]] as const;
const NAMES = ['Ann', 'Bob', 'Cy'] as const;
const TAG_CELLS = ['VIP', 'new', 'VIP,new'] as const;
const TAGS = ['VIP', 'new', 'old'] as const;

const ALLOWED_KEYS: Record<Channel, readonly KeyName[]> = {
  line: ['line_uid', 'phone', 'email', 'customer_id'],
  edm: ['email', 'customer_id', 'phone'],
  whatsapp: ['phone', 'customer_id', 'email'],
};

/** One CSV file of the scenario: its channel, Key Value, header (the channel's template) and cells. */
export interface FileSpec {
  readonly channel: Channel;
  readonly key: KeyName;
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

/** How the run is shaken. */
export interface DeliverySpec {
  /** Rows per batch message at most (small, so a file is cut into several batches). */
  readonly maxBatchRows: number;
  /** Records a splitter invocation reads before it continues in a new one; undefined: no continuation. */
  readonly recordsPerInvocation: number | undefined;
  /** Random choices consumed in order (cyclically) by the delivery. */
  readonly choices: readonly number[];
  readonly beforeWrite: readonly number[];
  readonly afterWrite: readonly number[];
  readonly beforeRecord: readonly number[];
  /** Messages processed again after they succeeded, at most. */
  readonly redeliveries: number;
  /** Messages delivered twice at the same moment, at most. */
  readonly duplicates: number;
}

export interface Scenario {
  /** Stored before the imports, without workspace (the run gives one). */
  readonly stored: readonly Omit<Contact, 'workspace'>[];
  readonly files: readonly FileSpec[];
  readonly delivery: DeliverySpec;
}

const blankOr = (values: readonly string[], blankWeight = 2) =>
  fc.oneof(
    { arbitrary: fc.constant(''), weight: blankWeight },
    { arbitrary: fc.constantFrom(...values), weight: 3 },
  );

/** A phone cell: the number in E.164 or national form. */
const phoneCell = fc.oneof(
  { arbitrary: fc.constant(''), weight: 2 },
  { arbitrary: fc.constantFrom(...PHONES), weight: 2 },
  { arbitrary: fc.constantFrom(...NATIONAL), weight: 1 },
);
const emailCell = fc.oneof(
  { arbitrary: fc.constant(''), weight: 2 },
  { arbitrary: fc.constantFrom(...EMAILS), weight: 3 },
  { arbitrary: fc.constant('A@X.com'), weight: 1 },
);

const CELLS: Record<Channel, Record<string, fc.Arbitrary<string>>> = {
  line: {
    line_uid: blankOr(UIDS),
    phone: phoneCell,
    customer_id: blankOr(CUSTOMER_IDS),
    name: blankOr(NAMES),
    email: emailCell,
    note: blankOr(['n1', 'n2']),
    tags: blankOr(TAG_CELLS),
  },
  edm: {
    email: blankOr(EMAILS, 0),
    messaging_status: fc.oneof(
      { arbitrary: fc.constantFrom(...EDM_STATUSES), weight: 12 },
      { arbitrary: fc.constantFrom('', 'bogus'), weight: 1 },
    ),
    display_name: blankOr(NAMES),
    gender: blankOr(GENDERS),
    customer_id: blankOr(CUSTOMER_IDS),
    mobile: phoneCell,
    birthday: blankOr(['1990-01-01', '1985-12-31']),
    tag: blankOr(TAG_CELLS),
    consent_source: blankOr(['web', 'shop']),
    consent_at: blankOr(['2024-01-02 10:00:00']),
  },
  whatsapp: {
    WhatsApp_mobile: blankOr(WHATSAPP_NUMBERS, 0),
    messaging_status: fc.oneof(
      { arbitrary: fc.constantFrom(...WHATSAPP_STATUSES), weight: 12 },
      { arbitrary: fc.constant(''), weight: 1 },
    ),
    display_name: blankOr(NAMES),
    gender: blankOr(GENDERS),
    customer_id: blankOr(CUSTOMER_IDS),
    email: emailCell,
    birthday: blankOr(['1990-01-01', '1985-12-31']),
    tag: blankOr(TAG_CELLS),
  },
};

/** The key's own column, filled far more often than other cells (a blank key fails the row). */
const KEY_CELLS: Record<Channel, Record<string, fc.Arbitrary<string>>> = {
  line: {
    line_uid: blankOr(UIDS, 0),
    phone: fc.constantFrom(...PHONES, NATIONAL[0]),
    email: fc.constantFrom(...EMAILS),
    customer_id: fc.constantFrom(...CUSTOMER_IDS),
  },
  edm: {
    email: CELLS.edm.email as fc.Arbitrary<string>,
    customer_id: fc.constantFrom(...CUSTOMER_IDS),
    mobile: fc.constantFrom(...PHONES),
  },
  whatsapp: {
    WhatsApp_mobile: CELLS.whatsapp.WhatsApp_mobile as fc.Arbitrary<string>,
    customer_id: fc.constantFrom(...CUSTOMER_IDS),
    email: fc.constantFrom(...EMAILS),
  },
};

const KEY_COLUMN: Record<Channel, Partial<Record<KeyName, string>>> = {
  line: { line_uid: 'line_uid', phone: 'phone', email: 'email', customer_id: 'customer_id' },
  edm: { email: 'email', customer_id: 'customer_id', phone: 'mobile' },
  whatsapp: { phone: 'WhatsApp_mobile', customer_id: 'customer_id', email: 'email' },
};

function rowOf(channel: Channel, key: KeyName): fc.Arbitrary<string[]> {
  const header = TEMPLATES[channel] as readonly string[];
  const keyColumn = KEY_COLUMN[channel][key] as string;
  const cells = header.map((column) =>
    column === keyColumn
      ? fc.oneof(
          { arbitrary: KEY_CELLS[channel][column] as fc.Arbitrary<string>, weight: 15 },
          { arbitrary: fc.constant(''), weight: 1 },
        )
      : (CELLS[channel][column] as fc.Arbitrary<string>),
  );
  return fc.tuple(...cells);
}

/** A file of one channel, any allowed Key Value, up to `maxRows` rows. */
export function fileSpec(maxRows: number): fc.Arbitrary<FileSpec> {
  return fc
    .constantFrom<Channel>('line', 'edm', 'whatsapp')
    .chain((channel) => fc.constantFrom(...ALLOWED_KEYS[channel]).map((key) => ({ channel, key })))
    .chain(({ channel, key }) =>
      fc.array(rowOf(channel, key), { minLength: 1, maxLength: maxRows }).map((rows) => ({
        channel,
        key,
        header: TEMPLATES[channel],
        rows,
      })),
    );
}

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 });

const storedFields = fc.record({
  name: maybe(fc.constantFrom(...NAMES)),
  email: maybe(fc.constantFrom(...EMAILS)),
  phone: maybe(fc.constantFrom(...PHONES)),
  customerId: maybe(fc.constantFrom(...CUSTOMER_IDS)),
  note: maybe(fc.constant('seed')),
  tags: fc.uniqueArray(fc.constantFrom(...TAGS), { maxLength: 2 }),
  line: maybe(fc.constantFrom(...UIDS)),
  edm: maybe(fc.tuple(fc.constantFrom(...EMAILS), fc.constantFrom(...EDM_STATUSES))),
  whatsapp: maybe(fc.tuple(fc.constantFrom(...WHATSAPP_NUMBERS), fc.constantFrom(...WHATSAPP_STATUSES))),
});

function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Up to `max` stored contacts, as the store keeps them: channel primary keys unique, an EDM contact's
 * email its address, a WhatsApp contact's phone its number, distinct creation times.
 */
export function storedContacts(max: number): fc.Arbitrary<Omit<Contact, 'workspace'>[]> {
  return fc.array(storedFields, { maxLength: max }).map((all) => {
    const claimed = new Set<string>();
    const claim = (key: string | undefined) =>
      key !== undefined && !claimed.has(key) && claimed.add(key) && true;
    return all.map((f, index) => {
      const uid = claim(f.line && `line#${f.line}`) ? f.line : undefined;
      const edm = claim(f.edm && `edm#${f.edm[0]}`) ? f.edm : undefined;
      const whatsapp = claim(f.whatsapp && `wa#${f.whatsapp[0]}`) ? f.whatsapp : undefined;
      return defined<Omit<Contact, 'workspace'>>({
        contactId: `c-seed-${index}`,
        createdAt: `2024-01-0${index + 1}T00:00:00.000Z`,
        createdBy: 'seed',
        version: 0,
        name: f.name,
        email: edm ? edm[0] : f.email,
        phone: whatsapp ? whatsapp[0] : f.phone,
        customerId: f.customerId,
        note: f.note,
        tags: f.tags,
        custom: {},
        line: uid === undefined ? undefined : { uid },
        edm: edm && { email: edm[0], status: edm[1] as EdmStatus },
        whatsapp: whatsapp && { mobile: whatsapp[0], status: whatsapp[1] as WhatsappStatus },
      });
    });
  });
}

const writeIndices = fc.uniqueArray(fc.integer({ min: 1, max: 14 }), { maxLength: 2 });

export const deliverySpec: fc.Arbitrary<DeliverySpec> = fc.record({
  maxBatchRows: fc.integer({ min: 1, max: 4 }),
  recordsPerInvocation: fc.option(fc.integer({ min: 2, max: 6 }), { nil: undefined }),
  choices: fc.array(fc.nat(99), { minLength: 24, maxLength: 24 }),
  beforeWrite: writeIndices,
  afterWrite: writeIndices,
  beforeRecord: fc.uniqueArray(fc.integer({ min: 1, max: 8 }), { maxLength: 1 }),
  redeliveries: fc.integer({ min: 0, max: 2 }),
  duplicates: fc.integer({ min: 0, max: 2 }),
});

/** One file of up to `maxRows` rows over up to four stored contacts. */
export function oneImport(maxRows = 12): fc.Arbitrary<Scenario> {
  return fc.record({ stored: storedContacts(4), files: fc.tuple(fileSpec(maxRows)), delivery: deliverySpec });
}

/** Two files of one workspace imported at once. */
export function twoImports(maxRows = 6): fc.Arbitrary<Scenario> {
  return fc.record({
    stored: storedContacts(3),
    files: fc.tuple(fileSpec(maxRows), fileSpec(maxRows)),
    delivery: deliverySpec,
  });
}

/** The CSV text of a file: every cell quoted, CRLF line ends. */
export function csvOf(file: FileSpec): string {
  const line = (cells: readonly string[]) => cells.map((c) => `"${c.replaceAll('"', '""')}"`).join(',');
  return `${[file.header, ...file.rows].map(line).join('\r\n')}\r\n`;
}
