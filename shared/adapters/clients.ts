/**
 * The one place SDK clients are built. Every adapter takes its client from here, so region, endpoint,
 * credentials and path-style addressing are set once, for AWS and for the emulator alike.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { AwsConfig } from '../config.js';

export interface Clients {
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly sns: SNSClient;
  readonly dynamodb: DynamoDBClient;
}

/** Dummy credentials for the emulator; real AWS uses the default provider chain. */
const EMULATOR_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

function baseOptions(aws: AwsConfig) {
  if (!aws.endpoint) return { region: aws.region, maxAttempts: 5 };
  return { region: aws.region, endpoint: aws.endpoint, credentials: EMULATOR_CREDENTIALS, maxAttempts: 5 };
}

/**
 * Builds the four SDK clients from one configuration.
 *
 * @example
 * const clients = createClients({ region: 'ap-northeast-1', endpoint: 'http://127.0.0.1:5000' });
 */
export function createClients(aws: AwsConfig): Clients {
  const base = baseOptions(aws);
  return {
    s3: new S3Client({ ...base, forcePathStyle: Boolean(aws.endpoint) }),
    sqs: new SQSClient(base),
    sns: new SNSClient(base),
    dynamodb: new DynamoDBClient(base),
  };
}

/** Closes the clients' sockets so a process can exit promptly. */
export function destroyClients(clients: Clients): void {
  clients.s3.destroy();
  clients.sqs.destroy();
  clients.sns.destroy();
  clients.dynamodb.destroy();
}
