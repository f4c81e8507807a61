/**
 * `workspace show` (a workspace's flags and EDM sending health over the last 24 hours) and
 * `workspace reinstate` (lifting an EDM suspension after a manual review, RULES §8).
 */
import { DynamoHealthStore } from '../../shared/adapters/health-store.js';
import { SnsNotifier } from '../../shared/adapters/sns-notifier.js';
import { DynamoWorkspaceStore } from '../../shared/adapters/workspace-store.js';
import type { WorkspaceFlags } from '../../shared/domain/model.js';
import { percent } from '../../shared/pipeline/sending-health/policy.js';
import {
  InvalidReinstatementError,
  type ReinstateResult,
  reinstate,
  type WorkspaceHealth,
  WorkspaceNotSuspendedError,
  workspaceHealth,
} from '../../shared/pipeline/sending-health/workspace-health.js';
import { StackUnavailableError, UsageError } from '../errors.js';
import { println } from '../io.js';
import { type CommandContext, EXIT } from '../program.js';
import type { Target } from '../target.js';
import { withTarget } from '../target.js';
import { parseWorkspace } from '../validate.js';

export interface WorkspaceShowOptions {
  readonly workspace: string;
  readonly json?: boolean;
}

export interface WorkspaceReinstateOptions {
  readonly workspace: string;
  /** Why the suspension may be lifted (what the review found). */
  readonly reason: string;
  /** Who reviewed it. @default $USER */
  readonly actor?: string;
  readonly json?: boolean;
}

function healthStore(target: Target): DynamoHealthStore {
  return new DynamoHealthStore(target.clients.dynamodb, target.config.resources.tables.contacts.name);
}

function notifier(target: Target): SnsNotifier {
  const topicArn = target.config.notificationsTopicArn;
  if (!topicArn) {
    throw new StackUnavailableError(
      `the notifications topic of ${target.description} is unknown: set TOPIC_ARN_NOTIFICATIONS or pass --outputs`,
    );
  }
  return new SnsNotifier(target.clients.sns, topicArn);
}

function flagList(flags: WorkspaceFlags): string {
  const set = Object.entries(flags)
    .filter(([, on]) => on)
    .map(([name]) => name);
  return set.length > 0 ? set.join(', ') : 'none';
}

/** The lines `workspace show` prints for a person. */
export function healthLines(health: WorkspaceHealth): string[] {
  const { counts, suspension, lastReinstatement } = health;
  const lines = [
    suspension
      ? `workspace ${health.workspace}: EDM sending SUSPENDED since ${suspension.suspendedAt}`
      : `workspace ${health.workspace}: EDM sending active`,
  ];
  if (suspension) lines.push(`  why: ${suspension.message}`);
  lines.push(
    `counted since ${health.window.start}: ${counts.sends} sends, ${counts.hardBounces} hard bounces ` +
      `(${percent(health.bounceRate)}), ${counts.complaints} spam complaints (${percent(health.complaintRate)})`,
  );
  if (lastReinstatement) {
    lines.push(
      `last reinstatement: ${lastReinstatement.reinstatedAt} by ${lastReinstatement.actor}: ${lastReinstatement.reason}`,
    );
  }
  lines.push(`flags: ${flagList(health.flags)}`, `policy: ${health.policy}`);
  return lines;
}

/**
 * `workspace show -w W [--json]`.
 *
 * @example
 * await workspaceShow(ctx, { workspace: 'acme' }); // prints "workspace acme: EDM sending active", …
 */
export async function workspaceShow(ctx: CommandContext, options: WorkspaceShowOptions): Promise<number> {
  const workspace = parseWorkspace(options.workspace);
  const health = await withTarget(ctx, (target) =>
    workspaceHealth(workspace, {
      health: healthStore(target),
      workspaces: new DynamoWorkspaceStore(
        target.clients.dynamodb,
        target.config.resources.tables.contacts.name,
      ),
    }),
  );
  if (options.json) println(ctx.io.stdout, JSON.stringify(health, null, 2));
  else for (const line of healthLines(health)) println(ctx.io.stdout, line);
  return EXIT.ok;
}

function reinstatedLine(workspace: string, { reinstatement, resent }: ReinstateResult): string {
  if (resent) {
    return `workspace ${workspace} was already reinstated at ${reinstatement.reinstatedAt}; its notification is now sent`;
  }
  return (
    `workspace ${workspace}: EDM sending reinstated at ${reinstatement.reinstatedAt} by ${reinstatement.actor} ` +
    `(suspended since ${reinstatement.suspension.suspendedAt}); subscribers are notified`
  );
}

/**
 * `workspace reinstate -w W --reason R [--actor A] [--json]`: refuses (exit 1) when the workspace is not
 * suspended.
 *
 * @example
 * await workspaceReinstate(ctx, { workspace: 'acme', reason: 'list cleaned and re-imported' });
 */
export async function workspaceReinstate(
  ctx: CommandContext,
  options: WorkspaceReinstateOptions,
): Promise<number> {
  const workspace = parseWorkspace(options.workspace);
  const actor = options.actor ?? ctx.io.env.USER ?? ctx.io.env.LOGNAME;
  if (actor === undefined) throw new UsageError('say who reviewed the suspension with --actor <name>');
  let result: ReinstateResult;
  try {
    result = await withTarget(ctx, (target) =>
      reinstate(workspace, options.reason, actor, {
        health: healthStore(target),
        notifier: notifier(target),
      }),
    );
  } catch (err) {
    if (err instanceof WorkspaceNotSuspendedError || err instanceof InvalidReinstatementError) {
      throw new UsageError(err.message);
    }
    throw err;
  }
  if (options.json) println(ctx.io.stdout, JSON.stringify(result, null, 2));
  else println(ctx.io.stdout, reinstatedLine(workspace, result));
  return EXIT.ok;
}
