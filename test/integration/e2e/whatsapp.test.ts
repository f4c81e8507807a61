import { describe, expect, it } from 'vitest';
import { issue } from '../../../shared/domain/codes.js';
import { WHATSAPP_STATUSES } from '../../../shared/domain/model.js';
import { expectOneNotification, expectRowsAddUp, profiles } from '../../helpers/e2e/expect.js';
import { usePipeline } from '../../helpers/e2e/pipeline.js';

const pipeline = usePipeline();
const COLUMNS = 'WhatsApp_mobile,messaging_status,display_name,gender,tag';
const HEADER = [...COLUMNS.split(','), 'row_number', 'error_code', 'error_message'];

describe('End to end: WhatsApp import keyed by phone', () => {
  it('skips rows without a status, fails invalid ones, and flags the workspace for risk acceptance', async () => {
    // Prepare
    const seeded = await pipeline.importLines('incoming/chat/whatsapp/phone/seed.csv', [
      'WhatsApp_mobile,messaging_status,display_name',
      '+886912000001,opted_in,Ann',
      '+886912000002,opted_in,Bo',
    ]);
    expectRowsAddUp(seeded, 2);
    expect(seeded.summary.flags.whatsappRiskAcceptanceRequired).toBe(false);
    expectOneNotification(await pipeline.notifications(), seeded, 'succeeded');

    // Act
    const result = await pipeline.importLines('incoming/chat/whatsapp/phone/mixed.csv', [
      COLUMNS,
      '+886912000001,opted_in,Ann,,', // unchanged
      '+886912000002,opted_out,Bo,male,', // updated
      '+886912000003,not_subscribed,Cy,,vip', // created
      '+886912000004,,Dee,,', // skipped: no status
      '0912000005,opted_in,Eve,,', // failed: WhatsApp numbers are strict E.164
      '+886912000007,subscribed,Gus,,', // failed: an EDM status
    ]);

    // Assess: counts, summary, flag
    expectRowsAddUp(result, 6);
    expect(result.summary.rows).toEqual({
      total: 6,
      created: 1,
      updated: 1,
      unchanged: 1,
      skipped: 1,
      failed: 2,
    });
    expect(result.summary).toMatchObject({
      channel: 'whatsapp',
      key: 'phone',
      warnings: {},
      flags: { whatsappRiskAcceptanceRequired: true },
    });
    expectOneNotification(await pipeline.notifications(), result, 'completed_with_errors');

    // Assess: every cell of both reports
    const skipped = issue('STATUS_BLANK_SKIPPED', { column: 'messaging_status' });
    const phone = issue('INVALID_PHONE', { column: 'WhatsApp_mobile', value: '0912000005' });
    const status = issue('INVALID_STATUS', {
      column: 'messaging_status',
      value: 'subscribed',
      allowed: WHATSAPP_STATUSES,
    });
    expect(result.failures).toEqual([
      HEADER,
      ["'+886912000004", '', 'Dee', '', '', '5', skipped.code, skipped.message],
      ['0912000005', 'opted_in', 'Eve', '', '', '6', phone.code, phone.message],
      ["'+886912000007", 'subscribed', 'Gus', '', '', '7', status.code, status.message],
    ]);
    expect(result.warnings).toEqual([HEADER]);

    // Assess: the contacts (the WhatsApp number is the phone)
    const whatsapp = (mobile: string, status: string) => ({ phone: mobile, whatsapp: { mobile, status } });
    expect(profiles(await pipeline.liveContacts('chat'))).toEqual([
      { version: 1, name: 'Ann', ...whatsapp('+886912000001', 'opted_in'), tags: [], custom: {} },
      {
        version: 2,
        name: 'Bo',
        gender: 'male',
        ...whatsapp('+886912000002', 'opted_out'),
        tags: [],
        custom: {},
      },
      { version: 1, name: 'Cy', ...whatsapp('+886912000003', 'not_subscribed'), tags: ['vip'], custom: {} },
    ]);
  });
});
