import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { workspaceReinstate, workspaceShow } from '../../../cli/commands/workspace-health.js';
import { UsageError } from '../../../cli/errors.js';
import type { CommandContext } from '../../../cli/program.js';
import { recordFeedback } from '../../../shared/pipeline/sending-health/record-feedback.js';
import { captureStream } from '../../helpers/cli/run.js';
import { useEmulator } from '../../helpers/emulator.js';
import { events, type HealthWorld, healthWorld, newWorkspace, seedSends } from './world.js';

const env = useEmulator();
let world: HealthWorld;

beforeAll(() => {
  world = healthWorld(env);
});

/** The context the CLI gives a command, talking to the test emulator (AWS_ENDPOINT_URL). */
function context(extraEnv: NodeJS.ProcessEnv = {}) {
  const stdout = captureStream();
  const stderr = captureStream();
  const cwd = mkdtempSync(join(tmpdir(), 'health-cli-'));
  const ctx: CommandContext = {
    io: {
      stdout,
      stderr,
      cwd,
      env: {
        ...process.env,
        CONTACT_IMPORT_LOCAL_DIR: join(cwd, '.local'),
        TOPIC_ARN_NOTIFICATIONS: env.provisioned.topics.notifications,
        ...extraEnv,
      },
    },
    globals: {},
  };
  return { ctx, stdout, stderr };
}

async function suspendedWorkspace(): Promise<string> {
  const ws = newWorkspace('cli');
  const now = new Date();
  await seedSends(world, ws, 100, now);
  await recordFeedback(events(20, 'Bounce', { workspace: ws, at: now }), world.feedbackDeps(now));
  return ws;
}

describe('Command: workspace show', () => {
  it("prints a suspended workspace's state, why, its counts and the policy", async () => {
    // Prepare
    const ws = await suspendedWorkspace();
    const { ctx, stdout } = context();

    // Act
    const code = await workspaceShow(ctx, { workspace: ws });

    // Assess
    expect(code).toBe(0);
    const lines = stdout.text().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^workspace ${ws}: EDM sending SUSPENDED since \\d{4}-`));
    expect(lines[1]).toBe(
      '  why: 20 hard bounces in 24 hours, bounce rate 20.00 % of 100 sends (limits: 20 and 5.00 %)',
    );
    expect(lines[2]).toMatch(/: 100 sends, 20 hard bounces \(20\.00 %\), 0 spam complaints \(0\.00 %\)$/);
    expect(lines).toContain('flags: edmSendingSuspended');
    expect(stdout.text()).toContain(
      'policy: EDM sending is suspended when, within 24 hours, hard bounces ≥ 20',
    );
  });

  it('prints the health as JSON with --json', async () => {
    const ws = newWorkspace('cli');
    const { ctx, stdout } = context();
    await workspaceShow(ctx, { workspace: ws, json: true });
    expect(JSON.parse(stdout.text())).toMatchObject({
      workspace: ws,
      suspended: false,
      flags: {},
      counts: { sends: 0, hardBounces: 0, complaints: 0 },
    });
  });
});

describe('Command: workspace reinstate', () => {
  it('reinstates a suspended workspace and names who did it', async () => {
    // Prepare
    const ws = await suspendedWorkspace();
    const { ctx, stdout } = context({ USER: 'csm.lee' });

    // Act
    const code = await workspaceReinstate(ctx, { workspace: ws, reason: 'list cleaned' });

    // Assess
    expect(code).toBe(0);
    expect(stdout.text()).toMatch(
      new RegExp(
        `^workspace ${ws}: EDM sending reinstated at \\S+ by csm\\.lee \\(suspended since \\S+\\); subscribers are notified\\n$`,
      ),
    );
    const show = context();
    await workspaceShow(show.ctx, { workspace: ws });
    expect(show.stdout.text()).toContain(`workspace ${ws}: EDM sending active`);
    expect(show.stdout.text()).toMatch(/last reinstatement: \S+ by csm\.lee: list cleaned/);
  });

  it('refuses a workspace that is not suspended with an operator error', async () => {
    const ws = newWorkspace('cli');
    const { ctx } = context();
    const act = workspaceReinstate(ctx, { workspace: ws, reason: 'why not', actor: 'csm' });
    await expect(act).rejects.toThrow(UsageError);
    await expect(workspaceReinstate(ctx, { workspace: ws, reason: 'why not', actor: 'csm' })).rejects.toThrow(
      `EDM sending of workspace ${ws} is not suspended: there is nothing to reinstate`,
    );
  });

  it('asks who reviewed the suspension when no --actor is given and no user is known', async () => {
    const { ctx } = context({ USER: undefined, LOGNAME: undefined });
    await expect(workspaceReinstate(ctx, { workspace: 'acme', reason: 'cleaned' })).rejects.toThrow(
      'say who reviewed the suspension with --actor <name>',
    );
  });
});
