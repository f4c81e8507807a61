/**
 * Identity resolution end to end (issue 16): the six reproductions, through the real handlers on the
 * emulator, each asserting what an export shows, the counts and the report (RULES §4, §6, §7, §9).
 */
import type { SQSBatchResponse } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { SqsFunction } from '../../../infra/local/runner.js';
import { DynamoImportLedger } from '../../../shared/adapters/import-ledger.js';
import { issue } from '../../../shared/domain/codes.js';
import { LOCKED_EMAIL } from '../../../shared/domain/merge.js';
import type { FunctionName } from '../../../shared/resources.js';
import { expectOneNotification, expectRowsAddUp } from '../../helpers/e2e/expect.js';
import { exportedContacts, shown } from '../../helpers/e2e/exported.js';
import { type ImportResult, usePipeline } from '../../helpers/e2e/pipeline.js';
import { batchesOf, smallBatches } from '../../helpers/e2e/small-batches.js';

/** The workspace whose files are cut into batches of one row (RULES §9: file order across batches). */
const ONE_ROW_BATCHES = 'order';
/** The workspace whose batch messages are delivered twice at the same moment, once `twice.on`. */
const TWICE = 'twice';
const twice = { on: false, delivered: 0 };

/**
 * Delivers a batch of workspace TWICE to two processor invocations at the same moment, as two Lambda
 * containers would after an SQS redelivery. A message stays failed (and is retried) only when both
 * invocations failed it: the one that succeeded deletes it.
 */
function twoAtOnce(processor: SqsFunction): SqsFunction {
  return async (event, context) => {
    if (!twice.on || !event.Records.some((record) => record.body.includes(`"workspace":"${TWICE}"`))) {
      return processor(event, context);
    }
    twice.delivered += event.Records.length;
    const all = event.Records.map((record) => record.messageId);
    const failedBy = (settled: PromiseSettledResult<SQSBatchResponse | undefined>): Set<string> =>
      new Set(
        settled.status === 'rejected'
          ? all
          : (settled.value?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier),
      );
    const [first, second] = (
      await Promise.allSettled([processor(event, context), processor(event, context)])
    ).map(failedBy) as [Set<string>, Set<string>];
    return {
      batchItemFailures: all
        .filter((id) => first.has(id) && second.has(id))
        .map((itemIdentifier) => ({ itemIdentifier })),
    };
  };
}

function wrap(name: FunctionName, handler: SqsFunction): SqsFunction {
  if (name === 'splitter') return smallBatches(ONE_ROW_BATCHES, { maxBatchRows: 1 }, handler);
  if (name === 'processor') return twoAtOnce(handler);
  return handler;
}

const pipeline = usePipeline({ wrap });

const uid = (digit: string): string => `U${digit.repeat(32)}`;
const REPORT = ['row_number', 'error_code', 'error_message'];
/** A cell as the reports show it: neutralised against formula injection (RULES §7). */
const reported = (cell: string): string => (/^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell);

/** Imports a file and checks what every import keeps: its rows add up and one notification went out. */
async function importFile(path: string, lines: readonly string[]): Promise<ImportResult> {
  const result = await pipeline.importLines(path, lines);
  const outcome =
    result.summary.rows.failed + result.summary.rows.skipped > 0 ? 'completed_with_errors' : 'succeeded';
  expectRowsAddUp(result, lines.length - 1);
  expectOneNotification(await pipeline.notifications(), result, outcome);
  return result;
}

/** An exported contact's profile fields, null when never provided (as `export --format jsonl` shows them). */
const profile = (fields: Record<string, unknown>) => ({
  name: null,
  email: null,
  phone: null,
  customerId: null,
  note: null,
  tags: [],
  gender: null,
  birthday: null,
  custom: {},
  ...fields,
});
/** Orders exported contacts by a field, for contacts one import created (in whatever order it processed them). */
const by =
  (field: string) =>
  (a: Record<string, unknown>, b: Record<string, unknown>): number =>
    String(a[field]).localeCompare(String(b[field]));
const edm = (email: string, status: string) => ({ email, status, consentSource: null, consentAt: null });

describe('End to end: identity resolution (issue 16)', () => {
  it('1. creates a second contact for a family phone: a new EDM address never renames the first (RULES §6)', async () => {
    // Prepare: Mom, subscribed, with the family's mobile
    const header = 'email,messaging_status,display_name,mobile';
    await importFile('incoming/family/edm/email/mom.csv', [
      header,
      'mom@example.com,subscribed,Mom,0912000001',
    ]);
    const [mom] = await exportedContacts(pipeline, 'family');

    // Act: Kid, unsubscribed, with the same mobile
    const result = await importFile('incoming/family/edm/email/kid.csv', [
      header,
      'kid@example.com,unsubscribed,Kid,0912000001',
    ]);

    // Assess: Kid is created with its own address and its opt-out; Mom is untouched
    expect(result.summary.outcome).toBe('succeeded');
    expect(result.summary.rows).toEqual({
      total: 1,
      created: 1,
      updated: 0,
      unchanged: 0,
      skipped: 0,
      failed: 0,
    });
    expect(result.summary.warnings).toEqual({ MERGE_CONFLICT_CHANNEL_KEY: 1 });
    const kept = issue('MERGE_CONFLICT_CHANNEL_KEY', {
      found: [{ column: 'mobile', value: '+886912000001' }],
      field: LOCKED_EMAIL,
      created: true,
    });
    expect(result.failures).toEqual([[...header.split(','), ...REPORT]]);
    expect(result.warnings).toEqual([
      [...header.split(','), ...REPORT],
      ['kid@example.com', 'unsubscribed', 'Kid', '0912000001', '2', kept.code, kept.message],
    ]);
    const contacts = await exportedContacts(pipeline, 'family');
    expect(contacts).toHaveLength(2);
    expect(contacts[0]).toEqual(mom);
    expect(contacts.map(shown)).toEqual([
      profile({
        name: 'Mom',
        email: 'mom@example.com',
        phone: '+886912000001',
        edm: edm('mom@example.com', 'subscribed'),
      }),
      profile({
        name: 'Kid',
        email: 'kid@example.com',
        phone: '+886912000001',
        edm: edm('kid@example.com', 'unsubscribed'),
      }),
    ]);
  });

  /**
   * A second channel account sharing a value with the first: two contacts, and an import keyed by the shared
   * value updates the one created latest (RULES §4, §6).
   */
  const SHARED = [
    {
      what: 'a second LINE account sharing a phone',
      workspace: 'line-phone',
      path: 'line/line_uid',
      header: 'line_uid,phone,name',
      rows: [`${uid('1')},0912000002,One`, `${uid('2')},0912000002,Two`],
      shared: { column: 'phone', value: '+886912000002' },
      field: 'line_uid',
      byShared: { path: 'line/phone', header: 'phone,name', row: '0912000002,Latest', key: 'phone' },
      contacts: [
        profile({ name: 'One', phone: '+886912000002', line: { uid: uid('1') } }),
        profile({ name: 'Two', phone: '+886912000002', line: { uid: uid('2') } }),
      ],
    },
    {
      what: 'a second WhatsApp number sharing an email',
      workspace: 'whatsapp-email',
      path: 'whatsapp/phone',
      header: 'WhatsApp_mobile,messaging_status,email,display_name',
      rows: ['+886911000001,opted_in,e@example.com,One', '+886911000002,opted_in,e@example.com,Two'],
      shared: { column: 'email', value: 'e@example.com' },
      field: 'WhatsApp_mobile',
      byShared: { path: 'line/email', header: 'email,name', row: 'e@example.com,Latest', key: 'email' },
      contacts: [
        profile({
          name: 'One',
          email: 'e@example.com',
          phone: '+886911000001',
          whatsapp: { mobile: '+886911000001', status: 'opted_in' },
        }),
        profile({
          name: 'Two',
          email: 'e@example.com',
          phone: '+886911000002',
          whatsapp: { mobile: '+886911000002', status: 'opted_in' },
        }),
      ],
    },
    {
      what: 'a second LINE UID sharing a customer_id',
      workspace: 'uid-customer',
      path: 'line/line_uid',
      header: 'line_uid,customer_id,name',
      rows: [`${uid('3')},C-100,One`, `${uid('4')},C-100,Two`],
      shared: { column: 'customer_id', value: 'C-100' },
      field: 'line_uid',
      byShared: {
        path: 'line/customer_id',
        header: 'customer_id,name',
        row: 'C-100,Latest',
        key: 'customer_id',
      },
      contacts: [
        profile({ name: 'One', customerId: 'C-100', line: { uid: uid('3') } }),
        profile({ name: 'Two', customerId: 'C-100', line: { uid: uid('4') } }),
      ],
    },
  ];

  it.each(SHARED)('2. keeps $what apart, and the shared value then selects the latest created', async (c) => {
    // Prepare: the first account
    const dir = `incoming/${c.workspace}/${c.path}`;
    await importFile(`${dir}/first.csv`, [c.header, c.rows[0] as string]);

    // Act: the second account, then an import keyed by the value they share
    const second = await importFile(`${dir}/second.csv`, [c.header, c.rows[1] as string]);
    const [first] = await exportedContacts(pipeline, c.workspace);
    const latest = await importFile(`incoming/${c.workspace}/${c.byShared.path}/latest.csv`, [
      c.byShared.header,
      c.byShared.row,
    ]);

    // Assess: the second account created its own contact
    expect(second.summary.rows).toEqual({
      total: 1,
      created: 1,
      updated: 0,
      unchanged: 0,
      skipped: 0,
      failed: 0,
    });
    expect(second.summary.warnings).toEqual({ MERGE_CONFLICT_CHANNEL_KEY: 1 });
    const kept = issue('MERGE_CONFLICT_CHANNEL_KEY', { found: [c.shared], field: c.field, created: true });
    expect(second.warnings).toEqual([
      [...c.header.split(','), ...REPORT],
      [...(c.rows[1] as string).split(',').map(reported), '2', kept.code, kept.message],
    ]);

    // Assess: the import keyed by the shared value updated the latest created, and said so
    expect(latest.summary.rows).toEqual({
      total: 1,
      created: 0,
      updated: 1,
      unchanged: 0,
      skipped: 0,
      failed: 0,
    });
    expect(latest.summary.warnings).toEqual({ KEY_MATCHED_SEVERAL: 1 });
    const several = issue('KEY_MATCHED_SEVERAL', { key: c.byShared.key, value: c.shared.value, count: 2 });
    expect(latest.warnings).toEqual([
      [...c.byShared.header.split(','), ...REPORT],
      [...c.byShared.row.split(',').map(reported), '2', several.code, several.message],
    ]);
    const contacts = await exportedContacts(pipeline, c.workspace);
    expect(contacts[0]).toEqual(first);
    expect(contacts.map(shown)).toEqual([c.contacts[0], { ...c.contacts[1], name: 'Latest' }]);
  });

  it('3. updates the latest holder of the key value, whatever line_uid the row carries (RULES §4)', async () => {
    // Prepare: two holders of one phone, the older with UID 5, the newer with UID 6, from two imports
    const header = 'line_uid,phone,name';
    await importFile('incoming/key-decides/line/line_uid/older.csv', [
      header,
      `${uid('5')},0912000003,Older`,
    ]);
    await importFile('incoming/key-decides/line/line_uid/newer.csv', [
      header,
      `${uid('6')},0912000003,Newer`,
    ]);

    // Act: keyed by the phone, carrying the older holder's UID
    const result = await importFile('incoming/key-decides/line/phone/a.csv', [
      'phone,line_uid,name',
      `0912000003,${uid('5')},Renamed`,
    ]);

    // Assess: the newer holder took the name; the UID it carried stayed on the older one
    expect(result.summary.rows).toEqual({
      total: 1,
      created: 0,
      updated: 1,
      unchanged: 0,
      skipped: 0,
      failed: 0,
    });
    expect(result.summary.warnings).toEqual({ KEY_MATCHED_SEVERAL: 1, CHANNEL_KEY_IGNORED: 1 });
    const several = issue('KEY_MATCHED_SEVERAL', { key: 'phone', value: '+886912000003', count: 2 });
    const ignored = issue('CHANNEL_KEY_IGNORED', { column: 'line_uid', value: uid('5'), held: 'differs' });
    expect(result.warnings).toEqual([
      ['phone', 'line_uid', 'name', ...REPORT],
      [
        '0912000003',
        uid('5'),
        'Renamed',
        '2',
        [several.code, ignored.code].join('; '),
        [several.message, ignored.message].join('; '),
      ],
    ]);
    expect((await exportedContacts(pipeline, 'key-decides')).map(shown)).toEqual([
      profile({ name: 'Older', phone: '+886912000003', line: { uid: uid('5') } }),
      profile({ name: 'Renamed', phone: '+886912000003', line: { uid: uid('6') } }),
    ]);
  });

  it('4. ends every pair of linked rows as its later row, though each row travels in its own batch (RULES §9)', async () => {
    // Prepare: 8 pairs; the rows of pair i (rows i and i + 8 of the file) have different phones, one email
    const pairs = Array.from({ length: 8 }, (_, i) => ({
      email: `pair${i}@example.com`,
      early: { phone: `091230000${i}`, name: `Early ${i}` },
      late: { phone: `091231000${i}`, name: `Late ${i}` },
    }));
    const lines = [
      'phone,email,name',
      ...pairs.map((p) => `${p.early.phone},${p.email},${p.early.name}`),
      ...pairs.map((p) => `${p.late.phone},${p.email},${p.late.name}`),
    ];

    // Act
    const upload = await pipeline.upload(
      `incoming/${ONE_ROW_BATCHES}/line/phone/pairs.csv`,
      lines.map((line) => `${line}\n`).join(''),
    );
    const result = await pipeline.result(upload);

    // Assess: the rows of every pair did travel in different batches
    const batches = await batchesOf(pipeline.store, ONE_ROW_BATCHES, upload.importId);
    const batchOf = (rowNumber: number) => batches.find((b) => b.rowNumbers.includes(rowNumber))?.batchNo;
    expect(batches).toHaveLength(16);
    for (let i = 0; i < 8; i++) expect(batchOf(i + 2)).not.toBe(batchOf(i + 10));

    // Assess: each later row found its pair's contact through the email and updated it
    expectRowsAddUp(result, 16);
    expectOneNotification(await pipeline.notifications(), result, 'succeeded');
    expect(result.summary.rows).toEqual({
      total: 16,
      created: 8,
      updated: 8,
      unchanged: 0,
      skipped: 0,
      failed: 0,
    });
    expect(result.summary.warnings).toEqual({});
    expect(result.failures).toEqual([['phone', 'email', 'name', ...REPORT]]);
    expect(result.warnings).toEqual([['phone', 'email', 'name', ...REPORT]]);
    expect((await exportedContacts(pipeline, ONE_ROW_BATCHES)).map(shown).sort(by('email'))).toEqual(
      pairs.map((p) => profile({ name: p.late.name, email: p.email, phone: `+886${p.late.phone.slice(1)}` })),
    );
  });

  it("5. merges into the earliest created, the row's cells first, then the key's contact's, then the others' (RULES §6)", async () => {
    // Prepare: X (LINE, with a note) created first; K (EDM, customer_id, gender) created second
    await importFile('incoming/precedence/line/line_uid/x.csv', [
      'line_uid,name,note,tags',
      `${uid('7')},X,x-note,from-x`,
    ]);
    await importFile('incoming/precedence/edm/email/k.csv', [
      'email,messaging_status,display_name,gender,customer_id,tag',
      'k@example.com,subscribed,K,female,C-500,from-k',
    ]);
    const [x] = await exportedContacts(pipeline, 'precedence');

    // Act: keyed by K's customer_id, carrying X's UID and a blank name
    const result = await importFile('incoming/precedence/line/customer_id/a.csv', [
      'customer_id,line_uid,name',
      `C-500,${uid('7')},`,
    ]);

    // Assess: one contact, X's id, K's name over X's, X's note where K has none
    expect(result.summary.rows).toEqual({
      total: 1,
      created: 0,
      updated: 1,
      unchanged: 0,
      skipped: 0,
      failed: 0,
    });
    expect(result.summary.warnings).toEqual({ CONTACTS_MERGED: 1 });
    const merged = issue('CONTACTS_MERGED', { count: 2, found: [{ column: 'line_uid', value: uid('7') }] });
    expect(result.warnings).toEqual([
      ['customer_id', 'line_uid', 'name', ...REPORT],
      ['C-500', uid('7'), '', '2', merged.code, merged.message],
    ]);
    const contacts = await exportedContacts(pipeline, 'precedence');
    expect(contacts.map((c) => c.contactId)).toEqual([x?.contactId]);
    const [one] = contacts;
    expect({ ...shown(one), tags: [...((one?.tags as string[]) ?? [])].sort() }).toEqual(
      profile({
        name: 'K',
        email: 'k@example.com',
        customerId: 'C-500',
        note: 'x-note',
        gender: 'female',
        tags: ['from-k', 'from-x'],
        line: { uid: uid('7') },
        edm: edm('k@example.com', 'subscribed'),
      }),
    );
  });

  it('6. counts every row once when each batch is delivered twice at the same moment (RULES §7)', async () => {
    // Prepare: three contacts, from an earlier import; from now on every batch is delivered twice
    await importFile(`incoming/${TWICE}/line/phone/seed.csv`, [
      'phone,name,tags',
      '0912000101,Ann,vip',
      '0912000102,Bo,',
      '0912000103,Cy,',
    ]);
    twice.on = true;

    // Act
    const result = await importFile(`incoming/${TWICE}/line/phone/a.csv`, [
      'phone,name,tags',
      '0912000101,Ann,vip', // unchanged
      '0912000102,Bob,', // updated
      '0912000103,Cy,new', // updated
      '0912000104,Dee,', // created
      '0912000105,Eve,', // created
      '912000106,Fay,', // created, with a warning: the leading zero was lost
      '0912000107,Gus,', // created
      '0912,Hal,', // failed: not a phone number
      '0912000109,Ivy,', // created
      '0912000110,Jo,', // created
    ]);

    // Assess: batches were delivered twice, and the job, the summary and the report agree
    expect(twice.delivered).toBeGreaterThan(0);
    const rows = { total: 10, created: 6, updated: 2, unchanged: 1, skipped: 0, failed: 1 };
    expect(result.summary.rows).toEqual(rows);
    const job = await new DynamoImportLedger(
      pipeline.env.clients.dynamodb,
      pipeline.env.provisioned.tables.imports,
    ).getJob(TWICE, result.summary.importId);
    const { total: _total, ...counts } = rows;
    expect(job?.counts).toEqual(counts);
    expect(result.summary.warnings).toEqual({ LEADING_ZERO_RECOVERED: 1 });
    const invalid = issue('INVALID_PHONE', { column: 'phone', value: '0912', region: 'TW' });
    const zero = issue('LEADING_ZERO_RECOVERED', {
      column: 'phone',
      value: '912000106',
      normalised: '+886912000106',
    });
    expect(result.failures).toEqual([
      ['phone', 'name', 'tags', ...REPORT],
      ['0912', 'Hal', '', '9', invalid.code, invalid.message],
    ]);
    expect(result.warnings).toEqual([
      ['phone', 'name', 'tags', ...REPORT],
      ['912000106', 'Fay', '', '7', zero.code, zero.message],
    ]);

    // Assess: every contact is right, and each was written once per change
    expect((await exportedContacts(pipeline, TWICE)).map(shown).sort(by('name'))).toEqual([
      profile({ name: 'Ann', phone: '+886912000101', tags: ['vip'] }),
      profile({ name: 'Bob', phone: '+886912000102' }),
      profile({ name: 'Cy', phone: '+886912000103', tags: ['new'] }),
      ...[
        ['Dee', '04'],
        ['Eve', '05'],
        ['Fay', '06'],
        ['Gus', '07'],
        ['Ivy', '09'],
        ['Jo', '10'],
      ].map(([name, n]) => profile({ name, phone: `+8869120001${n}` })),
    ]);
    const versions = (await pipeline.liveContacts(TWICE)).map((c) => [c.name, c.version]);
    expect(versions.sort()).toEqual([
      ['Ann', 1],
      ['Bob', 2],
      ['Cy', 2],
      ['Dee', 1],
      ['Eve', 1],
      ['Fay', 1],
      ['Gus', 1],
      ['Ivy', 1],
      ['Jo', 1],
    ]);
  });
});
