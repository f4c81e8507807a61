import { stringify } from 'csv-stringify/sync';
import { describe, expect, it } from 'vitest';
import { issue, kindOf } from '../../../shared/domain/codes.js';
import { expectOneNotification, expectRowsAddUp, profiles } from '../../helpers/e2e/expect.js';
import { usePipeline } from '../../helpers/e2e/pipeline.js';

const pipeline = usePipeline();

/** How often each code appears in the `error_code` cells of a report (the header first), by its kind. */
function codesIn(report: readonly string[][], wanted: (kind: string | undefined) => boolean) {
  const at = report[0]?.indexOf('error_code') ?? -1;
  const counts: Record<string, number> = {};
  for (const line of report.slice(1)) {
    for (const code of (line[at] ?? '').split('; ')) {
      if (wanted(kindOf(code))) counts[code] = (counts[code] ?? 0) + 1;
    }
  }
  return counts;
}

describe('End to end: rejected files and reports', () => {
  it('rejects an EDM file without messaging_status: no contact, empty reports, one rejected notification', async () => {
    // Act
    const upload = await pipeline.upload(
      'incoming/shop/edm/email/no-status.csv',
      'email,display_name,tag\nyuting.chang@example.com,張雨婷,電子報\n',
    );
    const result = await pipeline.result(upload);

    // Assess
    expect(result.summary.rejection?.code).toBe('MISSING_REQUIRED_COLUMN');
    expect(result.summary.rejection?.message).toContain('"messaging_status"');
    expect(result.summary.rows).toEqual({
      total: 0,
      created: 0,
      updated: 0,
      unchanged: 0,
      skipped: 0,
      failed: 0,
    });
    // No row: only a header (the file's own columns when the splitter recorded them, then the report's).
    for (const report of [result.failures, result.warnings]) {
      expect(report).toHaveLength(1);
      expect(report[0]?.slice(-3)).toEqual(['row_number', 'error_code', 'error_message']);
    }
    expectOneNotification(await pipeline.notifications(), result, 'rejected');
    expect(await pipeline.liveContacts('shop')).toEqual([]);
  });

  it('rejects a file whose key names no channel, and still notifies (channel "none")', async () => {
    // Act
    const upload = await pipeline.upload('incoming/shop/sms/phone/a.csv', 'phone\n0912345678\n');
    const result = await pipeline.result(upload);

    // Assess
    expect(result.summary).toMatchObject({ channel: null, outcome: 'rejected' });
    expect(result.summary.rejection?.code).toMatch(/CHANNEL/);
    expectOneNotification(await pipeline.notifications(), result, 'rejected');
  });

  it('imports a failures report as is once its rows are fixed: the report columns are ignored', async () => {
    // Prepare: an import with two failed rows, and its report
    const first = await pipeline.result(
      await pipeline.upload(
        'incoming/fix/line/phone/a.csv',
        'phone,name,tags\n0912000001,Ann,vip\n,Bo,new\n0912,Cy,\n',
      ),
    );
    expect(first.summary.rows).toMatchObject({ created: 1, failed: 2 });
    expectOneNotification(await pipeline.notifications(), first, 'completed_with_errors');

    // Act: the operator fills in the phone numbers and uploads the report itself
    const [header, ...rows] = first.failures;
    const fixed = rows.map(([, ...rest], i) => [`091200000${i + 2}`, ...rest]);
    const upload = await pipeline.upload(
      'incoming/fix/line/phone/failures-fixed.csv',
      stringify([header, ...fixed], { bom: true }),
    );
    const result = await pipeline.result(upload);

    // Assess
    expectRowsAddUp(result, 2);
    expect(result.summary.rows).toMatchObject({ created: 2 });
    expect(result.summary.skippedColumns).toEqual([]);
    expectOneNotification(await pipeline.notifications(), result, 'succeeded');
    expect(profiles(await pipeline.liveContacts('fix')).map((c) => [c.name, c.phone, c.tags])).toEqual([
      ['Ann', '+886912000001', ['vip']],
      ['Bo', '+886912000002', ['new']],
      ['Cy', '+886912000003', []],
    ]);
  });

  it('imports a fixed WhatsApp report as is: the formula guard on +886 numbers comes off again', async () => {
    // Prepare: one row fails; its number starts with + and is guarded with ' in the report
    const first = await pipeline.result(
      await pipeline.upload(
        'incoming/guard/whatsapp/phone/a.csv',
        'WhatsApp_mobile,messaging_status,display_name\n+886912000001,opted_in,Ann\n+886912000002,maybe,Bo\n',
      ),
    );
    expectOneNotification(await pipeline.notifications(), first, 'completed_with_errors');
    const [header, row] = first.failures;
    expect(row?.slice(0, 3)).toEqual(["'+886912000002", 'maybe', 'Bo']);

    // Act: the operator fixes the status and uploads the report itself
    const fixed = [header, ["'+886912000002", 'opted_in', ...(row?.slice(2) ?? [])]];
    const result = await pipeline.result(
      await pipeline.upload(
        'incoming/guard/whatsapp/phone/failures-fixed.csv',
        stringify(fixed as string[][], { bom: true }),
      ),
    );

    // Assess
    expectRowsAddUp(result, 1);
    expect(result.summary.rows).toMatchObject({ created: 1, failed: 0 });
    expectOneNotification(await pipeline.notifications(), result, 'succeeded');
    expect(profiles(await pipeline.liveContacts('guard')).map((c) => [c.name, c.phone])).toEqual([
      ['Ann', '+886912000001'],
      ['Bo', '+886912000002'],
    ]);
  });

  it('reports every problem of a row in one failures.csv line, and a fixed report imports again (RULES §7)', async () => {
    // Act: one row with a bad LINE UID, a bad phone and a bad email
    const result = await pipeline.importLines('incoming/all/line/phone/a.csv', [
      'line_uid,phone,name,email',
      'U123,0812,Di,di@',
    ]);

    // Assess: one line, the codes and the messages joined in column order; each code counted
    expectRowsAddUp(result, 1);
    const why = [
      issue('INVALID_LINE_UID', { column: 'line_uid', value: 'U123' }),
      issue('INVALID_PHONE', { column: 'phone', value: '0812', region: 'TW' }),
      issue('INVALID_EMAIL', { column: 'email', value: 'di@' }),
    ];
    expect(result.failures.slice(1)).toEqual([
      [
        'U123',
        '0812',
        'Di',
        'di@',
        '2',
        why.map((w) => w.code).join('; '),
        why.map((w) => w.message).join('; '),
      ],
    ]);
    expect(result.summary.errors).toEqual({ INVALID_LINE_UID: 1, INVALID_PHONE: 1, INVALID_EMAIL: 1 });
    expectOneNotification(await pipeline.notifications(), result, 'completed_with_errors');

    // Act: the operator fixes the three cells in the report and uploads it as is
    const [header, row] = result.failures;
    const fixed = [
      header,
      ['U4af4980629a0b0c5e2f0e4c1d2b3a4f5', '0912000001', 'Di', 'di@example.com', ...(row?.slice(4) ?? [])],
    ];
    const again = await pipeline.result(
      await pipeline.upload(
        'incoming/all/line/phone/failures-fixed.csv',
        stringify(fixed as string[][], { bom: true }),
      ),
    );

    // Assess
    expectRowsAddUp(again, 1);
    expect(again.summary.rows).toMatchObject({ created: 1 });
    expect(again.summary.skippedColumns).toEqual([]);
    expect(again.summary.errors).toEqual({});
    expectOneNotification(await pipeline.notifications(), again, 'succeeded');
    expect(profiles(await pipeline.liveContacts('all')).map((c) => [c.name, c.phone, c.email])).toEqual([
      ['Di', '+886912000001', 'di@example.com'],
    ]);
  });

  it("counts exactly the warnings the files show: a failed row's warnings are in failures.csv (RULES §7)", async () => {
    // Prepare: an unsubscribed contact, so that a row asking to subscribe it again warns in the processor
    await pipeline.importLines('incoming/shown/edm/email/seed.csv', [
      'email,messaging_status',
      'eve@example.com,unsubscribed',
    ]);
    await pipeline.notifications();

    // Act: clean, warned (splitter and processor), failed-with-warning and failed-with-errors-and-warning rows
    const result = await pipeline.importLines('incoming/shown/edm/email/a.csv', [
      'email,messaging_status,display_name,gender,mobile',
      'ann@example.com,subscribed,Ann,,0912000001', // created
      'bo@example.com,subscribed,Bo,,912000002', // created, LEADING_ZERO_RECOVERED
      'eve@example.com,subscribed,Eve,,', // updated, STATUS_IRREVERSIBLE
      'cy@example.com,subscribed,Cy,other,912000003', // failed: gender; LEADING_ZERO_RECOVERED
      'di@,maybe,Di,,912000004', // failed: email and status; LEADING_ZERO_RECOVERED
    ]);

    // Assess: the warnings of the failed rows are in failures.csv, after their errors
    expectRowsAddUp(result, 5);
    expect(result.failures.slice(1).map((line) => line.slice(-3, -1))).toEqual([
      ['5', 'INVALID_GENDER; LEADING_ZERO_RECOVERED'],
      ['6', 'INVALID_EMAIL; INVALID_STATUS; LEADING_ZERO_RECOVERED'],
    ]);
    expect(result.failures[1]?.at(-1)).toMatch(
      /; Warning: "912000003" in column "mobile" had lost its leading 0/,
    );

    // Assess: every warning the summary counts is in one of the two files, and every error in failures.csv
    const isWarning = (kind: string | undefined) => kind === 'warning';
    const shown = codesIn(result.failures, isWarning);
    for (const [code, n] of Object.entries(codesIn(result.warnings, isWarning))) {
      shown[code] = (shown[code] ?? 0) + n;
    }
    expect(shown).toEqual({ LEADING_ZERO_RECOVERED: 3, STATUS_IRREVERSIBLE: 1 });
    expect(result.summary.warnings).toEqual(shown);
    expect(result.summary.errors).toEqual(codesIn(result.failures, (kind) => !isWarning(kind)));
    expect(result.summary.errors).toEqual({ INVALID_GENDER: 1, INVALID_EMAIL: 1, INVALID_STATUS: 1 });
    expectOneNotification(await pipeline.notifications(), result, 'completed_with_errors');
  });

  it('lists the failed rows of every batch, from the splitter and the processors, in file order', async () => {
    // Prepare: customer_id never creates, so every row fails: in the processors (spread over every
    // partition) when the id is unknown, in the splitter when it is blank (every 7th row)
    const numbers = Array.from({ length: 150 }, (_, i) => i + 2);
    const cells = (r: number) => [r % 7 === 0 ? '' : `C${r}`, `Name ${r}`];
    const lines = numbers.map((r) => cells(r).join(','));

    // Act
    const upload = await pipeline.upload(
      'incoming/many/line/customer_id/a.csv',
      `customer_id,name\n${lines.join('\n')}\n`,
    );
    const result = await pipeline.result(upload);

    // Assess
    expectRowsAddUp(result, 150);
    expect(result.summary.rows.failed).toBe(150);
    const empty = issue('KEY_EMPTY', { column: 'customer_id' });
    expect(result.failures.slice(1)).toEqual(
      numbers.map((r) => {
        const why =
          r % 7 === 0
            ? empty
            : issue('CUSTOMER_ID_NOT_FOUND', { value: `C${r}`, keys: ['line_uid', 'phone', 'email'] });
        return [...cells(r), String(r), why.code, why.message];
      }),
    );
    expectOneNotification(await pipeline.notifications(), result, 'completed_with_errors');
  });
});
