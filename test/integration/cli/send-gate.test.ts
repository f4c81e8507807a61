/**
 * The send gate and WhatsApp risk acceptance (RULES §8, issue 14 items 5 and 6): `workspace can-send`,
 * `workspace accept-risk`, `workspace show`, and the send-gate Lambda handler giving the same answer.
 * Real CLI, local runner, emulator, a subscriber queue on the notifications topic.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { handler } from '../../../functions/send-gate/handler.js';
import { lambdaContext } from '../../../infra/local/runner.js';
import { recordFeedback } from '../../../shared/pipeline/sending-health/record-feedback.js';
import { cli } from '../../helpers/cli/run.js';
import { useCliStack } from '../../helpers/cli/runner.js';
import { type Subscriber, subscribe } from '../../helpers/e2e/subscriber.js';
import { events, healthWorld, seedSends } from '../sending-health/world.js';

const stack = useCliStack({ disabled: ['sendingHealth'] });
const WS = 'cli-gate';
let subscriber: Subscriber;

const withTopic = () => ({ env: { TOPIC_ARN_NOTIFICATIONS: stack.env.provisioned.topics.notifications } });

beforeAll(async () => {
  await cli(['workspace', 'set', '-w', WS, '--region', 'TW']);
  subscriber = await subscribe(stack.env.clients, stack.env.provisioned.topics.notifications, 'cli-gate');
});

async function importWhatsapp(name: string, lines: string): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'cli-gate-'));
  writeFileSync(join(dir, name), `WhatsApp_mobile,messaging_status,display_name\n${lines}`);
  const run = await cli(['submit', name, '-w', WS, '-c', 'whatsapp', '-k', 'phone', '--wait'], { cwd: dir });
  await subscriber.drain();
  return run.code;
}

const accept = (signer = 'Amy Chen (CMO)') =>
  cli(
    [
      'workspace',
      'accept-risk',
      '-w',
      WS,
      '-c',
      'whatsapp',
      '--signed-by',
      signer,
      '--document',
      'RAF-2026-017',
    ],
    withTopic(),
  );

describe('Command: workspace can-send / accept-risk (WhatsApp)', () => {
  it('allows WhatsApp sending for a workspace without non-subscribed contacts (exit 0)', async () => {
    // Prepare
    await importWhatsapp('opted-in.csv', '+886911000001,opted_in,Ann\n');

    // Act
    const run = await cli(['workspace', 'can-send', '-w', WS, '-c', 'whatsapp']);

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('yes: cli-gate may send on whatsapp\n');
  });

  it('gates WhatsApp after an import adds a not_subscribed contact: exit 5 with the reason', async () => {
    // Prepare
    await importWhatsapp('not-subscribed.csv', '+886911000002,not_subscribed,Bob\n');

    // Act
    const run = await cli(['workspace', 'can-send', '-w', WS, '-c', 'whatsapp']);
    const json = await cli(['workspace', 'can-send', '-w', WS, '-c', 'whatsapp', '--json']);

    // Assess
    expect(run.code).toBe(5);
    expect(run.stdout).toBe(
      'no: WhatsApp risk acceptance missing for workspace cli-gate: it has not_subscribed or opted_out WhatsApp contacts; record a signed Risk Acceptance Form with `workspace accept-risk`\n',
    );
    expect(JSON.parse(json.stdout)).toMatchObject({
      allowed: false,
      workspace: WS,
      channel: 'whatsapp',
      code: 'WHATSAPP_RISK_ACCEPTANCE_MISSING',
    });
  });

  it('the send-gate Lambda handler gives the same answer as the CLI', async () => {
    const cliAnswer = JSON.parse(
      (await cli(['workspace', 'can-send', '-w', WS, '-c', 'whatsapp', '--json'])).stdout,
    );

    const answer = await handler(
      { workspace: WS, channel: 'whatsapp' },
      lambdaContext('send-gate', 10, 'ap-northeast-1'),
    );

    expect(answer).toEqual(cliAnswer);
    await expect(
      handler({ workspace: WS, channel: 'sms' }, lambdaContext('send-gate', 10, 'ap-northeast-1')),
    ).rejects.toThrow('the send gate answers for channel edm or whatsapp, got "sms"');
  });

  it('records a signed form: clears the gate, notifies whatsapp_risk_accepted once, and show lists it', async () => {
    // Act
    const run = await accept();
    const gate = await cli(['workspace', 'can-send', '-w', WS, '-c', 'whatsapp']);
    const shown = await cli(['workspace', 'show', '-w', WS]);
    const again = await accept('Someone Else');

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^WhatsApp risk acceptance recorded for workspace cli-gate at \S+: signed by Amy Chen \(CMO\), document RAF-2026-017; WhatsApp sending is allowed\n$/,
    );
    expect(gate.code).toBe(0);
    expect(shown.stdout).toContain('WhatsApp sending: allowed\nWhatsApp risk acceptances:\n  ');
    expect(shown.stdout).toMatch(/ {2}\S+ signed by Amy Chen \(CMO\), document RAF-2026-017\n/);
    const published = await subscriber.drain();
    expect(published.map((n) => [n.subject, n.attributes])).toEqual([
      [
        'WhatsApp risk accepted: cli-gate',
        expect.objectContaining({ workspace: WS, channel: 'whatsapp', outcome: 'whatsapp_risk_accepted' }),
      ],
    ]);
    expect(published[0]?.body).toMatchObject({
      outcome: 'whatsapp_risk_accepted',
      acceptance: { signedBy: 'Amy Chen (CMO)', document: 'RAF-2026-017' },
    });
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(
      'error: workspace cli-gate needs no WhatsApp risk acceptance now (no import has added a not_subscribed or opted_out WhatsApp contact since the last one): nothing was recorded\n',
    );
  });

  it('stays open when an import only rewrites contacts already covered, and closes when one adds another', async () => {
    // Act
    await importWhatsapp('rename.csv', '+886911000002,not_subscribed,Bobby\n');
    const afterRename = await cli(['workspace', 'can-send', '-w', WS, '-c', 'whatsapp']);
    await importWhatsapp('opted-out.csv', '+886911000003,opted_out,Cat\n');
    const afterAdd = await cli(['workspace', 'can-send', '-w', WS, '-c', 'whatsapp']);
    const shown = await cli(['workspace', 'show', '-w', WS, '--json']);

    // Assess
    expect(afterRename.code).toBe(0);
    expect(afterAdd.code).toBe(5);
    expect(JSON.parse(shown.stdout).riskAcceptances).toEqual([
      expect.objectContaining({ signedBy: 'Amy Chen (CMO)', document: 'RAF-2026-017' }),
    ]);
  });

  it.each([
    [
      ['workspace', 'accept-risk', '-w', WS, '-c', 'edm', '--signed-by', 'A', '--document', 'D'],
      'error: --channel must be whatsapp: only WhatsApp has a risk acceptance, got "edm"\n',
    ],
    [
      ['workspace', 'accept-risk', '-w', WS, '-c', 'whatsapp', '--signed-by', ' ', '--document', 'D'],
      'error: --signed-by must be 1 to 500 characters, got " "\n',
    ],
    [
      ['workspace', 'can-send', '-w', WS, '-c', 'line'],
      'error: --channel must be one of edm, whatsapp, got "line"\n',
    ],
  ])('fails with one line and exit 1: %j', async (argv, message) => {
    const run = await cli(argv, withTopic());

    expect(run.code).toBe(1);
    expect(run.stderr).toBe(message);
  });
});

describe('Command: workspace can-send (EDM)', () => {
  it('answers exit 5 with "suspended since" while EDM sending is suspended', async () => {
    // Prepare
    const world = healthWorld(stack.env);
    const now = new Date();
    await seedSends(world, 'cli-gate-edm', 300, now);
    await recordFeedback(
      events(20, 'Bounce', { workspace: 'cli-gate-edm', at: now }),
      world.feedbackDeps(now),
    );

    // Act
    const run = await cli(['workspace', 'can-send', '-w', 'cli-gate-edm', '-c', 'edm']);
    const open = await cli(['workspace', 'can-send', '-w', WS, '-c', 'edm']);

    // Assess
    expect(run.code).toBe(5);
    expect(run.stdout).toMatch(
      /^no: EDM sending of workspace cli-gate-edm is suspended since \d{4}-\d{2}-\d{2}T\S+: 20 hard bounces/,
    );
    expect(run.stdout).toContain('; it is lifted by `workspace reinstate` after a manual review\n');
    expect(open.code).toBe(0);
  });
});
