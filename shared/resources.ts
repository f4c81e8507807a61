/**
 * The one definition of every AWS resource the pipeline uses: names, keys, indexes, queue settings.
 *
 * The CDK stack (`infra/`) and the local emulator provisioning (`infra/local/provision.ts`) both read
 * this module, so what runs in tests and what deploys to AWS cannot drift apart.
 *
 * @example
 * const r = resourcesFor('local');
 * r.queues.batches.name; // 'contact-import-local-batches.fifo'
 */

/** Seconds each consuming function may run; queue visibility timeouts are derived from these. */
export const FUNCTION_TIMEOUT_SECONDS = {
  splitter: 900,
  processor: 120,
  deadBatch: 60,
  aggregator: 300,
  sweeper: 120,
  sendingHealth: 60,
  sendGate: 10,
} as const;

export type FunctionName = keyof typeof FUNCTION_TIMEOUT_SECONDS;

/** AWS recommends a visibility timeout of at least six times the consumer's timeout. */
export const VISIBILITY_TIMEOUT_FACTOR = 6;

/** Receives before a message moves to its dead-letter queue. */
export const MAX_RECEIVE_COUNT = 5;

/** Seconds a dead letter is kept: the SQS maximum, so an operator has two weeks to inspect or redrive it. */
export const DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600;

/** Minutes between two sweeper runs (an EventBridge schedule in AWS). */
export const SWEEP_INTERVAL_MINUTES = 5;

/**
 * Prefix of the S3 keys that start an import: `incoming/<workspace>/<channel>/<key>/<name>.csv`. The bucket
 * notification filters on this prefix only: every object under it starts an import or a rejection
 * (RULES §1). A suffix filter would be matched case-sensitively by S3 (`LIST.CSV` would start nothing) and
 * would silently drop `members.xlsx`, which must be rejected with a report instead.
 */
export const INCOMING_PREFIX = 'incoming/';
/** The file name extension of an import, in any letter case (`LIST.CSV` is a CSV). */
export const CSV_EXTENSION = '.csv';
/** Prefix of the report objects: `reports/<workspace>/<importId>/`. */
export const REPORTS_PREFIX = 'reports/';
/** Prefix of the per-batch part files: `parts/<workspace>/<importId>/`. */
export const PARTS_PREFIX = 'parts/';

/**
 * FIFO message groups of one workspace (MessageGroupId = `<workspace>#<partition>`, see
 * `shared/pipeline/message-groups.ts`): the most processors one tenant's backlog holds at once, and the most
 * one import gets.
 */
export const GROUPS_PER_WORKSPACE = 4;

/**
 * Partitions the splitter spreads a file's valid rows over (by component, else hash(key value) mod P): one
 * per message group. More partitions than groups would only cut a group's rows into more, smaller batches
 * (a 20-row file made 10.8 batch messages with 16 partitions).
 */
export const BATCH_PARTITIONS = GROUPS_PER_WORKSPACE;

/** A queue where messages end that their consumer failed `maxReceiveCount` times; nothing consumes it. */
export interface DeadLetterTarget {
  readonly name: string;
  /** Receives of the source queue before a message moves here. */
  readonly maxReceiveCount: number;
  /** Seconds a dead letter is kept. */
  readonly retentionSeconds: number;
}

/**
 * A function that drains a dead-letter queue (the batches DLQ is drained by `deadBatch`). A drained
 * dead-letter queue is an event source like any other, so it has a dead-letter queue of its own: what the
 * drain fails `maxReceiveCount` times waits there for an operator instead of vanishing with retention.
 */
export interface DeadLetterDrain {
  readonly consumer: FunctionName;
  readonly batchSize: number;
  readonly maxConcurrency: number;
  /** Seconds; six times the drain's timeout. */
  readonly visibilityTimeoutSeconds: number;
  /** Where the messages the drain cannot handle end. */
  readonly deadLetter: DeadLetterTarget;
}

export interface DeadLetterDefinition extends DeadLetterTarget {
  /** The function that consumes the dead-letter queue, when one does. */
  readonly drain?: DeadLetterDrain;
}

export interface QueueDefinition {
  /** The queue's name (FIFO names end in `.fifo`). */
  readonly name: string;
  readonly fifo: boolean;
  /** Seconds; six times the consumer's timeout. */
  readonly visibilityTimeoutSeconds: number;
  /** The function that consumes the queue. */
  readonly consumer: FunctionName;
  /** Records handed to one invocation. */
  readonly batchSize: number;
  /** Concurrent invocations the event source mapping may run. */
  readonly maxConcurrency: number;
  readonly deadLetter: DeadLetterDefinition;
  /** Seconds a message is kept. */
  readonly retentionSeconds: number;
}

export interface TableDefinition {
  readonly name: string;
  readonly partitionKey: string;
  readonly sortKey: string;
  readonly indexes: readonly {
    readonly name: string;
    readonly partitionKey: string;
    readonly sortKey: string;
    readonly projection: 'KEYS_ONLY' | 'ALL';
  }[];
  /** Attribute holding an epoch-seconds expiry, if the table uses TTL. */
  readonly ttlAttribute?: string;
}

export interface Resources {
  readonly stage: string;
  readonly bucket: { readonly name: string };
  readonly queues: {
    readonly uploads: QueueDefinition;
    readonly batches: QueueDefinition;
    readonly aggregate: QueueDefinition;
    readonly feedback: QueueDefinition;
  };
  readonly topics: {
    readonly notifications: { readonly name: string };
    readonly feedback: { readonly name: string };
    /**
     * The operators' topic: CloudWatch alarms, and the rejections no registered workspace can be told about
     * (a key without a valid workspace segment, an unknown workspace). Never a tenant's topic.
     */
    readonly alarms: { readonly name: string };
  };
  readonly tables: { readonly contacts: TableDefinition; readonly imports: TableDefinition };
}

export type QueueId = keyof Resources['queues'];

const STAGE_PATTERN = /^[a-z][a-z0-9-]{0,20}$/;

function queue(
  base: string,
  consumer: FunctionName,
  opts: {
    fifo?: boolean;
    batchSize: number;
    maxConcurrency: number;
    /** @default MAX_RECEIVE_COUNT */
    maxReceiveCount?: number;
    drain?: { consumer: FunctionName; batchSize: number; maxConcurrency: number };
  },
): QueueDefinition {
  const fifo = opts.fifo ?? false;
  const suffix = fifo ? '.fifo' : '';
  const target = (name: string, maxReceiveCount: number): DeadLetterTarget => ({
    name: `${name}${suffix}`,
    maxReceiveCount,
    retentionSeconds: DEAD_LETTER_RETENTION_SECONDS,
  });
  return {
    name: `${base}${suffix}`,
    fifo,
    consumer,
    visibilityTimeoutSeconds: FUNCTION_TIMEOUT_SECONDS[consumer] * VISIBILITY_TIMEOUT_FACTOR,
    batchSize: opts.batchSize,
    maxConcurrency: opts.maxConcurrency,
    deadLetter: {
      ...target(`${base}-dlq`, opts.maxReceiveCount ?? MAX_RECEIVE_COUNT),
      ...(opts.drain
        ? {
            drain: {
              ...opts.drain,
              visibilityTimeoutSeconds:
                FUNCTION_TIMEOUT_SECONDS[opts.drain.consumer] * VISIBILITY_TIMEOUT_FACTOR,
              // A moved message may keep its receive count (moto keeps it; SQS does not document a reset):
              // counting on from the source queue's limit leaves the drain at least MAX_RECEIVE_COUNT tries.
              deadLetter: target(
                `${base}-dlq-dlq`,
                (opts.maxReceiveCount ?? MAX_RECEIVE_COUNT) + MAX_RECEIVE_COUNT,
              ),
            },
          }
        : {}),
    },
    retentionSeconds: 4 * 24 * 3600,
  };
}

/**
 * The resources of one deployment stage.
 *
 * @param stage lower-case stage name, e.g. `prod` or `local`
 * @param prefix name prefix shared by every resource
 * @param suffix appended to the bucket name only, to make it globally unique in AWS (e.g. the account id)
 */
export function resourcesFor(stage: string, prefix = 'contact-import', suffix = ''): Resources {
  if (!STAGE_PATTERN.test(stage)) {
    throw new Error(
      `Invalid stage "${stage}": use 1-21 lower-case letters, digits or dashes, starting with a letter`,
    );
  }
  const base = `${prefix}-${stage}`;
  return {
    stage,
    bucket: { name: suffix ? `${base}-uploads-${suffix}` : `${base}-uploads` },
    queues: {
      uploads: queue(`${base}-uploads`, 'splitter', { batchSize: 1, maxConcurrency: 10 }),
      batches: queue(`${base}-batches`, 'processor', {
        fifo: true,
        batchSize: 10,
        maxConcurrency: 20,
        drain: { consumer: 'deadBatch', batchSize: 10, maxConcurrency: 2 },
      }),
      // Ten receives: a pending notification is retried after 10, 20, 40, … 300 s (NOTIFY_RETRY), about
      // 30 minutes in all before it dead-letters (alarm); the sweeper re-enqueues the import after that.
      aggregate: queue(`${base}-aggregate`, 'aggregator', {
        batchSize: 1,
        maxConcurrency: 5,
        maxReceiveCount: 10,
      }),
      feedback: queue(`${base}-ses-feedback`, 'sendingHealth', { batchSize: 10, maxConcurrency: 5 }),
    },
    topics: {
      notifications: { name: `${base}-notifications` },
      feedback: { name: `${base}-ses-feedback` },
      alarms: { name: `${base}-alarms` },
    },
    tables: {
      contacts: {
        name: `${base}-contacts`,
        partitionKey: 'pk',
        sortKey: 'sk',
        indexes: [
          { name: 'byWorkspace', partitionKey: 'gsi1pk', sortKey: 'gsi1sk', projection: 'KEYS_ONLY' },
        ],
        ttlAttribute: 'expiresAt',
      },
      imports: {
        name: `${base}-imports`,
        partitionKey: 'pk',
        sortKey: 'sk',
        indexes: [
          { name: 'byStatus', partitionKey: 'gsi1pk', sortKey: 'gsi1sk', projection: 'KEYS_ONLY' },
          // The history of a workspace (`imports list`), newest first: one Query, never a Scan.
          { name: 'byWorkspace', partitionKey: 'gsi2pk', sortKey: 'gsi2sk', projection: 'ALL' },
        ],
        ttlAttribute: 'expiresAt',
      },
    },
  };
}
