import { describe, expect, it } from 'vitest';
import type { Channel, CustomFieldDefinition, KeyName } from '../../../shared/domain/model.js';
import { keyValueOf } from '../../../shared/domain/row.js';
import { createRowEncoder } from '../../../shared/pipeline/batch-rows.js';
import {
  type BatchMessage,
  type BatchRow,
  MalformedMessageError,
  parseMessage,
} from '../../../shared/pipeline/messages.js';
import { batchEnvelope } from '../../../shared/pipeline/split/buffers.js';
import { lineUid, mapping, NOW, TEMPLATES, validator } from '../../helpers/domain/factories.js';

const CUSTOM: CustomFieldDefinition[] = [
  { name: 'loyalty', type: 'number' },
  { name: 'vip', type: 'boolean' },
];

/** Rows of one file as the validator reads them, sent the way the splitter sends them, read back. */
function roundTrip(
  header: readonly string[],
  channel: Channel,
  key: KeyName,
  rows: readonly (readonly string[])[],
  components?: readonly number[],
): { sent: BatchRow[]; received: BatchMessage } {
  const validate = validator(header, channel, key, CUSTOM);
  const encoder = createRowEncoder(mapping(header, channel, key, CUSTOM), {
    components: components !== undefined,
  });
  const sent: BatchRow[] = [];
  const encoded: string[] = [];
  rows.forEach((cells, i) => {
    const result = validate(cells, i + 2);
    if (!result.ok) throw new Error(`row ${i + 2} is invalid: ${result.error.code}`);
    const component = components?.[i];
    sent.push({ cells, input: result.row, ...(component === undefined ? {} : { component }) });
    encoded.push(encoder.encode(cells, result.row, component));
  });
  const envelope = batchEnvelope(
    { workspace: 'acme', importId: 'acme.1', channel, key, importedAt: NOW.toISOString() },
    7,
    encoder.fields,
  );
  return { sent, received: parseMessage(`${envelope}${encoded.join(',')}]}`, 'batch') };
}

describe('Function: createRowEncoder', () => {
  it('gives back every LINE row exactly as validated, cells and component included', () => {
    // Prepare
    const header = [...TEMPLATES.line, 'loyalty', 'vip'];
    const rows = [
      [
        ` ${lineUid(1)} `,
        '0912-345-678',
        'CRM-001',
        ' 王小明 ',
        'Jane@Example.com',
        '常客',
        'VIP, 台北',
        '12',
        'yes',
      ],
      [lineUid(2), '', '', '', '', '', '', '', ''],
      [lineUid(3), '912345678', '', 'Bob', '', '', '', '0', ''],
    ];

    // Act
    const { sent, received } = roundTrip(header, 'line', 'line_uid', rows, [5, 0, 5]);

    // Assess
    expect(received.rows).toEqual(sent);
    expect(received).toMatchObject({ kind: 'batch', workspace: 'acme', batchNo: 7, channel: 'line' });
    expect(received).not.toHaveProperty('fields');
  });

  it('gives back EDM and WhatsApp rows exactly as validated, without components', () => {
    // Prepare
    const edm = [
      [
        'Jane@Example.com',
        'Subscribed',
        '王小明',
        'female',
        'CRM-001',
        '0912345678',
        '1990-07-31',
        'VIP',
        'Web',
        '2024-05-01 14:30:00',
      ],
      ['bob@example.com', 'unsubscribed', '', '', '', '', '', '', '', ''],
    ];
    const whatsapp = [
      ['+886912345678', 'opted_in', '王小明', 'male', 'CRM-9', 'a@b.co', '1990-01-01', 'x, y'],
    ];

    // Act
    const edmTrip = roundTrip(TEMPLATES.edm, 'edm', 'email', edm);
    const whatsappTrip = roundTrip(TEMPLATES.whatsapp, 'whatsapp', 'phone', whatsapp);

    // Assess
    expect(edmTrip.received.rows).toEqual(edmTrip.sent);
    expect(whatsappTrip.received.rows).toEqual(whatsappTrip.sent);
  });

  it('sends a cell that needed no normalising once, and leaves out trailing absent values', () => {
    // Prepare
    const encoder = createRowEncoder(mapping(['name', 'phone', 'note'], 'line', 'phone'), {
      components: false,
    });
    const validate = validator(['name', 'phone', 'note'], 'line', 'phone');
    const cells = ['Ann', '0912345678', ''];
    const result = validate(cells, 2);
    if (!result.ok) throw new Error('valid row expected');

    // Act
    const json = encoder.encode(cells, result.row, undefined);

    // Assess
    expect(encoder.fields).toEqual([
      'rowNumber',
      'cells',
      'profile.name@0',
      'profile.phone@1',
      'profile.note@2',
      'warnings',
    ]);
    expect(JSON.parse(json)).toEqual([2, cells, 0, '+886912345678']);
  });
});

/** A batch message's fields but its rows. */
const BATCH = {
  kind: 'batch',
  workspace: 'acme',
  importId: 'acme.1',
  channel: 'line',
  key: 'phone',
  batchNo: 1,
} as const;

describe('Function: parseMessage (batch rows)', () => {
  it('still reads rows sent as objects, by a splitter from before the compact form', () => {
    // Prepare
    const validate = validator(['phone'], 'line', 'phone');
    const result = validate(['0912345678'], 2);
    if (!result.ok) throw new Error('valid row expected');
    const message: BatchMessage = { ...BATCH, rows: [{ cells: ['0912345678'], input: result.row }] };

    // Act
    const parsed = parseMessage(JSON.stringify(message), 'batch');

    // Assess
    expect(parsed).toEqual(message);
  });

  it.each([
    ['an unknown field', ['rowNumber', 'cells', 'profile.shoeSize@0'], [[2, ['x'], 0]]],
    ['no cells', ['rowNumber', 'profile.phone'], [[2, '+886912345678']]],
    ['a row that is not an array', ['rowNumber', 'cells', 'profile.phone'], [{ rowNumber: 2 }]],
    [
      'a row longer than its fields',
      ['rowNumber', 'cells', 'profile.phone'],
      [[2, ['x'], '+886912345678', 1]],
    ],
    ['a row without its Key Value', ['rowNumber', 'cells', 'profile.phone'], [[2, ['x']]]],
    ['fields that are not a list', 'rowNumber,cells', []],
  ])('rejects a compact batch with %s', (_, fields, rows) => {
    // Prepare
    const body = JSON.stringify({
      ...BATCH,
      fields,
      rows,
    });

    // Act
    const parse = () => parseMessage(body, 'batch');

    // Assess
    expect(parse).toThrow(MalformedMessageError);
  });
});

describe('Function: keyValueOf', () => {
  it('reads the Key Value where each channel keeps it', () => {
    const profile = { phone: '+886912345678', email: 'a@b.co', customerId: 'C1' };
    const row = {
      profile,
      line: { uid: lineUid(1) },
      edm: { email: 'edm@b.co', status: 'subscribed' as const },
      whatsapp: { mobile: '+886900000000', status: 'opted_in' as const },
    };

    expect(keyValueOf(row, 'line', 'line_uid')).toBe(lineUid(1));
    expect(keyValueOf(row, 'line', 'customer_id')).toBe('C1');
    expect(keyValueOf(row, 'line', 'email')).toBe('a@b.co');
    expect(keyValueOf(row, 'edm', 'email')).toBe('edm@b.co');
    expect(keyValueOf(row, 'line', 'phone')).toBe('+886912345678');
    expect(keyValueOf(row, 'whatsapp', 'phone')).toBe('+886900000000');
    expect(keyValueOf({ profile: {} }, 'line', 'line_uid')).toBeUndefined();
    expect(keyValueOf({ profile: {} }, 'edm', 'email')).toBeUndefined();
    expect(keyValueOf({ profile: {} }, 'whatsapp', 'phone')).toBeUndefined();
  });
});
