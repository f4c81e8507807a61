import { setTimeout as sleep } from 'node:timers/promises';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import type { SqsFunction } from '../../../infra/local/runner.js';
import type { FunctionName } from '../../../shared/resources.js';
import { expectOneNotification, expectRowsAddUp } from '../../helpers/e2e/expect.js';
import { type Upload, usePipeline } from '../../helpers/e2e/pipeline.js';

/** Holds the splitter's invocations while closed, so a test can upload twice before the first event is read. */
const splitterGate = {
  opened: Promise.resolve(),
  open: () => {},
  close() {
    this.opened = new Promise<void>((resolve) => {
      this.open = resolve;
    });
  },
};

function gateSplitter(name: FunctionName, handler: SqsFunction): SqsFunction {
  if (name !== 'splitter') return handler;
  return async (event, context) => {
    await splitterGate.opened;
    return handler(event, context);
  };
}

const pipeline = usePipeline({ wrap: gateSplitter });

/** The ObjectCreated notification S3 sends for an upload (what a second, duplicate delivery carries). */
async function deliverAgain(upload: Upload): Promise<void> {
  const record = {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    eventName: 'ObjectCreated:Put',
    s3: {
      bucket: { name: pipeline.env.provisioned.bucket },
      object: { key: encodeURIComponent(upload.key).replace(/%2F/g, '/'), versionId: upload.versionId },
    },
  };
  await pipeline.env.clients.sqs.send(
    new SendMessageCommand({
      QueueUrl: pipeline.env.provisioned.queues.uploads.url,
      MessageBody: JSON.stringify({ Records: [record] }),
    }),
  );
}

const FILE =
  'line_uid,name,tags\nU4af4980629a0b0c5e2f0e4c1d2b3a4f5,Ann,vip\nUb1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6,Bo,\n';

describe('End to end: delivery', () => {
  it('makes two uploads to one key 100 ms apart two imports, each of its own rows (the emulator names no version)', async () => {
    // Act: the emulator's S3 events carry no versionId; the second upload lands before the first is split
    splitterGate.close();
    const first = await pipeline.upload(
      'incoming/quick/line/line_uid/a.csv',
      'line_uid,name\nU4af4980629a0b0c5e2f0e4c1d2b3a4f5,Ann\n',
    );
    await sleep(100);
    const second = await pipeline.upload(
      'incoming/quick/line/line_uid/a.csv',
      'line_uid,name\nUb1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6,Bo\nUc2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7,Cy\n',
    );
    splitterGate.open();
    const results = [await pipeline.result(first), await pipeline.result(second)];

    // Assess: two imports, each read the version it was told about
    expect(first.importId).not.toBe(second.importId);
    expect(results.map((r) => [r.summary.source.versionId, r.summary.rows.created])).toEqual([
      [first.versionId, 1],
      [second.versionId, 2],
    ]);
    const notified = (await pipeline.notifications()).map((n) => n.body.summary.importId).sort();
    expect(notified).toEqual([first.importId, second.importId].sort());
    const contacts = await pipeline.liveContacts('quick');
    expect(contacts.map((c) => c.name).sort()).toEqual(['Ann', 'Bo', 'Cy']);
  });

  it('makes two uploads of the same bytes to one key two imports too (each event pins its own version)', async () => {
    // Act
    splitterGate.close();
    const first = await pipeline.upload('incoming/same/line/line_uid/a.csv', FILE);
    await sleep(100);
    const second = await pipeline.upload('incoming/same/line/line_uid/a.csv', FILE);
    splitterGate.open();
    const results = [await pipeline.result(first), await pipeline.result(second)];

    // Assess: two imports of the two versions; together they created the two contacts once
    expect(results.map((r) => r.summary.source.versionId)).toEqual([first.versionId, second.versionId]);
    expect(results.map((r) => r.summary.rows.created + r.summary.rows.unchanged)).toEqual([2, 2]);
    expect(results.reduce((sum, r) => sum + r.summary.rows.created, 0)).toBe(2);
    expect(await pipeline.notifications()).toHaveLength(2);
  });

  it('imports an object version once when S3 delivers its event twice', async () => {
    // Act: one duplicate while the import runs, one after it completed
    const upload = await pipeline.upload('incoming/twice/line/line_uid/a file.csv', FILE);
    await deliverAgain(upload);
    const result = await pipeline.result(upload);
    await deliverAgain(upload);
    await pipeline.runner.idle();

    // Assess
    expectRowsAddUp(result, 2);
    expect(result.summary.rows).toMatchObject({ created: 2 });
    expectOneNotification(await pipeline.notifications(), result, 'succeeded');
    const contacts = await pipeline.liveContacts('twice');
    expect(contacts.map((c) => [c.name, c.version]).sort()).toEqual([
      ['Ann', 1],
      ['Bo', 1],
    ]);
  });

  it('treats the same file uploaded again as a new import whose rows are all unchanged, writing no contact', async () => {
    // Prepare
    const first = await pipeline.result(await pipeline.upload('incoming/again/line/line_uid/a.csv', FILE));
    expectOneNotification(await pipeline.notifications(), first, 'succeeded');
    const before = await pipeline.liveContacts('again');

    // Act
    const second = await pipeline.upload('incoming/again/line/line_uid/a.csv', FILE);
    const result = await pipeline.result(second);

    // Assess
    expect(result.summary.importId).not.toBe(first.summary.importId);
    expectRowsAddUp(result, 2);
    expect(result.summary.rows).toEqual({
      total: 2,
      created: 0,
      updated: 0,
      unchanged: 2,
      skipped: 0,
      failed: 0,
    });
    expectOneNotification(await pipeline.notifications(), result, 'succeeded');
    const sortById = (a: { contactId: string }, b: { contactId: string }) =>
      a.contactId.localeCompare(b.contactId);
    expect((await pipeline.liveContacts('again')).sort(sortById)).toEqual(before.sort(sortById));
  });

  it('imports LIST.CSV: the extension is matched in any letter case (RULES §1)', async () => {
    // Act
    const upload = await pipeline.upload('incoming/upper/line/line_uid/LIST.CSV', FILE);
    const result = await pipeline.result(upload);

    // Assess
    expectRowsAddUp(result, 2);
    expect(result.summary.rows).toMatchObject({ created: 2 });
    expectOneNotification(await pipeline.notifications(), result, 'succeeded');
  });

  it('rejects members.xlsx with NOT_CSV, a report and a notification: no upload is silently ignored', async () => {
    // Act
    const upload = await pipeline.upload('incoming/xlsx/line/line_uid/members.xlsx', 'PK\u0003\u0004binary');
    const result = await pipeline.result(upload);

    // Assess
    expect(result.summary.rejection?.code).toBe('NOT_CSV');
    expect(result.summary.rows.total).toBe(0);
    expect(result.failures[0]?.slice(-3)).toEqual(['row_number', 'error_code', 'error_message']);
    expectOneNotification(await pipeline.notifications(), result, 'rejected');
    expect(await pipeline.liveContacts('xlsx')).toEqual([]);
  });
});
