/**
 * Every SQS queue a function consumes (the pipeline queues and any dead-letter queue a function drains)
 * has a dead-letter queue after at least five receives, and that dead-letter queue raises an alarm to the
 * operators' topic as soon as a message is visible in it. The test walks the event source mappings of the
 * template, so a queue added later without a dead-letter queue or an alarm fails it.
 */
import { describe, expect, it } from 'vitest';
import { MAX_RECEIVE_COUNT } from '../../shared/resources.js';
import { logicalIdOf, refId, synthesize } from './synth.js';

// GIVEN the stack of stage "test", with SES events so the sending-health queues are fed too.
const { stack, template } = synthesize({ stage: 'test', sesConfigurationSet: 'acme-sending' });
const queues = template.findResources('AWS::SQS::Queue');
const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
const alarmTopic = { Ref: logicalIdOf(stack.topics.alarms) };

/** The logical ids of the SQS queues some event source mapping consumes. */
function consumedQueueIds(): string[] {
  return Object.values(template.findResources('AWS::Lambda::EventSourceMapping'))
    .map((mapping) => refId(mapping.Properties.EventSourceArn))
    .filter((id) => queues[id] !== undefined);
}

/** The alarms on the visible messages of a queue. */
function depthAlarmsOf(queueId: string) {
  return alarms.filter(
    (alarm) =>
      alarm.Properties.MetricName === 'ApproximateNumberOfMessagesVisible' &&
      JSON.stringify(alarm.Properties.Dimensions) ===
        JSON.stringify([{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }]),
  );
}

describe('Dead letters: every event-source queue', () => {
  it('finds the pipeline queues and the drained batches dead-letter queue among the event sources', () => {
    const consumed = new Set(consumedQueueIds());
    for (const queue of Object.values(stack.queues)) {
      expect(consumed.has(logicalIdOf(queue.queue)), queue.definition.name).toBe(true);
    }
    expect(consumed.has(logicalIdOf(stack.queues.batches.deadLetterQueue))).toBe(true);
  });

  it('dead-letters a message after at least five receives', () => {
    for (const id of consumedQueueIds()) {
      const redrive = queues[id]?.Properties.RedrivePolicy;
      expect(redrive, `${queues[id]?.Properties.QueueName} has no RedrivePolicy`).toBeDefined();
      expect(redrive.maxReceiveCount, queues[id]?.Properties.QueueName).toBeGreaterThanOrEqual(
        MAX_RECEIVE_COUNT,
      );
      expect(queues[refId(redrive.deadLetterTargetArn)], 'the dead-letter target is a queue').toBeDefined();
    }
  });

  it('alarms to the operators as soon as one dead letter is visible', () => {
    for (const id of consumedQueueIds()) {
      const deadLetterId = refId(queues[id]?.Properties.RedrivePolicy.deadLetterTargetArn);
      const [alarm] = depthAlarmsOf(deadLetterId);
      expect(alarm, `no alarm on ${queues[deadLetterId]?.Properties.QueueName}`).toBeDefined();
      expect(alarm?.Properties).toMatchObject({
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: [alarmTopic],
      });
    }
  });

  it('gives the dead-batch drain of the batches dead-letter queue a FIFO dead-letter queue of its own', () => {
    const drained = queues[logicalIdOf(stack.queues.batches.deadLetterQueue)]?.Properties;
    const target = queues[refId(drained?.RedrivePolicy.deadLetterTargetArn)]?.Properties;
    expect(target).toMatchObject({
      QueueName: stack.resources.queues.batches.deadLetter.drain?.deadLetter.name,
      FifoQueue: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
  });
});
