import { describe, expect, it } from 'vitest';
import { MalformedMessageError, parseMessage } from '../../../shared/pipeline/messages.js';
import { parseManifest } from '../../../shared/pipeline/sweep.js';

describe('Function: parseMessage', () => {
  it('returns a message of the expected kind', () => {
    const body = JSON.stringify({ kind: 'aggregate', workspace: 'acme', importId: 'acme.x' });

    expect(parseMessage(body, 'aggregate')).toEqual({
      kind: 'aggregate',
      workspace: 'acme',
      importId: 'acme.x',
    });
  });

  it.each([
    ['not JSON', '{'],
    ['another kind', JSON.stringify({ kind: 'batch', workspace: 'a', importId: 'b', batchNo: 1, rows: [] })],
    ['no import id', JSON.stringify({ kind: 'aggregate', workspace: 'acme' })],
    ['null', 'null'],
  ])('rejects a body that is %s, describing it by size', (_case, body) => {
    expect(() => parseMessage(body, 'aggregate')).toThrow(MalformedMessageError);
    expect(() => parseMessage(body, 'aggregate')).toThrow(`${body.length} characters, sha256 `);
  });

  it.each([
    ['not JSON', '{"rows":[{"cells":["Ann Lee","12 Main Street, Taipei"]'],
    [
      'of another kind',
      JSON.stringify({ kind: 'batch', rows: [{ cells: ['Ann Lee', '12 Main Street, Taipei'] }] }),
    ],
  ])(
    'never quotes the body of a message that is %s (names, addresses): errors end in logs',
    (_case, body) => {
      expect(() => parseMessage(body, 'aggregate')).toThrow(MalformedMessageError);
      expect(() => parseMessage(body, 'aggregate')).not.toThrow(/Ann Lee|Main Street/);
    },
  );

  it('requires a batch number and rows in a batch message', () => {
    const body = JSON.stringify({ kind: 'batch', workspace: 'acme', importId: 'acme.x' });

    expect(() => parseMessage(body, 'batch')).toThrow(/batchNo or rows is missing/);
  });
});

describe('Function: parseManifest', () => {
  it('reads the batches a splitter run listed', () => {
    expect(parseManifest('m', '[{"batchNo":1,"rowNumbers":[2,5]}]')).toEqual([
      { batchNo: 1, rowNumbers: [2, 5] },
    ]);
  });

  it('reads where a batch starts in the file, when the manifest says', () => {
    const start = { byteOffset: 11, rowNumber: 2, line: 2 };

    expect(parseManifest('m', JSON.stringify([{ batchNo: 1, rowNumbers: [2, 5], start }]))).toEqual([
      { batchNo: 1, rowNumbers: [2, 5], start },
    ]);
  });

  it.each([
    ['not JSON', '['],
    ['not a list', '{"batches":[]}'],
    ['an entry without row numbers', '[{"batchNo":1}]'],
    ['an entry whose start is no position', '[{"batchNo":1,"rowNumbers":[2],"start":{"byteOffset":"0"}}]'],
  ])('names the manifest when it is %s', (_case, text) => {
    expect(() => parseManifest('parts/acme/x/manifest/000001.json', text)).toThrow(
      /parts\/acme\/x\/manifest\/000001.json/,
    );
  });
});
