import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { curveAt, STORE_CURVE } from './daily-curve.js';
import { isLocallyAdministered, SCAN_CHANNELS_MHZ, type Emission } from './device.js';
import type { WindowTruth } from './truth.js';
import { DEFAULT_START_MS, venueEmissions, type VenueOptions } from './venue.js';

const HOUR_MS = 3_600_000;

function run(options: VenueOptions): { emissions: Emission[]; truth: WindowTruth[] } {
  const truth: WindowTruth[] = [];
  const emissions = [...venueEmissions(options, (w) => truth.push(w))];
  return { emissions, truth };
}

/** A default store day, simulated once for the tests that look at it. */
const day = run({ seed: 'venue-test' });
const STAFF = 3;

function byDevice(emissions: readonly Emission[]): Map<number, Emission[]> {
  const devices = new Map<number, Emission[]>();
  for (const e of emissions) {
    const list = devices.get(e.deviceId) ?? [];
    list.push(e);
    devices.set(e.deviceId, list);
  }
  return devices;
}

/** Consecutive runs of one address: for per-scan devices, one scan each. */
function addressRuns(frames: readonly Emission[]): Emission[][] {
  const runs: Emission[][] = [];
  for (const e of frames) {
    const last = runs[runs.length - 1];
    if (last && last[0]!.address === e.address) last.push(e);
    else runs.push([e]);
  }
  return runs;
}

function correlation(xs: readonly number[], ys: readonly number[]): number {
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  xs.forEach((x, i) => {
    sxy += (x - mx) * (ys[i]! - my);
    sxx += (x - mx) ** 2;
    syy += (ys[i]! - my) ** 2;
  });
  return sxy / Math.sqrt(sxx * syy);
}

describe('venue stream', () => {
  it('is the same for the same seed and different for another', () => {
    const options = { seed: 5, startMs: DEFAULT_START_MS + 11 * HOUR_MS, hours: 0.5 };
    // Compared by hash, so that a failure prints no address.
    const digest = (emissions: Emission[]) =>
      createHash('sha256')
        .update(emissions.map((e) => [e.timeMs, e.address, e.sequence, e.rssi, e.channelMhz, e.ssid, e.deviceId].join()).join('\n'))
        .digest('hex');
    const first = run(options);
    const second = run(options);
    expect(first.emissions.length).toBeGreaterThan(1000);
    expect(digest(second.emissions)).toBe(digest(first.emissions));
    expect(second.truth).toEqual(first.truth);
    expect(digest(run({ ...options, seed: 6 }).emissions)).not.toBe(digest(first.emissions));
  });

  it('is in time order, inside the simulated span, with valid fields', () => {
    const { emissions } = day;
    const unordered = emissions.filter((e, i) => i > 0 && e.timeMs < emissions[i - 1]!.timeMs).length;
    const invalid = emissions.filter(
      (e) =>
        !Number.isInteger(Math.round(e.timeMs * 1000)) ||
        !(e.sequence >= 0 && e.sequence < 4096 && Number.isInteger(e.sequence)) ||
        !(e.address >= 0 && e.address < 2 ** 48) ||
        (Math.floor(e.address / 2 ** 40) & 1) !== 0 || // a group address
        e.rssi < -95,
    ).length;
    expect({ unordered, invalid }).toEqual({ unordered: 0, invalid: 0 });
    expect(emissions[0]!.timeMs).toBeGreaterThanOrEqual(DEFAULT_START_MS);
    expect(emissions.at(-1)!.timeMs).toBeLessThan(DEFAULT_START_MS + 24 * HOUR_MS);
  });

  it('stops at maxFrames, ending the truth after the last frame', () => {
    const { emissions, truth } = run({ seed: 5, startMs: DEFAULT_START_MS + 12 * HOUR_MS, hours: 2, maxFrames: 1000 });
    expect(emissions).toHaveLength(1000);
    expect(truth.reduce((n, w) => n + w.frames, 0)).toBe(1000);
    expect(truth[truth.length - 1]!.endMs).toBeCloseTo(emissions[999]!.timeMs + 0.001, 6);
  });

  it('refuses options it cannot simulate', () => {
    expect(() => run({ seed: 1, windowMinutes: 7 })).toThrow(/divide 1440/);
    expect(() => run({ seed: 1, arrivalsPerHour: -1 })).toThrow(RangeError);
    expect(() => run({ seed: 1, hours: 0 })).toThrow(RangeError);
    expect(() => run({ seed: 1, phoneShare: 2 })).toThrow(RangeError);
  });
});

describe('ground truth', () => {
  it('matches a recount of the stream in every window', () => {
    expect(day.truth).toHaveLength(24);
    day.truth.forEach((w, i) => {
      expect(w.startMs).toBe(DEFAULT_START_MS + i * HOUR_MS);
      expect(w.endMs).toBe(w.startMs + HOUR_MS);
      const frames = day.emissions.filter((e) => e.timeMs >= w.startMs && e.timeMs < w.endMs);
      const addresses = new Set(frames.map((e) => e.address));
      expect(w.frames).toBe(frames.length);
      expect(w.addresses).toBe(addresses.size);
      expect(w.addressesGlobal).toBe([...addresses].filter((a) => !isLocallyAdministered(a)).length);
      expect(w.addressesGlobal + w.addressesRandomized).toBe(w.addresses);
      expect(w.devicesHeard).toBe(new Set(frames.map((e) => e.deviceId)).size);
      expect(w.devices).toBe(w.devicesInside + w.devicesNearby);
      expect(w.devicesHeard).toBeLessThanOrEqual(w.devices);
      expect(Object.values(w.dwellMinutes).reduce((a, b) => a + b, 0)).toBe(w.devicesInside);
      expect(w.occupancy).toHaveLength(12);
      for (const slot of w.occupancy) expect(slot).toBeLessThanOrEqual(w.devicesInside);
    });
  });

  it('cuts windows and 5-minute slots at the ends of an unaligned span', () => {
    const start = DEFAULT_START_MS + 10 * HOUR_MS + 7 * 60_000;
    const { truth } = run({ seed: 2, startMs: start, hours: 1, windowMinutes: 15 });
    expect(truth.map((w) => [(w.startMs - start) / 60_000, (w.endMs - start) / 60_000])).toEqual([
      [0, 8],
      [8, 23],
      [23, 38],
      [38, 53],
      [53, 60],
    ]);
    expect(truth.map((w) => w.occupancy.length)).toEqual([2, 3, 3, 3, 2]);
  });
});

describe('a default store day', () => {
  const open = day.truth.filter((_, hour) => hour >= 10 && hour < 20);

  it('shows one to two orders of magnitude more addresses than devices in its open hours', () => {
    const ratios = open.map((w) => w.addresses / w.devices);
    for (const ratio of ratios) {
      expect(ratio).toBeGreaterThan(8);
      expect(ratio).toBeLessThan(100);
    }
    const sorted = [...ratios].sort((a, b) => a - b);
    expect(sorted[Math.floor(sorted.length / 2)]).toBeGreaterThanOrEqual(10);
    // Against the people inside at a time (as the lab capture's 17–39×), the gap is larger still.
    for (const w of open) {
      const occupancy = w.occupancy.reduce((a, b) => a + b, 0) / w.occupancy.length;
      expect(w.addresses / occupancy).toBeGreaterThan(17);
    }
  });

  it('has over 90% randomised addresses whenever the store is busy', () => {
    for (const w of open) expect(w.addressesRandomized / w.addresses).toBeGreaterThan(0.9);
    const all = new Set(day.emissions.map((e) => e.address));
    expect([...all].filter(isLocallyAdministered).length / all.size).toBeGreaterThan(0.95);
  });

  it('has its occupancy follow the daily curve, with only staff devices at night', () => {
    const hourly = day.truth.map((w) => w.occupancy.reduce((a, b) => a + b, 0) / w.occupancy.length);
    const curve = day.truth.map((w) => curveAt(STORE_CURVE, w.startMs + HOUR_MS / 2));
    expect(correlation(hourly, curve)).toBeGreaterThan(0.9);
    for (const hour of [0, 1, 2, 3, 4, 5, 6, 22, 23]) expect(day.truth[hour]!.occupancy).toEqual(Array(12).fill(STAFF));
    expect(Math.min(hourly[12]!, hourly[18]!)).toBeGreaterThan(1.8 * hourly[8]!);
  });

  it('has about one device in twenty probing with its global address', () => {
    const people = [...byDevice(day.emissions).values()].filter((frames) => frames[0]!.role !== 'staff');
    const global = people.filter((frames) => !isLocallyAdministered(frames[0]!.address));
    expect(global.length / people.length).toBeGreaterThan(0.02);
    expect(global.length / people.length).toBeLessThan(0.09);
  });

  it('puts visitors inside at -45 to -85 dBm and passers-by outside, weaker', () => {
    const visitors = day.emissions.filter((e) => e.role === 'visitor').map((e) => e.rssi);
    const passers = day.emissions.filter((e) => e.role === 'passerby').map((e) => e.rssi);
    expect(visitors.filter((r) => r >= -85 && r <= -40).length / visitors.length).toBeGreaterThan(0.99);
    expect(Math.max(...passers)).toBeLessThanOrEqual(-75);
    expect(passers.length).toBeGreaterThan(0);
  });
});

describe('devices', () => {
  const devices = [...byDevice(day.emissions).values()].filter((frames) => frames[0]!.role === 'visitor');
  const perScan = devices.filter((frames) => frames[0]!.profile.macPolicy.kind === 'per-scan');

  const scans = perScan.map(addressRuns);

  it('scan channels 1, 6 and 11 in order with one to four frames each, then a new address', () => {
    expect(perScan.length).toBeGreaterThan(100);
    const wrong = scans.flat().filter((scan) => {
      const channels = scan.map((e) => e.channelMhz);
      const counts = SCAN_CHANNELS_MHZ.map((mhz) => channels.filter((c) => c === mhz).length);
      return (
        !channels.every((c, i) => SCAN_CHANNELS_MHZ.includes(c) && (i === 0 || c >= channels[i - 1]!)) ||
        counts.some((n) => n > 4) ||
        scan.at(-1)!.timeMs - scan[0]!.timeMs >= 1500
      );
    });
    expect(wrong.length).toBe(0);
  });

  it('scan every 8 to 90 seconds', () => {
    const gaps = scans.flatMap((runs) => runs.slice(1).map((scan, i) => scan[0]!.timeMs - runs[i]![0]!.timeMs));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(8_000);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(90_000);
  });

  it('restart the sequence number with a new address (iOS) or keep counting (Android)', () => {
    const step = (from: Emission, to: Emission) => (to.sequence - from.sequence + 4096) % 4096;
    const jumps = (sequence: 'reset' | 'continue') =>
      scans
        .filter((runs) => runs[0]![0]!.profile.sequence === sequence)
        .flatMap((runs) => runs.slice(1).map((scan, i) => step(runs[i]!.at(-1)!, scan[0]!)));
    const resets = jumps('reset');
    const continues = jumps('continue');
    expect(continues.filter((gap) => gap < 1 || gap > 64).length).toBe(0);
    expect(resets.filter((gap) => gap >= 1 && gap <= 64).length / resets.length).toBeLessThan(0.05);
    // Within one address the number steps by one (iOS) or a little more (Android probing 5 GHz too).
    const badSteps = scans.flat().filter((scan) =>
      scan.slice(1).some((e, i) => step(scan[i]!, e) < 1 || step(scan[i]!, e) > 1 + e.profile.sequenceGapPerChannel),
    );
    expect(badSteps.length).toBe(0);
  });

  it('now and then probe for a hidden network by name', () => {
    const named = day.emissions.filter((e) => e.ssid !== '');
    expect(named.length / day.emissions.length).toBeGreaterThan(0.001);
    expect(named.length / day.emissions.length).toBeLessThan(0.1);
    expect(named.every((e) => Buffer.byteLength(e.ssid) <= 32)).toBe(true);
  });

  it('keep one address for minutes when the model rotates on a timer', () => {
    const timed = devices.filter((frames) => frames[0]!.profile.macPolicy.kind === 'timed');
    const framesPerAddress = timed.flatMap((frames) => addressRuns(frames).map((run) => run.length));
    expect(framesPerAddress.reduce((a, b) => a + b, 0) / framesPerAddress.length).toBeGreaterThan(15);
  });
});
