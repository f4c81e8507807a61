/**
 * The cost model: what an import costs at public on-demand prices, from the requests the benchmarks
 * counted, and the same for a naive design. Pure functions, so the arithmetic is unit-tested.
 *
 * Prices: us-east-1, on-demand, list prices as published on the AWS pricing pages (checked 2026-11-28;
 * DynamoDB on-demand after the November 2024 reduction). Free tiers are ignored.
 */

export interface Prices {
  readonly region: string;
  /** When the prices were checked, ISO date. */
  readonly checked: string;
  /** USD per unit. */
  readonly dynamodbWriteRequestUnit: number;
  readonly dynamodbReadRequestUnit: number;
  readonly sqsStandardRequest: number;
  readonly sqsFifoRequest: number;
  readonly s3PutRequest: number;
  readonly s3GetRequest: number;
  readonly lambdaGbSecondArm: number;
  readonly lambdaRequest: number;
}

export const PRICES: Prices = {
  region: 'us-east-1',
  checked: '2026-11-28',
  dynamodbWriteRequestUnit: 0.625 / 1e6,
  dynamodbReadRequestUnit: 0.125 / 1e6,
  sqsStandardRequest: 0.4 / 1e6,
  sqsFifoRequest: 0.5 / 1e6,
  s3PutRequest: 0.005 / 1000,
  s3GetRequest: 0.0004 / 1000,
  lambdaGbSecondArm: 0.0000133334,
  lambdaRequest: 0.2 / 1e6,
};

/** The price list as one line of text, for the benchmark's output. */
export function describePrices(prices: Prices = PRICES): string {
  const perMillion = (usd: number) => `$${(usd * 1e6).toFixed(3)}/M`;
  const perThousand = (usd: number) => `$${(usd * 1000).toFixed(4)}/1000`;
  return [
    `${prices.region} on-demand list prices checked ${prices.checked}:`,
    `DynamoDB ${perMillion(prices.dynamodbWriteRequestUnit)} WRU, ${perMillion(prices.dynamodbReadRequestUnit)} RRU;`,
    `SQS ${perMillion(prices.sqsStandardRequest)} requests (FIFO ${perMillion(prices.sqsFifoRequest)}), 64 KiB chunks;`,
    `S3 PUT/LIST ${perThousand(prices.s3PutRequest)}, GET/HEAD ${perThousand(prices.s3GetRequest)};`,
    `Lambda arm64 $${prices.lambdaGbSecondArm}/GB-s + ${perMillion(prices.lambdaRequest)} requests`,
  ].join(' ');
}

/** What one import (or any piece of work) used. */
export interface Usage {
  readonly rows: number;
  readonly dynamodbReadUnits: number;
  readonly dynamodbWriteUnits: number;
  /** Billed requests (64 KiB chunks) on standard and on FIFO queues. */
  readonly sqsStandardRequests: number;
  readonly sqsFifoRequests: number;
  readonly s3PutRequests: number;
  readonly s3GetRequests: number;
  readonly lambdaInvocations: number;
  readonly lambdaGbSeconds: number;
}

export interface CostBreakdown {
  /** Reads and writes; the writes alone in `dynamodbWrites`. */
  readonly dynamodb: number;
  readonly dynamodbWrites: number;
  readonly sqs: number;
  readonly s3: number;
  readonly lambda: number;
  readonly total: number;
}

/**
 * USD per million rows of a usage.
 *
 * @example
 * costPerMillionRows({ rows: 1000, dynamodbWriteUnits: 3000, dynamodbReadUnits: 0, ... }).dynamodb; // 1.875
 */
export function costPerMillionRows(usage: Usage, prices: Prices = PRICES): CostBreakdown {
  const scale = 1e6 / usage.rows;
  const dynamodbWrites = usage.dynamodbWriteUnits * prices.dynamodbWriteRequestUnit * scale;
  const dynamodb = dynamodbWrites + usage.dynamodbReadUnits * prices.dynamodbReadRequestUnit * scale;
  const sqs =
    (usage.sqsStandardRequests * prices.sqsStandardRequest + usage.sqsFifoRequests * prices.sqsFifoRequest) *
    scale;
  const s3 = (usage.s3PutRequests * prices.s3PutRequest + usage.s3GetRequests * prices.s3GetRequest) * scale;
  const lambda =
    (usage.lambdaGbSeconds * prices.lambdaGbSecondArm + usage.lambdaInvocations * prices.lambdaRequest) *
    scale;
  return { dynamodb, dynamodbWrites, sqs, s3, lambda, total: dynamodb + sqs + s3 + lambda };
}

/** USD per million rows of writing `writeUnitsPerRow` units a row and nothing else. */
export function writeFloorCostPerMillionRows(writeUnitsPerRow: number, prices: Prices = PRICES): number {
  return writeUnitsPerRow * 1e6 * prices.dynamodbWriteRequestUnit;
}

/** Typical same-region latencies of one request, in ms, that the Lambda duration model assumes. */
export const LATENCY_MS = { dynamodb: 5, s3: 20, sqs: 10 } as const;

/** Memory at which a function gets one full vCPU (Lambda allocates CPU in proportion to memory). */
export const MB_PER_VCPU = 1769;

export interface LambdaWork {
  /** CPU seconds the handlers used (measured on this machine, one core). */
  readonly cpuSeconds: number;
  readonly dynamodbReadCalls: number;
  readonly dynamodbWriteCalls: number;
  /** DynamoDB writes in flight at once (the processor's write concurrency). */
  readonly writesInFlight: number;
  readonly s3Calls: number;
  /** SQS calls made by the handlers (the event source mapping's receives and deletes are not billed time). */
  readonly sqsCalls: number;
  readonly memoryMb: number;
}

/**
 * Billed GB-seconds of Lambda for some work, modelled: the measured CPU time stretched to the function's
 * share of a vCPU, plus the waits for AWS at typical latencies (reads and other calls one at a time, writes
 * `writesInFlight` at a time). Local wall time is no estimate: the emulator is many times slower than AWS.
 *
 * @example
 * lambdaGbSeconds({ cpuSeconds: 1, dynamodbReadCalls: 0, dynamodbWriteCalls: 800, writesInFlight: 8,
 *   s3Calls: 0, sqsCalls: 0, memoryMb: 1024 }); // ≈ 1.73 + 0.5
 */
export function lambdaGbSeconds(work: LambdaWork): number {
  const cpu = work.cpuSeconds * Math.max(1, MB_PER_VCPU / work.memoryMb);
  const waits =
    (work.dynamodbReadCalls * LATENCY_MS.dynamodb +
      (work.dynamodbWriteCalls * LATENCY_MS.dynamodb) / work.writesInFlight +
      work.s3Calls * LATENCY_MS.s3 +
      work.sqsCalls * LATENCY_MS.sqs) /
    1000;
  return (cpu + waits) * (work.memoryMb / 1024);
}

export interface NaiveAssumptions {
  /** Write units of one contact item (the profile as this pipeline stores it). */
  readonly contactWriteUnits: number;
  /** Handler CPU seconds a row costs (taken as this pipeline's). */
  readonly cpuSecondsPerRow: number;
  readonly memoryMb: number;
  /** Messages per receive and per delete call, and rows per invocation (Lambda's SQS batch size). @default 10 */
  readonly batchSize?: number;
}

/**
 * The naive design for the same file: one standard-queue message per row (sent alone, received and deleted
 * in batches of 10 by the event source mapping), one eventually consistent GetItem and one PutItem of the
 * contact per row, one Lambda invocation per 10 rows (its Lambda time modelled like the pipeline's: the same
 * CPU per row, the row's two calls one after the other), the file read once. It keeps no identity index, so
 * it cannot unify profiles (RULES §6): it is a floor for a row-at-a-time design, not an equivalent one.
 *
 * @example
 * naiveUsage(1_000_000, { contactWriteUnits: 1, cpuSecondsPerRow: 0.001, memoryMb: 1024 }).sqsStandardRequests;
 * // 1,200,000
 */
export function naiveUsage(rows: number, assumptions: NaiveAssumptions): Usage {
  const batch = assumptions.batchSize ?? 10;
  return {
    rows,
    dynamodbReadUnits: rows * 0.5,
    dynamodbWriteUnits: rows * assumptions.contactWriteUnits,
    sqsStandardRequests: rows + (2 * rows) / batch,
    sqsFifoRequests: 0,
    s3PutRequests: 0,
    s3GetRequests: 1,
    lambdaInvocations: rows / batch,
    lambdaGbSeconds: lambdaGbSeconds({
      cpuSeconds: rows * assumptions.cpuSecondsPerRow,
      dynamodbReadCalls: rows,
      dynamodbWriteCalls: rows,
      writesInFlight: 1,
      s3Calls: 1,
      sqsCalls: 0,
      memoryMb: assumptions.memoryMb,
    }),
  };
}
