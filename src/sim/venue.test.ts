import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { curveAt, STORE_CURVE } from './daily-curve.js';
import { isLocallyAdministered, SCAN_CHANNELS_MHZ, type Emission } from './device.js';
import type { DeviceProfile, MacPolicy } from './profiles.js';
import type { WindowTruth } from './truth.js';
import { DEFAULT_START_MS, venueEmissions, type VenueOptions } from './venue.js';

const HOUR_MS = 3_600_000;
const SLOT_MS = 300_000;

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
      const heardInside = w.occupancy.map((_, slot) => {
        const slotMs = w.startMs + slot * SLOT_MS;
        const inSlot = frames.filter((e) => e.role !== 'passerby' && e.timeMs >= slotMs && e.timeMs < slotMs + SLOT_MS);
        return new Set(inSlot.map((e) => e.deviceId)).size;
      });
      expect(w.occupancyHeard).toEqual(heardInside);
      w.occupancyHeard.forEach((heard, slot) => expect(heard).toBeLessThanOrEqual(w.occupancy[slot]!));
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
    expect(Math.max(...passers)).toBeLessThanOrEqual(-70);
    expect(passers.filter((r) => r > -78).length / passers.length).toBeLessThan(0.01);
    expect(passers.length).toBeGreaterThan(0);
  });
});

describe('devices', () => {
  const devices = [...byDevice(day.emissions).values()].filter((frames) => frames[0]!.role === 'visitor');
  const ofPolicy = (kind: MacPolicy['kind']) => devices.filter((frames) => frames[0]!.profile.macPolicy.kind === kind);
  const perScan = ofPolicy('per-scan');
  const scans = perScan.map(addressRuns);
  /** Frames of one scan: less than a second after the previous frame of the device. */
  const scansOf = (frames: readonly Emission[]) => {
    const clusters: Emission[][] = [];
    for (const e of frames) {
      const last = clusters.at(-1);
      if (last && e.timeMs - last.at(-1)!.timeMs < 1000) last.push(e);
      else clusters.push([e]);
    }
    return clusters;
  };

  it('scan channels 1, 6 and 11 in order, with one address a scan where the model does that', () => {
    expect(perScan.length).toBeGreaterThan(100);
    const wrong = scans.flat().filter((scan) => {
      const channels = scan.map((e) => e.channelMhz);
      return !channels.every((c, i) => SCAN_CHANNELS_MHZ.includes(c) && (i === 0 || c >= channels[i - 1]!)) || scan.at(-1)!.timeMs - scan[0]!.timeMs >= 5000;
    });
    expect(wrong.length).toBe(0);
  });

  it('take a new address for every burst of one or a few frames on one channel (iPhones on iOS 16)', () => {
    const perBurst = ofPolicy('per-burst');
    expect(perBurst.length).toBeGreaterThan(100);
    const bursts = perBurst.flatMap(addressRuns);
    expect(bursts.filter((burst) => burst.length > 4 || new Set(burst.map((e) => e.channelMhz)).size > 1)).toEqual([]);
    const framesPerAddress = bursts.length === 0 ? 0 : bursts.reduce((n, b) => n + b.length, 0) / bursts.length;
    // Measured: 1.65 frames an address, 6.6 addresses a scan.
    expect(framesPerAddress).toBeGreaterThan(1.4);
    expect(framesPerAddress).toBeLessThan(1.9);
    const addressesPerScan = perBurst.flatMap(scansOf).map((scan) => new Set(scan.map((e) => e.address)).size);
    const mean = addressesPerScan.reduce((a, b) => a + b, 0) / addressesPerScan.length;
    expect(mean).toBeGreaterThan(5);
    expect(mean).toBeLessThan(8.5);
  });

  it('leave 1 s to a few minutes between scans, a median of 15 to 60 s', () => {
    const gaps = devices.flatMap((frames) => {
      const clusters = scansOf(frames);
      return clusters.slice(1).map((scan, i) => scan[0]!.timeMs - clusters[i]!.at(-1)!.timeMs);
    });
    gaps.sort((a, b) => a - b);
    expect(gaps[0]).toBeGreaterThanOrEqual(1000);
    expect(gaps.at(-1)).toBeLessThanOrEqual(300_000);
    expect(gaps[gaps.length >> 1]).toBeGreaterThan(15_000);
    expect(gaps[gaps.length >> 1]).toBeLessThan(60_000);
  });

  it('restart the sequence number with a new address or keep counting, as their model does', () => {
    const step = (from: Emission, to: Emission) => (to.sequence - from.sequence + 4096) % 4096;
    const jumps = (sequence: 'reset' | 'continue') =>
      scans
        .filter((runs) => runs[0]![0]!.profile.sequence === sequence)
        .flatMap((runs) => runs.slice(1).map((scan, i) => step(runs[i]!.at(-1)!, scan[0]!)));
    const resets = jumps('reset');
    const continues = jumps('continue');
    expect(continues.length).toBeGreaterThan(50);
    expect(continues.filter((gap) => gap < 1 || gap > 64).length).toBe(0);
    expect(resets.filter((gap) => gap >= 1 && gap <= 64).length / resets.length).toBeLessThan(0.05);
    // Within one address the number steps by one or two, and more between channels where 5 GHz probes come between.
    const badSteps = scans.flat().filter((scan) =>
      scan.slice(1).some((e, i) => {
        const { sequenceStep, sequenceGapPerBurst } = e.profile;
        return step(scan[i]!, e) < 1 || step(scan[i]!, e) > Math.max(sequenceStep[1], 1 + sequenceGapPerBurst[1]);
      }),
    );
    expect(badSteps.length).toBe(0);
  });

  it('send one set of elements for every phone of a model (two for a model with two scan modes)', () => {
    const sets = new Map<DeviceProfile, Set<string>>();
    for (const e of day.emissions) {
      if (e.profile.name === 'windows-laptop') continue; // its WPS element carries a per-machine UUID
      const forModel = sets.get(e.profile) ?? new Set<string>();
      forModel.add(Buffer.from(e.elements.bytes).toString('hex'));
      sets.set(e.profile, forModel);
    }
    expect(sets.size).toBeGreaterThan(6);
    for (const [profile, elementSets] of sets) expect([profile.name, elementSets.size]).toEqual([profile.name, profile.otherScanElements ? 2 : 1]);
  });

  it('now and then probe for a hidden network by name', () => {
    const named = day.emissions.filter((e) => e.ssid !== '');
    expect(named.length / day.emissions.length).toBeGreaterThan(0.001);
    expect(named.length / day.emissions.length).toBeLessThan(0.1);
    expect(named.every((e) => Buffer.byteLength(e.ssid) <= 32)).toBe(true);
  });

  it('keep one address for the visit when the model rotates on a timer of hours', () => {
    const timed = ofPolicy('timed');
    expect(timed.length).toBeGreaterThan(10);
    const addressesPerDevice = timed.map((frames) => new Set(frames.map((e) => e.address)).size);
    expect(addressesPerDevice.filter((n) => n > 1).length / timed.length).toBeLessThan(0.1);
  });
});
