import { describe, expect, it } from 'vitest';
import {
  costPerMillionRows,
  type LambdaWork,
  lambdaGbSeconds,
  naiveUsage,
  PRICES,
  type Usage,
  writeFloorCostPerMillionRows,
} from '../../../bench/cost.js';

const NOTHING: Usage = {
  rows: 1000,
  dynamodbReadUnits: 0,
  dynamodbWriteUnits: 0,
  sqsStandardRequests: 0,
  sqsFifoRequests: 0,
  s3PutRequests: 0,
  s3GetRequests: 0,
  lambdaInvocations: 0,
  lambdaGbSeconds: 0,
};

describe('Function: costPerMillionRows', () => {
  it('prices DynamoDB write and read units at the on-demand rates, scaled to a million rows', () => {
    // Prepare
    const usage = { ...NOTHING, dynamodbWriteUnits: 3000, dynamodbReadUnits: 4000 };

    // Act
    const cost = costPerMillionRows(usage);

    // Assess: 3 WRU and 4 RRU a row
    expect(cost.dynamodbWrites).toBeCloseTo(3 * 0.625, 10);
    expect(cost.dynamodb).toBeCloseTo(3 * 0.625 + 4 * 0.125, 10);
    expect(cost.total).toBeCloseTo(cost.dynamodb, 10);
  });

  it('prices FIFO requests above standard ones', () => {
    // Act
    const fifo = costPerMillionRows({ ...NOTHING, sqsFifoRequests: 1000 });
    const standard = costPerMillionRows({ ...NOTHING, sqsStandardRequests: 1000 });

    // Assess
    expect(fifo.sqs).toBeCloseTo(0.5, 10);
    expect(standard.sqs).toBeCloseTo(0.4, 10);
  });

  it('prices S3 requests by class and Lambda by GB-second and request', () => {
    // Prepare
    const usage = {
      ...NOTHING,
      s3PutRequests: 1,
      s3GetRequests: 1,
      lambdaInvocations: 1,
      lambdaGbSeconds: 1,
    };

    // Act
    const cost = costPerMillionRows(usage);

    // Assess: one of each per 1,000 rows
    expect(cost.s3).toBeCloseTo(1000 * (PRICES.s3PutRequest + PRICES.s3GetRequest), 10);
    expect(cost.lambda).toBeCloseTo(1000 * (PRICES.lambdaGbSecondArm + PRICES.lambdaRequest), 10);
    expect(cost.total).toBeCloseTo(cost.s3 + cost.lambda, 10);
  });
});

describe('Function: writeFloorCostPerMillionRows', () => {
  it('prices the floor as write units only', () => {
    // Act
    const cost = writeFloorCostPerMillionRows(5);

    // Assess
    expect(cost).toBeCloseTo(3.125, 10);
  });
});

const IDLE: LambdaWork = {
  cpuSeconds: 0,
  dynamodbReadCalls: 0,
  dynamodbWriteCalls: 0,
  writesInFlight: 8,
  s3Calls: 0,
  sqsCalls: 0,
  memoryMb: 1024,
};

describe('Function: lambdaGbSeconds', () => {
  it('stretches CPU time to a 1,024 MB function’s share of a vCPU', () => {
    // Act
    const gbSeconds = lambdaGbSeconds({ ...IDLE, cpuSeconds: 1 });

    // Assess
    expect(gbSeconds).toBeCloseTo(1769 / 1024, 10);
  });

  it('adds request waits, writes overlapping by the writes in flight', () => {
    // Prepare: 100 reads at 5 ms, 800 writes at 5 ms 8 at a time, 10 S3 calls at 20 ms, 10 sends at 10 ms
    const work = {
      ...IDLE,
      dynamodbReadCalls: 100,
      dynamodbWriteCalls: 800,
      s3Calls: 10,
      sqsCalls: 10,
      memoryMb: 2048,
    };

    // Act
    const gbSeconds = lambdaGbSeconds(work);

    // Assess: (0.5 + 0.5 + 0.2 + 0.1) s at 2 GB
    expect(gbSeconds).toBeCloseTo(2.6, 10);
  });
});

describe('Function: naiveUsage', () => {
  it('sends one message a row and receives and deletes them ten at a time', () => {
    // Act
    const usage = naiveUsage(1000, { contactWriteUnits: 1, cpuSecondsPerRow: 0, memoryMb: 1024 });

    // Assess
    expect(usage.sqsStandardRequests).toBe(1200);
    expect(usage.lambdaInvocations).toBe(100);
  });

  it('reads each contact eventually consistently and writes it once', () => {
    // Act
    const usage = naiveUsage(1000, { contactWriteUnits: 2, cpuSecondsPerRow: 0, memoryMb: 1024 });

    // Assess
    expect(usage.dynamodbReadUnits).toBe(500);
    expect(usage.dynamodbWriteUnits).toBe(2000);
  });

  it('waits for a row’s two calls one after the other', () => {
    // Act
    const usage = naiveUsage(1000, { contactWriteUnits: 1, cpuSecondsPerRow: 0, memoryMb: 1024 });

    // Assess: 2 × 5 ms a row, plus reading the file once
    expect(usage.lambdaGbSeconds).toBeCloseTo(10 + 0.02, 10);
  });
});
