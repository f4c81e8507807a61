/**
 * Sending-health Lambda (feedback queue, fed by the SES configuration set through the feedback topic with
 * raw delivery): each record is one SES event. Bounces and complaints restrict their contacts, events are
 * counted per workspace, and a workspace over the policy is suspended once. A record that cannot be
 * attributed to a workspace fails every time, so it reaches the dead-letter queue (and its alarm).
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { createClients } from '../../shared/adapters/clients.js';
import { DynamoContactStore } from '../../shared/adapters/contact-store.js';
import { DynamoHealthStore } from '../../shared/adapters/health-store.js';
import { createLogger } from '../../shared/adapters/logger.js';
import { SnsNotifier } from '../../shared/adapters/sns-notifier.js';
import { ConfigurationError, loadConfig } from '../../shared/config.js';
import {
  FeedbackWithoutWorkspaceError,
  MalformedFeedbackError,
  parseFeedback,
} from '../../shared/pipeline/sending-health/events.js';
import { type FeedbackDeps, recordFeedback } from '../../shared/pipeline/sending-health/record-feedback.js';

const config = loadConfig();
if (!config.notificationsTopicArn) {
  throw new ConfigurationError(
    'TOPIC_ARN_NOTIFICATIONS is not set: sending health publishes suspensions to it',
  );
}
const clients = createClients(config.aws);
const logger = createLogger('sending-health');
const contactsTable = config.resources.tables.contacts.name;
const deps: FeedbackDeps = {
  contacts: new DynamoContactStore(clients.dynamodb, contactsTable),
  health: new DynamoHealthStore(clients.dynamodb, contactsTable),
  notifier: new SnsNotifier(clients.sns, config.notificationsTopicArn),
  logger,
};
const processor = new BatchProcessor(EventType.SQS);

function parse(record: SQSRecord) {
  try {
    return parseFeedback(record.body);
  } catch (err) {
    if (err instanceof FeedbackWithoutWorkspaceError || err instanceof MalformedFeedbackError) {
      logger.error('SES event rejected: it fails on every receive and ends in the dead-letter queue', {
        sqsMessageId: record.messageId,
        receiveCount: Number(record.attributes.ApproximateReceiveCount),
        reason: err.message,
      });
    }
    throw err;
  }
}

async function recordHandler(record: SQSRecord): Promise<void> {
  const event = parse(record);
  logger.appendKeys({ workspace: event.workspace, sesMessageId: event.messageId });
  try {
    const result = await recordFeedback([event], deps);
    logger.debug('SES event recorded', { eventType: event.eventType, ...result });
  } finally {
    logger.removeKeys(['workspace', 'sesMessageId']);
  }
}

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  return processPartialResponse(event, recordHandler, processor, { context });
};
