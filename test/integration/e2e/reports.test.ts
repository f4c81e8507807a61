import { stringify } from 'csv-stringify/sync';
import { describe, expect, it } from 'vitest';
import { issue } from '../../../shared/domain/codes.js';
import { expectOneNotification, expectRowsAddUp, profiles } from '../../helpers/e2e/expect.js';
import { usePipeline } from '../../helpers/e2e/pipeline.js';

const pipeline = usePipeline();

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
