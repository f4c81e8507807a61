import { beforeAll, describe, expect, it } from 'vitest';
import { decide } from '../../../shared/domain/decide.js';
import type { Contact } from '../../../shared/domain/model.js';
import { parseFeedback } from '../../../shared/pipeline/sending-health/events.js';
import { recordFeedback } from '../../../shared/pipeline/sending-health/record-feedback.js';
import {
  reinstate,
  WorkspaceNotSuspendedError,
  workspaceHealth,
} from '../../../shared/pipeline/sending-health/workspace-health.js';
import type { Subscriber } from '../../helpers/e2e/subscriber.js';
import { useEmulator } from '../../helpers/emulator.js';
import { sesSample } from '../../unit/sending-health/ses-samples.js';
import {
  edmContact,
  events,
  flakyNotifier,
  type HealthWorld,
  healthWorld,
  newWorkspace,
  seedSends,
} from './world.js';

const env = useEmulator();
let world: HealthWorld;
let subscriber: Subscriber;

const T0 = new Date('2024-06-01T04:10:00.000Z');
const minutes = (n: number) => new Date(T0.getTime() + n * 60_000);
const hours = (n: number) => new Date(T0.getTime() + n * 3_600_000);

beforeAll(async () => {
  world = healthWorld(env);
  subscriber = await world.subscriber('health-notifications');
});

/** The notifications of one workspace received since the last call. */
async function notificationsOf(workspace: string) {
  const received = await subscriber.drain();
  return received.filter((n) => n.attributes.workspace === workspace);
}

async function bounce(workspace: string, n: number, at: Date) {
  return recordFeedback(events(n, 'Bounce', { workspace, at }), world.feedbackDeps(at));
}

async function complain(workspace: string, n: number, at: Date) {
  return recordFeedback(events(n, 'Complaint', { workspace, at }), world.feedbackDeps(at));
}

async function stored(contact: Contact): Promise<Contact | undefined> {
  return (await world.contacts.getContacts(contact.workspace, [contact.contactId])).get(contact.contactId);
}

describe('Function: recordFeedback (RULES §8)', () => {
  it('does not suspend at 19 hard bounces of 300 sends, and suspends once at the 20th (6.67 %)', async () => {
    // Prepare
    const ws = newWorkspace();
    await seedSends(world, ws, 300, T0);
    await bounce(ws, 19, minutes(1));
    const before = await workspaceHealth(ws, world.healthDeps(minutes(1)));

    // Act
    const result = await bounce(ws, 1, minutes(2));

    // Assess
    expect(before).toMatchObject({
      suspended: false,
      counts: { sends: 300, hardBounces: 19, complaints: 0 },
    });
    expect(result.suspended).toEqual([ws]);
    const health = await workspaceHealth(ws, world.healthDeps(minutes(2)));
    expect(health).toMatchObject({
      suspended: true,
      flags: { edmSendingSuspended: true },
      counts: { sends: 300, hardBounces: 20 },
      suspension: {
        suspendedAt: minutes(2).toISOString(),
        reasons: ['hard_bounces'],
        figures: { sends: 300, hardBounces: 20, complaints: 0 },
      },
    });
    expect(health.bounceRate).toBeCloseTo(0.0667, 4);
    expect(health.suspension?.message).toContain(
      '20 hard bounces in 24 hours, bounce rate 6.67 % of 300 sends',
    );
    const [notification, ...more] = await notificationsOf(ws);
    expect(more).toEqual([]);
    expect(notification?.attributes).toEqual({ workspace: ws, channel: 'edm', outcome: 'sending_suspended' });
    expect(notification?.subject).toBe(`EDM sending suspended: ${ws}`);
    expect(notification?.body).toMatchObject({
      outcome: 'sending_suspended',
      workspace: ws,
      suspension: { reasons: ['hard_bounces'], figures: { sends: 300, hardBounces: 20 } },
      recovery: expect.stringContaining(`workspace reinstate --workspace ${ws}`),
    });
  });

  it('does not suspend at 20 hard bounces of 1,000 sends (2 %)', async () => {
    const ws = newWorkspace();
    await seedSends(world, ws, 1000, T0);
    const result = await bounce(ws, 20, minutes(1));
    expect(result.suspended).toEqual([]);
    expect(await workspaceHealth(ws, world.healthDeps(minutes(1)))).toMatchObject({
      suspended: false,
      counts: { sends: 1000, hardBounces: 20 },
      bounceRate: 0.02,
    });
    expect(await notificationsOf(ws)).toEqual([]);
  });

  it('suspends at 10 spam complaints of 1,500 sends (0.67 %)', async () => {
    const ws = newWorkspace();
    await seedSends(world, ws, 1500, T0);
    await complain(ws, 9, minutes(1));
    const result = await complain(ws, 1, minutes(2));
    expect(result.suspended).toEqual([ws]);
    const health = await workspaceHealth(ws, world.healthDeps(minutes(2)));
    expect(health.suspension).toMatchObject({
      reasons: ['complaints'],
      figures: { sends: 1500, complaints: 10 },
    });
    expect((await notificationsOf(ws)).map((n) => n.attributes.outcome)).toEqual(['sending_suspended']);
  });

  it('does not suspend at 10 spam complaints of 3,000 sends (0.33 %)', async () => {
    const ws = newWorkspace();
    await seedSends(world, ws, 3000, T0);
    const result = await complain(ws, 10, minutes(1));
    expect(result.suspended).toEqual([]);
    expect(await workspaceHealth(ws, world.healthDeps(minutes(1)))).toMatchObject({
      suspended: false,
      counts: { sends: 3000, complaints: 10 },
      thresholdsMet: [],
    });
  });

  it('stops counting events older than 24 hours', async () => {
    // Prepare: 15 hard bounces of 100 sends, then a day passes
    const ws = newWorkspace();
    await seedSends(world, ws, 100, T0);
    await bounce(ws, 15, T0);

    // Act: 5 more a day later would make 20 if the old ones still counted
    const later = await bounce(ws, 5, hours(24));
    const stale = await recordFeedback(
      events(5, 'Bounce', { workspace: ws, at: T0 }),
      world.feedbackDeps(hours(25)),
    );

    // Assess
    expect(later.suspended).toEqual([]);
    expect(stale.counted).toBe(0);
    expect(await workspaceHealth(ws, world.healthDeps(hours(25)))).toMatchObject({
      suspended: false,
      counts: { sends: 0, hardBounces: 5, complaints: 0 },
    });
  });

  it('counts an SES event delivered twice once', async () => {
    // Prepare
    const ws = newWorkspace();
    const sends = events(3, 'Send', { workspace: ws, at: T0 });
    const bounces = events(2, 'Bounce', { workspace: ws, at: T0 });

    // Act
    const first = await recordFeedback([...sends, ...bounces], world.feedbackDeps(T0));
    const again = await recordFeedback([...sends, ...bounces, ...sends], world.feedbackDeps(minutes(1)));

    // Assess
    expect(first.counted).toBe(5);
    expect(again.counted).toBe(0);
    expect((await workspaceHealth(ws, world.healthDeps(minutes(1)))).counts).toEqual({
      sends: 3,
      hardBounces: 2,
      complaints: 0,
    });
  });

  it('does not suspend again, nor notify again, while suspended', async () => {
    // Prepare
    const ws = newWorkspace();
    await bounce(ws, 20, T0);
    const first = await workspaceHealth(ws, world.healthDeps(T0));

    // Act
    const again = await bounce(ws, 30, minutes(5));

    // Assess
    expect(again.suspended).toEqual([]);
    const health = await workspaceHealth(ws, world.healthDeps(minutes(5)));
    expect(health.suspension).toEqual(first.suspension);
    expect(health.counts.hardBounces).toBe(50);
    expect(await notificationsOf(ws)).toHaveLength(1);
  });

  it('sends exactly one notification when publishing failed once: the redelivery sends it after the lease', async () => {
    // Prepare: SNS fails while the 20th bounce suspends the workspace
    const ws = newWorkspace();
    const flaky = flakyNotifier(world.notifier, 1);
    const bounces = events(20, 'Bounce', { workspace: ws, at: T0 });
    await expect(recordFeedback(bounces, world.feedbackDeps(T0, { notifier: flaky }))).rejects.toThrow(
      'SNS is unavailable',
    );

    // Act: SQS redelivers the same event, first within the lease, then after it
    const early = await recordFeedback(bounces, world.feedbackDeps(minutes(1), { notifier: flaky }));
    const late = await recordFeedback(bounces, world.feedbackDeps(minutes(3), { notifier: flaky }));
    const after = await recordFeedback(bounces, world.feedbackDeps(minutes(10), { notifier: flaky }));

    // Assess
    expect([early.counted, late.counted, after.counted]).toEqual([0, 0, 0]);
    const received = await notificationsOf(ws);
    expect(received.map((n) => n.attributes.outcome)).toEqual(['sending_suspended']);
    expect(received[0]?.body).toMatchObject({ suspension: { suspendedAt: T0.toISOString() } });
    const health = await workspaceHealth(ws, world.healthDeps(minutes(10)));
    expect(health.suspension?.notifiedAt).toBe(minutes(3).toISOString());
  });

  it('moves the contact of a hard bounce to hard_bounce and of a complaint to spam_report, never back', async () => {
    // Prepare
    const ws = newWorkspace();
    const ann = await edmContact(world, ws, 'ann@example.com', 'subscribed');
    const bob = await edmContact(world, ws, 'bob@example.com', 'hard_bounce');
    const cat = await edmContact(world, ws, 'cat@example.com', 'subscribed');
    const at = minutes(1);
    const feedback = [
      ...events(1, 'Bounce', { workspace: ws, at, recipients: ['Ann@Example.com'] }),
      ...events(1, 'Complaint', { workspace: ws, at, recipients: ['bob@example.com'] }),
      ...events(1, 'Bounce', { workspace: ws, at, recipients: ['cat@example.com'], bounceType: 'Transient' }),
    ];

    // Act
    const result = await recordFeedback(feedback, world.feedbackDeps(at));
    const replay = await recordFeedback(feedback, world.feedbackDeps(at));

    // Assess
    expect(result.statusChanges).toBe(2);
    expect(replay.statusChanges).toBe(0);
    expect((await stored(ann))?.edm).toEqual({ email: 'ann@example.com', status: 'hard_bounce' });
    expect((await stored(bob))?.edm?.status).toBe('spam_report');
    expect(await stored(cat)).toMatchObject({ version: 1, edm: { status: 'subscribed' } });
  });

  it('SES samples: OnAccountSuppressionList bounces and complaints restrict contacts but never suspend', async () => {
    // Prepare
    const ws = newWorkspace();
    await seedSends(world, ws, 300, minutes(0));
    const at = minutes(1);
    const bounced = await edmContact(world, ws, 'suppressed.0@example.com', 'subscribed');
    const complained = await edmContact(world, ws, 'suppressed.complaint@example.com', 'subscribed');
    const suppressed = (kind: 'bounce' | 'complaint', recipient: string, i: number) =>
      parseFeedback(
        sesSample(kind, {
          workspace: ws,
          recipient,
          at,
          messageId: `suppressed-${kind}-${i}`,
          detail: { [kind === 'bounce' ? 'bounceSubType' : 'complaintSubType']: 'OnAccountSuppressionList' },
        }),
      );
    const feedback = [
      ...Array.from({ length: 25 }, (_v, i) => suppressed('bounce', `suppressed.${i}@example.com`, i)),
      ...Array.from({ length: 12 }, (_v, i) =>
        suppressed('complaint', i === 0 ? 'suppressed.complaint@example.com' : `c${i}@example.com`, i),
      ),
    ];

    // Act
    const result = await recordFeedback(feedback, world.feedbackDeps(at));
    const health = await workspaceHealth(ws, world.healthDeps(at));

    // Assess
    expect(result).toMatchObject({ counted: 0, statusChanges: 2, suspended: [] });
    expect(health.counts).toEqual({ sends: 300, hardBounces: 0, complaints: 0 });
    expect((await stored(bounced))?.edm?.status).toBe('hard_bounce');
    expect((await stored(complained))?.edm?.status).toBe('spam_report');
    expect(await notificationsOf(ws)).toEqual([]);
  });

  it('SES sample: a complaint with feedback type not-spam changes nothing', async () => {
    // Prepare
    const ws = newWorkspace();
    const ann = await edmContact(world, ws, 'ann@example.com', 'subscribed');
    const at = minutes(1);
    const body = sesSample('complaint', {
      workspace: ws,
      recipient: 'ann@example.com',
      at,
      detail: { complaintFeedbackType: 'not-spam' },
    });

    // Act
    const result = await recordFeedback([parseFeedback(body)], world.feedbackDeps(at));

    // Assess
    expect(result).toEqual({ counted: 0, statusChanges: 0, suspended: [] });
    expect(await stored(ann)).toMatchObject({ version: 1, edm: { status: 'subscribed' } });
    expect((await workspaceHealth(ws, world.healthDeps(at))).counts.complaints).toBe(0);
  });

  it('leaves a contact that unsubscribed at hard_bounce after a bounce, which a later import cannot undo', async () => {
    // Prepare
    const ws = newWorkspace();
    const dan = await edmContact(world, ws, 'dan@example.com', 'unsubscribed');

    // Act
    await recordFeedback(
      events(1, 'Bounce', { workspace: ws, at: T0, recipients: ['dan@example.com'] }),
      world.feedbackDeps(T0),
    );
    const bounced = (await stored(dan)) as Contact;
    const plan = decide(
      {
        rowNumber: 2,
        key: { name: 'email', value: 'dan@example.com' },
        profile: { name: 'Dan' },
        tags: [],
        custom: {},
        edm: { email: 'dan@example.com', status: 'subscribed' },
        warnings: [],
      },
      { byKey: [bounced], byIdentity: [] },
      {
        workspace: ws,
        importId: `${ws}.0123456789abcdef01234567`,
        channel: 'edm',
        now: T0.toISOString(),
        newContactId: 'c-new',
      },
    );

    // Assess
    expect(bounced.edm?.status).toBe('hard_bounce');
    expect(plan).toMatchObject({
      outcome: 'updated',
      contact: { name: 'Dan', edm: { status: 'hard_bounce' } },
    });
    expect(plan.warnings.map((w) => w.code)).toContain('STATUS_IRREVERSIBLE');
  });

  it('counts a bounce of an address no contact holds, and logs the address masked', async () => {
    const ws = newWorkspace();
    world.logs.length = 0;
    const result = await recordFeedback(
      events(1, 'Bounce', { workspace: ws, at: T0, recipients: ['nobody.here@example.com'] }),
      world.feedbackDeps(T0),
    );
    expect(result).toMatchObject({ counted: 1, statusChanges: 0 });
    expect(world.logs.join('\n')).toContain('n***@example.com');
    expect(world.logs.join('\n')).not.toContain('nobody.here@example.com');
  });
});

describe('Function: reinstate', () => {
  it('clears the flag, records who, why and when, and notifies once', async () => {
    // Prepare
    const ws = newWorkspace();
    await bounce(ws, 20, T0);
    await notificationsOf(ws);

    // Act
    const result = await reinstate(
      ws,
      ' List cleaned and re-imported ',
      'csm@example.com',
      world.healthDeps(hours(2)),
    );

    // Assess
    expect(result).toMatchObject({
      resent: false,
      reinstatement: {
        reinstatedAt: hours(2).toISOString(),
        actor: 'csm@example.com',
        reason: 'List cleaned and re-imported',
      },
    });
    const health = await workspaceHealth(ws, world.healthDeps(hours(2)));
    expect(health).toMatchObject({
      suspended: false,
      flags: { edmSendingSuspended: false },
      lastReinstatement: {
        actor: 'csm@example.com',
        reason: 'List cleaned and re-imported',
        suspension: { suspendedAt: T0.toISOString(), reasons: ['hard_bounces'] },
      },
    });
    expect(health.suspension).toBeUndefined();
    const [notification, ...more] = await notificationsOf(ws);
    expect(more).toEqual([]);
    expect(notification?.attributes).toEqual({
      workspace: ws,
      channel: 'edm',
      outcome: 'sending_reinstated',
    });
    expect(notification?.body).toMatchObject({
      outcome: 'sending_reinstated',
      reinstatement: { actor: 'csm@example.com', reason: 'List cleaned and re-imported' },
      suspension: { suspendedAt: T0.toISOString() },
    });
  });

  it('refuses with a clear error when the workspace is not suspended', async () => {
    const ws = newWorkspace();
    const act = reinstate(ws, 'just because', 'csm@example.com', world.healthDeps(T0));
    await expect(act).rejects.toThrow(WorkspaceNotSuspendedError);
    await expect(reinstate(ws, 'again', 'csm', world.healthDeps(T0))).rejects.toThrow(
      `EDM sending of workspace ${ws} is not suspended`,
    );
    await expect(reinstate(ws, '  ', 'csm', world.healthDeps(T0))).rejects.toThrow('needs a reason');
  });

  it('restarts counting at the reinstatement: earlier bounces do not suspend again, new ones can', async () => {
    // Prepare: suspended with 20 hard bounces in the same hour as the reinstatement
    const ws = newWorkspace();
    await bounce(ws, 20, T0);
    await reinstate(ws, 'cleaned', 'csm', world.healthDeps(minutes(5)));

    // Act
    const one = await bounce(ws, 1, minutes(6));
    const healthAfterOne = await workspaceHealth(ws, world.healthDeps(minutes(6)));
    const twenty = await bounce(ws, 19, minutes(7));

    // Assess
    expect(one.suspended).toEqual([]);
    expect(healthAfterOne.counts.hardBounces).toBe(1);
    expect(healthAfterOne.window.start).toBe(minutes(5).toISOString());
    expect(twenty.suspended).toEqual([ws]);
    expect((await notificationsOf(ws)).map((n) => n.attributes.outcome)).toEqual([
      'sending_suspended',
      'sending_reinstated',
      'sending_suspended',
    ]);
  });

  it('reinstates a workspace whose flag was set by hand, without a sending-health record', async () => {
    // Prepare
    const ws = newWorkspace();
    await world.workspaces.setFlags(ws, { edmSendingSuspended: true });

    // Act
    const result = await reinstate(ws, 'set by mistake', 'csm', world.healthDeps(T0));

    // Assess
    expect(result.reinstatement.suspension.message).toContain('set without a sending-health record');
    expect((await world.workspaces.getSettings(ws)).flags.edmSendingSuspended).toBe(false);
    expect((await notificationsOf(ws)).map((n) => n.attributes.outcome)).toEqual(['sending_reinstated']);
  });

  it('sends a reinstatement notification that failed when the command is run again', async () => {
    // Prepare
    const ws = newWorkspace();
    await bounce(ws, 20, T0);
    await notificationsOf(ws);
    const deps = { ...world.healthDeps(hours(1)), notifier: flakyNotifier(world.notifier, 1) };
    await expect(reinstate(ws, 'cleaned', 'csm', deps)).rejects.toThrow('SNS is unavailable');

    // Act
    const again = await reinstate(ws, 'cleaned', 'csm', deps);

    // Assess
    expect(again.resent).toBe(true);
    expect((await notificationsOf(ws)).map((n) => n.attributes.outcome)).toEqual(['sending_reinstated']);
    await expect(reinstate(ws, 'cleaned', 'csm', deps)).rejects.toThrow(WorkspaceNotSuspendedError);
  });
});
