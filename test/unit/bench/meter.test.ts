import { describe, expect, it } from 'vitest';
import { toWire, toWireMap } from '../../../bench/lib/dynamo-meter.js';
import { billedRequests, type QueueUsage, sqsBilledRequests } from '../../../bench/lib/meter.js';

describe('Function: toWire', () => {
  it('converts the document client’s native values to the wire format', () => {
    // Act
    const values = [
      toWire('a'),
      toWire(3),
      toWire(true),
      toWire(null),
      toWire(['x']),
      toWire(new Set(['s'])),
    ];

    // Assess
    expect(values).toEqual([
      { S: 'a' },
      { N: '3' },
      { BOOL: true },
      { NULL: true },
      { L: [{ S: 'x' }] },
      { SS: ['s'] },
    ]);
  });

  it('drops undefined attributes of an item, as the client does', () => {
    // Act
    const item = toWireMap({ pk: 'p', note: undefined, line: { uid: 'U1' } });

    // Assess
    expect(item).toEqual({ pk: { S: 'p' }, line: { M: { uid: { S: 'U1' } } } });
  });
});

describe('Function: sqsBilledRequests', () => {
  it('bills one request per started 64 KiB of payload, at least one', () => {
    // Act
    const billed = [0, 1, 65_536, 65_537, 4 * 65_536 - 1024].map(sqsBilledRequests);

    // Assess
    expect(billed).toEqual([1, 1, 1, 2, 4]);
  });
});

describe('Function: billedRequests', () => {
  it('adds sends and receives by chunk to delete and visibility calls, leaving empty receives out', () => {
    // Prepare
    const usage: QueueUsage = {
      sendCalls: 2,
      messagesSent: 12,
      rowsSent: 5000,
      sendBilled: 40,
      receiveCalls: 2,
      emptyReceives: 500,
      messagesReceived: 12,
      receiveBilled: 40,
      deleteCalls: 2,
      visibilityCalls: 1,
      otherCalls: 9,
    };

    // Act
    const billed = billedRequests(usage);

    // Assess
    expect(billed).toBe(83);
  });
});
