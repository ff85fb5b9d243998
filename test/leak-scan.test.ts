/**
 * The privacy guarantee, end to end: replay captures with debug logging and publishing on, and
 * look for every address of the input, in every textual and binary form, in everything the
 * sensor wrote or sent: stdout, stderr, MQTT traffic on `#`, the database files (also while a
 * window is open) and the runtime directory.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { bleCaptureAddresses } from '../src/sim/generate-ble.js';
import { startCli } from './helpers/cli.js';
import { GENERATED_BLE_CAPTURES, generatedBleCapture } from './helpers/generated-captures.js';
import { filesUnder, findLeaks, outputsOf, replayedOutputs } from './helpers/leak-scan.js';
import { MqttTestBed } from './helpers/mosquitto.js';
import { bleAddresses, bleCaptures, hasSharedCaptures, hasTshark, wifiAddresses, wifiCaptures } from './helpers/shared-captures.js';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-leak-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));
const bed = new MqttTestBed();
afterEach(() => bed.cleanUp());

/** Replays `file` to its end with publishing and debug logging on, and looks for `addresses` everywhere. */
async function expectNoLeak(name: string, file: string, addresses: string[], env: Record<string, string> = {}) {
  expect(addresses.length).toBeGreaterThan(0);
  expect(findLeaks(addresses, await replayedOutputs(bed, scratch, name, file, env))).toEqual([]);
}

/** A paced replay killed while its windows are open, with live and health published every second. */
async function expectNoLeakWhileOpen(name: string, file: string, addresses: string[]) {
  const broker = await bed.broker();
  const subscriber = await bed.subscriber(broker.url);
  const state = path.join(scratch, `${name}-state`);
  const runtime = path.join(scratch, `${name}-run`);
  const env = {
    FOOTFALL_MQTT_URL: broker.url,
    FOOTFALL_LOG_LEVEL: 'debug',
    FOOTFALL_MQTT_LIVE_SECONDS: '1',
    FOOTFALL_MQTT_HEALTH_SECONDS: '1',
    FOOTFALL_STORE_CHECKPOINT_SECONDS: '1',
  };
  const running = startCli(['replay', '--publish', '--speed', '600', file, '--state-dir', state, '--runtime-dir', runtime], env);
  await subscriber.waitFor((m) => m.filter((x) => x.topic.endsWith('/live')).length >= 3, 'three live updates');
  const openTokens = filesUnder(state);
  expect(fs.readdirSync(runtime).filter((name) => name.endsWith('.key'))).toHaveLength(1);
  running.child.kill('SIGKILL');
  const result = await running.done;
  expect(findLeaks(addresses, [...outputsOf(result, subscriber, [state, runtime]), ...openTokens])).toEqual([]);
}

describe.skipIf(!hasSharedCaptures || !hasTshark)('no address of the input in any output (needs ../shared/captures and tshark)', () => {
  it.each(wifiCaptures().map((file) => [path.basename(file), file]))('%s', async (name, file) => {
    await expectNoLeak(name, file, wifiAddresses(file), { FOOTFALL_CAPTURE_WIFI_CHECK_FCS: 'false' });
  });

  it.each(bleCaptures().map((file) => [path.basename(file), file]))('%s (every address tshark finds, bad CRCs too)', async (name, file) => {
    await expectNoLeak(name, file, bleAddresses(file));
  });

  it('also while windows are open: a run killed in the middle, with live and health published', async () => {
    const file = wifiCaptures().find((f) => f.includes('fryza'))!;
    await expectNoLeakWhileOpen('open', file, wifiAddresses(file));
  });
});

describe('no address of a generated BLE capture while windows are open', () => {
  it('a paced BLE replay killed in the middle, with live and health published', async () => {
    const options = GENERATED_BLE_CAPTURES['BLE link layer with RF header (256), 8% corrupted, 3 h']!;
    const capture = await generatedBleCapture(options);
    await expectNoLeakWhileOpen('ble-open', capture.path, bleCaptureAddresses(options));
  });
});
