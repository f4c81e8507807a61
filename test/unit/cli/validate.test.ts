import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkCsvFile,
  incomingKey,
  parseChannel,
  parseFieldType,
  parseImportId,
  parseKey,
  parseList,
  parseWorkspace,
} from '../../../cli/validate.js';

describe('Function: parseKey', () => {
  it.each([
    ['line', 'line_uid'],
    ['line', 'phone'],
    ['line', 'email'],
    ['line', 'customer_id'],
    ['edm', 'email'],
    ['edm', 'customer_id'],
    ['edm', 'phone'],
    ['whatsapp', 'phone'],
    ['whatsapp', 'customer_id'],
    ['whatsapp', 'email'],
  ] as const)('accepts key %s for channel %s (RULES §1)', (channel, key) => {
    expect(parseKey(channel, key)).toBe(key);
  });

  it('refuses a key the channel does not allow, naming the allowed ones', () => {
    // Act
    const act = () => parseKey('edm', 'line_uid');

    // Assess
    expect(act).toThrow('--key line_uid is not allowed for edm; use one of phone, email, customer_id');
  });

  it('refuses an unknown key with the value in the message', () => {
    expect(() => parseKey('line', 'mobile')).toThrow(
      '--key must be one of line_uid, phone, email, customer_id, got "mobile"',
    );
  });
});

describe('Function: parseChannel', () => {
  it('refuses an unknown channel with the value and the choices', () => {
    expect(() => parseChannel('sms')).toThrow('--channel must be one of line, edm, whatsapp, got "sms"');
  });
});

describe('Function: parseWorkspace', () => {
  it('accepts a lower-case workspace with digits and dashes', () => {
    expect(parseWorkspace('acme-tw2')).toBe('acme-tw2');
  });

  it.each(['Acme', '-acme', 'a', 'acme_tw', 'acme/tw'])('refuses "%s"', (workspace) => {
    expect(() => parseWorkspace(workspace)).toThrow(`got "${workspace}"`);
  });
});

describe('Function: parseImportId', () => {
  it('reads the workspace from the import id', () => {
    expect(parseImportId('acme-tw.0123456789abcdef01234567')).toEqual({
      importId: 'acme-tw.0123456789abcdef01234567',
      workspace: 'acme-tw',
    });
  });

  it('says what an import id looks like when the text is not one', () => {
    expect(() => parseImportId('incoming/acme/line/phone/a.csv')).toThrow(
      'is not an import id: it looks like <workspace>.<24 hex digits>',
    );
  });
});

describe('Function: parseFieldType', () => {
  it('refuses an unknown field type', () => {
    expect(() => parseFieldType('string')).toThrow(
      '--type must be one of text, number, date, boolean, select, got "string"',
    );
  });
});

describe('Function: parseList', () => {
  it('trims the values and drops empty ones', () => {
    expect(parseList(' gold, silver ,,regular ')).toEqual(['gold', 'silver', 'regular']);
  });
});

describe('Function: checkCsvFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-validate-'));

  it('accepts a .csv file and keeps its name', () => {
    // Prepare
    const path = join(dir, '名單 2024.csv');
    writeFileSync(path, 'phone\n0912345678\n');

    // Act
    const file = checkCsvFile(path);

    // Assess
    expect(file).toEqual({ path, size: 17, objectName: '名單 2024.csv' });
  });

  it('writes the extension in lower case (the importer accepts any case; one spelling keeps keys tidy)', () => {
    const path = join(dir, 'LIST.CSV');
    writeFileSync(path, 'phone\n');

    expect(checkCsvFile(path).objectName).toBe('LIST.csv');
  });

  it('refuses a file that does not exist', () => {
    expect(() => checkCsvFile(join(dir, 'missing.csv'))).toThrow('missing.csv" does not exist');
  });

  it('refuses a file that is not named .csv', () => {
    const path = join(dir, 'contacts.xlsx');
    writeFileSync(path, 'x');

    expect(() => checkCsvFile(path)).toThrow('is not a .csv file: save it as CSV');
  });

  it('refuses a folder', () => {
    expect(() => checkCsvFile(dir)).toThrow('is not a file');
  });
});

describe('Function: incomingKey', () => {
  it('builds incoming/<workspace>/<channel>/<key>/<file name>', () => {
    expect(incomingKey('acme', 'whatsapp', 'phone', 'wa list.csv')).toBe(
      'incoming/acme/whatsapp/phone/wa list.csv',
    );
  });
});
