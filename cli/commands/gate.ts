/**
 * The send gate from the command line (RULES §8): `workspace can-send` asks the question every sender
 * asks, `workspace accept-risk` records a signed WhatsApp Risk Acceptance Form.
 */
import { canSend, GATED_CHANNELS, type GatedChannel } from '../../shared/pipeline/send-gate/can-send.js';
import { acceptWhatsappRisk } from '../../shared/pipeline/send-gate/risk-acceptance.js';
import { type CommandContext, EXIT } from '../context.js';
import { UsageError } from '../errors.js';
import { println } from '../io.js';
import { healthStore, notifier, workspaceStore } from '../stores.js';
import { withTarget } from '../target.js';
import { parseWorkspace } from '../validate.js';

export interface CanSendOptions {
  readonly workspace: string;
  readonly channel: string;
  readonly json?: boolean;
}

export interface AcceptRiskOptions {
  readonly workspace: string;
  readonly channel: string;
  readonly signedBy: string;
  readonly document: string;
}

function parseGatedChannel(value: string): GatedChannel {
  if ((GATED_CHANNELS as readonly string[]).includes(value)) return value as GatedChannel;
  throw new UsageError(`--channel must be one of ${GATED_CHANNELS.join(', ')}, got "${value}"`);
}

/**
 * `workspace can-send -w W -c edm|whatsapp [--json]`: exit 0 and `yes` when sending is allowed; exit 5
 * and the reason (on stdout, so a script can show it) when it is not.
 */
export async function canSendCommand(ctx: CommandContext, options: CanSendOptions): Promise<number> {
  const workspace = parseWorkspace(options.workspace);
  const channel = parseGatedChannel(options.channel);
  const answer = await withTarget(ctx, (target) =>
    canSend(workspace, channel, { health: healthStore(target), workspaces: workspaceStore(target) }),
  );
  if (options.json) println(ctx.io.stdout, JSON.stringify(answer, null, 2));
  else
    println(
      ctx.io.stdout,
      answer.allowed ? `yes: ${workspace} may send on ${channel}` : `no: ${answer.reason}`,
    );
  return answer.allowed ? EXIT.ok : EXIT.notAllowed;
}

/** `workspace accept-risk -w W -c whatsapp --signed-by NAME --document REF`. */
export async function acceptRisk(ctx: CommandContext, options: AcceptRiskOptions): Promise<number> {
  const workspace = parseWorkspace(options.workspace);
  if (options.channel !== 'whatsapp')
    throw new UsageError(
      `--channel must be whatsapp: only WhatsApp has a risk acceptance, got "${options.channel}"`,
    );
  const result = await withTarget(ctx, (target) =>
    acceptWhatsappRisk(
      workspace,
      { signedBy: options.signedBy, document: options.document },
      { store: workspaceStore(target), notifier: notifier(target) },
    ),
  );
  const { acceptance } = result;
  println(
    ctx.io.stdout,
    result.resent
      ? `the risk acceptance of ${acceptance.acceptedAt} was already recorded for workspace ${workspace}; its notification has now been sent`
      : `WhatsApp risk acceptance recorded for workspace ${workspace} at ${acceptance.acceptedAt}: signed by ${acceptance.signedBy}, document ${acceptance.document}; WhatsApp sending is allowed`,
  );
  return EXIT.ok;
}
