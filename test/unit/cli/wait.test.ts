import { describe, expect, it } from 'vitest';
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
      'import acme.0123456789abcdef01234567 did not finish within 0 s; it goes on in the background: check it with `status acme.0123456789abcdef01234567`',
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
    const view = progressView(io);

    // Act
    view.update(aJob({ status: 'splitting' }));
    view.update(aJob({ status: 'processing', rowsTotal: 10 }));
    view.stop();

    // Assess
    expect(stderr.text()).toContain('0% | 5 rows | splitting');
    expect(stderr.text()).toContain('50% | 5/10 rows | processing');
    expect(stdout.text()).toBe('');
  });
});
