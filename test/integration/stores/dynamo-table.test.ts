import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoTable, UnprocessedItemsError } from '../../../shared/adapters/dynamo/table.js';
import { useEmulator } from '../../helpers/emulator.js';
import { emulatorDynamoClient, injectFaults } from '../../helpers/stores/faults.js';

const env = useEmulator();
const ownClients: DynamoDBClient[] = [];

afterEach(() => {
  for (const client of ownClients.splice(0)) client.destroy();
});

function tableWithOwnClient(maxAttempts = 8) {
  const client = emulatorDynamoClient(env.config.aws);
  ownClients.push(client);
  const table = new DynamoTable(client, env.provisioned.tables.contacts, {
    maxAttempts,
    baseDelayMs: 1,
    maxDelayMs: 5,
  });
  return { client, table };
}

const items = (prefix: string, n: number) =>
  Array.from({ length: n }, (_v, i) => ({ pk: `${prefix}#${i}`, sk: 'ROW', n: i }));

describe('Class: DynamoTable', () => {
  it('writes 60 items in calls of at most 25, retrying UnprocessedItems', async () => {
    // Prepare
    const { client, table } = tableWithOwnClient();
    const sizes: number[] = [];
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { RequestItems?: Record<string, unknown[]> };
        if (context.commandName === 'BatchWriteItemCommand') {
          sizes.push(Object.values(input.RequestItems ?? {})[0]?.length ?? 0);
        }
        return next(args);
      },
      { step: 'initialize', name: 'count-batch-sizes', priority: 'low' },
    );
    injectFaults(client, 'BatchWriteItemCommand', [{ process: 10 }, { process: 0 }]);

    // Act
    await table.batchWrite(items('bw', 60).map((item) => ({ put: item })));

    // Assess
    expect(Math.max(...sizes)).toBe(25);
    const stored = await table.batchGet(items('bw', 60).map(({ pk, sk }) => ({ pk, sk })));
    expect(stored.map((s) => s.n).sort((a, b) => a - b)).toEqual(items('bw', 60).map((i) => i.n));
  });

  it('deletes in batches too', async () => {
    // Prepare
    const { table } = tableWithOwnClient();
    await table.batchWrite(items('del', 30).map((item) => ({ put: item })));

    // Act
    await table.batchWrite(items('del', 30).map(({ pk, sk }) => ({ delete: { pk, sk } })));

    // Assess
    expect(await table.batchGet(items('del', 30).map(({ pk, sk }) => ({ pk, sk })))).toEqual([]);
  });

  it('throws UnprocessedItemsError when keys stay unprocessed after every attempt', async () => {
    // Prepare
    const { client, table } = tableWithOwnClient(3);
    injectFaults(client, 'BatchGetItemCommand', [{ process: 0 }, { process: 0 }, { process: 0 }]);

    // Act
    const read = table.batchGet([{ pk: 'none#1', sk: 'ROW' }]);

    // Assess
    await expect(read).rejects.toBeInstanceOf(UnprocessedItemsError);
    await expect(read).rejects.toThrow(
      'BatchGetItem on contact-import-local-contacts left 1 requests unprocessed',
    );
  });
});
