import { describe, expect, it } from 'vitest';
import { batchGroupId, PartitionRangeError } from '../../../shared/pipeline/message-groups.js';
import { BATCH_PARTITIONS, GROUPS_PER_WORKSPACE } from '../../../shared/resources.js';

describe('Function: batchGroupId', () => {
  it('gives a workspace GROUPS_PER_WORKSPACE groups, whatever the import', () => {
    // Act
    const groups = new Set(Array.from({ length: BATCH_PARTITIONS }, (_, p) => batchGroupId('acme', p)));

    // Assess
    expect(groups.size).toBe(GROUPS_PER_WORKSPACE);
    expect([...groups].every((g) => g.startsWith('acme#'))).toBe(true);
  });

  it('gives a partition the same group in every import of the workspace (RULES §9)', () => {
    expect(batchGroupId('acme', 3)).toBe('acme#3');
  });

  it('never shares a group between two workspaces', () => {
    expect(batchGroupId('acme', 0)).not.toBe(batchGroupId('beta', 0));
  });

  it('fails a partition outside 0..BATCH_PARTITIONS-1 with the partition in the message', () => {
    expect(() => batchGroupId('acme', BATCH_PARTITIONS)).toThrow(PartitionRangeError);
    expect(() => batchGroupId('acme', -1)).toThrow(/Partition -1 /);
  });
});
