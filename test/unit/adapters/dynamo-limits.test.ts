import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { Expression } from '../../../shared/adapters/dynamo/expression.js';
import { chunk, ITEM_MAX_BYTES, itemSize } from '../../../shared/adapters/dynamo/limits.js';
import { isRetryable, withRetry } from '../../../shared/adapters/dynamo/retry.js';
import { DynamoTable } from '../../../shared/adapters/dynamo/table.js';
import { WriteTooLargeError } from '../../../shared/pipeline/ports.js';

/** A table whose client is never reached: every case here fails before sending. */
function offlineTable() {
  return new DynamoTable(new DynamoDBClient({ region: 'ap-northeast-1' }), 'offline');
}

describe('Function: itemSize', () => {
  it('counts attribute names and values as DynamoDB does', () => {
    // Act
    const size = itemSize({ pk: 'acme#C#c-1', sk: 'PROFILE', tags: ['a'], ok: true, name: '王' });

    // Assess
    expect(size).toBe(2 + 10 + 2 + 7 + 4 + (3 + 1 + 1) + 2 + 1 + 4 + 3);
  });
});

describe('Function: chunk', () => {
  it('splits 60 requests into calls of 25, 25 and 10', () => {
    expect(
      chunk(
        Array.from({ length: 60 }, (_v, i) => i),
        25,
      ).map((c) => c.length),
    ).toEqual([25, 25, 10]);
  });
});

describe('Function: isRetryable', () => {
  it('retries throttling and transaction conflicts but not failed conditions', () => {
    // Prepare
    const named = (name: string, extra = {}) => Object.assign(new Error(name), { name, ...extra });
    const cancelled = (...codes: string[]) =>
      named('TransactionCanceledException', { CancellationReasons: codes.map((Code) => ({ Code })) });

    // Act
    const answers = [
      named('ProvisionedThroughputExceededException'),
      named('ThrottlingException'),
      cancelled('None', 'TransactionConflict'),
      cancelled('ConditionalCheckFailed', 'TransactionConflict'),
      named('ConditionalCheckFailedException'),
      named('ValidationException'),
    ].map(isRetryable);

    // Assess
    expect(answers).toEqual([true, true, true, false, false, false]);
  });
});

describe('Function: withRetry', () => {
  it('gives up after the last attempt and throws the last error', async () => {
    // Prepare
    let calls = 0;
    const throttled = () => {
      calls += 1;
      return Promise.reject(Object.assign(new Error(`slow down ${calls}`), { name: 'ThrottlingException' }));
    };

    // Act
    const result = withRetry({ maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1 }, throttled);

    // Assess
    await expect(result).rejects.toThrow('slow down 3');
    expect(calls).toBe(3);
  });
});

describe('Class: Expression', () => {
  it('puts every name and value behind a placeholder', () => {
    // Prepare
    const x = new Expression().set('status', 'processing').add('batchesDone', 1).remove('gsi1pk');
    x.setTo('counts.created', `${x.name('counts.created')} + ${x.value(2)}`);

    // Act
    const parts = x.buildUpdate(`attribute_exists(${x.name('pk')})`);

    // Assess
    expect(parts).toEqual({
      UpdateExpression: 'SET #n0 = :v0, #n3.#n4 = #n3.#n4 + :v2 REMOVE #n2 ADD #n1 :v1',
      ConditionExpression: 'attribute_exists(#n5)',
      ExpressionAttributeNames: {
        '#n0': 'status',
        '#n1': 'batchesDone',
        '#n2': 'gsi1pk',
        '#n3': 'counts',
        '#n4': 'created',
        '#n5': 'pk',
      },
      ExpressionAttributeValues: { ':v0': 'processing', ':v1': 1, ':v2': 2 },
    });
  });
});

describe('Class: DynamoTable', () => {
  it('refuses an item over 400 KB before sending it', async () => {
    // Act
    const put = offlineTable().put({ Item: { pk: 'a', sk: 'b', note: 'x'.repeat(ITEM_MAX_BYTES) } });

    // Assess
    await expect(put).rejects.toBeInstanceOf(WriteTooLargeError);
  });

  it('refuses a transaction over 4 MB before sending it', async () => {
    // Prepare
    const puts = Array.from({ length: 11 }, (_v, i) => ({
      Put: { Item: { pk: `p${i}`, sk: 's', note: 'x'.repeat(390 * 1024) } },
    }));

    // Act
    const transact = offlineTable().transact(puts, 'Eleven large items');

    // Assess
    await expect(transact).rejects.toThrow('Eleven large items: transaction size in bytes is');
  });
});
