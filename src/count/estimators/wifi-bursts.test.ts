import { describe, expect, it } from 'vitest';
import type { EstimateContext } from '../estimator.js';
import { EntryColumns, TokenEntry } from '../tally.js';
import { estimateWifiDevices, roundKeepingTotal, wifiBurstsEstimator } from './wifi-bursts.js';

const HOUR_MS = Date.UTC(2026, 0, 12, 10);
const MINUTE = 60_000;
const context: EstimateContext = { span: { startMs: HOUR_MS, endMs: HOUR_MS + 60 * MINUTE }, slots: 12, zones: {}, tokenBits: 32 };

/** The test entries' numbers and slots, as the window of `context` holds them. */
const columns = new EntryColumns(context.slots);
let tokens = 0;
/** A seeded generator, so the phones' jitter is the same on every run. */
let seed = 1;
function random(): number {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
}

/** One address: heard from `firstMs` to `lastMs` (relative to the hour) with these sequence numbers. */
function address(
  signature: string | null,
  firstMs: number,
  opts: { lastMs?: number; firstSequence?: number; lastSequence?: number; rssi?: number; kind?: 'global' | 'randomized' } = {},
): TokenEntry {
  const lastMs = opts.lastMs ?? firstMs + 20;
  const slots = new Uint8Array(2);
  for (let slot = Math.floor(firstMs / (5 * MINUTE)); slot <= Math.floor(lastMs / (5 * MINUTE)); slot++) slots[slot >> 3]! |= 1 << (slot & 7);
  const ordinal = tokens++;
  const entry = new TokenEntry(columns, ordinal, 'wifi', `t${ordinal}`, opts.kind ?? 'randomized', false, HOUR_MS + firstMs, HOUR_MS + lastMs, opts.rssi ?? -60, signature, slots);
  entry.firstSequence = opts.firstSequence ?? Math.floor(random() * 4096);
  entry.lastSequence = opts.lastSequence ?? (entry.firstSequence + 1) % 4096;
  entry.frames = 2;
  entry.bursts = 1;
  return entry;
}

/**
 * A phone of iOS 16's kind: a scan every `everyMs` on average (from half to one and a half
 * times that) from `fromMs` for `forMs`, each scan seven addresses over half a second whose
 * sequence numbers start at random.
 */
function perBurstPhone(signature: string, fromMs: number, forMs: number, everyMs: number, rssi = -60): TokenEntry[] {
  const entries: TokenEntry[] = [];
  for (let t = fromMs + random() * everyMs; t < fromMs + forMs; t += everyMs * (0.5 + random())) {
    for (let i = 0; i < 7; i++) entries.push(address(signature, t + i * 70, { rssi }));
  }
  return entries;
}

describe('the Wi-Fi burst estimator', () => {
  it('counts a vendor address, and a randomised one kept for minutes, as one device each', () => {
    const estimate = estimateWifiDevices(
      [address('laptop', 0, { lastMs: 50 * MINUTE, kind: 'global' }), address('iphone12pro', 5 * MINUTE, { lastMs: 30 * MINUTE })],
      context,
    );
    expect(estimate.devices).toBe(2);
    expect(estimate.occupancy.slice(0, 12)).toEqual([1, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 0]);
  });

  it("links the addresses of a phone whose sequence numbers continue, and tells two such phones apart", () => {
    const entries: TokenEntry[] = [];
    // Two iPhone 7s (one class), each a new address about every 40 s, the counter running on.
    for (const [offset, start] of [[0, 100], [7_000, 2500]] as const) {
      let sequence = start;
      for (let t = offset; t < 25 * MINUTE; t += 40_000) {
        entries.push(address('iphone7', t, { lastMs: t + 300, firstSequence: sequence, lastSequence: sequence + 20 }));
        sequence = (sequence + 21 + (t % 3)) % 4096;
      }
    }
    expect(estimateWifiDevices(entries, context).devices).toBe(2);
  });

  it('estimates unlinkable phones of one class from their scans against a phone’s scan rate', () => {
    // 12 identical phones, each scanning every 42.5 s (1.41 a minute) for the whole hour.
    const entries = Array.from({ length: 12 }, () => perBurstPhone('ios16', 0, 60 * MINUTE, 42_500))
      .flat()
      .sort((a, b) => a.firstMs - b.firstMs);
    expect(entries.length).toBeGreaterThan(12 * 70 * 7);
    const estimate = estimateWifiDevices(entries, context);
    // The window takes the slot with the most: the noise of the slots' counts raises it.
    expect(estimate.devices).toBeGreaterThanOrEqual(12);
    expect(estimate.devices).toBeLessThanOrEqual(16);
    const meanPresent = estimate.occupancy.reduce((sum, n) => sum + n, 0) / estimate.occupancy.length;
    expect(Math.abs(meanPresent - 12)).toBeLessThanOrEqual(1.5);
  });

  it('counts a class with a few scans as one device, and a phone’s stray second class as none', () => {
    const slowPhone = perBurstPhone('xr', 0, 20 * MINUTE, 150_000);
    const stray = [address('xr-other', 10 * MINUTE)];
    expect(estimateWifiDevices([...slowPhone, ...stray], context).devices).toBe(1);
  });

  it('does not link the addresses of phones that start every address at random', () => {
    const entries = Array.from({ length: 3 }, () => perBurstPhone('ios16', 0, 30 * MINUTE, 42_500)).flat();
    const estimate = estimateWifiDevices(entries, context);
    expect(estimate.devices).toBeGreaterThanOrEqual(2);
    expect(estimate.devices).toBeLessThanOrEqual(4);
  });

  it('counts in occupancy only the scans that reach the premises, and puts devices in zones', () => {
    const inside = perBurstPhone('ios16', 0, 60 * MINUTE, 42_500, -55);
    const corridor = perBurstPhone('android', 0, 60 * MINUTE, 42_500, -85);
    const zoned = { ...context, zones: { room: -65, corridor: -90 } };
    const estimate = estimateWifiDevices([...inside, ...corridor], zoned);
    expect(estimate.devices).toBe(2);
    expect(estimate.zones).toEqual({ room: 1, corridor: 1 });
    expect(estimate.occupancy.every((n) => n === 1)).toBe(true);
  });

  it('rounds fractions of devices per zone so that they add up to the rounded total', () => {
    expect(roundKeepingTotal({ inside: 33.5, nearby: 5.6 })).toEqual({ inside: 33, nearby: 6 });
    expect(roundKeepingTotal({ inside: 2.4, nearby: 0.4, street: 0.4 })).toEqual({ inside: 2, nearby: 1, street: 0 });
    expect(roundKeepingTotal({ inside: 3, nearby: 0 })).toEqual({ inside: 3, nearby: 0 });
    expect(roundKeepingTotal({})).toEqual({});
  });

  it('gives the same estimate a step at a time, in steps of a few thousand addresses', () => {
    const crowd = Array.from({ length: 40 }, (_, i) => perBurstPhone(`model-${i % 4}`, 0, 60 * MINUTE, 40_000)).flat();
    const steps = wifiBurstsEstimator.steps!(crowd, context);
    let taken = 1;
    let step = steps.next();
    while (step.done !== true) {
      taken++;
      step = steps.next();
    }
    expect(crowd.length).toBeGreaterThan(10_000);
    expect(taken).toBeGreaterThanOrEqual(Math.floor(crowd.length / 4096));
    expect(step.value).toEqual(estimateWifiDevices(crowd, context));
  });
});
