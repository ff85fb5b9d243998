/** `footfall demo`, the quick start's main job: a simulated store through the real pipeline and MQTT. */
import { describe, expect, it } from 'vitest';
import type { WindowReport } from '../src/publish/payloads.js';
import { runCli } from './helpers/cli.js';

describe('footfall demo', () => {
  it('prints every report as a subscriber of the embedded broker receives it, then exits 0', async () => {
    const result = await runCli(['demo', '--hours', '3', '--speed', '20000']);
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
    expect(result.stderr.match(/^\d\d:00-\d\d:00 +Wi-Fi devices +\d+ .* BLE devices +\d+, .* simulated: \d+ visitors/gm)).toHaveLength(3);
  });

  it('refuses a bad --hours with one line', async () => {
    const result = await runCli(['demo', '--hours', 'many']);
    expect(result.code).toBe(64);
    expect(result.stderr.trim()).toBe('footfall: --hours "many": give a number above 0 and at most 168');
  });
});
