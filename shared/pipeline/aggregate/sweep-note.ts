/**
 * What the sweeper leaves next to an import's parts when it had to finish the job itself, so that the
 * aggregator can say so in the summary.
 */
import { partsPrefix } from '../messages.js';

export interface SweepNote {
  /** ISO time of the sweep. */
  readonly sweptAt: string;
  /** Batches the sweeper accounted for (their rows are `failed` / `PROCESSING_TIMEOUT`). */
  readonly batchesTimedOut: readonly number[];
  /** Rows in those batches. */
  readonly rowsTimedOut: number;
  /** True when the splitter never finished: the totals are what the split manifests knew. */
  readonly splitIncomplete: boolean;
}

/** Key of an import's sweep note: `parts/<ws>/<importId>/sweep.json`. */
export function sweepNoteKey(workspace: string, importId: string): string {
  return `${partsPrefix(workspace, importId)}sweep.json`;
}
