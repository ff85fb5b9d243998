/** `footfall demo`, the quick start's main job: a simulated store through the real pipeline and MQTT. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DemoTruthLine } from '../src/cli/demo.js';
import type { WindowReport } from '../src/payloads/payloads.js';
import { jsonLines, runCli } from './helpers/cli.js';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-demo-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

describe('footfall demo', () => {
  it('prints every report as a subscriber of the embedded broker receives it, and writes the truth beside it', async () => {
    const truthFile = path.join(scratch, 'truth.jsonl');
    const result = await runCli(['demo', '--hours', '3', '--speed', '20000', '--truth', truthFile]);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n').map((line) => {
      const space = line.indexOf(' ');
      return { topic: line.slice(0, space), payload: JSON.parse(line.slice(space + 1)) as unknown };
    });
    expect(lines[0]).toEqual({ topic: 'footfall/demo-store/status', payload: { state: 'online' } });
    expect(lines.at(-1)).toEqual({ topic: 'footfall/demo-store/status', payload: { state: 'offline' } });
    const reports = lines.filter((l) => l.topic === 'footfall/demo-store/report').map((l) => l.payload as WindowReport);
    expect(reports.map((r) => r.window.start.slice(11))).toEqual(['08:00:00Z', '09:00:00Z', '10:00:00Z']);
    for (const report of reports) {
      expect(report.schema).toBe('footfall.report/1');
      expect(report.partial).toBeUndefined();
      expect(report.quality.capture_seconds).toBeGreaterThan(3500);
      expect(report.wifi!.frames).toBeGreaterThan(100);
      expect(report.wifi!.addresses_randomized).toBeGreaterThan(report.wifi!.addresses_global);
      expect(Object.keys(report.wifi!.zones)).toEqual(['inside', 'nearby']);
      expect(report.occupancy).toHaveLength(12);
      // Phones heard over BLE too, rotating their private addresses.
      expect(report.ble!.frames).toBeGreaterThan(1000);
      expect(report.ble!.addresses_resolvable).toBeGreaterThan(report.ble!.devices);
      expect(report.ble!.malformed).toBe(0);
    }
    // The readable summary, beside what the simulation knows really happened.
    const summaries = [...result.stderr.matchAll(/^\d\d:00-\d\d:00 +Wi-Fi devices +\d+ .* simulated: \d+ visitors, .* heard (\d+) Wi-Fi and (\d+) BLE devices$/gm)];
    expect(summaries).toHaveLength(3);
    // The truth file says the same, one JSON line per window.
    const truth = jsonLines<DemoTruthLine>(fs.readFileSync(truthFile, 'utf8'));
    expect(truth.map((t) => t.window_start)).toEqual(reports.map((r) => r.window.start));
    expect(truth.map((t) => [t.wifi.devices_heard, t.ble.devices_heard])).toEqual(summaries.map((m) => [Number(m[1]), Number(m[2])]));
    for (const [i, t] of truth.entries()) {
      expect(Object.keys(t)).toEqual(['window_start', 'wifi', 'ble', 'occupancy']);
      expect(t.wifi.devices_heard).toBeGreaterThan(10);
      expect(t.ble.devices_heard).toBeGreaterThan(10);
      expect(t.occupancy).toHaveLength(12);
      // Staff and fixed devices are always inside and heard within five minutes.
      expect(Math.min(...t.occupancy)).toBeGreaterThan(0);
      expect(Math.max(...t.occupancy)).toBeLessThanOrEqual(t.wifi.devices_heard + t.ble.devices_heard);
      expect(reports[i]!.occupancy).toHaveLength(t.occupancy.length);
    }
  });

  it('refuses a --truth file it cannot create with one line', async () => {
    const result = await runCli(['demo', '--hours', '1', '--truth', path.join(scratch, 'missing', 'truth.jsonl')]);
    expect(result.code).toBe(73);
    expect(result.stderr.trim()).toMatch(/^footfall: --truth ".*missing\/truth\.jsonl": cannot create it \(ENOENT\); give a file in a writable directory$/);
  });

  it('refuses a bad --hours with one line', async () => {
    const result = await runCli(['demo', '--hours', 'many']);
    expect(result.code).toBe(64);
    expect(result.stderr.trim()).toBe('footfall: --hours "many": give a number above 0 and at most 168');
  });
});
