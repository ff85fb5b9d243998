/**
 * `footfall watch` against a real mosquitto: two sensors (paced replays with publishing), one
 * still running and one killed with -9 so that the broker publishes its last will; the snapshot
 * of --once in JSON and text, the live view as a report arrives, the broker's TLS and password
 * from the config, a broker that refuses in one line, `history` reading the running sensor's
 * database, and no address of the input in any of it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BoardSnapshot } from '../src/cli/sensor-board.js';
import { jsonLines, runCli, startCli, type CliResult, type RunningCli } from './helpers/cli.js';
import { GENERATED_CAPTURES, generatedAddresses, generatedCapture } from './helpers/generated-captures.js';
import { findLeaks } from './helpers/leak-scan.js';
import { freePort, MqttTestBed, type Mosquitto, type ReceivedMessage, type Subscriber } from './helpers/mosquitto.js';

const CAPTURE = GENERATED_CAPTURES['radiotap cut to a 96-byte snap length, 1 h']!;
const ONLINE = 'watch-online';
const KILLED = 'watch-killed';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-watch-'));
const bed = new MqttTestBed();
const tlsBed = new MqttTestBed();
let broker: Mosquitto;
let subscriber: Subscriber;
let online: RunningCli;
/** Every watch output, for the leak scan. */
const outputs: Array<{ name: string; data: string }> = [];

const lastState = (messages: ReceivedMessage[], sensor: string) => {
  const status = messages.filter((m) => m.topic === `footfall/${sensor}/status`).at(-1);
  return status === undefined ? undefined : (JSON.parse(status.payload) as { state: string }).state;
};

/** A paced replay that publishes as `sensor`, in 5-minute windows, with live counts and health every second. */
function sensorReplay(sensor: string, file: string): RunningCli {
  return startCli(['replay', '--publish', '--speed', '60', file, '--state-dir', path.join(dir, `${sensor}-state`), '--runtime-dir', path.join(dir, `${sensor}-run`)], {
    FOOTFALL_MQTT_URL: broker.url,
    FOOTFALL_SENSOR_ID: sensor,
    FOOTFALL_PRIVACY_WINDOW_MINUTES: '5',
    FOOTFALL_MQTT_LIVE_SECONDS: '1',
    FOOTFALL_MQTT_HEALTH_SECONDS: '1',
    FOOTFALL_LOG_LEVEL: 'warn',
  });
}

async function watch(args: string[]): Promise<CliResult> {
  const result = await runCli(['watch', ...args]);
  outputs.push({ name: `watch ${args.join(' ')} stdout`, data: result.stdout }, { name: `watch ${args.join(' ')} stderr`, data: result.stderr });
  return result;
}

beforeAll(async () => {
  const capture = await generatedCapture(CAPTURE);
  broker = await bed.broker();
  subscriber = await bed.subscriber(broker.url);
  const killed = sensorReplay(KILLED, capture.path);
  online = sensorReplay(ONLINE, capture.path);
  await subscriber.waitFor((m) => lastState(m, KILLED) === 'online', 'the sensor to kill online');
  killed.child.kill('SIGKILL');
  await killed.done;
  await subscriber.waitFor((m) => lastState(m, KILLED) === 'offline', 'its last will');
  await subscriber.waitFor((m) => m.some((x) => x.topic === `footfall/${ONLINE}/live`) && m.some((x) => x.topic === `footfall/${ONLINE}/health`), 'live counts and health');
});

afterAll(async () => {
  online?.child.kill('SIGKILL');
  await online?.done;
  await bed.cleanUp();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('footfall watch', () => {
  afterEach(() => tlsBed.cleanUp());

  it('--once --json lists both sensors, the killed one offline by its last will', async () => {
    const result = await watch(['--once', '--json', '--broker', broker.url]);
    expect(result.code, result.stderr).toBe(0);
    const [snapshot, ...more] = jsonLines<BoardSnapshot>(result.stdout);
    expect(more).toEqual([]);
    expect(snapshot).toMatchObject({ broker: broker.url, prefix: 'footfall', connected: true });
    expect(snapshot!.sensors.map((s) => [s.sensor, s.state])).toEqual([
      [KILLED, 'offline'],
      [ONLINE, 'online'],
    ]);
    const [gone, running] = snapshot!.sensors;
    // The broker keeps no time with the will: when it went is not known, when it last spoke is.
    expect(gone).toMatchObject({ since: null, window_minutes: 5, min_count: 0 });
    expect(Date.now() - Date.parse(gone!.last_heard!)).toBeLessThan(60_000);
    expect(Date.now() - Date.parse(running!.since!)).toBeLessThan(60_000);
    expect(running!.outbox_depth).toEqual(expect.any(Number));
    expect(running!.live).toMatchObject({ window: { start: expect.stringMatching(/^2026-11-23T11:/) }, present: expect.any(Number), wifi_devices: expect.any(Number) });
    expect(running!.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('--once shows the same to a person', async () => {
    const result = await watch(['--once', '--broker', broker.url]);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^footfall watch: ${broker.url}, footfall/\\+, 2 sensors \\(1 online\\), `));
    expect(lines.some((line) => line.startsWith(`${KILLED}  OFFLINE, last heard `))).toBe(true);
    expect(lines.some((line) => line.startsWith(`${ONLINE}  online since `))).toBe(true);
    // The replay's windows are of the capture's day, not today's.
    expect(result.stdout).toMatch(/\n {2}live {5}2026-11-23 11:\d\d to 2026-11-23 11:\d\d so far: \d+ present now/);
    expect(result.stdout).toMatch(/\n {2}outbox {3}\d+ reports? waiting/);
  });

  it('without --once, prints a new snapshot as a report arrives, and stops cleanly on SIGINT', async () => {
    const live = startCli(['watch', '--json', '--broker', broker.url]);
    const withReport = async () => {
      for (;;) {
        const snapshots = jsonLines<BoardSnapshot>(live.stdout().split('\n').slice(0, -1).join('\n'));
        const seen = snapshots.flatMap((s) => s.sensors).find((s) => s.sensor === ONLINE && s.last_report !== null);
        if (seen) return seen;
        await live.waitForLines(snapshots.length + 1, 20_000);
      }
    };
    const sensor = await withReport();
    expect(sensor.last_report).toMatchObject({ id: expect.stringMatching(/^watch-online\/2026-11-23T11:/), wifi_devices: expect.any(Number), occupancy_peak: expect.any(Number) });
    live.child.kill('SIGINT');
    const result = await live.done;
    outputs.push({ name: 'watch --json stdout', data: result.stdout });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
  });

  it('connects with the TLS and credentials of mqtt.* in the config', async () => {
    const secure = await tlsBed.broker({ tls: true, passwordUser: { user: 'watcher', password: 'pass word' } });
    const passwordFile = path.join(dir, 'mqtt-password');
    fs.writeFileSync(passwordFile, 'pass word\n', { mode: 0o600 });
    const config = path.join(dir, 'watch.yaml');
    fs.writeFileSync(config, ['mqtt:', `  url: ${secure.url}`, '  username: watcher', `  password_file: ${passwordFile}`, `  ca_file: ${secure.caFile}`, ''].join('\n'));
    const result = await watch(['--once', '--config', config]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`footfall watch: ${secure.url}, footfall/+, 0 sensors`);
    expect(result.stdout).toContain('no sensor has published under footfall/ yet');

    const refused = await watch(['--once', '--config', config, '--prefix', 'site/footfall', '--broker', `mqtts://nobody:wrong@127.0.0.1:${secure.port}`]);
    expect(refused.code).toBe(69);
    expect(refused.stderr).toMatch(new RegExp(`^footfall: cannot connect to the broker mqtts://127.0.0.1:${secure.port}: .*[Nn]ot authori[sz]ed\\n$`));
  });

  it('a broker that is not there is one line and exit 69; no broker at all is a config error', async () => {
    const port = await freePort();
    const absent = await watch(['--once', '--broker', `mqtt://127.0.0.1:${port}`]);
    expect(absent.code).toBe(69);
    expect(absent.stderr).toBe(`footfall: cannot connect to the broker mqtt://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}\n`);
    const noBroker = path.join(dir, 'no-broker.yaml');
    fs.writeFileSync(noBroker, 'sensor:\n  id: watch-test\n');
    const none = await watch(['--once', '--config', noBroker]);
    expect(none.code).toBe(78);
    expect(none.stderr).toContain('mqtt.url: is not set; give the broker with --broker URL');
  });

  it('footfall history reads the local history of the running sensor while it writes', async () => {
    await subscriber.waitFor((m) => m.some((x) => x.topic === `footfall/${ONLINE}/report`), 'a report');
    const days = String(Math.ceil((Date.now() - Date.parse('2026-11-23T00:00:00Z')) / 86_400_000) + 1);
    const result = await runCli(['history', '--json', '--days', days, '--state-dir', path.join(dir, `${ONLINE}-state`)]);
    outputs.push({ name: 'history stdout', data: result.stdout }, { name: 'history stderr', data: result.stderr });
    expect(result.code, result.stderr).toBe(0);
    const hour = jsonLines<{ start: string; windows: number }>(result.stdout).find((b) => b.start === '2026-11-23T11:00:00Z');
    expect(hour!.windows).toBeGreaterThan(0);
  });

  it('leaks no address of the input', () => {
    expect(outputs.length).toBeGreaterThan(6);
    expect(findLeaks(generatedAddresses(CAPTURE), outputs)).toEqual([]);
  });
});
