/**
 * A splitter with in-memory ports, and a driver that follows continuations to the end of a file.
 */

import type { ImportLimits } from '../../../shared/domain/limits.js';
import type { Notification } from '../../../shared/pipeline/aggregate/notifier.js';
import type { AggregateMessage } from '../../../shared/pipeline/messages.js';
import { isContinuation } from '../../../shared/pipeline/split/messages.js';
import {
  type SplitDeps,
  type SplitRequest,
  type SplitResult,
  type SplitTuning,
  splitFile,
} from '../../../shared/pipeline/split/split-file.js';
import { MemoryImportLedger, MemoryObjectStore, MemorySender, MemoryWorkspaceStore } from './fakes.js';

export const BUCKET = 'uploads';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

export interface SplitWorldOptions {
  readonly chunkSize?: number;
  readonly tuning?: Partial<SplitTuning>;
  readonly limits?: ImportLimits;
  /** The registered workspaces; every workspace when absent. */
  readonly registered?: readonly string[];
  /** Records each invocation may read before its time runs short; unlimited when absent. */
  readonly recordsPerInvocation?: number;
}

export function splitWorld(options: SplitWorldOptions = {}) {
  const store = new MemoryObjectStore(options.chunkSize);
  const ledger = new MemoryImportLedger();
  const workspaces = new MemoryWorkspaceStore(options.registered ? new Set(options.registered) : 'all');
  const batches = new MemorySender();
  const continuations = new MemorySender();
  const aggregates: AggregateMessage[] = [];
  /** What the operators' topic received. */
  const alerts: Notification[] = [];
  let calls = 0;
  const deps: SplitDeps = {
    store,
    ledger,
    workspaces,
    batches,
    continuations,
    sendAggregate: async (message) => {
      aggregates.push(message);
    },
    operators: {
      publish: async (notification) => {
        alerts.push(notification);
      },
    },
    // The splitter asks once per record read: a budget of N records is N calls.
    remainingTimeMs: () => {
      calls++;
      return options.recordsPerInvocation !== undefined && calls >= options.recordsPerInvocation
        ? 0
        : 900_000;
    },
    logger: silent,
    limits: options.limits,
    tuning: options.tuning,
  };

  /** Runs one invocation with a fresh time budget. */
  const invoke = async (request: SplitRequest): Promise<SplitResult> => {
    calls = 0;
    return splitFile(request, deps);
  };

  /** Splits an uploaded object, following every continuation; returns each invocation's result. */
  const splitAll = async (key: string, versionId?: string): Promise<SplitResult[]> => {
    const results = [await invoke({ kind: 'object', bucket: BUCKET, key, versionId })];
    let seen = 0;
    while (continuations.messages.length > seen) {
      const body = JSON.parse((continuations.messages[seen] as { body: string }).body) as unknown;
      seen++;
      if (!isContinuation(body)) throw new Error('not a continuation');
      results.push(await invoke(body));
    }
    return results;
  };

  return { store, ledger, workspaces, batches, continuations, aggregates, alerts, deps, invoke, splitAll };
}

export type SplitWorld = ReturnType<typeof splitWorld>;
