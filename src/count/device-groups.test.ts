import { describe, expect, it } from 'vitest';
import { correctForCollisions } from './collisions.js';
import { countZones, estimateFromGroups } from './device-groups.js';
import type { EstimateContext } from './estimator.js';
import { chainRotations as groupBleDevices } from './estimators/ble-rotation-chains.js';
import { groupByIeClass as groupWifiDevices } from './estimators/wifi-ie-class.js';
import { EntryColumns, TokenEntry } from './tally.js';
import type { AddressKind } from '../privacy/observation.js';

const MINUTE = 60_000;

/** The context of a window of `minutes` from 0, in `slots` occupancy slots, without zones (every device present). */
function contextOf(minutes: number, slots = 12): EstimateContext {
  return { span: { startMs: 0, endMs: minutes * MINUTE }, slots, zones: {}, tokenBits: 64 };
}
/** The test entries' numbers and slots, as a window of 12 slots holds them. */
const columns = new EntryColumns(12);
let ordinal = 0;

function entry(token: string, kind: AddressKind, opts: { signature?: string; first?: number; last?: number; rssi?: number; slots?: number[]; group?: boolean } = {}) {
  const slots = new Uint8Array(2);
  for (const s of opts.slots ?? [0]) slots[s >> 3]! |= 1 << (s & 7);
  const source = ['global', 'randomized'].includes(kind) ? 'wifi' : 'ble';
  const made = new TokenEntry(columns, ordinal++, source, token, kind, opts.group ?? false, opts.first ?? 0, opts.last ?? 0, opts.rssi ?? Number.NEGATIVE_INFINITY, opts.signature ?? null, slots);
  if (opts.rssi !== undefined) Object.assign(made, { rssiSum: opts.rssi, rssiCount: 1 });
  return made;
}

describe('correctForCollisions', () => {
  it('recovers the true count from truncated tokens (linear counting)', () => {
    for (const [bits, n] of [
      [16, 20_000],
      [20, 300_000],
    ] as const) {
      const seen = new Set<number>();
      for (let i = 0; i < n; i++) seen.add(Math.floor(Math.random() * 2 ** bits));
      expect(seen.size).toBeLessThan(n);
      const corrected = correctForCollisions(seen.size, bits);
      expect(Math.abs(corrected - n) / n).toBeLessThan(0.02);
    }
  });

  it('changes nothing where collisions are negligible', () => {
    expect(correctForCollisions(977, 32)).toBe(977);
    expect(correctForCollisions(0, 16)).toBe(0);
  });
});

describe('groupWifiDevices', () => {
  it('counts a stable address as one device and randomised addresses by signature', () => {
    const groups = groupWifiDevices([
      entry('a1', 'global'),
      entry('a2', 'global'),
      entry('r1', 'randomized', { signature: 's1' }),
      entry('r2', 'randomized', { signature: 's1' }),
      entry('r3', 'randomized', { signature: 's2' }),
      entry('r4', 'randomized'),
      entry('g1', 'global', { group: true, signature: 's2' }),
    ]);
    expect(groups.filter((g) => g.stable)).toHaveLength(2);
    expect(groups).toHaveLength(5);
  });

  it('merges the times, RSSI and slots of the addresses of one device', () => {
    const [group] = groupWifiDevices([
      entry('r1', 'randomized', { signature: 's', first: 5, last: 10, rssi: -80, slots: [0] }),
      entry('r2', 'randomized', { signature: 's', first: 2, last: 7, rssi: -60, slots: [3] }),
    ]);
    expect(group).toMatchObject({ firstMs: 2, lastMs: 10, maxRssi: -60 });
    expect(estimateFromGroups([group!], contextOf(20, 4)).occupancy).toEqual([1, 0, 0, 1]);
  });
});

describe('countZones', () => {
  it('puts each device in the strongest zone its best RSSI reaches', () => {
    const groups = groupWifiDevices([
      entry('a', 'global', { rssi: -50 }),
      entry('b', 'global', { rssi: -70 }),
      entry('c', 'global', { rssi: -90 }),
      entry('d', 'global'),
    ]);
    expect(countZones(groups, { nearby: -80, inside: -65 })).toEqual({ nearby: 1, inside: 1 });
    expect(countZones(groups, {})).toEqual({});
  });
});

describe('dwell', () => {
  it('buckets stable devices by minutes present', () => {
    const groups = groupWifiDevices([
      entry('a', 'global', { first: 0, last: 4 * MINUTE }),
      entry('b', 'global', { first: 0, last: 5 * MINUTE }),
      entry('c', 'global', { first: 0, last: 59 * MINUTE }),
      entry('r', 'randomized', { first: 0, last: 59 * MINUTE, signature: 's' }),
    ]);
    expect(estimateFromGroups(groups, contextOf(60)).dwell).toEqual({ '0-5': 1, '5-15': 1, '15-30': 0, '30-60': 1 });
    expect(estimateFromGroups(groups, contextOf(120)).dwell).toHaveProperty('60+', 0);
  });
});

describe('groupBleDevices', () => {
  it('counts stable addresses once each and chains a rotating address to the one it replaced', () => {
    const groups = groupBleDevices([
      entry('p', 'public', { first: 0, last: 60 * MINUTE }),
      entry('s', 'random_static', { first: 0, last: 60 * MINUTE }),
      // One phone: its address rotates at 12 and 27 minutes.
      entry('a1', 'resolvable', { signature: 'iphone', first: 0, last: 12 * MINUTE }),
      entry('a2', 'resolvable', { signature: 'iphone', first: 12 * MINUTE + 500, last: 27 * MINUTE }),
      entry('a3', 'resolvable', { signature: 'iphone', first: 27 * MINUTE + 200, last: 40 * MINUTE }),
      // Another phone of the same kind, present at the same time: its own chain.
      entry('b1', 'resolvable', { signature: 'iphone', first: 5 * MINUTE, last: 20 * MINUTE }),
      // Appears long after the first phone fell silent: another device.
      entry('c1', 'resolvable', { signature: 'iphone', first: 50 * MINUTE, last: 55 * MINUTE }),
      // Same timing, other signature: not the first phone.
      entry('d1', 'nonresolvable', { signature: 'beacon', first: 12 * MINUTE + 100, last: 30 * MINUTE }),
    ]);
    expect(groups.filter((g) => g.stable)).toHaveLength(2);
    expect(groups).toHaveLength(2 + 4);
    const phone = groups.find((g) => !g.stable && g.firstMs === 0)!;
    expect([phone.firstMs, phone.lastMs]).toEqual([0, 40 * MINUTE]);
  });

  it('continues the chain nearest in RSSI when two phones of one make rotate at once', () => {
    const groups = groupBleDevices([
      // Phone A near the sensor, phone B across the room; both rotate at about 10 minutes.
      entry('a1', 'resolvable', { signature: 'iphone', first: 0, last: 10 * MINUTE, rssi: -55 }),
      entry('b1', 'resolvable', { signature: 'iphone', first: 0, last: 10 * MINUTE + 3_000, rssi: -85 }),
      entry('a2', 'resolvable', { signature: 'iphone', first: 10 * MINUTE + 4_000, last: 30 * MINUTE, rssi: -57 }),
      entry('b2', 'resolvable', { signature: 'iphone', first: 10 * MINUTE + 5_000, last: 20 * MINUTE, rssi: -84 }),
    ]);
    expect(groups).toHaveLength(2);
    expect(groups.map((g) => [g.maxRssi, g.lastMs])).toEqual([
      [-55, 30 * MINUTE],
      [-84, 20 * MINUTE],
    ]);
  });
});
