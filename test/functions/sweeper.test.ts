import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { sweepStalledImports } from '../../shared/pipeline/sweep.js';
import { context, scheduledEvent, stubHandlerEnvironment } from './helpers/events.js';

vi.mock('../../shared/pipeline/sweep.js', () => ({ sweepStalledImports: vi.fn() }));

const swept = vi.mocked(sweepStalledImports);
let handler: typeof import('../../functions/sweeper/handler.js').handler;

beforeAll(async () => {
  stubHandlerEnvironment();
  vi.stubEnv('STALL_MINUTES', '45');
  ({ handler } = await import('../../functions/sweeper/handler.js'));
});

afterEach(() => {
  swept.mockReset();
});

describe('Function: sweeper handler', () => {
  it('sweeps with the configured stall time, measured from the schedule time', async () => {
    // Prepare
    const result = [
      {
        workspace: 'acme',
        importId: 'acme.x',
        batchesTimedOut: [2],
        splitClosed: false,
        aggregationEnqueued: true,
      },
    ];
    swept.mockResolvedValue(result);

    // Act
    const response = await handler(scheduledEvent('2030-01-01T00:00:00Z'), context());

    // Assess
    expect(response).toEqual(result);
    const deps = swept.mock.calls[0]?.[0];
    expect(deps?.stallMinutes).toBe(45);
    expect(deps?.now?.().toISOString()).toBe('2030-01-01T00:00:00.000Z');
    // Reading lost rows back from the upload stops in time to finish within the invocation.
    expect(deps?.remainingTimeMs?.()).toBe(context().getRemainingTimeInMillis());
  });

  it('fails the run when an import could not be swept, so the failure shows', async () => {
    swept.mockRejectedValue(new AggregateError([new Error('x')], '1 of 1 stalled imports failed'));

    await expect(handler(scheduledEvent('2030-01-01T00:00:00Z'), context())).rejects.toThrow(
      /stalled imports failed/,
    );
  });
});
