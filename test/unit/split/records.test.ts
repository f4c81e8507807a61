import { Readable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Delimiter } from '../../../shared/pipeline/csv/delimiter.js';
import type { Encoding } from '../../../shared/pipeline/csv/encoding.js';
import { openCsv, type ReadOptions, readRecords } from '../../../shared/pipeline/csv/reader.js';
import type { CsvRecord } from '../../../shared/pipeline/csv/tokenizer.js';
import { encode, type FixtureEncoding, lineCsv } from '../../helpers/split/fixtures.js';

function chunked(bytes: Uint8Array, size: number): Readable {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(Buffer.from(bytes.subarray(i, i + size)));
  return Readable.from(chunks);
}

async function collect(source: AsyncIterable<CsvRecord>): Promise<CsvRecord[]> {
  const records: CsvRecord[] = [];
  for await (const record of source) records.push(record);
  return records;
}

const LIMITS = { maxCellBytes: 64 * 1024, maxRecordBytes: 1024 * 1024 };

/** Opens bytes as an upload would be opened, and reads every record (header included). */
async function readAll(bytes: Uint8Array, chunkSize = 64 * 1024, limits = LIMITS): Promise<CsvRecord[]> {
  const csv = await openCsv(chunked(bytes, chunkSize));
  return collect(readRecords(csv.chunks, { ...csv, startByte: csv.bomLength, ...limits }));
}

/** Reads from the middle, as a continuation does: from a record's offset, with the header known. */
function readFrom(
  bytes: Uint8Array,
  record: CsvRecord,
  format: { encoding: Encoding; delimiter: Delimiter; header: string[] },
  chunkSize = 7,
): Promise<CsvRecord[]> {
  const options: ReadOptions = {
    ...format,
    ...LIMITS,
    startByte: record.startByte,
    startRow: record.rowNumber,
    startLine: record.line,
  };
  return collect(readRecords(chunked(bytes.subarray(record.startByte), chunkSize), options));
}

const summary = (records: CsvRecord[]) => records.map((r) => [r.rowNumber, r.line, r.cells, r.error?.code]);

describe('Function: readRecords', () => {
  it('decodes only the columns asked for, and still every cell past the header', async () => {
    // Prepare
    const bytes = encode('name,phone,note\n王小明,0912345678,常客\nAnn,0912345679,x,extra\n', 'utf-8');
    const csv = await openCsv(chunked(bytes, 5));

    // Act
    const records = await collect(
      readRecords(csv.chunks, { ...csv, startByte: csv.bomLength, ...LIMITS, columns: [1] }),
    );

    // Assess
    expect(records.map((r) => r.cells)).toEqual([
      ['name', 'phone', 'note'],
      ['', '0912345678', ''],
      ['', '0912345679', '', 'extra'],
    ]);
    expect(records.map((r) => r.error?.code)).toEqual([undefined, undefined, 'MALFORMED_ROW']);
  });

  it('reads an empty last cell of a last line that has no line break', async () => {
    // Prepare
    const text = 'a,b,c\n1,,';

    // Act
    const records = await readAll(Buffer.from(text));

    // Assess
    expect(records.map((r) => r.cells)).toEqual([
      ['a', 'b', 'c'],
      ['1', '', ''],
    ]);
  });

  it('numbers rows as a spreadsheet does: header 1, multi-line cells counted once', async () => {
    // Prepare
    const text = 'name,note\r\nAnn,"line one\r\nline two"\r\n"Bob ""B""",plain\r\nCid,"a\nb\nc"\r\nDee,x\r\n';

    // Act
    const records = await readAll(Buffer.from(text), 5);

    // Assess
    expect(summary(records)).toEqual([
      [1, 1, ['name', 'note'], undefined],
      [2, 2, ['Ann', 'line one\r\nline two'], undefined],
      [3, 4, ['Bob "B"', 'plain'], undefined],
      [4, 5, ['Cid', 'a\nb\nc'], undefined],
      [5, 8, ['Dee', 'x'], undefined],
    ]);
  });

  it('fails a row with an unclosed quote alone and resumes on the next line', async () => {
    // Prepare
    const text = 'name,phone\n"Alice,0912\nBob,0913\nCarol,0914\n';

    // Act
    const records = await readAll(Buffer.from(text), 3);

    // Assess
    expect(summary(records)).toEqual([
      [1, 1, ['name', 'phone'], undefined],
      [2, 2, ['"Alice', '0912'], 'MALFORMED_ROW'],
      [3, 3, ['Bob', '0913'], undefined],
      [4, 4, ['Carol', '0914'], undefined],
    ]);
    expect(records[1]?.error?.message).toContain('the quote opened on line 2 is never closed');
  });

  it('fails a row whose quote closes on a later line followed by text, and reads the lines between', async () => {
    const text = 'name,phone\n"Alice,0912\nBob,"0913"\nCarol,0914\n';

    const records = await readAll(Buffer.from(text));

    expect(summary(records)).toEqual([
      [1, 1, ['name', 'phone'], undefined],
      [2, 2, ['"Alice', '0912'], 'MALFORMED_ROW'],
      [3, 3, ['Bob', '0913'], undefined],
      [4, 4, ['Carol', '0914'], undefined],
    ]);
    expect(records[1]?.error?.message).toContain('the quote opened on line 2 is not closed on that line');
  });

  it('fails a row with text after a closing quote and a row with more cells than the header, with their lines', async () => {
    const text = 'name,phone\nAnn,0911\n"Bob"x,0912\nCid,0913,extra\nDee,"multi\nline",more\nEve,0915\n';

    const records = await readAll(Buffer.from(text), 4);

    expect(summary(records)).toEqual([
      [1, 1, ['name', 'phone'], undefined],
      [2, 2, ['Ann', '0911'], undefined],
      [3, 3, ['"Bob"x', '0912'], 'MALFORMED_ROW'],
      [4, 4, ['Cid', '0913', 'extra'], 'MALFORMED_ROW'],
      [5, 5, ['Dee', 'multi\nline', 'more'], 'MALFORMED_ROW'],
      [6, 7, ['Eve', '0915'], undefined],
    ]);
    expect(records[2]?.error?.message).toContain('text follows a closing quote on line 3');
    expect(records[3]?.error?.message).toContain('3 cells on line 4, the header has 2');
    expect(records[4]?.error?.message).toContain('3 cells on line 5, the header has 2');
  });

  it('drops blank cells past the header (trailing delimiters) and keeps stray quotes inside a cell', async () => {
    const records = await readAll(Buffer.from('name,phone\nAnn,0911,,\nDwayne "The Rock",0912\n'));

    expect(summary(records).slice(1)).toEqual([
      [2, 2, ['Ann', '0911'], undefined],
      [3, 3, ['Dwayne "The Rock"', '0912'], undefined],
    ]);
  });

  it('reads old Mac line breaks (CR only) and a last line without a line break', async () => {
    const records = await readAll(Buffer.from('name,phone\rAnn,0911\r"B\rb",0912'), 1);

    expect(summary(records)).toEqual([
      [1, 1, ['name', 'phone'], undefined],
      [2, 2, ['Ann', '0911'], undefined],
      [3, 3, ['B\rb', '0912'], undefined],
    ]);
  });

  it('fails a cell over the cell limit, naming its column', async () => {
    const text = `name,phone\n${'x'.repeat(101)},0911\nAnn,0912\n`;

    const records = await readAll(Buffer.from(text), 16, { maxCellBytes: 100, maxRecordBytes: 1000 });

    expect(records[1]?.error?.code).toBe('CELL_TOO_LARGE');
    expect(records[1]?.error?.message).toContain('column "name" is 101 bytes');
    expect(summary(records)[2]).toEqual([3, 3, ['Ann', '0912'], undefined]);
  });

  it('treats a record longer than the record limit as an unclosed quote, whatever the chunk size', async () => {
    // Prepare: a quote that swallows 40 lines
    const body = Array.from({ length: 40 }, (_, i) => `P${i},09${i}`).join('\n');
    const text = `name,phone\n"Q,0900\n${body}\n`;
    const limits = { maxCellBytes: 100, maxRecordBytes: 64 };

    // Act
    const whole = await readAll(Buffer.from(text), 1 << 20, limits);
    const bytewise = await readAll(Buffer.from(text), 1, limits);

    // Assess
    expect(whole).toEqual(bytewise);
    expect(summary(whole).slice(1, 3)).toEqual([
      [2, 2, ['"Q', '0900'], 'MALFORMED_ROW'],
      [3, 3, ['P0', '090'], undefined],
    ]);
    expect(whole).toHaveLength(42);
    expect(whole[1]?.error?.message).toContain('longer than 64 bytes');
  });

  it('fails an endless line alone without keeping it in memory', async () => {
    const text = `name,phone\n${'z'.repeat(5000)},0911\nAnn,0912\n`;

    const records = await readAll(Buffer.from(text), 100, { maxCellBytes: 100, maxRecordBytes: 300 });

    expect(records).toHaveLength(3);
    expect(records[1]).toMatchObject({ rowNumber: 2, startByte: 11, endByte: 11 + 5006 });
    expect(records[1]?.cells[0]).toHaveLength(300);
    expect(summary(records)[2]).toEqual([3, 3, ['Ann', '0912'], undefined]);
  });

  it('fails a UTF-8 row with undecodable bytes, naming their offset in the file', async () => {
    // Prepare
    const head = Buffer.from('name,phone\n王小明,0911\n', 'utf8');
    const bytes = Buffer.concat([head, Buffer.from([0x41, 0xff, 0x42]), Buffer.from(',0912\nAnn,0913\n')]);

    // Act
    const records = await readAll(bytes);

    // Assess
    expect(records[2]?.error).toMatchObject({ code: 'UNDECODABLE_BYTES' });
    expect(records[2]?.error?.message).toContain(`as UTF-8 at byte ${head.length + 1}`);
    expect(records[3]?.error).toBeUndefined();
  });

  it('fails a Big5 row with an undecodable pair, naming its offset', async () => {
    const head = encode('name,phone\n王小明,0911\n陳美麗,0912\n林志強,0913\n', 'big5');
    const bytes = Buffer.concat([head, Buffer.from([0x41, 0xa4]), Buffer.from(',0914\n')]);

    const records = await readAll(bytes);

    expect(records.map((r) => r.error?.code)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      'UNDECODABLE_BYTES',
    ]);
    expect(records[4]?.error?.message).toContain(`as Big5 (CP950) at byte ${head.length + 1}`);
  });

  it.each(['utf-8', 'utf-8-bom', 'utf-16le-bom', 'utf-16be-bom', 'big5'] as const)(
    'reads %s Traditional Chinese names with offsets in the original bytes',
    async (fixture) => {
      // Prepare
      const text = lineCsv(300);
      const bytes = encode(text, fixture as FixtureEncoding);

      // Act
      const records = await readAll(bytes, 333);

      // Assess: cells as written, and each record's bytes decode back to its own line
      expect(records.map((r) => r.cells)).toEqual(parse(text, { relax_column_count: true }));
      const bom = fixture.endsWith('-bom') ? (fixture.startsWith('utf-16') ? 2 : 3) : 0;
      expect(records[0]?.startByte).toBe(bom);
      expect(records[records.length - 1]?.endByte).toBe(bytes.length);
      const encoding = fixture.startsWith('utf-16le')
        ? 'utf-16le'
        : fixture.startsWith('utf-16be')
          ? 'utf-16be'
          : fixture === 'big5'
            ? 'big5'
            : 'utf-8';
      const { decodeBytes } = await import('../../../shared/pipeline/csv/encoding.js');
      const line = records[7] as CsvRecord;
      expect(decodeBytes(bytes.subarray(line.startByte, line.endByte), encoding)).toBe(
        `${text.split('\n')[7]}\n`,
      );
    },
  );

  it('resumes from any record offset with the same records as one pass (UTF-8, UTF-16, Big5)', async () => {
    for (const fixture of ['utf-8-bom', 'utf-16le-bom', 'big5'] as const) {
      // Prepare
      const text = 'name,note\n王小明,"多行\n備註"\n"陳,美麗",x\n"broken,1\n林志強,y\n張,"a""b"\n';
      const bytes = encode(text, fixture);
      const all = await readAll(bytes, 5);
      const csv = await openCsv(chunked(bytes, 1 << 20));
      const format = { encoding: csv.encoding, delimiter: csv.delimiter, header: all[0]?.cells as string[] };

      for (const [index, record] of all.entries()) {
        if (index === 0) continue;
        // Act
        const resumed = await readFrom(bytes, record, format);

        // Assess
        expect(resumed).toEqual(all.slice(index));
      }
    }
  });

  it('reads semicolon and tab files', async () => {
    const semicolon = await readAll(Buffer.from('email;messaging_status\na@x.tw;subscribed\n'));
    const tab = await readAll(
      encode('WhatsApp_mobile\tmessaging_status\n+886912345678\topted_in\n', 'utf-16le-bom'),
    );

    expect(semicolon[1]?.cells).toEqual(['a@x.tw', 'subscribed']);
    expect(tab[1]?.cells).toEqual(['+886912345678', 'opted_in']);
  });
});

/** Cells that need every kind of quoting, in a file csv-parse reads without complaint. */
const cell = fc.oneof(
  fc.string({ unit: fc.constantFrom('a', 'b', ' ', '王', '😀', 'é') }),
  fc
    .string({ unit: fc.constantFrom('a', ',', '"', '\n', '\r\n', ';', '王') })
    .map((s) => `"${s.replaceAll('"', '""')}"`),
);

describe('Property: readRecords', () => {
  it('reads well-formed CSV exactly as csv-parse does, whatever the chunk size', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }).chain((width) =>
          fc.tuple(
            fc.array(fc.array(cell, { minLength: width, maxLength: width }), {
              minLength: 1,
              maxLength: 8,
            }),
            fc.constantFrom('\n', '\r\n'),
            fc.integer({ min: 1, max: 40 }),
          ),
        ),
        async ([rows, lineBreak, chunkSize]) => {
          const text = rows.map((r) => r.join(',')).join(lineBreak) + lineBreak;
          const expected = parse(text, {
            relax_column_count: true,
            skip_empty_lines: false,
            relax_quotes: true,
          });

          const records = await readAll(
            Buffer.from(`h${','.repeat(rows[0]?.length ? rows[0].length - 1 : 0)}\n${text}`),
            chunkSize,
          );

          expect(records.slice(1).map((r) => r.cells)).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('gives the same records for any chunking and any resume point, even for malformed input', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: fc.constantFrom('a', ',', '"', '\n', '\r', '王', ' '), maxLength: 80 }),
        fc.integer({ min: 1, max: 13 }),
        async (body, chunkSize) => {
          const bytes = Buffer.from(`a,b\n${body}`, 'utf8');
          const limits = { maxCellBytes: 20, maxRecordBytes: 30 };
          const whole = await readAll(bytes, 1 << 20, limits);
          const pieces = await readAll(bytes, chunkSize, limits);
          expect(pieces).toEqual(whole);
          for (const [index, record] of whole.entries()) {
            if (index === 0) continue;
            const resumed = await collect(
              readRecords(chunked(bytes.subarray(record.startByte), chunkSize), {
                encoding: 'utf-8',
                delimiter: ',',
                header: whole[0]?.cells,
                startByte: record.startByte,
                startRow: record.rowNumber,
                startLine: record.line,
                ...limits,
              }),
            );
            expect(resumed).toEqual(whole.slice(index));
          }
          // Records tile the file: each starts where the previous one ended.
          for (let k = 1; k < whole.length; k++) expect(whole[k]?.startByte).toBe(whole[k - 1]?.endByte);
        },
      ),
      { numRuns: 400 },
    );
  });
});
