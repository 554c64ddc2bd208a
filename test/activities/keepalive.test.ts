import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { withKeepalive } from '../../activities/keepalive';

/**
 * withKeepalive's rules, run in a mock activity context (it records the beats and delivers the cancel):
 * beats carry the progress, slow but moving work and waits shorter than the window keep beating, work that
 * stops moving stops beating after the window and is abandoned two heartbeat timeouts later.
 */
const TIMEOUT_MS = 300;
const STALL_MS = 1_200;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function environment() {
  const env = new MockActivityEnvironment({ heartbeatTimeoutMs: TIMEOUT_MS });
  const beats: Array<{ at: number; details: unknown }> = [];
  env.on('heartbeat', (details: unknown) => beats.push({ at: Date.now(), details }));
  return { env, beats };
}

describe('withKeepalive', () => {
  it('beats with the progress while it moves, slowly or after a pause shorter than the window', async () => {
    const { env, beats } = environment();
    let items = 0;
    const pause = { from: 0, to: 0 };
    const result = await env.run(() =>
      withKeepalive(
        async () => {
          for (let i = 0; i < 6; i++) {
            await sleep(250);
            items++;
          }
          pause.from = Date.now();
          await sleep(STALL_MS * 0.8); // a slow call: no counter moves, within the window
          pause.to = Date.now();
          items++;
          return 'done';
        },
        () => ({ items }),
        { stallMs: STALL_MS },
      ),
    );
    expect(result).toBe('done');
    const seen = beats.map((b) => (b.details as { items: number }).items);
    expect(seen[0]).toBe(0);
    expect(Math.max(...seen)).toBeGreaterThanOrEqual(6);
    // the pause did not stop the beats (one every 200 ms; two at least, on a loaded machine)
    expect(beats.filter((b) => b.at > pause.from && b.at < pause.to).length).toBeGreaterThanOrEqual(2);
  });

  it('stops beating once the progress stands still for the window, then aborts the work and fails ActivityStalled', async () => {
    const { env, beats } = environment();
    let aborted: number | undefined;
    const started = Date.now();
    const failure = await env
      .run(() =>
        withKeepalive(
          (signal) => new Promise<never>(() => signal.addEventListener('abort', () => (aborted = Date.now()))),
          () => ({ lines: 7 }),
          { stallMs: STALL_MS },
        ),
      )
      .catch((err: unknown) => err);
    const ended = Date.now();
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect((failure as ApplicationFailure).type).toBe('ActivityStalled');
    expect((failure as ApplicationFailure).nonRetryable).toBe(false);
    const lastBeat = beats[beats.length - 1]!.at;
    // beats stop within a beat interval after the window; abandoned two heartbeat timeouts after the last one
    expect(lastBeat - started).toBeGreaterThanOrEqual(STALL_MS - TIMEOUT_MS);
    expect(lastBeat - started).toBeLessThan(STALL_MS + TIMEOUT_MS + 5_000); // timers run late on a loaded machine
    expect(ended - lastBeat).toBeGreaterThanOrEqual(2 * TIMEOUT_MS - 50);
    expect(aborted).toBeDefined();
    expect(beats.every((b) => (b.details as { lines: number }).lines === 7)).toBe(true);
  });

  it('never shortens the window below two heartbeat timeouts', async () => {
    const { env, beats } = environment();
    let n = 0;
    await env.run(() =>
      withKeepalive(
        async () => {
          await sleep(2 * TIMEOUT_MS - 150); // longer than stallMs, shorter than two timeouts
          n++;
        },
        () => ({ n }),
        { stallMs: 50 },
      ),
    );
    expect(beats.length).toBeGreaterThan(1);
  });

  it('reports a failure after a cancel request as the cancellation; a result after it stays a result', async () => {
    const cancelled = environment();
    const running = cancelled.env.run(() =>
      withKeepalive(
        (signal) =>
          new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new Error('stream destroyed')))),
        () => ({ rows: 0 }),
      ),
    );
    await sleep(50);
    cancelled.env.cancel();
    await expect(running).rejects.toBeInstanceOf(CancelledFailure);

    const finished = environment();
    const recording = finished.env.run(() => withKeepalive(async () => (await sleep(200), 'batch_1'), () => ({ bytesUploaded: 1 })));
    await sleep(50);
    finished.env.cancel(); // a create already sent: its answer is still returned (and recorded by the caller)
    await expect(recording).resolves.toBe('batch_1');
  });
});
