import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { PhoneMarker } from '../capture/phone-marker.js';
import type { SourceKind } from '../capture/source.js';
import { CALIBRATION_REQUEST_FILE, CALIBRATION_REQUEST_TTL_MS, CALIBRATION_SAMPLES_FILE, CalibrationResponder, type PhoneMarking } from '../core/calibration-exchange.js';
import { createLogger } from '../log/logger.js';
import type { MarkedSample, MarkedSampleListener } from '../privacy/marked-phone-tap.js';
import { DaemonSampleFeed } from './daemon-feed.js';

/** The daemon's sensor as the responder sees it: which radios can mark, and the marker and listener it was given. */
class FakeSensor implements PhoneMarking {
  marker: PhoneMarker | null = null;
  listener: MarkedSampleListener | null = null;
  constructor(private readonly radios: SourceKind[]) {}
  markPhone(marker: PhoneMarker | null, listener: MarkedSampleListener | null): SourceKind[] {
    this.marker = marker;
    this.listener = listener;
    return marker === null ? [] : this.radios.filter((radio) => (radio === 'wifi' ? marker.marksWifi : marker.marksBle));
  }
}

const logLines: string[] = [];
const logger = createLogger({ level: 'debug', write: (line) => void logLines.push(line) });
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  logLines.length = 0;
});

function daemon(radios: SourceKind[]): { dir: string; sensor: FakeSensor; responder: CalibrationResponder } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-calibration-exchange-'));
  const sensor = new FakeSensor(radios);
  const responder = new CalibrationResponder(dir, sensor, logger);
  responder.start();
  cleanups.push(() => {
    responder.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { dir, sensor, responder };
}

async function until(what: string, test: () => boolean): Promise<void> {
  const end = Date.now() + 5000;
  while (!test()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('calibrating through the daemon', () => {
  it('the daemon marks the phone on request, and its samples reach calibrate: RSSI and time only', async () => {
    const { dir, sensor } = daemon(['wifi', 'ble']);
    const feed = new DaemonSampleFeed(dir, 4242, { ssid: 'footfall-cal-4821' });
    const received: MarkedSample[] = [];
    expect(await feed.start((sample) => received.push(sample), () => {})).toEqual(['wifi']);
    expect(sensor.marker?.describe()).toBe('Wi-Fi network "footfall-cal-4821"');
    expect(feed.description).toBe('the running daemon (pid 4242)');

    sensor.listener!({ source: 'wifi', timeMs: 1_765_000_000_123.5, rssi: -47 });
    sensor.listener!({ source: 'wifi', timeMs: 1_765_000_000_456, rssi: -51 });
    await until('two samples', () => received.length === 2);
    expect(received).toEqual([
      { source: 'wifi', timeMs: 1_765_000_000_123.5, rssi: -47 },
      { source: 'wifi', timeMs: 1_765_000_000_456, rssi: -51 },
    ]);
    const lines = fs.readFileSync(path.join(dir, CALIBRATION_SAMPLES_FILE), 'utf8').trim().split('\n');
    expect(lines.slice(1).map((line) => Object.keys(JSON.parse(line) as object))).toEqual([
      ['source', 't', 'rssi'],
      ['source', 't', 'rssi'],
    ]);
    expect(fs.statSync(path.join(dir, CALIBRATION_REQUEST_FILE)).mode & 0o777).toBe(0o600);

    await feed.stop();
    await until('the daemon to stop marking', () => sensor.marker === null);
    expect(fs.readdirSync(dir)).toEqual([]);
    expect(logLines.some((line) => line.includes('calibration ended'))).toBe(true);
  });

  it('a request left behind by a calibrate that died expires', () => {
    const { dir, sensor, responder } = daemon(['wifi']);
    const now = Date.now();
    const request = { schema: 'footfall.calibration-request/1', id: 'dead', ssid: 'cal', expires_at: new Date(now + CALIBRATION_REQUEST_TTL_MS).toISOString() };
    fs.writeFileSync(path.join(dir, CALIBRATION_REQUEST_FILE), JSON.stringify(request));
    responder.poll(now);
    expect(sensor.marker).not.toBeNull();
    responder.poll(now + CALIBRATION_REQUEST_TTL_MS + 1);
    expect(sensor.marker).toBeNull();
    expect(fs.existsSync(path.join(dir, CALIBRATION_SAMPLES_FILE))).toBe(false);
  });

  it('refuses, in one line, when no radio of the daemon can hear the phone', async () => {
    const { dir } = daemon(['wifi']);
    const feed = new DaemonSampleFeed(dir, 4242, { bleName: 'ffcal' });
    await expect(feed.start(() => {}, () => {})).rejects.toMatchObject({ exitCode: 69, message: expect.stringMatching(/^the daemon \(pid 4242\) has no radio that can hear the phone/) });
    expect(fs.existsSync(path.join(dir, CALIBRATION_REQUEST_FILE))).toBe(false);
  });

  it("passes on the daemon's reason for a request it cannot take", async () => {
    const { dir } = daemon(['wifi']);
    const feed = new DaemonSampleFeed(dir, 4242, { ssid: 'x'.repeat(40) });
    await expect(feed.start(() => {}, () => {})).rejects.toMatchObject({ exitCode: 64, message: expect.stringMatching(/1 to 32 bytes/) });
  });

  it('says what to do when the daemon does not answer', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-calibration-exchange-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const feed = new DaemonSampleFeed(dir, 4242, { ssid: 'cal' });
    await expect(feed.start(() => {}, () => {})).rejects.toMatchObject({ exitCode: 69, message: expect.stringMatching(/did not take the calibration request: restart it/) });
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
