import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { expectOneNotification, expectRowsAddUp } from '../../helpers/e2e/expect.js';
import { usePipeline } from '../../helpers/e2e/pipeline.js';

const pipeline = usePipeline();

/** A LINE file with Chinese names, long enough for encoding detection to be sure. */
const TEXT = [
  'phone,name,note',
  '0912000001,王小明,年度消費滿萬的貴賓客戶',
  '0912000002,陳美玲,偏好門市取貨與週年慶活動',
  '0912000003,林志豪,台中門市常客，喜歡新品通知',
  '',
].join('\r\n');
const NAMES = ['林志豪', '王小明', '陳美玲'];

describe('End to end: legacy and UTF-16 encodings', () => {
  it('imports a Big5 file written by Excel with the Chinese names intact', async () => {
    // Act
    const upload = await pipeline.upload('incoming/big5/line/phone/excel.csv', iconv.encode(TEXT, 'big5'));
    const result = await pipeline.result(upload);

    // Assess
    expectRowsAddUp(result, 3);
    expect(result.summary.rows.created).toBe(3);
    expect(result.summary.encoding).toMatch(/big5/i);
    expectOneNotification(await pipeline.notifications(), result, 'succeeded');
    const contacts = await pipeline.liveContacts('big5');
    expect(contacts.map((c) => c.name).sort()).toEqual([...NAMES].sort());
    expect(contacts.find((c) => c.name === '王小明')?.note).toBe('年度消費滿萬的貴賓客戶');
  });

  it('imports a UTF-16 LE file with a BOM with the Chinese names intact', async () => {
    // Act
    const body = Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(TEXT, 'utf-16le')]);
    const upload = await pipeline.upload('incoming/utf16/line/phone/unicode.csv', body);
    const result = await pipeline.result(upload);

    // Assess
    expectRowsAddUp(result, 3);
    expect(result.summary.rows.created).toBe(3);
    expect(result.summary.encoding).toMatch(/utf-16\s*le/i);
    expectOneNotification(await pipeline.notifications(), result, 'succeeded');
    expect((await pipeline.liveContacts('utf16')).map((c) => c.name).sort()).toEqual([...NAMES].sort());
  });

  it('writes the report of a Big5 file in UTF-8, keeping the names readable', async () => {
    // Act
    const text = 'phone,name\n0912,王小明\n';
    const upload = await pipeline.upload(
      'incoming/big5report/line/phone/bad.csv',
      iconv.encode(text, 'big5'),
    );
    const result = await pipeline.result(upload);

    // Assess
    expectRowsAddUp(result, 1);
    expect(result.failures[1]?.slice(0, 3)).toEqual(['0912', '王小明', '2']);
    expectOneNotification(await pipeline.notifications(), result, 'completed_with_errors');
  });
});
