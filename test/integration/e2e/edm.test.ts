import { describe, expect, it } from 'vitest';
import { issue } from '../../../shared/domain/codes.js';
import { EDM_STATUSES } from '../../../shared/domain/model.js';
import { expectOneNotification, expectRowsAddUp, profiles } from '../../helpers/e2e/expect.js';
import { usePipeline } from '../../helpers/e2e/pipeline.js';

const pipeline = usePipeline();
const COLUMNS = 'email,messaging_status,display_name,gender,birthday,mobile,consent_at';
const HEADER = [...COLUMNS.split(','), 'row_number', 'error_code', 'error_message'];

describe('End to end: EDM import keyed by email', () => {
  it('applies the status rules, reports every failed row and warning, and notifies once', async () => {
    // Prepare: three subscribers, one of whom unsubscribed
    const seeded = await pipeline.importLines('incoming/shop/edm/email/seed.csv', [
      'email,messaging_status,display_name,tag',
      'ann@example.com,subscribed,Ann,news',
      'bo@example.com,unsubscribed,Bo,',
      'cy@example.com,subscribed,Cy,',
    ]);
    expectRowsAddUp(seeded, 3);
    expectOneNotification(await pipeline.notifications(), seeded, 'succeeded');

    // Act
    const result = await pipeline.importLines('incoming/shop/edm/email/mixed.csv', [
      COLUMNS,
      'ann@example.com,subscribed,Ann,,,,', // unchanged
      'BO@example.com,subscribed,Bob,,,,', // updated, but never re-subscribed: warning
      'cy@example.com,hard_bounce,Cy,female,1990-07-31,0912345678,2024-05-01 14:30:00', // updated
      'dee@example.com,subscribed,Dee,,,,', // created
      'eve@example.com,,Eve,,,,', // failed: EDM rows need a status
      'fay@example.com,maybe,Fay,,,,', // failed: not a status
      'gus@example.com,subscribed,Gus,,1990-02-30,,', // failed: not a real date
    ]);

    // Assess: counts and summary
    expectRowsAddUp(result, 7);
    expect(result.summary.rows).toEqual({
      total: 7,
      created: 1,
      updated: 2,
      unchanged: 1,
      skipped: 0,
      failed: 3,
    });
    expect(result.summary).toMatchObject({
      channel: 'edm',
      key: 'email',
      skippedColumns: [],
      warnings: { STATUS_IRREVERSIBLE: 1 },
    });
    expectOneNotification(await pipeline.notifications(), result, 'completed_with_errors');

    // Assess: every cell of both reports
    const required = issue('STATUS_REQUIRED', { column: 'messaging_status', allowed: EDM_STATUSES });
    const status = issue('INVALID_STATUS', {
      column: 'messaging_status',
      value: 'maybe',
      allowed: EDM_STATUSES,
    });
    const date = issue('INVALID_DATE', { column: 'birthday', value: '1990-02-30' });
    expect(result.failures).toEqual([
      HEADER,
      ['eve@example.com', '', 'Eve', '', '', '', '', '6', required.code, required.message],
      ['fay@example.com', 'maybe', 'Fay', '', '', '', '', '7', status.code, status.message],
      ['gus@example.com', 'subscribed', 'Gus', '', '1990-02-30', '', '', '8', date.code, date.message],
    ]);
    const kept = issue('STATUS_IRREVERSIBLE', { current: 'unsubscribed', requested: 'subscribed' });
    expect(result.warnings).toEqual([
      HEADER,
      ['BO@example.com', 'subscribed', 'Bob', '', '', '', '', '3', kept.code, kept.message],
    ]);

    // Assess: the contacts (the EDM address is the email; consent time in the workspace's zone)
    expect(profiles(await pipeline.liveContacts('shop'))).toEqual([
      {
        version: 1,
        name: 'Ann',
        email: 'ann@example.com',
        edm: { email: 'ann@example.com', status: 'subscribed' },
        tags: ['news'],
        custom: {},
      },
      {
        version: 2,
        name: 'Bob',
        email: 'bo@example.com',
        edm: { email: 'bo@example.com', status: 'unsubscribed' },
        tags: [],
        custom: {},
      },
      {
        version: 2,
        name: 'Cy',
        email: 'cy@example.com',
        phone: '+886912345678',
        gender: 'female',
        birthday: '1990-07-31',
        edm: { email: 'cy@example.com', status: 'hard_bounce', consentAt: '2024-05-01T14:30:00+08:00' },
        tags: [],
        custom: {},
      },
      {
        version: 1,
        name: 'Dee',
        email: 'dee@example.com',
        edm: { email: 'dee@example.com', status: 'subscribed' },
        tags: [],
        custom: {},
      },
    ]);
  });
});
