import { describe, expect, it } from 'vitest';
import { issue } from '../../../shared/domain/codes.js';
import { expectOneNotification, expectRowsAddUp, profiles } from '../../helpers/e2e/expect.js';
import { usePipeline } from '../../helpers/e2e/pipeline.js';

const pipeline = usePipeline();
const HEADER = ['phone', 'name', 'tags', 'nickname', 'note', 'row_number', 'error_code', 'error_message'];

describe('End to end: LINE import keyed by phone', () => {
  it('creates, updates, leaves unchanged and fails rows, and reports every one of them', async () => {
    // Prepare: three existing contacts, from an earlier import
    const seeded = await pipeline.importLines('incoming/acme/line/phone/seed.csv', [
      'phone,name,email,tags,note',
      '0912000001,Ann,ann@example.com,vip,',
      '0912000002,Bo,,,',
      '0912000003,Cy,,"a,b",hello',
    ]);
    expectRowsAddUp(seeded, 3);
    expect(seeded.summary.rows).toMatchObject({ created: 3 });
    expectOneNotification(await pipeline.notifications(), seeded, 'succeeded');

    // Act
    const result = await pipeline.importLines('incoming/acme/line/phone/mixed.csv', [
      'phone,name,tags,nickname,note',
      '0912000001,Ann,vip,Annie,', // unchanged: the same name, a tag it has, a blank note
      '0912000002,Bob,new,,', // updated: renamed, a tag added
      '0912000004,Dee,,,', // created
      ',Eve,,,', // failed: no key
      '0912,Fay,,,', // failed: not a phone number
      '912000003,Cy,,,hello', // unchanged, with a warning: the leading zero was lost
      '=cmd(),x,,,', // failed, and neutralised in the report
    ]);

    // Assess: the counts and the summary
    expectRowsAddUp(result, 7);
    expect(result.summary.rows).toEqual({
      total: 7,
      created: 1,
      updated: 1,
      unchanged: 2,
      skipped: 0,
      failed: 3,
    });
    expect(result.summary).toMatchObject({
      channel: 'line',
      key: 'phone',
      encoding: 'UTF-8',
      delimiter: ',',
      skippedColumns: [{ name: 'nickname' }],
      warnings: { LEADING_ZERO_RECOVERED: 1 },
      flags: { whatsappRiskAcceptanceRequired: false },
      sweep: null,
    });
    expectOneNotification(await pipeline.notifications(), result, 'completed_with_errors');

    // Assess: every cell of both reports
    const keyEmpty = issue('KEY_EMPTY', { column: 'phone' });
    const invalid = (value: string) => issue('INVALID_PHONE', { column: 'phone', value, region: 'TW' });
    expect(result.failures).toEqual([
      HEADER,
      ['', 'Eve', '', '', '', '5', keyEmpty.code, keyEmpty.message],
      ['0912', 'Fay', '', '', '', '6', 'INVALID_PHONE', invalid('0912').message],
      ["'=cmd()", 'x', '', '', '', '8', 'INVALID_PHONE', invalid('=cmd()').message],
    ]);
    const zero = issue('LEADING_ZERO_RECOVERED', {
      column: 'phone',
      value: '912000003',
      normalised: '+886912000003',
    });
    expect(result.warnings).toEqual([
      HEADER,
      ['912000003', 'Cy', '', '', 'hello', '7', zero.code, zero.message],
    ]);

    // Assess: the contacts
    expect(profiles(await pipeline.liveContacts('acme'))).toEqual([
      {
        version: 1,
        name: 'Ann',
        phone: '+886912000001',
        email: 'ann@example.com',
        tags: ['vip'],
        custom: {},
      },
      { version: 2, name: 'Bob', phone: '+886912000002', tags: ['new'], custom: {} },
      { version: 1, name: 'Cy', phone: '+886912000003', note: 'hello', tags: ['a', 'b'], custom: {} },
      { version: 1, name: 'Dee', phone: '+886912000004', tags: [], custom: {} },
    ]);
  });
});
