/**
 * The live BLE path end to end, through every real part but the radio: noble (with bindings
 * that stand in for its HCI socket, as no Bluetooth runs here) → BleLiveSource → privacy →
 * pipeline → SQLite → a mosquitto broker. A seeded shop's advertisements arrive on the wall
 * clock (only Date is faked, to put two hours through in seconds); the reports that reach a
 * subscriber must carry the stream's counts, and nothing the sensor wrote or sent may hold an
 * address it heard.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { BleLiveSource } from '../src/capture/ble/ble-live-source.js';
import { controllerReports, FakeHciBindings } from '../src/capture/ble/fake-noble-bindings.fixtures.js';
import { loadConfig } from '../src/config/load.js';
import { Sensor } from '../src/core/sensor.js';
import { createLogger } from '../src/log/logger.js';
import type { BleCounts, WindowReport } from '../src/payloads/payloads.js';
import { formatAddress } from '../src/sim/ble-venue.js';
import { filesUnder, findLeaks } from './helpers/leak-scan.js';
import { MqttTestBed } from './helpers/mosquitto.js';

const HOUR = 3_600_000;
const START_MS = Date.UTC(2026, 10, 24, 9);
const SENSOR = 'ble-live-test';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-ble-live-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));
const bed = new MqttTestBed();
afterEach(async () => {
  vi.useRealTimers();
  await bed.cleanUp();
});

type Kind = 'public' | 'random_static' | 'resolvable' | 'nonresolvable';

function kindOf(address: string, addressType: 'public' | 'random'): Kind {
  if (addressType === 'public') return 'public';
  const top = Number.parseInt(address.slice(0, 2), 16) >> 6;
  return top === 0b11 ? 'random_static' : top === 0b01 ? 'resolvable' : 'nonresolvable';
}

describe('live BLE through noble, the pipeline, SQLite and MQTT', () => {
  it('publishes each hour the advertisements, addresses and address kinds it heard, and no address', async () => {
    const reportsHeard = controllerReports({ seed: 'ble-live-sensor', startMs: START_MS, durationMs: 2 * HOUR, phones: 4, visitorsPerHour: 40, publicDevices: 2, staticDevices: 3, beacons: 3 });
    const broker = await bed.broker();
    const subscriber = await bed.subscriber(broker.url);
    const state = path.join(scratch, 'state');
    const runtime = path.join(scratch, 'run');
    const config = loadConfig({
      file: '',
      fileExplicit: false,
      env: { FOOTFALL_SENSOR_ID: SENSOR, FOOTFALL_MQTT_URL: broker.url, FOOTFALL_ZONES_BLE: 'inside=-70,nearby=-110' },
      flags: { 'paths.state_dir': state, 'paths.runtime_dir': runtime, 'log.level': 'debug' },
    });
    let log = '';
    const logger = createLogger({ level: 'debug', journald: false, write: (line) => (log += line) });
    const bindings = new FakeHciBindings();

    vi.useFakeTimers({ toFake: ['Date'], now: START_MS - 1000 });
    const sensor = new Sensor({
      config,
      logger,
      input: 'live',
      timeSource: 'wall',
      publish: true,
      interactive: true,
      sourceKinds: ['ble'],
      createSources: () => [new BleLiveSource({ adapter: 0, passive: true, stallSeconds: 60, logger: logger.child('ble'), createBindings: () => bindings })],
      versions: {},
    });
    await sensor.start();
    const capturing = sensor.capture();
    bindings.setState('poweredOn');
    for (const report of reportsHeard) {
      vi.setSystemTime(report.timeMs);
      bindings.advertise(report);
    }
    // The daemon's timer closes the last window once its end (and the grace for late frames) has passed.
    vi.setSystemTime(START_MS + 2 * HOUR + 5000);
    await subscriber.waitFor((m) => m.filter((x) => x.topic === `footfall/${SENSOR}/report`).length === 2, 'two reports');
    await sensor.stop();
    await capturing;

    const reports = subscriber.on(`footfall/${SENSOR}/report`).map((m) => JSON.parse(m.payload) as WindowReport);
    expect(reports.map((r) => r.window.start)).toEqual(['2026-11-24T09:00:00Z', '2026-11-24T10:00:00Z']);
    reports.forEach((report, hour) => {
      const heard = reportsHeard.filter((r) => Math.floor((r.timeMs - START_MS) / HOUR) === hour);
      const kinds = new Map(heard.map((r) => [r.address, kindOf(r.address, r.addressType)]));
      const devices = new Set(heard.map((r) => r.deviceId)).size;
      const count = (kind: Kind) => [...kinds.values()].filter((k) => k === kind).length;
      expect(report.wifi).toBeUndefined();
      expect(report.ble).toMatchObject<Partial<BleCounts>>({
        frames: heard.length,
        malformed: 0,
        addresses: kinds.size,
        addresses_public: count('public'),
        addresses_random_static: count('random_static'),
        addresses_resolvable: count('resolvable'),
        addresses_nonresolvable: count('nonresolvable'),
      });
      // Phones rotate their addresses every few minutes: far more addresses than devices.
      expect(kinds.size).toBeGreaterThan(2 * devices);
      expect(report.ble!.devices, `devices in hour ${hour}, of ${devices}`).toBeGreaterThanOrEqual(Math.floor(0.8 * devices));
      expect(report.ble!.devices, `devices in hour ${hour}, of ${devices}`).toBeLessThanOrEqual(Math.ceil(1.2 * devices));
      // Every device reaches the outer zone, which starts below any RSSI the stream has.
      expect(Object.values(report.ble!.zones).reduce((sum, n) => sum + n, 0)).toBe(report.ble!.devices);
      expect(report.quality).toMatchObject({ dropped_frames: 0, restarts: 0 });
    });
    const health = JSON.parse(subscriber.on(`footfall/${SENSOR}/health`).at(-1)!.payload);
    expect(health.sources.ble.frames).toBe(reportsHeard.length);

    const heardAddresses = [...new Set(reportsHeard.map((r) => r.addressValue))];
    const outputs = [
      { name: 'log', data: log },
      { name: 'mqtt', data: subscriber.messages.map((m) => `${m.topic}\n${m.payload}`).join('\n') },
      ...filesUnder(state),
      ...filesUnder(runtime),
    ];
    expect(log).toContain(' debug ');
    // As written, and with the octets in the order they travel on air (least significant first).
    const forms = heardAddresses.flatMap((a) => [formatAddress(a), formatAddress(Number.parseInt(formatAddress(a).split(':').reverse().join(''), 16))]);
    expect(findLeaks(forms, outputs)).toEqual([]);
  });
});
