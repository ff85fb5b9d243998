/**
 * The crash loop: a paced replay with publishing, killed with -9 at random moments again and
 * again on the same state directory (in windows, between them, with a report in flight, while
 * waiting for the broker), must deliver what an uninterrupted run prints: every report, each id
 * with the very payload of the uninterrupted run, nothing lost. Duplicates, which QoS 1 allows,
 * are the same bytes.
 *
 * A killed run keeps a few tenths of a second of the input's progress on average, so 20 kills
 * take the six hours at 3600x (6 s) about once through. More kills go through it again: a run
 * killed after the input's end, while it waits for the broker, starts the input anew, and its
 * reports must be the same bytes again.
 *
 * FOOTFALL_TEST_CRASH_KILLS sets the number of kills: 20 by default (about 30 s), 200 for the
 * full run (about 5 minutes). FOOTFALL_TEST_CRASH_SEED repeats a run's delays; a failure names it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { mulberry32 } from '../src/capture/frame-mutations.fixtures.js';
import type { WindowReport } from '../src/payloads/payloads.js';
import { COMPARABLE_TOKENS, runCli } from './helpers/cli.js';
import { GENERATED_CAPTURES, generatedCapture } from './helpers/generated-captures.js';
import { replayKilledRepeatedly } from './helpers/kill-resume.js';
import { MqttTestBed } from './helpers/mosquitto.js';

const KILLS = Number(process.env.FOOTFALL_TEST_CRASH_KILLS ?? 20);
const SEED = Number(process.env.FOOTFALL_TEST_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 32));
/** Each run is killed this long after it started: from before its first frame to past a few checkpoints. */
const DELAYS_MS = { min: 300, max: 2000 };
/** An hour of the input in a second: a ten-minute window every 1/6 s. */
const SPEED = 3600;

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-crash-loop-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));
const bed = new MqttTestBed();
afterEach(() => bed.cleanUp());

describe('a replay --publish killed with -9 at random moments, again and again', () => {
  it(
    `delivers every report of an uninterrupted run, byte for byte, after ${KILLS} kills (seed ${SEED})`,
    async () => {
      // Six hours in windows of ten minutes: 36 windows, each a few thousand frames or fewer.
      const capture = await generatedCapture(GENERATED_CAPTURES['radiotap, mixed layouts, 6 h']!);
      const env = { ...COMPARABLE_TOKENS, FOOTFALL_SENSOR_ID: 'crash-loop', FOOTFALL_PRIVACY_WINDOW_MINUTES: '10', FOOTFALL_STORE_CHECKPOINT_SECONDS: '1' };
      const uninterrupted = await runCli(['replay', capture.path, '--log-level', 'warn'], env);
      const reference = new Map(
        uninterrupted.stdout
          .trim()
          .split('\n')
          .map((line) => [(JSON.parse(line) as WindowReport).id, line]),
      );
      expect(reference.size).toBe(36);

      const broker = await bed.broker();
      const subscriber = await bed.subscriber(broker.url, { topic: 'footfall/crash-loop/report' });
      const { kills, completed, finish } = await replayKilledRepeatedly({
        args: ['--publish', '--speed', String(SPEED), capture.path],
        dir: path.join(scratch, 'loop'),
        env: { ...env, FOOTFALL_MQTT_URL: broker.url },
        kills: KILLS,
        minDelayMs: DELAYS_MS.min,
        maxDelayMs: DELAYS_MS.max,
        random: mulberry32(SEED),
      });
      expect(kills).toBe(KILLS);
      const last = await finish();
      expect(last.code, last.stderr).toBe(0);

      await subscriber.waitFor((messages) => new Set(messages.map((m) => (JSON.parse(m.payload) as WindowReport).id)).size >= reference.size, 'every report');
      const received = subscriber.messages.map((m) => ({ id: (JSON.parse(m.payload) as WindowReport).id, payload: m.payload }));
      const loop = `${kills} kills, ${completed} runs that ended on their own, seed ${SEED}`;
      expect([...new Set(received.map((r) => r.id))], loop).toEqual([...reference.keys()]);
      for (const { id, payload } of received) expect(payload, `${id} (${loop})`).toBe(reference.get(id));
    },
    KILLS * DELAYS_MS.max + 120_000,
  );
});
