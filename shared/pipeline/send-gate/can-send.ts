/**
 * The send gate (RULES §8): whatever sends asks one question — may workspace W send on channel C now? —
 * and gets yes, or no with the reason. The CLI (`workspace can-send`) and the `send-gate` Lambda function
 * give the same answer, from this function.
 */
import { WORKSPACE_PATTERN } from '../../domain/channels.js';
import type { WorkspaceSettings } from '../../domain/model.js';
import type { SendingState } from '../sending-health/model.js';

/** The channels a sender asks about. */
export const GATED_CHANNELS = ['edm', 'whatsapp'] as const;
export type GatedChannel = (typeof GATED_CHANNELS)[number];

export type GateAnswer =
  | { readonly allowed: true; readonly workspace: string; readonly channel: GatedChannel }
  | {
      readonly allowed: false;
      readonly workspace: string;
      readonly channel: GatedChannel;
      /** Stable: `EDM_SUSPENDED` or `WHATSAPP_RISK_ACCEPTANCE_MISSING`. */
      readonly code: 'EDM_SUSPENDED' | 'WHATSAPP_RISK_ACCEPTANCE_MISSING';
      /** One sentence for a person: why, since when, and what lifts it. */
      readonly reason: string;
      /** ISO time of the suspension, when known. */
      readonly since?: string;
    };

export interface GateDeps {
  /** The EDM sending state (sending health). */
  readonly health: { state(workspace: string): Promise<SendingState> };
  /** The workspace's flags. */
  readonly workspaces: { getSettings(workspace: string): Promise<WorkspaceSettings> };
}

/** A channel the gate does not know. */
export class UnknownGatedChannelError extends Error {
  constructor(value: unknown) {
    super(`the send gate answers for channel ${GATED_CHANNELS.join(' or ')}, got "${String(value)}"`);
    this.name = 'UnknownGatedChannelError';
  }
}

/** A send-gate request that is not `{ workspace, channel }` with a valid workspace and channel. */
export class InvalidGateRequestError extends Error {
  constructor(reason: string) {
    super(`A send-gate request is { "workspace": "<workspace>", "channel": "edm" | "whatsapp" }: ${reason}`);
    this.name = 'InvalidGateRequestError';
  }
}

/**
 * Reads a send-gate request (the Lambda function's event).
 *
 * @example
 * parseGateRequest({ workspace: 'acme', channel: 'edm' }); // { workspace: 'acme', channel: 'edm' }
 */
export function parseGateRequest(event: unknown): { workspace: string; channel: GatedChannel } {
  const { workspace, channel } = (event ?? {}) as { workspace?: unknown; channel?: unknown };
  if (typeof workspace !== 'string' || !WORKSPACE_PATTERN.test(workspace))
    throw new InvalidGateRequestError(`workspace ${JSON.stringify(workspace)} is not a workspace name`);
  if (!isGatedChannel(channel))
    throw new InvalidGateRequestError(new UnknownGatedChannelError(channel).message);
  return { workspace, channel };
}

/** @example isGatedChannel('edm'); // true */
export function isGatedChannel(value: unknown): value is GatedChannel {
  return (GATED_CHANNELS as readonly unknown[]).includes(value);
}

/**
 * May the workspace send on the channel now?
 *
 * @example
 * await canSend('acme', 'edm', deps);
 * // { allowed: false, code: 'EDM_SUSPENDED', since: '2026-12-01T04:10:00.000Z', reason: 'EDM sending of workspace acme is suspended since …' }
 */
export async function canSend(workspace: string, channel: GatedChannel, deps: GateDeps): Promise<GateAnswer> {
  if (channel === 'edm') {
    const state = await deps.health.state(workspace);
    if (!state.suspended) return { allowed: true, workspace, channel };
    const since = state.suspension?.suspendedAt || undefined;
    const why = state.suspension?.message ? `: ${state.suspension.message}` : '';
    return {
      allowed: false,
      workspace,
      channel,
      code: 'EDM_SUSPENDED',
      reason: `EDM sending of workspace ${workspace} is suspended${since ? ` since ${since}` : ''}${why}; it is lifted by \`workspace reinstate\` after a manual review`,
      ...(since ? { since } : {}),
    };
  }
  const { flags } = await deps.workspaces.getSettings(workspace);
  if (!flags.whatsappRiskAcceptanceRequired) return { allowed: true, workspace, channel };
  return {
    allowed: false,
    workspace,
    channel,
    code: 'WHATSAPP_RISK_ACCEPTANCE_MISSING',
    reason: `WhatsApp risk acceptance missing for workspace ${workspace}: it has not_subscribed or opted_out WhatsApp contacts; record a signed Risk Acceptance Form with \`workspace accept-risk\``,
  };
}
