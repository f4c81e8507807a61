/**
 * What every command shares: its exit codes and its context. Its own module so that the commands and the
 * program that registers them do not import each other.
 *
 * Exit codes: 0 success (an import that succeeded), 2 an import completed with errors, 3 an import was
 * rejected, 4 still running (`status` of an unfinished import, a `--wait` that timed out), 5 not allowed
 * (`workspace can-send`), 1 the tool itself failed (bad arguments, stack unavailable, AWS error).
 */
import type { CliIO } from './io.js';
import type { TargetOptions } from './target.js';

export const EXIT = {
  ok: 0,
  failed: 1,
  completedWithErrors: 2,
  rejected: 3,
  stillRunning: 4,
  notAllowed: 5,
} as const;

export interface GlobalOptions extends TargetOptions {
  readonly verbose?: boolean;
}

/** What every command receives: the process IO and the global options. */
export interface CommandContext {
  readonly io: CliIO;
  readonly globals: GlobalOptions;
}
