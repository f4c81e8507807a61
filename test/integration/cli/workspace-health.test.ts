/**
 * `workspace show` and `workspace reinstate` (RULES §8): the explicit reinstatement command, against the
 * emulator with the real stores and topic.
 */
import { describe, expect, it } from 'vitest';
import { recordFeedback } from '../../../shared/pipeline/sending-health/record-feedback.js';
import { cli } from '../../helpers/cli/run.js';
import { subscribe } from '../../helpers/e2e/subscriber.js';
import { useEmulator } from '../../helpers/emulator.js';
import { events, healthWorld, seedSends } from '../sending-health/world.js';

const env = useEmulator();

/** The emulator has no outputs file: the topic comes from the environment, as for any endpoint. */
const withTopic = () => ({ env: { TOPIC_ARN_NOTIFICATIONS: env.provisioned.topics.notifications } });

async function suspend(workspace: string): Promise<void> {
  const world = healthWorld(env);
  const now = new Date();
  await seedSends(world, workspace, 300, now);
  await recordFeedback(events(20, 'Bounce', { workspace, at: now }), world.feedbackDeps(now));
}

describe('Command: workspace show', () => {
  it('shows the settings, flags and an active EDM sending of a new workspace', async () => {
    // Prepare
    await cli(['workspace', 'set', '-w', 'cli-quiet', '--region', 'TW']);

    // Act
    const run = await cli(['workspace', 'show', '-w', 'cli-quiet']);

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('workspace cli-quiet\nregion: TW, time zone: Asia/Taipei\n');
    expect(run.stdout).toContain('flags: none\nEDM sending: active\n');
    expect(run.stdout).toMatch(/: 0 sends, 0 hard bounces \(0\.00 %\), 0 spam reports \(0\.00 %\)\n/);
  });
});

describe('Command: workspace reinstate', () => {
  it('lifts a suspension with who and why, which show then reports', async () => {
    // Prepare
    await cli(['workspace', 'set', '-w', 'cli-bounced', '--region', 'TW']);
    await suspend('cli-bounced');
    const before = await cli(['workspace', 'show', '-w', 'cli-bounced']);
    const subscriber = await subscribe(env.clients, env.provisioned.topics.notifications, 'cli-reinstate');

    // Act
    const run = await cli(
      [
        'workspace',
        'reinstate',
        '-w',
        'cli-bounced',
        '--reason',
        'List cleaned with a verification service',
        '--actor',
        'csm-amy',
      ],
      withTopic(),
    );
    const after = await cli(['workspace', 'show', '-w', 'cli-bounced', '--json']);

    // Assess
    expect(before.stdout).toContain('flags: edmSendingSuspended\nEDM sending: SUSPENDED since ');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^EDM sending of workspace cli-bounced reinstated at \S+ by csm-amy\n$/);
    const shown = JSON.parse(after.stdout) as { health: { suspended: boolean; lastReinstatement?: unknown } };
    expect(shown.health.suspended).toBe(false);
    expect(shown.health.lastReinstatement).toMatchObject({
      actor: 'csm-amy',
      reason: 'List cleaned with a verification service',
    });
    const published = await subscriber.drain();
    expect(published.map((n) => n.attributes)).toEqual([
      expect.objectContaining({ workspace: 'cli-bounced', outcome: 'sending_reinstated' }),
    ]);
  });

  it('refuses with one line when the workspace is not suspended', async () => {
    const run = await cli(
      ['workspace', 'reinstate', '-w', 'cli-quiet', '--reason', 'x', '--actor', 'y'],
      withTopic(),
    );

    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'error: EDM sending of workspace cli-quiet is not suspended: there is nothing to reinstate\n',
    );
  });
});
