/**
 * Send-gate Lambda (invoked directly, IAM-authorised): answers "may workspace W send on channel C now?"
 * for senders inside AWS, with the same function the CLI's `workspace can-send` uses.
 *
 * Event `{ "workspace": "acme", "channel": "edm" | "whatsapp" }` → `{ allowed: true, … }` or
 * `{ allowed: false, code, reason, since? }`. A malformed event fails the invocation (InvalidGateRequestError).
 */
import type { Context } from 'aws-lambda';
import { createClients } from '../../shared/adapters/clients.js';
import { DynamoHealthStore } from '../../shared/adapters/health-store.js';
import { createLogger } from '../../shared/adapters/logger.js';
import { DynamoWorkspaceStore } from '../../shared/adapters/workspace-store.js';
import { loadConfig } from '../../shared/config.js';
import {
  canSend,
  type GateAnswer,
  type GateDeps,
  parseGateRequest,
} from '../../shared/pipeline/send-gate/can-send.js';

const config = loadConfig();
const clients = createClients(config.aws);
const logger = createLogger('send-gate');
const table = config.resources.tables.contacts.name;
const deps: GateDeps = {
  health: new DynamoHealthStore(clients.dynamodb, table),
  workspaces: new DynamoWorkspaceStore(clients.dynamodb, table),
};

export const handler = async (event: unknown, context: Context): Promise<GateAnswer> => {
  logger.addContext(context);
  const { workspace, channel } = parseGateRequest(event);
  const answer = await canSend(workspace, channel, deps);
  logger.info('send gate answered', {
    workspace,
    channel,
    allowed: answer.allowed,
    ...(answer.allowed ? {} : { code: answer.code }),
  });
  return answer;
};
