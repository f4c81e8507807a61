import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { ENCODING_NAMES } from '../../../shared/pipeline/csv/encoding.js';
import {
  type BatchMessage,
  type ManifestEntry,
  type PartHeader,
  type PartRow,
  parseMessage,
} from '../../../shared/pipeline/messages.js';
import type { SplitResult } from '../../../shared/pipeline/split/split-file.js';
import { GROUPS_PER_WORKSPACE } from '../../../shared/resources.js';
import { chineseName, encode, lineCsv, mobile } from '../../helpers/split/fixtures.js';
import { BUCKET, type SplitWorld, splitWorld } from '../../helpers/split/world.js';

const KEY = 'incoming/acme/line/phone/contacts.csv';

function batchesOf(world: SplitWorld): BatchMessage[] {
  return world.batches.messages.map((m) => parseMessage(m.body, 'batch'));
}

async function partsOf(world: SplitWorld): Promise<{ header: PartHeader; rows: PartRow[] }[]> {
  const keys = (await world.store.list('parts/')).filter((k) => k.includes('/rows/'));
  return Promise.all(
    keys.map(async (key) => {
      const [header, ...rows] = ((await world.store.getText(key)) as string)
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      return { header, rows };
    }),
  );
}

async function manifestsOf(world: SplitWorld): Promise<ManifestEntry[]> {
  const keys = (await world.store.list('parts/')).filter((k) => k.includes('/manifest/'));
  const entries = await Promise.all(
    keys.map(async (k) => JSON.parse((await world.store.getText(k)) as string)),
  );
  return entries.flat();
}

/** Messages of two runs of one file compare equal but for the creation time of their two jobs. */
function sameImport(messages: readonly { body: string }[]): unknown[] {
  return messages.map((m) => ({ ...m, body: m.body.replace(/"importedAt":"[^"]*"/, '"importedAt":"…"') }));
}

function only(results: SplitResult[]): SplitResult {
  expect(results).toHaveLength(1);
  return results[0] as SplitResult;
}

describe('Function: splitFile', () => {
  it('sends the rows of one component to one group in file order, however they are linked (RULES §9)', async () => {
    // Prepare: pairs of rows with different phones (the key) and one email; a chain linked through a third row.
    const world = splitWorld();
    const lines = ['name,phone,email'];
    for (let i = 0; i < 40; i++) {
      lines.push(
        `A${i},${mobile(2 * i)},pair${i}@example.com`,
        `B${i},${mobile(2 * i + 1)},pair${i}@example.com`,
      );
    }
    lines.push(`C,${mobile(500)},chain-a@example.com`, `D,${mobile(501)},chain-b@example.com`);
    lines.push(`E,${mobile(500)},chain-b@example.com`);
    world.store.upload(KEY, `${lines.join('\n')}\n`);

    // Act
    await world.splitAll(KEY);

    // Assess
    const groupOfRow = new Map<number, string>();
    world.batches.messages.forEach((message) => {
      for (const r of parseMessage(message.body, 'batch').rows)
        groupOfRow.set(r.input.rowNumber, message.groupId as string);
    });
    for (let i = 0; i < 40; i++) expect(groupOfRow.get(2 * i + 3)).toBe(groupOfRow.get(2 * i + 2));
    expect(groupOfRow.get(83)).toBe(groupOfRow.get(82));
    expect(groupOfRow.get(84)).toBe(groupOfRow.get(82));
    expect(new Set(groupOfRow.values()).size).toBe(GROUPS_PER_WORKSPACE);
  });

  it('sends every valid row once, in the workspace FIFO groups by key partition, with deduplication ids', async () => {
    // Prepare
    const world = splitWorld();
    world.store.upload(KEY, lineCsv(3000));

    // Act
    const result = only(await world.splitAll(KEY));

    // Assess
    const batches = batchesOf(world);
    const importId = result.importId as string;
    expect(result).toMatchObject({ status: 'split', rowsTotal: 3000, batchesSent: batches.length });
    expect(batches.map((b) => b.batchNo)).toEqual(batches.map((_, i) => i + 1));
    const rows = batches.flatMap((b) => b.rows.map((r) => r.input.rowNumber)).sort((a, b) => a - b);
    expect(rows).toEqual(Array.from({ length: 3000 }, (_, i) => i + 2));
    const groupOfKeyValue = new Map<string, string>();
    const rowsOfKeyValue = new Map<string, number[]>();
    world.batches.messages.forEach((message, i) => {
      const batch = batches[i] as BatchMessage;
      expect(message.groupId).toMatch(/^acme#[0-3]$/);
      expect(message.deduplicationId).toBe(`${importId}#${batch.batchNo}`);
      for (const { input } of batch.rows) {
        expect(groupOfKeyValue.get(input.key.value) ?? message.groupId).toBe(message.groupId);
        groupOfKeyValue.set(input.key.value, message.groupId as string);
        rowsOfKeyValue.set(input.key.value, [
          ...(rowsOfKeyValue.get(input.key.value) ?? []),
          input.rowNumber,
        ]);
      }
      expect(batch).toMatchObject({
        kind: 'batch',
        workspace: 'acme',
        importId,
        channel: 'line',
        key: 'phone',
      });
    });
    // Unlinked rows spread over the workspace's groups; a key value keeps one group and its file order.
    expect(new Set(groupOfKeyValue.values()).size).toBe(GROUPS_PER_WORKSPACE);
    for (const rowsOfKey of rowsOfKeyValue.values())
      expect(rowsOfKey).toEqual([...rowsOfKey].sort((a, b) => a - b));
    const first = batches.flatMap((b) => b.rows).find((r) => r.input.rowNumber === 2);
    expect(first?.cells).toEqual(['王小明', mobile(0), 'u0@example.com', 'vip,tier 0']);
    expect(first?.input.key).toEqual({ name: 'phone', value: '+886900000000' });
    expect(world.ledger.jobs.get(`acme/${importId}`)).toMatchObject({
      status: 'processing',
      rowsTotal: 3000,
      batchesTotal: batches.length,
      encoding: 'UTF-8',
      delimiter: ',',
      header: ['name', 'phone', 'email', 'tags'],
    });
  });

  it('sends at most 2 batch messages per 1,000 valid rows of a large file', async () => {
    const world = splitWorld();
    world.store.upload(KEY, lineCsv(20_000));

    await world.splitAll(KEY);

    expect(world.batches.messages.length).toBeLessThanOrEqual(40);
    for (const message of world.batches.messages)
      expect(Buffer.byteLength(message.body)).toBeLessThan(4 * 64 * 1024);
  });

  it('writes rows that fail validation to splitter parts, numbered from the same sequence and recorded', async () => {
    // Prepare: every 10th phone is invalid
    const world = splitWorld({ tuning: { maxPartRows: 40 } });
    world.store.upload(KEY, lineCsv(1000, { invalidEvery: 10 }));

    // Act
    const result = only(await world.splitAll(KEY));

    // Assess
    const importId = result.importId as string;
    const parts = await partsOf(world);
    const failedRows = parts.flatMap((p) => p.rows);
    expect(failedRows.map((r) => r.rowNumber)).toEqual(Array.from({ length: 100 }, (_, i) => 11 + i * 10));
    expect(failedRows[0]).toMatchObject({
      outcome: 'failed',
      error: { code: 'INVALID_PHONE' },
      cells: [chineseName(9), 'not-a-phone', 'u9@example.com', 'vip,tier 0'],
    });
    expect(parts.map((p) => p.header.writer)).toEqual(['splitter', 'splitter', 'splitter']);
    expect(parts.map((p) => p.header.counts.failed)).toEqual([40, 40, 20]);
    const numbers = [...parts.map((p) => p.header.batchNo), ...batchesOf(world).map((b) => b.batchNo)];
    expect(numbers.sort((a, b) => a - b)).toEqual(numbers.map((_, i) => i + 1));
    expect(await world.ledger.recordedBatches('acme', importId)).toEqual(parts.map((p) => p.header.batchNo));
    expect(world.ledger.jobs.get(`acme/${importId}`)?.counts.failed).toBe(100);
  });

  it('writes skipped rows (WhatsApp, blank status) and malformed rows to splitter parts with their outcome', async () => {
    // Prepare
    const world = splitWorld();
    const key = 'incoming/acme/whatsapp/phone/wa.csv';
    world.store.upload(
      key,
      'WhatsApp_mobile,messaging_status,display_name\n+886912345678,,Ann\n"+886912345679,opted_in,Bob\n+886912345670,opted_in,Cid,extra\n+886912345671,opted_in,Dee\n',
    );

    // Act
    const result = only(await world.splitAll(key));

    // Assess
    const rows = (await partsOf(world)).flatMap((p) => p.rows);
    expect(rows.map((r) => [r.rowNumber, r.outcome, r.error?.code])).toEqual([
      [2, 'skipped', 'STATUS_BLANK_SKIPPED'],
      [3, 'failed', 'MALFORMED_ROW'],
      [4, 'failed', 'MALFORMED_ROW'],
    ]);
    expect(world.ledger.jobs.get(`acme/${result.importId}`)?.counts).toMatchObject({ skipped: 1, failed: 2 });
    expect(batchesOf(world).flatMap((b) => b.rows.map((r) => r.input.rowNumber))).toEqual([5]);
  });

  it('writes every problem and the warnings of an invalid row to its part line (RULES §7)', async () => {
    // Prepare
    const world = splitWorld();
    const key = 'incoming/acme/line/line_uid/all.csv';
    world.store.upload(key, 'line_uid,phone,email\nU123,912345678,jane@\n');

    // Act
    await world.splitAll(key);

    // Assess
    const [row] = (await partsOf(world)).flatMap((p) => p.rows);
    expect(row).toMatchObject({
      rowNumber: 2,
      outcome: 'failed',
      error: { code: 'INVALID_LINE_UID' },
      otherErrors: [{ code: 'INVALID_EMAIL' }],
      warnings: [{ code: 'LEADING_ZERO_RECOVERED' }],
    });
  });

  it('lists every batch it sends in a manifest with its row numbers and where its first row starts', async () => {
    const world = splitWorld();
    const text = lineCsv(4000);
    world.store.upload(KEY, text);

    await world.splitAll(KEY);

    const manifest = await manifestsOf(world);
    const batches = batchesOf(world);
    expect(manifest.map(({ batchNo, rowNumbers }) => ({ batchNo, rowNumbers }))).toEqual(
      batches.map((b) => ({ batchNo: b.batchNo, rowNumbers: b.rows.map((r) => r.input.rowNumber) })),
    );
    // The file read from a batch's start begins with the cells of its first row (the sweeper reads from there).
    const bytes = Buffer.from(text);
    for (const [i, entry] of manifest.entries()) {
      const first = batches[i]?.rows[0];
      expect(entry.start?.rowNumber).toBe(first?.input.rowNumber);
      expect(entry.start?.line).toBe(first?.input.rowNumber);
      const line = bytes.subarray(entry.start?.byteOffset).toString('utf8').split('\n')[0];
      expect(line?.startsWith(`${first?.cells[0]},${first?.cells[1]},`)).toBe(true);
    }
  });

  it('ignores blank lines: they are not rows but keep the row numbers of the lines after them', async () => {
    const world = splitWorld();
    world.store.upload(KEY, 'name,phone\n王小明,0912345678\n\n,,\n陳美麗,0987654321\n\n');

    const result = only(await world.splitAll(KEY));

    expect(result).toMatchObject({ rowsTotal: 2 });
    expect(
      batchesOf(world)
        .flatMap((b) => b.rows.map((r) => r.input.rowNumber))
        .sort(),
    ).toEqual([2, 5]);
  });

  it('finishes a file with a header and no rows, and hands it to the aggregator', async () => {
    const world = splitWorld();
    world.store.upload(KEY, 'name,phone\n');

    const result = only(await world.splitAll(KEY));

    expect(result).toMatchObject({ status: 'split', rowsTotal: 0, batchesSent: 0 });
    expect(world.aggregates).toEqual([{ kind: 'aggregate', workspace: 'acme', importId: result.importId }]);
  });

  it('hands the import to the aggregator when every batch is already recorded (all rows invalid)', async () => {
    const world = splitWorld();
    world.store.upload(KEY, 'name,phone\nAnn,not-a-phone\nBob,\n');

    const result = only(await world.splitAll(KEY));

    expect(world.batches.messages).toEqual([]);
    expect(world.aggregates).toHaveLength(1);
    expect(world.ledger.jobs.get(`acme/${result.importId}`)?.counts).toMatchObject({ failed: 2 });
  });

  it.each([
    ['big5', 'Big5 (CP950)'],
    ['utf-16le-bom', 'UTF-16LE (BOM)'],
    ['utf-8-bom', 'UTF-8 (BOM)'],
  ] as const)(
    'splits a %s file with Traditional Chinese names and records its encoding',
    async (fixture, name) => {
      // Prepare
      const world = splitWorld({ chunkSize: 1000 });
      world.store.upload(KEY, encode(lineCsv(500), fixture));

      // Act
      const result = only(await world.splitAll(KEY));

      // Assess
      const names = batchesOf(world)
        .flatMap((b) => b.rows)
        .sort((a, b) => a.input.rowNumber - b.input.rowNumber)
        .map((r) => r.input.profile.name);
      expect(names.slice(0, 3)).toEqual(['王小明', '陳小明', '林小明']);
      expect(world.ledger.jobs.get(`acme/${result.importId}`)?.encoding).toBe(name);
    },
  );

  describe('rejections', () => {
    async function rejection(world: SplitWorld, key: string) {
      const result = only(await world.splitAll(key));
      const job = world.ledger.jobs.get(`${result.workspace}/${result.importId}`);
      expect(result.status).toBe('rejected');
      expect(job?.status).toBe('aggregating');
      expect(world.aggregates).toEqual([
        { kind: 'aggregate', workspace: result.workspace, importId: result.importId },
      ]);
      expect(world.batches.messages).toEqual([]);
      return { result, code: job?.rejection?.code, message: job?.rejection?.message };
    }

    it.each([
      ['incoming/acme/sms/phone/a.csv', 'acme', 'UNKNOWN_CHANNEL'],
      ['incoming/acme/edm/line_uid/a.csv', 'acme', 'KEY_NOT_ALLOWED'],
      ['incoming/acme/line/phone/a.txt', 'acme', 'NOT_CSV'],
      ['incoming/acme/line/phone/members.xlsx', 'acme', 'NOT_CSV'],
    ])('rejects the key %s under workspace %s with %s', async (key, workspace, code) => {
      const world = splitWorld();
      world.store.upload(key, 'phone\n0912345678\n');

      const rejected = await rejection(world, key);

      expect(rejected.result.workspace).toBe(workspace);
      expect(rejected.code).toBe(code);
    });

    it.each([
      ['incoming/Not_A_Workspace/line/phone/a.csv', 'INVALID_OBJECT_KEY'],
      ['incoming/unknown/line/phone/a.csv', 'UNKNOWN_WORKSPACE'],
      ['incoming/acmee/line/phone/a.csv', 'UNKNOWN_WORKSPACE'],
      ['incoming/acmee/sms/phone/a.xlsx', 'UNKNOWN_WORKSPACE'],
    ])('tells only the operators about %s (%s): no job, no report, no tenant', async (key, code) => {
      // Prepare: only acme is registered
      const world = splitWorld({ registered: ['acme'] });
      world.store.upload(key, 'phone\n0912345678\n');

      // Act
      const [result] = await world.splitAll(key);

      // Assess
      expect(result?.status).toBe('unattributed');
      expect(world.ledger.jobs.size).toBe(0);
      expect(world.aggregates).toEqual([]);
      expect(world.batches.messages).toEqual([]);
      expect(world.workspaces.settings.size).toBe(0);
      expect(world.alerts).toHaveLength(1);
      expect(world.alerts[0]?.attributes).toEqual({ outcome: 'rejected', code });
      expect(JSON.parse(world.alerts[0]?.message as string)).toMatchObject({
        rejection: { code },
        source: { bucket: BUCKET, key },
      });
    });

    it('imports into a workspace once it is registered', async () => {
      // Prepare
      const world = splitWorld({ registered: [] });
      await world.workspaces.putSettings('acme', { region: 'TW' });
      world.store.upload(KEY, 'phone\n0912345678\n');

      // Act
      const [result] = await world.splitAll(KEY);

      // Assess
      expect(result?.status).toBe('split');
      expect(world.alerts).toEqual([]);
    });

    it('rejects an empty file', async () => {
      const world = splitWorld();
      world.store.upload(KEY, '');

      expect((await rejection(world, KEY)).code).toBe('EMPTY_FILE');
    });

    it('rejects a file over the size limit', async () => {
      const world = splitWorld({ limits: { maxFileBytes: 100, maxRows: 10, maxCellBytes: 100 } });
      world.store.upload(KEY, lineCsv(10));

      expect((await rejection(world, KEY)).code).toBe('FILE_TOO_LARGE');
    });

    it.each([
      ['email,messaging_status\n', 'incoming/acme/whatsapp/phone/a.csv', 'MISSING_REQUIRED_COLUMN'],
      ['name,phone,name\n', KEY, 'DUPLICATE_HEADER'],
      ['\n', KEY, 'MISSING_HEADER'],
      ['"name,phone\nAnn,0912\n', KEY, 'MALFORMED_ROW'],
    ])('rejects the header %j with %s', async (header, key, code) => {
      const world = splitWorld();
      world.store.upload(key, header);

      expect((await rejection(world, key)).code).toBe(code);
    });

    it('rejects a file whose bytes no encoding decodes, naming the offset', async () => {
      const world = splitWorld();
      world.store.upload(
        KEY,
        Buffer.from([
          0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00, 0x08, 0x81, 0x00, 0x21, 0x00, 0xfe, 0x81, 0x0a,
        ]),
      );

      const rejected = await rejection(world, KEY);

      expect(rejected.code).toBe('UNDECODABLE_BYTES');
      expect(rejected.message).toMatch(/at byte \d+/);
    });

    it.each([
      [
        'utf-16le',
        Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('phone,name\n0912345678,Bo', 'utf16le')]),
      ],
      ['utf-16be', Buffer.from([0xfe, 0xff, 0x00, 0x70, 0x00, 0x0a, 0x00, 0x31, 0xd8, 0x3d])],
    ])(
      'rejects a %s file cut inside a character with its byte offset, never storing U+FFFD',
      async (_e, whole) => {
        // Prepare: LE cut after the first byte of "o" (odd length); BE ending on half a surrogate pair
        const world = splitWorld();
        const cut = _e === 'utf-16le' ? whole.subarray(0, whole.length - 1) : whole;
        world.store.upload(KEY, cut);

        // Act
        const rejected = await rejection(world, KEY);

        // Assess
        expect(rejected.code).toBe('UNDECODABLE_BYTES');
        expect(rejected.message).toContain(
          `ends in the middle of a ${_e.toUpperCase()} character at byte ${_e === 'utf-16le' ? cut.length - 1 : cut.length - 2}`,
        );
      },
    );

    it('imports a whole UTF-16 file whose last character is a surrogate pair', async () => {
      const world = splitWorld();
      world.store.upload(
        KEY,
        Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('phone,name\n0912345678,Bo😀', 'utf16le')]),
      );

      const [result] = await world.splitAll(KEY);

      expect(result?.status).toBe('split');
    });

    it.each([
      ['TW', 'big5', '林思妤\n陳怡君', 'big5'],
      ['JP', 'cp932', '山田', 'shift_jis'],
    ])(
      'uses the %s region as a hint: a short %s file decodes right, not as Windows-1252',
      async (region, codec, names, expected) => {
        // Prepare
        const world = splitWorld();
        await world.workspaces.putSettings('acme', { region });
        const text = `name,phone\n${names
          .split('\n')
          .map((n, i) => `${n},091234567${i}`)
          .join('\n')}\n`;
        world.store.upload(KEY, iconv.encode(text, codec));

        // Act
        const [result] = await world.splitAll(KEY);

        // Assess
        expect(result?.status).toBe('split');
        const job = world.ledger.jobs.get(`acme/${result?.importId}`);
        expect(job?.encoding).toBe(ENCODING_NAMES[expected as 'big5']);
      },
    );

    it('rejects ENCODING_UNCERTAIN, naming the candidates and how to save as UTF-8, when nothing settles the encoding', async () => {
      // Prepare: 李娜 in GB18030 is two common Big5 characters too; a TW workspace's hint must not guess
      const world = splitWorld();
      await world.workspaces.putSettings('acme', { region: 'TW' });
      world.store.upload(KEY, iconv.encode('name,phone\n李娜,0912345678\n', 'gb18030'));

      // Act
      const rejected = await rejection(world, KEY);

      // Assess
      expect(rejected.code).toBe('ENCODING_UNCERTAIN');
      expect(rejected.message).toContain('Big5 (CP950)');
      expect(rejected.message).toContain('GB18030');
      expect(rejected.message).toContain('CSV UTF-8');
    });

    it('rejects a file with an undecodable row found before any batch was flushed', async () => {
      const world = splitWorld();
      const head = Buffer.from(lineCsv(50));
      world.store.upload(
        KEY,
        Buffer.concat([head, Buffer.from([0xe7, 0x8e, 0x41]), Buffer.from(',0912345678,,\n')]),
      );

      const rejected = await rejection(world, KEY);

      expect(rejected.code).toBe('UNDECODABLE_BYTES');
      expect(rejected.message).toContain(`as UTF-8 at byte ${head.length}`);
    });

    it('rejects a file with more rows than the limit when no batch was flushed yet', async () => {
      const world = splitWorld({ limits: { maxFileBytes: 1e9, maxRows: 100, maxCellBytes: 1000 } });
      world.store.upload(KEY, lineCsv(101));

      expect((await rejection(world, KEY)).message).toContain('more than 100 data rows');
    });
  });

  it('fails the first row over the row limit when batches are already on their way, and reads no further', async () => {
    // Prepare
    const world = splitWorld({
      limits: { maxFileBytes: 1e9, maxRows: 500, maxCellBytes: 1000 },
      tuning: { maxBatchRows: 10 },
    });
    world.store.upload(KEY, lineCsv(800));

    // Act
    const result = only(await world.splitAll(KEY));

    // Assess
    expect(result).toMatchObject({ status: 'split', rowsTotal: 501 });
    const failed = (await partsOf(world)).flatMap((p) => p.rows);
    expect(failed).toEqual([
      expect.objectContaining({ rowNumber: 502, error: expect.objectContaining({ code: 'TOO_MANY_ROWS' }) }),
    ]);
    expect(batchesOf(world).flatMap((b) => b.rows)).toHaveLength(500);
  });

  it('fails a row too large for a batch message', async () => {
    const world = splitWorld({ limits: { maxFileBytes: 1e9, maxRows: 100, maxCellBytes: 2_000_000 } });
    world.store.upload(
      KEY,
      `name,phone,note\nAnn,0912345678,${'x'.repeat(1_100_000)}\nBob,0912345679,short\n`,
    );

    await world.splitAll(KEY);

    expect((await partsOf(world)).flatMap((p) => p.rows.map((r) => r.error?.code))).toEqual([
      'MALFORMED_ROW',
    ]);
    expect(batchesOf(world).flatMap((b) => b.rows.map((r) => r.input.rowNumber))).toEqual([3]);
  });

  it('ignores a second delivery of a split object version', async () => {
    // Prepare
    const world = splitWorld();
    const versionId = world.store.upload(KEY, lineCsv(100));
    await world.splitAll(KEY, versionId);
    const sent = world.batches.messages.length;

    // Act
    const again = only(await world.splitAll(KEY, versionId));

    // Assess
    expect(again.status).toBe('duplicate');
    expect(world.batches.messages).toHaveLength(sent);
  });

  it('makes a new import of a new version of the same key', async () => {
    const world = splitWorld();
    world.store.upload(KEY, lineCsv(10));
    const first = only(await world.splitAll(KEY));

    world.store.upload(KEY, lineCsv(10));
    const second = only(await world.splitAll(KEY));

    expect(second.status).toBe('split');
    expect(second.importId).not.toBe(first.importId);
  });

  it('splits again, identically, when a delivery finds the job still splitting (a crash mid-way)', async () => {
    // Prepare
    const world = splitWorld({ tuning: { maxPartRows: 7 } });
    const versionId = world.store.upload(KEY, lineCsv(2000, { invalidEvery: 13 }));
    await world.splitAll(KEY, versionId);
    const firstRun = world.batches.messages.map((m) => ({ ...m }));
    const firstParts = await partsOf(world);
    const job = [...world.ledger.jobs.values()][0];
    world.ledger.jobs.set(`acme/${job?.importId}`, {
      ...(job as NonNullable<typeof job>),
      status: 'splitting',
    });

    // Act
    await world.splitAll(KEY, versionId);

    // Assess
    expect(world.batches.messages.slice(firstRun.length)).toEqual(firstRun);
    expect(await partsOf(world)).toEqual(firstParts);
    expect(world.ledger.jobs.get(`acme/${job?.importId}`)?.counts.failed).toBe(
      firstParts.flatMap((p) => p.rows).length,
    );
  });

  describe('continuations', () => {
    async function splitOnce(text: string | Buffer) {
      const world = splitWorld({ chunkSize: 4096, tuning: { maxPartRows: 30 } });
      world.store.upload(KEY, text);
      const results = await world.splitAll(KEY);
      return { world, results };
    }

    it('yields exactly the batches and parts of one invocation when split over many invocations', async () => {
      // Prepare
      const text = lineCsv(6000, { invalidEvery: 17 });
      const single = await splitOnce(text);
      const world = splitWorld({ chunkSize: 4096, recordsPerInvocation: 1700, tuning: { maxPartRows: 30 } });
      world.store.upload(KEY, text);

      // Act
      const results = await world.splitAll(KEY);

      // Assess
      expect(results.length).toBeGreaterThanOrEqual(3);
      expect(results.map((r) => r.status)).toEqual([...results.slice(1).map(() => 'continued'), 'split']);
      expect(sameImport(world.batches.messages)).toEqual(sameImport(single.world.batches.messages));
      expect(await partsOf(world)).toEqual(await partsOf(single.world));
      expect(await manifestsOf(world)).toEqual(await manifestsOf(single.world));
      const job = [...world.ledger.jobs.values()][0];
      expect(job).toMatchObject({
        rowsTotal: 6000,
        batchesTotal: [...single.world.ledger.jobs.values()][0]?.batchesTotal,
      });
      // Later invocations resume with a range GET, not from the start.
      expect(world.store.reads.filter((r) => r.key === KEY && r.start > 0).length).toBe(results.length - 1);
    });

    it('carries a rarely used partition in the message instead of re-reading the file from its first row', async () => {
      // Prepare: row 2 has its own key; every other row shares one key, so row 2's buffer waits to the end
      const rows = [
        'name,phone',
        '王小明,0911111111',
        ...Array.from({ length: 3000 }, (_, i) => `陳${i},0922222222`),
      ];
      const text = `${rows.join('\n')}\n`;
      const single = await splitOnce(text);
      const world = splitWorld({
        chunkSize: 4096,
        recordsPerInvocation: 700,
        tuning: { maxPartRows: 30, replayLimitBytes: 4096 },
      });
      world.store.upload(KEY, text);

      // Act
      const results = await world.splitAll(KEY);

      // Assess
      expect(results.length).toBeGreaterThanOrEqual(4);
      expect(sameImport(world.batches.messages)).toEqual(sameImport(single.world.batches.messages));
      const carried = world.continuations.messages.map((m) => JSON.parse(m.body).checkpoint.carried.length);
      expect(carried.every((n: number) => n >= 1)).toBe(true);
      expect(Math.min(...world.store.reads.filter((r) => r.start > 0).map((r) => r.start))).toBeGreaterThan(
        4096,
      );
    });

    it('continues a UTF-16 file with multi-line cells and malformed rows identically', async () => {
      const lines = ['name,phone,note'];
      for (let i = 0; i < 400; i++) {
        lines.push(
          i % 50 === 7 ? `"broken ${i},0912${i}` : `王${i},09${String(i).padStart(8, '0')},"多行\n備註 ${i}"`,
        );
      }
      const bytes = encode(`${lines.join('\r\n')}\r\n`, 'utf-16le-bom');
      const single = await splitOnce(bytes);
      const world = splitWorld({ chunkSize: 999, recordsPerInvocation: 90, tuning: { maxPartRows: 30 } });
      world.store.upload(KEY, bytes);

      const results = await world.splitAll(KEY);

      expect(results.length).toBeGreaterThanOrEqual(3);
      expect(sameImport(world.batches.messages)).toEqual(sameImport(single.world.batches.messages));
      expect(await partsOf(world)).toEqual(await partsOf(single.world));
    });

    it('ignores a continuation for a job that is no longer splitting', async () => {
      const world = splitWorld({ recordsPerInvocation: 100 });
      world.store.upload(KEY, lineCsv(300));
      await world.splitAll(KEY);
      const sent = world.batches.messages.length;

      const again = await world.invoke(
        JSON.parse((world.continuations.messages[0] as { body: string }).body),
      );

      expect(again.status).toBe('duplicate');
      expect(world.batches.messages).toHaveLength(sent);
    });
  });
});
