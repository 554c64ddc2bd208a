import type { Batch } from 'openai/resources/batches';
import { EmulatorClock } from '../../src/emulator/clock';
import { anthropicClient, chatLine, openaiClient, pollBatch, submitChatBatch, withEmulator } from './emulator-fixtures';

/** A clock whose real time the test moves. */
function fakeClock(speed: number, persisted?: ConstructorParameters<typeof EmulatorClock>[1]) {
  const real = { now: 1_000_000 };
  return { real, clock: new EmulatorClock(speed, persisted, () => real.now) };
}

const TIMESTAMPS = ['created_at', 'in_progress_at', 'finalizing_at', 'completed_at', 'failed_at', 'expired_at', 'cancelling_at', 'cancelled_at'] as const;

/** Every past-event timestamp of an OpenAI batch that is set. */
function pastTimestamps(batch: Batch): number[] {
  return TIMESTAMPS.map((key) => batch[key]).filter((value): value is number => typeof value === 'number');
}

describe('EmulatorClock: durations compress, timestamps stay on the wall clock', () => {
  it('runs the timeline at its speed and maps every event to the real instant the timeline reached it', () => {
    const { real, clock } = fakeClock(1000);
    const created = clock.emulatedNowMs();
    real.now += 50; // 50 real ms = 50 emulated seconds
    expect(clock.emulatedNowMs() - created).toBe(50_000);
    expect(clock.wallMsAt(created)).toBe(1_000_000);
    expect(clock.wallMsAt(created + 20_000)).toBe(1_000_020);
    expect(clock.wallMsAt(created + 86_400_000)).toBe(1_086_400); // a future event: when it will happen at this speed
    expect(clock.wallNowMs()).toBe(1_000_050);
  });

  it('keeps the real instants of past events when the speed changes; events still ahead move with the new speed', () => {
    const { real, clock } = fakeClock(1000);
    const created = clock.emulatedNowMs();
    real.now += 10;
    clock.setSpeed(10);
    real.now += 100; // 1 emulated second at the new speed
    expect(clock.emulatedNowMs() - created).toBe(11_000);
    expect(clock.wallMsAt(created + 5_000)).toBe(1_000_005);
    expect(clock.wallMsAt(created + 11_000)).toBe(1_000_110);
    expect(clock.wallMsAt(created + 20_000)).toBe(1_001_010);
    expect(clock.timeline()).toHaveLength(2);
  });

  it('resumes from persisted anchors (the timeline went on meanwhile), and accepts the single anchor of older state files', () => {
    const first = fakeClock(1000);
    const created = first.clock.emulatedNowMs();
    const resumed = new EmulatorClock(1000, first.clock.timeline(), () => first.real.now + 30);
    expect(resumed.emulatedNowMs() - created).toBe(30_000);
    expect(resumed.wallMsAt(created)).toBe(1_000_000);
    const old = new EmulatorClock(1000, { emulatedMs: 5_000_000, realMs: 1_000_000, speed: 1000 }, () => 1_000_010);
    expect(old.wallMsAt(5_000_000)).toBe(1_000_000);
    expect(old.emulatedNowMs()).toBe(5_010_000);
  });

  it('never reports a past event after the wall clock, whatever the float rounding', () => {
    const { real, clock } = fakeClock(3.3);
    real.now += 7;
    clock.setSpeed(0.7);
    real.now += 13;
    expect(clock.wallMsAt(clock.emulatedNowMs())).toBeLessThanOrEqual(real.now);
  });
});

describe('emulator timestamps on the wall clock (official clients)', () => {
  it('OpenAI: every timestamp is a real instant, never after the Date header; expires_at is the compressed window', async () => {
    const handle = await withEmulator({ clock: { speed: 2000 }, timing: { validatingSeconds: 200, inProgressSeconds: 600, finalizingSeconds: 200 } });
    try {
      const client = openaiClient(handle);
      const before = Math.floor(Date.now() / 1000);
      const created = await submitChatBatch(client, [chatLine('w-1', 'hello'), chatLine('w-2', 'there')]);
      expect(created.created_at).toBeGreaterThanOrEqual(before);
      // 86,400 emulated seconds at 2000x: 43.2 real seconds (whole seconds on both ends)
      expect(created.expires_at! - created.created_at).toBeGreaterThanOrEqual(43);
      expect(created.expires_at! - created.created_at).toBeLessThanOrEqual(44);
      const { batch } = await pollBatch(client, created.id);
      const { data, response } = await client.batches.retrieve(batch.id).withResponse();
      const serverNow = Date.parse(response.headers.get('date')!) / 1000;
      expect(Math.abs(serverNow - Date.now() / 1000)).toBeLessThanOrEqual(2);
      expect(data.status).toBe('completed');
      for (const at of pastTimestamps(data)) expect(at).toBeLessThanOrEqual(serverNow);
      expect(pastTimestamps(data)).toHaveLength(4);
      // the batch's age is real (what longhaul_batch_latency_seconds measures): the real time it took, to the second
      const tookSeconds = Date.now() / 1000 - before;
      expect(Date.now() / 1000 - data.created_at).toBeGreaterThanOrEqual(tookSeconds - 1);
      expect(Date.now() / 1000 - data.created_at).toBeLessThanOrEqual(tookSeconds + 1);
      const file = await client.files.retrieve(data.output_file_id!);
      expect(file.created_at).toBeLessThanOrEqual(serverNow);
      expect(file.created_at).toBeGreaterThanOrEqual(before);
      expect(handle.inspect().clock.now).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
    } finally {
      await handle.stop();
    }
  });

  it('OpenAI: a 3000-second completion window at 2000x expires after 1.5 real seconds, and the Date header has passed expires_at then', async () => {
    const handle = await withEmulator({ clock: { speed: 2000 }, timing: { validatingSeconds: 0, completionWindowSeconds: 3000 }, batchFaults: [{ kind: 'stall', atFraction: 0 }] });
    try {
      const client = openaiClient(handle);
      const started = Date.now();
      const created = await submitChatBatch(client, [chatLine('x-1', 'slow')]);
      const { batch } = await pollBatch(client, created.id);
      const took = Date.now() - started;
      expect(batch.status).toBe('expired');
      expect(took).toBeGreaterThanOrEqual(1400);
      expect(took).toBeLessThan(6000);
      expect(batch.expired_at).toBe(batch.expires_at);
      expect(batch.expires_at! - batch.created_at).toBeGreaterThanOrEqual(1);
      expect(batch.expires_at! - batch.created_at).toBeLessThanOrEqual(2);
      const { response } = await client.batches.retrieve(batch.id).withResponse();
      expect(Date.parse(response.headers.get('date')!) / 1000).toBeGreaterThanOrEqual(batch.expires_at!);
    } finally {
      await handle.stop();
    }
  });

  it('OpenAI: a speed change mid-batch keeps the timestamps already reported', async () => {
    const handle = await withEmulator({ clock: { speed: 100 }, timing: { validatingSeconds: 10_000, inProgressSeconds: 60, finalizingSeconds: 60 } });
    try {
      const client = openaiClient(handle);
      const created = await submitChatBatch(client, [chatLine('s-1', 'hello')]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      handle.setScenario({ clock: { speed: 1_000_000 } });
      const { batch } = await pollBatch(client, created.id);
      expect(batch.status).toBe('completed');
      expect(batch.created_at).toBe(created.created_at);
      // the window's end moved with the speed: 86,400 s mostly at 1,000,000x is now about a second after creation
      expect(batch.expires_at! - batch.created_at).toBeLessThanOrEqual(2);
      for (const at of pastTimestamps(batch)) expect(at).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
    } finally {
      await handle.stop();
    }
  });

  it('Anthropic: RFC 3339 timestamps at real instants, expires_at = created_at + the compressed 24 h, ended_at not ahead of Date', async () => {
    const handle = await withEmulator({ clock: { speed: 20_000 } });
    try {
      const client = anthropicClient(handle);
      const before = Date.now();
      const created = await client.messages.batches.create({ requests: [{ custom_id: 'a', params: { model: 'claude-haiku-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] } }] });
      expect(Date.parse(created.created_at)).toBeGreaterThanOrEqual(before);
      expect(Date.parse(created.created_at)).toBeLessThanOrEqual(Date.now());
      expect(Date.parse(created.expires_at) - Date.parse(created.created_at)).toBe(86_400_000 / 20_000);
      let batch = created;
      while (batch.processing_status !== 'ended') batch = await client.messages.batches.retrieve(created.id);
      const { data, response } = await client.messages.batches.retrieve(created.id).withResponse();
      const serverNow = Date.parse(response.headers.get('date')!);
      expect(Math.floor(Date.parse(data.ended_at!) / 1000) * 1000).toBeLessThanOrEqual(serverNow);
      expect(Date.parse(data.ended_at!)).toBeGreaterThanOrEqual(Date.parse(data.created_at));
    } finally {
      await handle.stop();
    }
  });
});
