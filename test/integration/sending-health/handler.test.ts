import { PublishCommand } from '@aws-sdk/client-sns';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Runner, startRunner } from '../../../infra/local/runner.js';
import { workspaceHealth } from '../../../shared/pipeline/sending-health/workspace-health.js';
import type { Subscriber } from '../../helpers/e2e/subscriber.js';
import { useEmulator } from '../../helpers/emulator.js';
import { type SesEventOptions, type SesEventType, sesBody } from '../../unit/sending-health/ses-events.js';
import { edmContact, type HealthWorld, healthWorld, newWorkspace } from './world.js';

const env = useEmulator();
let world: HealthWorld;
let runner: Runner;
let subscriber: Subscriber;

beforeAll(async () => {
  world = healthWorld(env);
  subscriber = await world.subscriber('health-handler-notifications');
  runner = await startRunner({
    endpoint: env.config.aws.endpoint as string,
    provisioned: env.provisioned,
    sweepIntervalMs: 0,
    disabled: ['splitter', 'processor', 'deadBatch', 'aggregator', 'sweeper'],
  });
});

afterAll(async () => {
  await runner?.stop();
});

/** What the SES configuration set does: publish the event record to the feedback topic. */
async function publishFeedback(body: string): Promise<void> {
  await env.clients.sns.send(
    new PublishCommand({ TopicArn: env.provisioned.topics.feedback, Message: body }),
  );
}

async function publishEvent(type: SesEventType, options: SesEventOptions): Promise<void> {
  await publishFeedback(sesBody(type, options));
}

describe('Handler: sending-health (SES configuration set → feedback topic → feedback queue)', () => {
  it('restricts the contact of a hard bounce and counts it once when the event is delivered twice', async () => {
    // Prepare
    const ws = newWorkspace('handler');
    const jane = await edmContact(world, ws, 'jane@example.com', 'subscribed');
    const bounce = sesBody('Bounce', {
      workspace: ws,
      messageId: 'm-twice',
      recipients: ['jane@example.com'],
    });

    // Act
    await publishFeedback(bounce);
    await publishFeedback(bounce);
    await runner.idle();

    // Assess
    const stored = (await world.contacts.getContacts(ws, [jane.contactId])).get(jane.contactId);
    expect(stored).toMatchObject({ version: 2, edm: { status: 'hard_bounce' } });
    expect((await workspaceHealth(ws, world.healthDeps(new Date()))).counts).toEqual({
      sends: 0,
      hardBounces: 1,
      complaints: 0,
    });
  });

  it('suspends the workspace once and publishes exactly one notification when bounces arrive concurrently', async () => {
    // Prepare: 25 sends, then 25 hard bounces handled by parallel invocations
    const ws = newWorkspace('handler');
    const recipients = Array.from({ length: 25 }, (_v, i) => `r${i}@example.com`);
    await publishEvent('Send', { workspace: ws, recipients });
    await runner.idle();

    // Act
    await Promise.all(recipients.map((r) => publishEvent('Bounce', { workspace: ws, recipients: [r] })));
    await runner.idle();

    // Assess
    const health = await workspaceHealth(ws, world.healthDeps(new Date()));
    expect(health).toMatchObject({
      suspended: true,
      flags: { edmSendingSuspended: true },
      counts: { sends: 25, hardBounces: 25 },
      suspension: { reasons: ['hard_bounces'] },
    });
    const received = (await subscriber.drain()).filter((n) => n.attributes.workspace === ws);
    expect(received.map((n) => n.attributes)).toEqual([
      { workspace: ws, channel: 'edm', outcome: 'sending_suspended' },
    ]);
  });

  it('fails an event without the workspace tag on every receive until it reaches the dead-letter queue', async () => {
    // Prepare
    const logged: string[] = [];
    const capture = (chunk: string | Uint8Array) => {
      logged.push(String(chunk));
      return true;
    };
    const spies = [
      vi.spyOn(process.stdout, 'write').mockImplementation(capture),
      vi.spyOn(process.stderr, 'write').mockImplementation(capture),
    ];
    const before = runner.stats.failedMessages.sendingHealth ?? 0;

    // Act
    try {
      await publishEvent('Bounce', {
        workspace: null,
        messageId: 'm-untagged',
        recipients: ['ann@example.com'],
      });
      await runner.idle({ timeoutMs: 60_000 });
    } finally {
      for (const spy of spies) spy.mockRestore();
    }

    // Assess
    const { Messages = [] } = await env.clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: env.provisioned.queues.feedback.dlqUrl, WaitTimeSeconds: 1 }),
    );
    expect(Messages.map((m) => JSON.parse(m.Body ?? '{}').mail.messageId)).toEqual(['m-untagged']);
    expect((runner.stats.failedMessages.sendingHealth ?? 0) - before).toBe(5);
    const rejections = logged.filter((line) => line.includes('SES event rejected'));
    expect(rejections).toHaveLength(5);
    expect(rejections[0]).toContain('SES event of message m-untagged has no \\"workspace\\" message tag');
    expect(logged.join('')).not.toContain('ann@example.com');
  });
});
