import { describe, expect, it } from 'vitest';
import { defaultTimeoutSeconds } from '../../../cli/commands/imports.js';
import { humanSeconds, paceOf } from '../../../cli/format.js';
import type { CliIO } from '../../../cli/io.js';
import { type ProgressView, progressView, waitForJob } from '../../../cli/wait.js';
import type { ImportJob } from '../../../shared/pipeline/ports.js';
import { aJob } from '../../helpers/cli/factories.js';
import { captureStream } from '../../helpers/cli/run.js';

function ioWith(isTTY: boolean) {
  const stdout = captureStream(isTTY);
  const stderr = captureStream(isTTY);
  const io: CliIO = { stdout, stderr, env: {}, cwd: '/' };
  return { io, stdout, stderr };
}

function recordingView() {
  const seen: (ImportJob | undefined)[] = [];
  let stopped = false;
  const view: ProgressView = {
    update: (job) => {
      seen.push(job);
    },
    stop: () => {
      stopped = true;
    },
  };
  return { view, seen, stopped: () => stopped };
}

describe('Function: waitForJob', () => {
  it('polls until the job is completed and returns it', async () => {
    // Prepare
    const jobs = [
      undefined,
      aJob({ status: 'splitting' }),
      aJob({ status: 'completed', outcome: 'succeeded' }),
    ];
    const { view, seen, stopped } = recordingView();

    // Act
    const job = await waitForJob('acme.0123456789abcdef01234567', {
      getJob: async () => jobs.shift(),
      view,
      timeoutMs: 60_000,
      intervalMs: 1,
    });

    // Assess
    expect(job.outcome).toBe('succeeded');
    expect(seen.map((j) => j?.status)).toEqual([undefined, 'splitting', 'completed']);
    expect(stopped()).toBe(true);
  });

  it('gives up with a message that says the import goes on and how to follow it', async () => {
    // Prepare
    const { view, stopped } = recordingView();

    // Act
    const waiting = waitForJob('acme.0123456789abcdef01234567', {
      getJob: async () => aJob(),
      view,
      timeoutMs: 0,
    });

    // Assess
    await expect(waiting).rejects.toThrow(
      'import acme.0123456789abcdef01234567 did not finish within 0 s (last seen: acme.0123456789abcdef01234567 processing: 5 rows so far); it goes on in the background: check it with `status acme.0123456789abcdef01234567` (or wait longer with --timeout)',
    );
    expect(stopped()).toBe(true);
  });
});

describe('Function: progressView', () => {
  it('prints one line per change of status when the output is not a terminal', () => {
    // Prepare
    const { io, stdout, stderr } = ioWith(false);
    const view = progressView(io);

    // Act
    view.update(undefined);
    view.update(aJob({ status: 'processing', rowsTotal: 10 }));
    view.update(aJob({ status: 'processing', rowsTotal: 10, batchesDone: 2 }));
    view.stop();

    // Assess
    expect(stderr.text()).toBe(
      'waiting for the import to start\nacme.0123456789abcdef01234567 processing: 5 of 10 rows\n',
    );
    expect(stdout.text()).toBe('');
  });

  it('draws a bar of rows processed on stderr when both outputs are terminals', () => {
    // Prepare
    const { io, stdout, stderr } = ioWith(true);
    let now = 0;
    const view = progressView(io, () => now);
    const at = (ms: number, job: ImportJob) => {
      now = ms;
      view.update(job);
    };
    const processed = (created: number) => ({ created, updated: 0, unchanged: 0, skipped: 0, failed: 0 });

    // Act
    at(0, aJob({ status: 'splitting', counts: processed(0) }));
    at(2000, aJob({ status: 'processing', rowsTotal: 1000, counts: processed(200) }));
    at(4000, aJob({ status: 'processing', rowsTotal: 1000, counts: processed(400) }));
    view.stop();

    // Assess
    expect(stderr.text()).toContain('0% | 0 rows | measuring speed | splitting');
    expect(stderr.text()).toContain('40% | 400/1000 rows | 100 rows/s, 6 s left | processing');
    expect(stdout.text()).toBe('');
  });
});

describe('Function: paceOf / humanSeconds', () => {
  it('measures rows per second since the first observation and the time left', () => {
    expect(paceOf({ atMs: 0, processed: 0 }, { atMs: 10_000, processed: 500 }, 1500)).toEqual({
      rowsPerSecond: 50,
      secondsLeft: 20,
    });
    expect(paceOf({ atMs: 0, processed: 0 }, { atMs: 10_000, processed: 500 }, undefined).secondsLeft).toBe(
      undefined,
    );
    expect(paceOf({ atMs: 0, processed: 5 }, { atMs: 0, processed: 5 }, 10).rowsPerSecond).toBe(undefined);
  });

  it.each([
    [45, '45 s'],
    [200, '3 min 20 s'],
    [3900, '1 h 5 min'],
  ])('writes %i seconds as %s', (seconds, text) => {
    expect(humanSeconds(seconds)).toBe(text);
  });
});

describe('Function: defaultTimeoutSeconds', () => {
  it('waits 15 minutes for a small file, longer for a large one, at most a day', () => {
    expect(defaultTimeoutSeconds(1_000)).toBe(900);
    expect(defaultTimeoutSeconds(50 * 1048576)).toBe(900 + 25_600);
    expect(defaultTimeoutSeconds(2 ** 31)).toBe(86_400);
  });
});
