/**
 * Part 3: every estimator's `devices` per window against the simulated store's truth (the
 * devices the sensor heard), over a seeded working day, on Wi-Fi and on BLE.
 */
import { loadConfig } from '../src/config/load.js';
import { fixtures } from '../src/sim/generate.js';
import type { Seed } from '../src/sim/random.js';
import { signedError } from './metrics.js';
import { bleEstimatorSets, replayReports, wifiEstimatorSets } from './replay.js';
import { describeTargets, percent, table, type TargetCheck } from './table.js';

/** A working day: 12 hours from 08:00 UTC. */
const WORKDAY = { startMs: Date.UTC(2026, 10, 23, 8), hours: 12 } as const;
const TARGET_WINDOW_ERROR = 0.15;

export interface WindowError {
  start: string;
  truth: number;
  estimate: number;
  error: number;
}

export interface SimulatedFigures {
  source: 'wifi' | 'ble';
  estimator: string;
  windows: WindowError[];
  worst: WindowError;
  targets: TargetCheck[];
}

function figures(source: 'wifi' | 'ble', estimator: string, windows: WindowError[]): SimulatedFigures {
  const worst = windows.reduce((a, b) => (Math.abs(b.error) > Math.abs(a.error) ? b : a));
  return {
    source,
    estimator,
    windows,
    worst,
    targets: [
      {
        target: `every window within ±${percent(TARGET_WINDOW_ERROR)}`,
        figure: `worst ${percent(worst.error, true)} (${worst.start})`,
        met: Math.abs(worst.error) <= TARGET_WINDOW_ERROR,
      },
    ],
  };
}

/** Each report's devices beside the truth of the window that starts with it. */
function windowErrors(reports: { start: string; devices: number | undefined }[], truth: { startMs: number; devices: number }[]): WindowError[] {
  return truth
    .filter((t) => t.devices > 0)
    .map((t) => {
      const start = new Date(t.startMs).toISOString().replace('.000Z', 'Z');
      const estimate = reports.find((r) => r.start === start)?.devices ?? 0;
      return { start, truth: t.devices, estimate, error: signedError(estimate, t.devices) };
    });
}

export async function measureSimulated(seed: Seed, fixtureDir: string): Promise<SimulatedFigures[]> {
  const cache = fixtures(fixtureDir);
  const config = loadConfig({ file: '', fileExplicit: false, env: {}, flags: {} });
  const endMs = WORKDAY.startMs + WORKDAY.hours * 3_600_000;
  const results: SimulatedFigures[] = [];

  const wifi = await cache.capture({ seed, ...WORKDAY });
  const wifiTruth = wifi.truth.map((t) => ({ startMs: t.startMs, devices: t.devicesHeard }));
  for (const { estimator, set } of wifiEstimatorSets()) {
    const reports = await replayReports({ files: [wifi.path], config, estimators: set, endMs });
    results.push(figures('wifi', estimator.name, windowErrors(reports.map((r) => ({ start: r.window.start, devices: r.wifi?.devices })), wifiTruth)));
  }

  // HCI reports with the direction header: what Linux captures from the controller the sensor scans with.
  const ble = await cache.bleCapture({ seed, ...WORKDAY, format: 'pcap', linkType: 201 });
  for (const { estimator, set } of bleEstimatorSets()) {
    const reports = await replayReports({ files: [ble.path], config, estimators: set, endMs });
    results.push(figures('ble', estimator.name, windowErrors(reports.map((r) => ({ start: r.window.start, devices: r.ble?.devices })), ble.truth)));
  }
  return results;
}

export function describeSimulated(results: readonly SimulatedFigures[]): string[] {
  return results.flatMap((e) => [
    `Simulated store, ${e.source === 'wifi' ? 'Wi-Fi' : 'BLE'}: ${e.estimator}, devices heard per window`,
    ...table(
      ['window', 'truth', 'estimate', 'error'],
      e.windows.map((w) => [w.start, String(w.truth), String(w.estimate), percent(w.error, true)]),
    ),
    ...describeTargets(e.targets),
  ]);
}
