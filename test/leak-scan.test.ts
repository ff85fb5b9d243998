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
import { runCli, startCli, type CliResult } from './helpers/cli.js';
import { filesUnder, findLeaks } from './helpers/leak-scan.js';
import { MqttTestBed, type Subscriber } from './helpers/mosquitto.js';
import { hasSharedCaptures, hasTshark, wifiAddresses, wifiCaptures } from './helpers/shared-captures.js';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-leak-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));
const bed = new MqttTestBed();
afterEach(() => bed.cleanUp());

function outputsOf(result: Pick<CliResult, 'stdout' | 'stderr'>, subscriber: Subscriber, dirs: string[]) {
  return [
    { name: 'stdout', data: result.stdout },
    { name: 'stderr', data: result.stderr },
    { name: 'mqtt', data: subscriber.messages.map((m) => `${m.topic}\n${m.payload}`).join('\n') },
    ...dirs.flatMap((dir) => filesUnder(dir)),
  ];
}

describe.skipIf(!hasSharedCaptures || !hasTshark)('no address of the input in any output (needs ../shared/captures and tshark)', () => {
  it.each(wifiCaptures().map((file) => [path.basename(file), file]))('%s', async (name, file) => {
    const addresses = wifiAddresses(file);
    expect(addresses.length).toBeGreaterThan(0);
    const broker = await bed.broker();
    const subscriber = await bed.subscriber(broker.url);
    const state = path.join(scratch, `${name}-state`);
    const runtime = path.join(scratch, `${name}-run`);
    const env = { FOOTFALL_MQTT_URL: broker.url, FOOTFALL_LOG_LEVEL: 'debug', FOOTFALL_CAPTURE_WIFI_CHECK_FCS: 'false' };
    const result = await runCli(['replay', '--publish', file, '--state-dir', state, '--runtime-dir', runtime], env);
    expect(result.code, result.stderr).toBe(0);
    // With no report to send (no probe request in the file) replay has no reason to connect.
    if (result.stdout !== '') await subscriber.waitFor((m) => m.some((x) => x.payload === '{"state":"offline"}'), 'the offline status');
    expect(result.stderr).toContain('debug');
    expect(findLeaks(addresses, outputsOf(result, subscriber, [state, runtime]))).toEqual([]);
  });

  it('also while windows are open: a run killed in the middle, with live and health published', async () => {
    const file = wifiCaptures().find((f) => f.includes('fryza'))!;
    const addresses = wifiAddresses(file);
    const broker = await bed.broker();
    const subscriber = await bed.subscriber(broker.url);
    const state = path.join(scratch, 'open-state');
    const runtime = path.join(scratch, 'open-run');
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
    expect(fs.readdirSync(runtime)).toHaveLength(1);
    running.child.kill('SIGKILL');
    const result = await running.done;
    expect(findLeaks(addresses, [...outputsOf(result, subscriber, [state, runtime]), ...openTokens])).toEqual([]);
  });
});
