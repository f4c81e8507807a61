import { describe, expect, it } from 'vitest';
import {
  FeedbackWithoutWorkspaceError,
  MalformedFeedbackError,
  parseFeedback,
  recipientAddress,
} from '../../../shared/pipeline/sending-health/events.js';
import { sesBody, sesEvent } from './ses-events.js';
import { sesSample } from './ses-samples.js';

const AT = new Date('2024-06-01T04:30:00.000Z');

describe('Function: parseFeedback', () => {
  it('reads a permanent bounce as a hard bounce of its recipients, in the workspace of its tag', () => {
    // Prepare
    const body = sesBody('Bounce', {
      messageId: 'm-1',
      recipients: ['Ann@Example.com', 'bob@example.com'],
      at: AT,
    });

    // Act
    const event = parseFeedback(body);

    // Assess
    expect(event).toEqual({
      workspace: 'acme',
      messageId: 'm-1',
      eventType: 'Bounce',
      kind: 'hard_bounce',
      occurredAt: AT,
      recipients: ['ann@example.com', 'bob@example.com'],
      counted: true,
    });
  });

  it('reads a complaint as a complaint of its complained recipients', () => {
    const event = parseFeedback(sesBody('Complaint', { recipients: ['jane@example.com'], at: AT }));
    expect(event).toMatchObject({ kind: 'complaint', recipients: ['jane@example.com'], occurredAt: AT });
  });

  it('reads a send as one send per distinct destination address, at the time of the mail', () => {
    const event = parseFeedback(
      sesBody('Send', {
        recipients: ['Jane <Jane@example.com>', 'jane@example.com', 'ann@example.com'],
        at: AT,
      }),
    );
    expect(event).toMatchObject({
      kind: 'send',
      recipients: ['jane@example.com', 'ann@example.com'],
      occurredAt: AT,
    });
  });

  it('ignores transient and undetermined bounces and deliveries: they change nothing', () => {
    for (const body of [
      sesBody('Bounce', { bounceType: 'Transient' }),
      sesBody('Bounce', { bounceType: 'Undetermined' }),
      sesBody('Delivery'),
    ]) {
      expect(parseFeedback(body)).toMatchObject({ kind: 'ignored', recipients: [] });
    }
  });

  it('unwraps an SNS envelope when the subscription does not use raw delivery', () => {
    const envelope = JSON.stringify({
      Type: 'Notification',
      MessageId: 'n-1',
      Message: sesBody('Complaint'),
    });
    expect(parseFeedback(envelope)).toMatchObject({ kind: 'complaint', workspace: 'acme' });
  });

  it('rejects an event without the workspace tag, naming the SES message but no address', () => {
    // Prepare
    const body = sesBody('Bounce', { workspace: null, messageId: 'm-404', recipients: ['jane@example.com'] });

    // Act
    const act = () => parseFeedback(body);

    // Assess
    expect(act).toThrow(FeedbackWithoutWorkspaceError);
    expect(act).toThrow('SES event of message m-404 has no "workspace" message tag');
    expect(act).not.toThrow(/jane/);
  });

  it('rejects a workspace tag that is not a valid workspace name, quoting it', () => {
    expect(() => parseFeedback(sesBody('Send', { workspace: 'ACME Corp' }))).toThrow(
      'invalid "workspace" message tag "ACME Corp"',
    );
  });

  it('rejects a body that is not JSON or not an SES record without quoting the body', () => {
    expect(() => parseFeedback('jane@example.com bounced')).toThrow(MalformedFeedbackError);
    expect(() => parseFeedback('jane@example.com bounced')).toThrow('the body is not JSON');
    expect(() => parseFeedback(JSON.stringify({ eventType: 'Bounce' }))).toThrow(/mail/);
    const noBounce = { ...sesEvent('Bounce'), bounce: undefined };
    expect(() => parseFeedback(JSON.stringify(noBounce))).toThrow('a Bounce event without a bounce object');
    const noType = { ...sesEvent('Send'), eventType: undefined };
    expect(() => parseFeedback(JSON.stringify(noType))).toThrow('eventType is missing');
  });
});

describe('Function: recipientAddress', () => {
  it('keeps the address of a named recipient, lower-cased', () => {
    expect(recipientAddress(' Jane Doe <Jane.Doe@Example.com> ')).toBe('jane.doe@example.com');
    expect(recipientAddress('ANN@EXAMPLE.COM')).toBe('ann@example.com');
  });
});

describe('Function: parseFeedback, with the SES developer guide samples (RULES §8)', () => {
  it('reads the sample bounce (Permanent, General) as a counted hard bounce', () => {
    const event = parseFeedback(sesSample('bounce'));

    expect(event).toEqual({
      workspace: 'acme',
      messageId: 'EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000',
      eventType: 'Bounce',
      kind: 'hard_bounce',
      occurredAt: new Date('2017-08-05T00:41:02.669Z'),
      recipients: ['recipient@example.com'],
      counted: true,
    });
  });

  it('reads the sample complaint (feedback type abuse) as a counted complaint', () => {
    expect(parseFeedback(sesSample('complaint'))).toMatchObject({
      kind: 'complaint',
      recipients: ['recipient@example.com'],
      counted: true,
    });
  });

  it('ignores a complaint whose feedback type is not-spam: it changes nothing', () => {
    const body = sesSample('complaint', { detail: { complaintFeedbackType: 'not-spam' } });

    expect(parseFeedback(body)).toMatchObject({ kind: 'ignored', recipients: [], counted: false });
  });

  it.each([
    ['bounce', 'bounceSubType', 'hard_bounce'],
    ['complaint', 'complaintSubType', 'complaint'],
  ] as const)(
    'keeps an OnAccountSuppressionList %s for the contact but does not count it',
    (kind, field, expected) => {
      // Prepare
      const body = sesSample(kind, { detail: { [field]: 'OnAccountSuppressionList' } });

      // Act
      const event = parseFeedback(body);

      // Assess
      expect(event).toMatchObject({ kind: expected, recipients: ['recipient@example.com'], counted: false });
    },
  );

  it('accepts a complaint whose sub-type is null, as SES sends it', () => {
    const body = sesSample('complaint', { detail: { complaintSubType: null } });

    expect(parseFeedback(body)).toMatchObject({ kind: 'complaint', counted: true });
  });
});
