import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emptySighting } from '../capture/sighting.js';
import { silentLogger } from '../log/logger.js';
import { Pseudonymizer } from '../privacy/pseudonymizer.js';
import { WindowKeyStore } from '../privacy/window-keys.js';
import type { WindowReport } from '../payloads/payloads.js';
import { Store } from '../store/store.js';
import { UnfinishedWindowError } from '../store/window-store.js';
import { DEFAULT_ESTIMATORS } from '../count/estimators/index.js';
import { wifiIeClassEstimator } from '../count/estimators/wifi-ie-class.js';
import { Pipeline, type PipelineOptions } from './pipeline.js';

const T0 = Date.UTC(2026, 10, 22, 10);
const MINUTE = 60_000;

interface Frame {
  t: number;
  address: number;
  rssi?: number;
  signature?: number;
  malformed?: boolean;
}

/** A pipeline on real files: a SQLite database and a key directory in a temp dir. */
class Harness {
  readonly reports: WindowReport[] = [];
  readonly store: Store;
  readonly pipeline: Pipeline;
  readonly privacy: Pseudonymizer;
  position = 0;
  /** Real time passes one second per frame fed, so checkpoints fall due every five frames. */
  private seconds = 0;

  constructor(readonly dir: string, tokenBits = 32, extra: Partial<PipelineOptions> = {}) {
    this.store = Store.open(path.join(dir, 'state'));
    const keys = new WindowKeyStore(path.join(dir, 'run'));
    keys.prepare();
    this.privacy = new Pseudonymizer({ keys, tokenBits, tokenCacheSize: 10_000 });
    this.pipeline = new Pipeline({
      sensorId: 'test-sensor',
      sources: ['wifi'],
      windowMinutes: 60,
      tokenBits,
      zones: { wifi: { nearby: -85, inside: -65 }, ble: {} },
      // The pipeline's windows, checkpoints and reports are checked with the estimator whose
      // numbers can be worked out by hand from a few synthetic frames.
      estimators: { ...DEFAULT_ESTIMATORS, wifi: wifiIeClassEstimator },
      checkpointSeconds: 5,
      historyDays: 30,
      timeSource: 'capture',
      input: 'frames',
      inputDescription: 'footfall replay frames.pcap',
      monotonicMs: () => this.seconds * 1000,
      position: () => this.position,
      privacy: this.privacy,
      windows: this.store.windows,
      logger: silentLogger,
      onReport: (report) => this.reports.push(report),
      ...extra,
    });
  }

  /** Feeds frames like a source: counts each as read, skips what a resumed run already counted. */
  feed(frames: Frame[], skip = 0) {
    const sighting = emptySighting('wifi');
    for (const frame of frames) {
      this.seconds++;
      this.position++;
      if (this.position <= skip) continue;
      if (frame.malformed) {
        this.privacy.onMalformed('wifi', frame.t);
        continue;
      }
      Object.assign(sighting, { timeMs: frame.t, address: frame.address, rssi: frame.rssi ?? -60, signature: frame.signature ?? 0 });
      this.privacy.onSighting(sighting);
    }
  }

  dbBytes(): Buffer {
    const dir = path.join(this.dir, 'state');
    return Buffer.concat(fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f))));
  }

  keyFiles(): string[] {
    return fs.readdirSync(path.join(this.dir, 'run'));
  }
}

const GLOBAL = 0x001122000000;
const RANDOM = 0x021122000000;

/** Three windows of traffic: steady global devices, randomised bursts, a malformed frame. */
function traffic(): Frame[] {
  const frames: Frame[] = [];
  for (let minute = 0; minute < 170; minute++) {
    const t = T0 + minute * MINUTE + 1000;
    frames.push({ t, address: GLOBAL + 1, rssi: -50 });
    if (minute % 3 === 0) frames.push({ t: t + 10, address: GLOBAL + 2, rssi: -80 });
    frames.push({ t: t + 20, address: RANDOM + minute, rssi: -70, signature: 1 + (minute % 4) });
    if (minute === 30) frames.push({ t: t + 30, address: 0, malformed: true });
  }
  return frames;
}

/** `frames` through a pipeline of its own, start to end: what an interrupted run must add up to. */
function uninterruptedRun(frames: Frame[]): Harness {
  const reference = new Harness(path.join(dir, 'ref'));
  reference.pipeline.start();
  reference.feed(frames);
  reference.pipeline.finishInput();
  reference.store.close();
  return reference;
}

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-pipeline-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function counts(report: WindowReport) {
  const { quality: _quality, ...rest } = report;
  return rest;
}

describe('Pipeline', () => {
  it('turns frames into one report per UTC window, and a partial one at the end of the input', () => {
    const h = new Harness(dir);
    h.pipeline.start();
    h.feed(traffic());
    h.pipeline.finishInput();

    expect(h.reports.map((r) => [r.id, r.partial ?? false])).toEqual([
      ['test-sensor/2026-11-22T10:00:00Z', false],
      ['test-sensor/2026-11-22T11:00:00Z', false],
      ['test-sensor/2026-11-22T12:00:00Z', true],
    ]);
    const [first] = h.reports;
    expect(first!.window).toEqual({ start: '2026-11-22T10:00:00Z', end: '2026-11-22T11:00:00Z' });
    expect(first!.wifi).toEqual({
      frames: 60 + 20 + 60,
      malformed: 1,
      addresses: 62,
      addresses_global: 2,
      addresses_randomized: 60,
      devices: 2 + 4,
      zones: { inside: 1, nearby: 5 },
      dwell_minutes: { '0-5': 0, '5-15': 0, '15-30': 0, '30-60': 2 },
    });
    expect(first!.occupancy).toEqual(new Array(12).fill(6));
    expect(first!.quality).toEqual({ capture_seconds: 3599, dropped_frames: 0, restarts: 0, clock_synced: true });
    expect(h.reports[1]!.quality.capture_seconds).toBe(3600);
    expect(h.reports[2]!.quality.capture_seconds).toBe(49 * 60 + 1);
    expect(h.reports[2]!.occupancy).toHaveLength(12);

    expect(h.store.outbox.depth()).toBe(3);
    expect(h.store.history.recent(10).map((r) => r.id)).toEqual(h.reports.map((r) => r.id));
    expect(h.store.windows.load()).toBeUndefined();
    expect(h.store.windows.cursor()).toBeUndefined();
    h.store.close();
  });

  it('drops frames of a window that is already closed', () => {
    const h = new Harness(dir);
    h.pipeline.start();
    h.feed([
      { t: T0 + 61 * MINUTE, address: GLOBAL + 1 },
      { t: T0 + 5 * MINUTE, address: GLOBAL + 2 },
      { t: T0 + 62 * MINUTE, address: GLOBAL + 3 },
    ]);
    h.pipeline.finishInput();
    expect(h.reports).toHaveLength(1);
    expect(h.reports[0]!.wifi!.frames).toBe(2);
    expect(h.reports[0]!.quality.dropped_frames).toBe(1);
    h.store.close();
  });

  it('writes a due checkpoint in slices, each of its entries once, and leaves the entries changed meanwhile to the next', () => {
    const h = new Harness(dir, 32, { checkpointSliceEntries: 4 });
    h.pipeline.start();
    const savedRows = () => h.store.db.prepare('SELECT count(*) FROM open_tokens').pluck().get() as number;
    // Ten addresses seen in turn until the clocks are looked at again (at the first frame, then
    // every 64), when the checkpoint is long due: its round is those ten, its first slice at once.
    h.feed(Array.from({ length: 65 }, (_, i) => ({ t: T0 + i * 1000, address: RANDOM + (i % 10) })));
    const rowsAfter = [savedRows()];
    // A new address per frame from here: each frame is a second later, so a slice is due at each.
    for (let i = 0; i < 4; i++) {
      h.feed([{ t: T0 + (65 + i) * 1000, address: RANDOM + 100 + i }]);
      rowsAfter.push(savedRows());
    }
    expect(rowsAfter).toEqual([4, 8, 10, 10, 10]);
    // The whole window is saved by the next round, or at once at a clean stop.
    h.pipeline.checkpoint();
    expect(savedRows()).toBe(14);
    h.store.close();
  });

  it('makes a busy window\'s report in slices while the next window counts, deletes its tokens in slices before the next window is saved, and finishes it again after a crash meanwhile', () => {
    // 10,000 addresses: the Wi-Fi estimator takes several steps over them. The clock moves 11 ms
    // at every look, so each slice of the report is one step.
    const busyHour: Frame[] = Array.from({ length: 10_000 }, (_, i) => ({ t: T0 + i * 300, address: RANDOM + i, signature: 1 + (i % 7) }));
    const nextHour: Frame[] = Array.from({ length: 200 }, (_, i) => ({ t: T0 + 60 * MINUTE + i * 1000, address: RANDOM + 50_000 + i }));
    // 64-bit tokens: with 32 bits, two of 10,000 addresses share a token in about one run of a hundred.
    const slicedRun = (runDir: string) => {
      let ms = 0;
      return new Harness(runDir, 64, { estimators: DEFAULT_ESTIMATORS, finishInSlices: true, monotonicMs: () => (ms += 11) });
    };
    /** A sliced run that counted the busy hour and saved it. */
    const busyHourSaved = (runDir: string) => {
      const run = slicedRun(runDir);
      run.pipeline.start();
      run.feed(busyHour);
      run.pipeline.checkpoint();
      return run;
    };
    const reference = new Harness(path.join(dir, 'ref'), 64, { estimators: DEFAULT_ESTIMATORS });
    reference.pipeline.start();
    reference.feed([...busyHour, ...nextHour]);
    reference.pipeline.finishInput();
    reference.store.close();

    const h = busyHourSaved(path.join(dir, 'sliced'));
    const savedWindowStart = () => h.store.db.prepare('SELECT start_ms FROM open_window').pluck().get();
    const finishedTokens = h.store.db.prepare('SELECT token FROM open_tokens').pluck().all() as string[];
    // The next window is not saved meanwhile (below): the rows are the finished window's.
    const savedFinishedTokens = () => h.store.db.prepare('SELECT count(*) FROM open_tokens').pluck().get() as number;
    let fed = 0;
    while (h.reports.length === 0) {
      h.feed([nextHour[fed++]!]);
      // Until the report is in the outbox, the saved window is still the finished one.
      if (h.reports.length === 0) expect(savedWindowStart()).toBe(T0);
    }
    expect(fed).toBeGreaterThan(2);
    expect(h.keyFiles()).toEqual(['window-20261122T110000Z.key']);
    // Then its token rows go, a slice at a time, before the next window is saved.
    const tokensLeft = [savedFinishedTokens()];
    while (tokensLeft.at(-1)! > 0) {
      expect(savedWindowStart()).toBeUndefined();
      h.feed([nextHour[fed++]!]);
      tokensLeft.push(savedFinishedTokens());
    }
    expect([...new Set(tokensLeft)]).toEqual([10_000, 5_000, 0]);
    h.pipeline.checkpoint();
    expect(savedWindowStart()).toBe(T0 + 60 * MINUTE);
    h.feed(nextHour.slice(fed));
    h.pipeline.finishInput();
    expect(h.reports).toEqual(reference.reports);
    h.store.close();

    // A crash while the report is made: the restart finishes the window from its checkpoint, with the same report.
    const crashDir = path.join(dir, 'crash');
    const first = busyHourSaved(crashDir);
    first.feed(nextHour.slice(0, 2));
    expect(first.reports).toEqual([]);
    first.store.close();
    const second = slicedRun(crashDir);
    const { skipFrames } = second.pipeline.start();
    expect(skipFrames).toBe(busyHour.length);
    second.feed([...busyHour, ...nextHour], skipFrames);
    second.pipeline.finishInput();
    expect(second.reports).toEqual(reference.reports);
    second.store.close();

    // A crash while its tokens are deleted: the restart deletes the rest before anything else, and counts on.
    const deletingDir = path.join(dir, 'crash-deleting');
    const third = busyHourSaved(deletingDir);
    fed = 0;
    while (third.reports.length === 0) third.feed([nextHour[fed++]!]);
    expect(third.store.db.prepare('SELECT count(*) FROM open_tokens').pluck().get()).toBe(10_000);
    third.store.close();
    const fourth = slicedRun(deletingDir);
    expect(fourth.pipeline.start().skipFrames).toBe(busyHour.length);
    expect(fourth.store.db.prepare('SELECT count(*) FROM open_tokens').pluck().get()).toBe(0);
    const files = fourth.dbBytes();
    // Every 50th token (a search of the files per token): none is left.
    expect(finishedTokens.filter((token, i) => i % 50 === 0 && files.includes(Buffer.from(token)))).toEqual([]);
    fourth.feed([...busyHour, ...nextHour], busyHour.length);
    fourth.pipeline.finishInput();
    expect([...third.reports, ...fourth.reports]).toEqual(reference.reports);
    fourth.store.close();

    // The input's end, for an interactive run: the last window finished in slices too.
    const ended = busyHourSaved(path.join(dir, 'ended'));
    ended.pipeline.finishInput(T0 + 60 * MINUTE, 'in slices');
    let slices = 1;
    while (ended.pipeline.finishSlice()) slices++;
    expect(slices).toBeGreaterThan(2);
    expect(ended.reports).toEqual(reference.reports.slice(0, 1));
    expect(ended.store.db.prepare('SELECT count(*) FROM open_tokens').pluck().get()).toBe(0);
    expect(ended.store.windows.cursor()).toBeUndefined();
    ended.store.close();
  });

  it('destroys a closed window\'s key and every one of its tokens in the database files', () => {
    const h = new Harness(dir, 64);
    h.pipeline.start();
    const frames = traffic();
    const firstHour = frames.filter((f) => f.t < T0 + 60 * MINUTE);
    h.feed(firstHour);
    h.pipeline.checkpoint();
    const tokens = (h.store.db.prepare('SELECT token FROM open_tokens').pluck().all() as string[]);
    expect(tokens.length).toBe(62);
    expect(h.keyFiles()).toEqual(['window-20261122T100000Z.key']);
    const bytesOf = (token: string) => [Buffer.from(token), Buffer.from(token, 'hex')];
    expect(tokens.some((t) => bytesOf(t).some((b) => h.dbBytes().includes(b)))).toBe(true);

    h.feed([{ t: T0 + 60 * MINUTE + 1, address: GLOBAL + 1 }]);
    expect(h.reports).toHaveLength(1);
    expect(h.keyFiles()).toEqual(['window-20261122T110000Z.key']);
    const files = h.dbBytes();
    for (const token of tokens) for (const form of bytesOf(token)) expect(files.includes(form)).toBe(false);
    h.store.close();
  });

  it('continues a window after a crash and finishes it with the counts of an uninterrupted run', () => {
    const frames = traffic();
    const reference = uninterruptedRun(frames);

    // 150: after the first window finished, before the second was checkpointed.
    for (const crashAt of [70, 75, 123, 150, 200]) {
      const runDir = path.join(dir, `crash-${crashAt}`);
      const first = new Harness(runDir);
      first.pipeline.start();
      first.feed(frames.slice(0, crashAt));
      // A crash: nothing is finished or saved beyond the last checkpoint.
      first.store.close();

      const second = new Harness(runDir);
      const { skipFrames } = second.pipeline.start();
      expect(skipFrames).toBeGreaterThan(0);
      expect(skipFrames).toBeLessThanOrEqual(crashAt);
      second.feed(frames, skipFrames);
      second.pipeline.finishInput();

      // The very reports of the uninterrupted run, quality included: one id, one payload.
      expect([...first.reports, ...second.reports]).toEqual(reference.reports);
      expect(second.store.outbox.depth()).toBe(3);
      second.store.close();
    }
  });

  it('finishes a window restored from a checkpoint of its last frame with the capture time of an uninterrupted run', () => {
    const frames = traffic();
    const reference = uninterruptedRun(frames);
    const firstHour = frames.filter((f) => f.t < T0 + 60 * MINUTE).length;
    const first = new Harness(dir);
    first.pipeline.start();
    first.feed(frames.slice(0, firstHour));
    first.pipeline.checkpoint();
    first.store.close();
    // The restart's first frame closes the window at once.
    const second = new Harness(dir);
    const { skipFrames } = second.pipeline.start();
    expect(skipFrames).toBe(firstHour);
    second.feed(frames, skipFrames);
    second.pipeline.finishInput();
    expect(second.reports).toEqual(reference.reports);
    second.store.close();
  });

  it.each([
    ['lost', (file: string) => fs.rmSync(file)],
    ['replaced by other 32 bytes', (file: string) => fs.writeFileSync(file, crypto.randomBytes(32))],
    ['garbled', (file: string) => fs.writeFileSync(file, 'not a key')],
  ])('a window continued with its key %s counts its devices afresh from the restart, not twice, and its report says so', (_how, spoil) => {
    const frames = traffic();
    const reference = uninterruptedRun(frames);

    const first = new Harness(dir);
    first.pipeline.start();
    first.feed(frames.slice(0, 200));
    first.pipeline.checkpoint();
    first.store.close();
    spoil(path.join(dir, 'run', 'window-20261122T110000Z.key'));

    // Restarted with the wrong key, checkpointed, and killed again: the old key's entries must not come back.
    const second = new Harness(dir);
    const { skipFrames } = second.pipeline.start();
    second.feed(frames.slice(0, skipFrames + 30), skipFrames);
    second.pipeline.checkpoint();
    second.store.close();
    const third = new Harness(dir);
    third.pipeline.start();
    third.feed(frames, skipFrames + 30);
    third.pipeline.finishInput();
    const [continued, last] = third.reports;
    const resumedAt = frames[skipFrames - 1]!.t;
    expect(continued!.quality.devices_counted_from).toBe(new Date(Math.floor(resumedAt / 1000) * 1000).toISOString().replace('.000Z', 'Z'));
    const heardSince = frames.slice(skipFrames).filter((f) => !f.malformed && f.t < T0 + 120 * MINUTE);
    expect(continued!.wifi!.addresses).toBe(new Set(heardSince.map((f) => f.address)).size);
    expect(continued!.wifi!.frames).toBe(reference.reports[1]!.wifi!.frames);
    expect(last!.quality.devices_counted_from).toBeUndefined();
    expect(counts(last!)).toEqual(counts(reference.reports[2]!));
    third.store.close();
  });

  it('never finishes, prints or publishes another input\'s open window: it refuses before reading a frame, and that input finishes it later', () => {
    const frames = traffic();
    const reference = uninterruptedRun(frames);

    const first = new Harness(dir);
    first.pipeline.start();
    first.feed(frames.slice(0, 200));
    first.pipeline.checkpoint();
    first.store.close();
    expect(first.reports).toHaveLength(1);

    const other = new Harness(dir, 32, { input: 'other', inputDescription: 'footfall replay other.pcap' });
    expect(() => other.pipeline.start()).toThrow(
      new UnfinishedWindowError(
        `${path.join(dir, 'state')} holds the unfinished window 2026-11-22T11:00:00Z of \`footfall replay frames.pcap\`; finish it by running that again on this state directory, or give this command another one (--state-dir or paths.state_dir)`,
      ),
    );
    expect(other.reports).toEqual([]);
    expect(other.store.outbox.depth()).toBe(1);
    expect(other.keyFiles()).toEqual(['window-20261122T110000Z.key']);
    other.store.close();

    const again = new Harness(dir);
    const { skipFrames } = again.pipeline.start();
    again.feed(frames, skipFrames);
    again.pipeline.finishInput();
    expect([...first.reports, ...again.reports].map(counts)).toEqual(reference.reports.map(counts));
    again.store.close();
  });

  it.each([
    ['at once', {}],
    ['in slices', { finishInSlices: true }],
  ])('goes on counting when the database takes no writes, a window finished %s: the finished report held in memory and sent from there, its key destroyed, everything written once it can be', (_how, extra: Partial<PipelineOptions>) => {
    const frames = traffic();
    const reference = uninterruptedRun(frames);

    const h = new Harness(dir, 32, extra);
    h.pipeline.start();
    h.feed(frames.slice(0, 100));
    h.store.db.pragma('query_only = ON');
    h.feed(frames.slice(100, 200));
    expect(h.reports).toHaveLength(1);
    const [first] = h.reports;
    expect(h.store.health()).toMatchObject({ state: 'failing', reports_in_memory: 1, since: expect.any(String) });
    const held = h.store.queue.oldest()!;
    expect(held.seq).toBeLessThan(0);
    expect(held.payload).toBe(JSON.stringify(first));
    expect(h.store.queue.depth()).toBe(1);
    expect(h.keyFiles()).toEqual(['window-20261122T110000Z.key']);

    h.store.db.pragma('query_only = OFF');
    h.feed(frames.slice(200, 250));
    h.pipeline.checkpoint();
    expect(h.store.health()).toMatchObject({ state: 'ok', reports_in_memory: 0 });
    expect(h.store.outbox.oldest()!.payload).toBe(held.payload);
    expect(h.store.history.recent(5).map((r) => r.id)).toEqual([first!.id]);
    // A crash now: the restart continues the second window with its own tokens only.
    h.store.close();
    const resumed = new Harness(dir, 32, extra);
    const { skipFrames } = resumed.pipeline.start();
    resumed.feed(frames, skipFrames);
    resumed.pipeline.finishInput();
    expect([...h.reports, ...resumed.reports].map(counts)).toEqual(reference.reports.map(counts));
    resumed.store.close();
  });

  it('gives the open window\'s counts so far for the live topic', () => {
    const h = new Harness(dir);
    h.pipeline.start();
    expect(h.pipeline.live(T0)).toBeUndefined();
    h.feed(traffic().slice(0, 10));
    const live = h.pipeline.live(T0 + 10 * MINUTE)!;
    expect(live.schema).toBe('footfall.live/1');
    expect(live.as_of).toBe('2026-11-22T10:10:00Z');
    expect(live.wifi!.frames).toBe(10);
    expect(live).not.toHaveProperty('partial');
    // A replay's clock is the capture's: as of its last frame, not of the wall clock.
    const lastFrame = traffic()[9]!;
    expect(h.pipeline.live()!.as_of).toBe(new Date(Math.floor(lastFrame.t / 1000) * 1000).toISOString().replace('.000Z', 'Z'));
    h.store.close();
  });

  it('reports the open window with zones set while it is open, as the windows after it', () => {
    const h = new Harness(dir);
    h.pipeline.start();
    h.feed(traffic().slice(0, 30));
    expect(h.pipeline.live(T0 + 10 * MINUTE)!.wifi!.zones).toEqual({ inside: 1, nearby: 5 });
    h.pipeline.setZones({ wifi: { near: -75 }, ble: {} });
    expect(h.pipeline.live(T0 + 10 * MINUTE)!.wifi!.zones).toEqual({ near: 5 });
    h.feed(traffic().slice(30));
    h.pipeline.finishInput();
    expect(h.reports.map((report) => report.wifi!.zones)).toEqual([{ near: 5 }, { near: 5 }, { near: 5 }]);
    h.store.close();
  });

  it('holds frames back while the clock is not synchronized, and counts them', () => {
    const h = new Harness(dir, 32, { requireSync: true, timeSource: 'wall' });
    h.pipeline.start();
    h.pipeline.setClockSynced(false);
    h.feed([{ t: T0 + MINUTE, address: GLOBAL + 1 }, { t: T0 + 2 * MINUTE, address: GLOBAL + 2 }]);
    h.pipeline.tick(T0 + 3 * MINUTE);
    expect(h.pipeline.totals.heldBack).toBe(2);
    expect(h.keyFiles()).toEqual([]);
    h.pipeline.setClockSynced(true);
    h.feed([{ t: T0 + 4 * MINUTE, address: GLOBAL + 3 }]);
    h.pipeline.tick(T0 + 61 * MINUTE);
    expect(h.reports).toHaveLength(1);
    expect(h.reports[0]!.wifi!.frames).toBe(1);
    expect(h.reports[0]!.quality.clock_synced).toBe(true);
    h.store.close();
  });

  it('marks a window whose clock jumped forward, and splits one whose clock went back', () => {
    const h = new Harness(dir, 32, { timeSource: 'wall' });
    h.pipeline.start();
    h.feed([{ t: T0 + 10 * MINUTE, address: GLOBAL + 1 }]);
    h.pipeline.clockStepped(+5 * MINUTE);
    h.feed([{ t: T0 + 30 * MINUTE, address: GLOBAL + 2 }]);
    h.pipeline.tick(T0 + 60 * MINUTE);
    expect(h.reports.map((r) => [r.window.start, r.wifi!.frames, r.quality.clock_synced, r.partial ?? false])).toEqual([
      ['2026-11-22T10:00:00Z', 2, false, false],
    ]);

    h.feed([{ t: T0 + 70 * MINUTE, address: GLOBAL + 1 }]);
    h.pipeline.clockStepped(-15 * MINUTE);
    // Frames before 12:00, the end of the split window, are dropped: no window is counted twice.
    h.feed([{ t: T0 + 55 * MINUTE, address: GLOBAL + 3 }]);
    h.pipeline.tick(T0 + 58 * MINUTE);
    expect(h.reports.map((r) => [r.window.start, r.wifi!.frames, r.quality.clock_synced, r.partial ?? false])).toEqual([
      ['2026-11-22T10:00:00Z', 2, false, false],
      ['2026-11-22T11:00:00Z', 1, false, true],
    ]);
    expect(h.pipeline.totals.dropped).toBe(1);
    h.feed([{ t: T0 + 121 * MINUTE, address: GLOBAL + 4 }]);
    h.pipeline.finishInput();
    expect(h.reports.at(-1)).toMatchObject({ window: { start: '2026-11-22T12:00:00Z' }, quality: { clock_synced: true } });
    h.store.close();
  });

  it('reports a source only for the windows in which it listened, also across a restart', () => {
    let bleListening = false;
    const options: Partial<PipelineOptions> = { timeSource: 'wall', sources: ['wifi', 'ble'], listening: (kind) => kind === 'wifi' || bleListening };
    const h = new Harness(dir, 32, options);
    h.pipeline.start();
    h.feed([{ t: T0 + MINUTE, address: GLOBAL + 1 }]);
    h.pipeline.tick(T0 + 60 * MINUTE);
    h.feed([{ t: T0 + 61 * MINUTE, address: GLOBAL + 1 }]);
    // The adapter comes up in the second window and hears nothing: its zeros are counts now.
    bleListening = true;
    h.pipeline.tick(T0 + 62 * MINUTE);
    h.pipeline.checkpoint();
    h.store.close();

    bleListening = false;
    const restarted = new Harness(dir, 32, options);
    restarted.pipeline.start();
    restarted.pipeline.tick(T0 + 120 * MINUTE);
    restarted.pipeline.tick(T0 + 180 * MINUTE);
    const reports = [...h.reports, ...restarted.reports];
    expect(reports.map((r) => [r.window.start, r.wifi?.frames, r.ble?.frames, r.quality.restarts])).toEqual([
      ['2026-11-22T10:00:00Z', 1, undefined, 0],
      ['2026-11-22T11:00:00Z', 1, 0, 1],
      ['2026-11-22T12:00:00Z', 0, undefined, 0],
    ]);
    restarted.store.close();
  });
});
