/**
 * Metric 3: how many batch messages a file becomes, and what SQS bills for them. The real splitter (the
 * `splitFile` use case with the real S3, DynamoDB and SQS adapters) splits a large generated file on the
 * emulator; the batches queue is then drained the way Lambda's event source mapping does it (receive up to
 * 10, delete them in one batch call). Every SQS call is metered; SQS bills one request per started 64 KiB
 * of payload of a send or receive, and one per delete call.
 *
 * A file of many rows is used on purpose: every partition's last batch is partly empty, so a small file
 * needs more messages per row than a large one (the pipeline run shows the small-file figure as a detail).
 */
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { createClients, destroyClients } from '../../shared/adapters/clients.js';
import { DynamoImportLedger } from '../../shared/adapters/import-ledger.js';
import { S3ObjectStore } from '../../shared/adapters/s3-object-store.js';
import { SnsNotifier } from '../../shared/adapters/sns-notifier.js';
import { SqsSender } from '../../shared/adapters/sqs-sender.js';
import { DynamoWorkspaceStore } from '../../shared/adapters/workspace-store.js';
import { aggregateSender } from '../../shared/pipeline/aggregate/enqueue.js';
import { splitFile } from '../../shared/pipeline/split/split-file.js';
import type { ImportFile } from '../lib/files.js';
import { AwsMeter, billedRequests, type QueueUsage } from '../lib/meter.js';
import { type LocalEnvironment, upload } from '../lib/pipeline.js';
import type { Section } from '../lib/report.js';

/** Requests every import adds whatever its size: the S3 event on the uploads queue and the aggregate message, each sent, received and deleted. */
export const PER_IMPORT_SQS_REQUESTS = 6;

export interface QueueResult {
  readonly rows: number;
  readonly validRows: number;
  readonly batches: QueueUsage;
  /** Billed requests of the batches queue plus the per-import requests of the other queues. */
  readonly billedRequests: number;
  readonly splitSeconds: number;
}

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Receives and deletes until the queue is empty, as the event source mapping would. */
async function drain(sqs: SQSClient, queueUrl: string): Promise<void> {
  let empty = 0;
  while (empty < 2) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    if (Messages.length === 0) {
      empty += 1;
      continue;
    }
    empty = 0;
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
      }),
    );
  }
}

/**
 * @example
 * const { batches, validRows } = await measureQueues(env, generatedImport('line', 200_000, 3));
 * (batches.messagesSent / validRows) * 1000; // batch messages per 1,000 valid rows
 */
export async function measureQueues(env: LocalEnvironment, file: ImportFile): Promise<QueueResult> {
  const provisioned = await env.provision();
  const meter = new AwsMeter(env.clients.dynamodb);
  for (const client of Object.values(env.clients)) meter.exclude(client);
  const uninstall = meter.install();
  const clients = createClients(env.config.aws);
  try {
    const uploaded = await upload(env.clients.s3, provisioned.bucket, file.key, file.csv);
    const { tables, queues } = provisioned;
    const started = performance.now();
    const result = await splitFile(
      { kind: 'object', bucket: provisioned.bucket, key: uploaded.key },
      {
        store: new S3ObjectStore(clients.s3, provisioned.bucket),
        ledger: new DynamoImportLedger(clients.dynamodb, tables.imports),
        workspaces: new DynamoWorkspaceStore(clients.dynamodb, tables.contacts),
        batches: new SqsSender(clients.sqs, queues.batches.url),
        continuations: new SqsSender(clients.sqs, queues.uploads.url),
        sendAggregate: aggregateSender(new SqsSender(clients.sqs, queues.aggregate.url)),
        operators: new SnsNotifier(clients.sns, provisioned.topics.alarms),
        remainingTimeMs: () => 900_000,
        logger: silent,
        limits: env.config.limits,
      },
    );
    const splitSeconds = (performance.now() - started) / 1000;
    await drain(clients.sqs, queues.batches.url);
    const batchesName = queues.batches.url.split('/').pop() as string;
    const batches = meter.snapshot().sqs[batchesName];
    if (!batches) throw new Error(`No message reached ${batchesName}: the split ended ${result.status}`);
    return {
      rows: 'rowsTotal' in result ? result.rowsTotal : file.rows,
      validRows: batches.rowsSent,
      batches,
      billedRequests: billedRequests(batches) + PER_IMPORT_SQS_REQUESTS,
      splitSeconds,
    };
  } finally {
    meter.enabled = false;
    uninstall();
    destroyClients(clients);
  }
}

/** The section of the report. */
export function queueSection(result: QueueResult): Section {
  const { batches } = result;
  const perValid = (batches.messagesSent / result.validRows) * 1000;
  const billed = (result.billedRequests / result.rows) * 1000;
  return {
    metrics: [
      { name: 'sqs_messages_per_1000_rows', value: perValid, goal: { max: 2, text: '≤ 2' } },
      { name: 'sqs_billed_requests_per_1000_rows', value: billed },
    ],
    notes: [
      `sqs_messages_per_1000_rows: batch messages sent per 1,000 valid rows when the real splitter splits a ${result.rows.toLocaleString('en')}-row generated LINE file on the emulator: ${batches.messagesSent} messages for ${result.validRows.toLocaleString('en')} valid rows (${(batches.rowsSent / batches.messagesSent).toFixed(0)} rows a message on average; split in ${result.splitSeconds.toFixed(1)} s).`,
      `sqs_billed_requests_per_1000_rows: per 1,000 rows of the file, SQS requests as billed (a send or receive is one request per started 64 KiB of payload, a delete call one): batches queue ${batches.sendBilled} for ${batches.sendCalls} SendMessageBatch calls + ${batches.receiveBilled} for ${batches.receiveCalls} receives of up to 10 + ${batches.deleteCalls} DeleteMessageBatch, plus ${PER_IMPORT_SQS_REQUESTS} per import (the S3 event and the aggregate message, each sent, received, deleted). Empty receives of idle pollers depend on time, not rows, and are left out.`,
    ],
    details: { ...result },
  };
}
