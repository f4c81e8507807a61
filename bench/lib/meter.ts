/**
 * Meters every AWS call the process makes (the real handlers included) with one SDK middleware: DynamoDB
 * priced by `DynamoMeter`, SQS requests as SQS bills them (one request per 64 KiB chunk of payload), S3
 * requests by price class. The handlers build their own clients at import time, so the middleware is
 * attached to any client's middleware stack on its first `send`, by wrapping the `send` every SDK client
 * inherits; clients given to `exclude` (the probes, the uploads) are never metered.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoMeter } from './dynamo-meter.js';

/** SQS bills one request per started 64 KiB of payload. */
export const SQS_BILLING_CHUNK_BYTES = 64 * 1024;

export interface QueueUsage {
  /** SendMessage and SendMessageBatch calls. */
  sendCalls: number;
  messagesSent: number;
  /** Data rows carried by the batch messages sent (`rows` of a batch message body). */
  rowsSent: number;
  sendBilled: number;
  /** ReceiveMessage calls that returned messages (empty ones are counted apart: they depend on time, not rows). */
  receiveCalls: number;
  emptyReceives: number;
  messagesReceived: number;
  receiveBilled: number;
  /** DeleteMessage(Batch) and ChangeMessageVisibility(Batch) calls. */
  deleteCalls: number;
  visibilityCalls: number;
  /** Calls that are not part of the pipeline's work (GetQueueAttributes of the local runner). */
  otherCalls: number;
}

/** Billed requests per queue name. */
export type SqsUsage = Record<string, QueueUsage>;

export interface S3Usage {
  /** PUT, COPY, POST, LIST and multipart requests ($0.005 per 1,000 in us-east-1). */
  putClass: number;
  /** GET and HEAD requests ($0.0004 per 1,000). */
  getClass: number;
  /** Requests S3 does not charge for (DELETE, abort). */
  free: number;
  /** Calls by command name. */
  readonly calls: Record<string, number>;
}

const S3_PUT_CLASS = new Set([
  'PutObject',
  'CopyObject',
  'ListObjectsV2',
  'ListObjects',
  'ListObjectVersions',
  'CreateMultipartUpload',
  'UploadPart',
  'CompleteMultipartUpload',
]);
const S3_GET_CLASS = new Set(['GetObject', 'HeadObject']);

function emptyQueueUsage(): QueueUsage {
  return {
    sendCalls: 0,
    messagesSent: 0,
    rowsSent: 0,
    sendBilled: 0,
    receiveCalls: 0,
    emptyReceives: 0,
    messagesReceived: 0,
    receiveBilled: 0,
    deleteCalls: 0,
    visibilityCalls: 0,
    otherCalls: 0,
  };
}

/** Billed SQS requests of one call carrying `bytes` of payload. */
export function sqsBilledRequests(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / SQS_BILLING_CHUNK_BYTES));
}

/** Rows of a batch message body; 0 for any other message. */
function rowsOf(body: string): number {
  if (!body.startsWith('{"kind":"batch"')) return 0;
  const rows = (JSON.parse(body) as { rows?: unknown[] }).rows;
  return Array.isArray(rows) ? rows.length : 0;
}

/** Frames of the pipeline's own code (not the table wrapper, the retry or the meter). */
const PIPELINE_FRAME = /at (?:async )?([\w$.<>]+) \(.*\/(?:shared|functions)\/(?!adapters\/dynamo\/)/;

/**
 * What a call is for, from the stack of its caller (async frames included): the innermost pipeline
 * functions that made it, e.g. `DynamoContactStore.resolve ← WorkingSet.load ← planBatch`.
 */
function purposeOf(): string {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 60;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  const names: string[] = [];
  for (const line of stack.split('\n')) {
    const name = PIPELINE_FRAME.exec(line)?.[1];
    if (name && names.at(-1) !== name) names.push(name);
    if (names.length === 3) break;
  }
  return names.length > 0 ? names.join(' ← ') : 'unknown';
}

type Input = Record<string, unknown>;
type Handler = (args: { input: Input }) => Promise<{ output: unknown }>;
interface Context {
  readonly clientName?: string;
  readonly commandName?: string;
}
interface Stack {
  add(
    middleware: (next: Handler, context: Context) => Handler,
    options: { step: 'initialize'; name: string; override: boolean },
  ): void;
}
interface Sendable {
  readonly middlewareStack: unknown;
  send(command: { readonly input?: unknown }, ...rest: unknown[]): Promise<unknown>;
}

/**
 * @example
 * const meter = new AwsMeter(probe.dynamodb);
 * meter.exclude(uploader.s3);
 * const uninstall = meter.install();
 * // ... run the pipeline ...
 * meter.snapshot(); // { dynamodb, sqs, s3 }
 */
export class AwsMeter {
  readonly dynamo: DynamoMeter;
  private sqs: SqsUsage = {};
  private s3: S3Usage = { putClass: 0, getClass: 0, free: 0, calls: {} };
  private readonly excluded = new WeakSet<object>();
  private readonly attached = new WeakSet<object>();
  /** Inputs of document-client commands: their items are in the native form, not the wire format. */
  private readonly nativeInputs = new WeakSet<object>();
  /** What each DynamoDB call is for: the pipeline's functions that made it (see `purposeOf`). */
  private readonly purposes = new WeakMap<object, string>();
  /** While false the middleware passes calls through untouched. */
  enabled = true;

  constructor(probe: DynamoDBClient) {
    this.dynamo = new DynamoMeter(probe);
    this.exclude(probe);
  }

  /** Never meter this client's calls. */
  exclude(client: { readonly middlewareStack: unknown }): void {
    this.excluded.add(client.middlewareStack as object);
  }

  /** Starts metering every client of the process; returns the function that stops attaching to new ones. */
  install(): () => void {
    const prototypes = new Set(
      [DynamoDBClient, S3Client, SQSClient].map((c) => Object.getPrototypeOf(c.prototype) as Sendable),
    );
    const meter = this;
    const restore = [...prototypes].map((prototype) => {
      const original = prototype.send;
      prototype.send = function (this: Sendable, command, ...rest) {
        meter.attach(this);
        const input = typeof command?.input === 'object' && command.input ? command.input : undefined;
        if (input && this instanceof DynamoDBDocumentClient) meter.nativeInputs.add(input);
        const dynamo = this instanceof DynamoDBDocumentClient || this instanceof DynamoDBClient;
        if (input && dynamo && meter.enabled && !meter.purposes.has(input)) {
          meter.purposes.set(input, purposeOf());
        }
        return original.call(this, command, ...rest);
      };
      return () => {
        prototype.send = original;
      };
    });
    return () => {
      for (const undo of restore) undo();
    };
  }

  /** Everything metered since the last reset. */
  snapshot(): { dynamodb: ReturnType<DynamoMeter['usage']>; sqs: SqsUsage; s3: S3Usage } {
    return { dynamodb: this.dynamo.usage(), sqs: structuredClone(this.sqs), s3: structuredClone(this.s3) };
  }

  reset(): void {
    this.dynamo.reset();
    this.sqs = {};
    this.s3 = { putClass: 0, getClass: 0, free: 0, calls: {} };
  }

  private attach(client: Sendable): void {
    const stack = client.middlewareStack as object;
    if (this.excluded.has(stack) || this.attached.has(stack)) return;
    this.attached.add(stack);
    // Outermost, where a document client's request and response are still in its native form.
    (stack as Stack).add((next, context) => (args) => this.meter(next, context, args), {
      step: 'initialize',
      name: 'benchAwsMeter',
      override: true,
    });
  }

  private async meter(next: Handler, context: Context, args: { input: Input }): Promise<{ output: unknown }> {
    if (!this.enabled) return next(args);
    const operation = (context.commandName ?? '').replace(/Command$/, '');
    switch (context.clientName) {
      case 'DynamoDBClient': {
        let result: { output: unknown } | undefined;
        const output = await this.dynamo.call(
          operation,
          args.input,
          this.nativeInputs.has(args.input),
          this.purposes.get(args.input) ?? 'unknown',
          async (input) => {
            result = await next(input === args.input ? args : { ...args, input });
            return result.output as Input;
          },
        );
        return { ...(result as { output: unknown }), output };
      }
      case 'SQSClient': {
        const result = await next(args);
        this.meterSqs(operation, args.input, result.output as Input);
        return result;
      }
      case 'S3Client': {
        const result = await next(args);
        this.s3.calls[operation] = (this.s3.calls[operation] ?? 0) + 1;
        if (S3_PUT_CLASS.has(operation)) this.s3.putClass += 1;
        else if (S3_GET_CLASS.has(operation)) this.s3.getClass += 1;
        else this.s3.free += 1;
        return result;
      }
      default:
        return next(args);
    }
  }

  private meterSqs(operation: string, input: Input, output: Input): void {
    const name =
      String(input.QueueUrl ?? '')
        .split('/')
        .pop() ?? '';
    const usage = this.sqs[name] ?? emptyQueueUsage();
    this.sqs[name] = usage;
    const bodies = (messages: unknown) =>
      ((messages ?? []) as { MessageBody?: string; Body?: string }[]).map(
        (m) => m.MessageBody ?? m.Body ?? '',
      );
    const bytes = (list: string[]) => list.reduce((sum, b) => sum + Buffer.byteLength(b), 0);
    switch (operation) {
      case 'SendMessage':
      case 'SendMessageBatch': {
        const sent = operation === 'SendMessage' ? [String(input.MessageBody)] : bodies(input.Entries);
        usage.sendCalls += 1;
        usage.messagesSent += sent.length;
        usage.rowsSent += sent.reduce((sum, body) => sum + rowsOf(body), 0);
        usage.sendBilled += sqsBilledRequests(bytes(sent));
        return;
      }
      case 'ReceiveMessage': {
        const received = bodies(output.Messages);
        if (received.length === 0) {
          usage.emptyReceives += 1;
          return;
        }
        usage.receiveCalls += 1;
        usage.messagesReceived += received.length;
        usage.receiveBilled += sqsBilledRequests(bytes(received));
        return;
      }
      case 'DeleteMessage':
      case 'DeleteMessageBatch':
        usage.deleteCalls += 1;
        return;
      case 'ChangeMessageVisibility':
      case 'ChangeMessageVisibilityBatch':
        usage.visibilityCalls += 1;
        return;
      default:
        usage.otherCalls += 1;
    }
  }
}

/** Requests SQS bills for a queue's usage: sends and non-empty receives by 64 KiB chunk, deletes, visibility. */
export function billedRequests(usage: QueueUsage): number {
  return usage.sendBilled + usage.receiveBilled + usage.deleteCalls + usage.visibilityCalls;
}
