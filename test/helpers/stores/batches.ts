import type { Channel, KeyName, RowInput } from '../../../shared/domain/model.js';
import type { PipelineLogger } from '../../../shared/pipeline/aggregate/aggregate.js';
import type { BatchMessage, BatchRow } from '../../../shared/pipeline/messages.js';

type RowFields = Partial<Omit<RowInput, 'rowNumber' | 'key'>> & {
  readonly rowNumber: number;
  readonly key: RowInput['key'];
};

/** A validated row as the splitter sends it, its cells made up from its values. */
export function batchRow(fields: RowFields): BatchRow {
  const input: RowInput = { profile: {}, tags: [], custom: {}, warnings: [], ...fields };
  return { cells: [input.key.value, input.profile.name ?? ''], input };
}

/**
 * A batch message of one import.
 *
 * @example
 * const message = aBatch('acme', 'acme.0…1', 'line', 'line_uid', 1, [batchRow({ rowNumber: 2, key })]);
 */
export function aBatch(
  workspace: string,
  importId: string,
  channel: Channel,
  key: KeyName,
  batchNo: number,
  rows: readonly BatchRow[],
): BatchMessage {
  return { kind: 'batch', workspace, importId, channel, key, batchNo, rows };
}

/** A logger that keeps what it is told, for assertions and a quiet test output. */
export function quietLogger(): PipelineLogger & { readonly lines: string[] } {
  const lines: string[] = [];
  const keep = (message: unknown) => {
    lines.push(String(message));
  };
  return { lines, info: keep, warn: keep, error: keep } as unknown as PipelineLogger & { lines: string[] };
}
