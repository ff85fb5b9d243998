/**
 * Estimators: pure functions from a window's token entries to the numbers a report carries.
 */
import { DWELL_BUCKETS, type DwellBucket } from '../publish/payloads.js';
import type { TokenEntry } from './tally.js';

/**
 * Distinct items behind `distinct` distinct truncated tokens (linear counting). With
 * `bits`-bit tokens, n items fill m(1 - e^(-n/m)) of the m = 2^bits values on average, so
 * n = -m ln(1 - k/m). Truncation therefore costs no accuracy in the counts.
 */
export function correctForCollisions(distinct: number, bits: number): number {
  const m = 2 ** bits;
  if (distinct >= m) return distinct;
  return Math.round(-m * Math.log1p(-distinct / m));
}

/** One estimated physical device: the union of the entries attributed to it. */
export interface DeviceGroup {
  /** Identified by a stable (vendor-assigned, unicast) address, so its dwell time is known. */
  stable: boolean;
  firstMs: number;
  lastMs: number;
  maxRssi: number;
  slots: Uint8Array;
}

function merge(group: DeviceGroup, entry: TokenEntry): void {
  group.firstMs = Math.min(group.firstMs, entry.firstMs);
  group.lastMs = Math.max(group.lastMs, entry.lastMs);
  group.maxRssi = Math.max(group.maxRssi, entry.maxRssi);
  for (let i = 0; i < group.slots.length; i++) group.slots[i]! |= entry.slots[i]!;
}

function groupOf(entry: TokenEntry, stable: boolean): DeviceGroup {
  return { stable, firstMs: entry.firstMs, lastMs: entry.lastMs, maxRssi: entry.maxRssi, slots: Uint8Array.from(entry.slots) };
}

/**
 * First device estimate for Wi-Fi, a placeholder for a real one: a vendor-assigned unicast
 * address is one device; randomised (or invalid group-bit) addresses that share an
 * information-element signature count as one device, because a phone keeps its signature
 * while it changes its address; a randomised address without a signature is a device of its
 * own. It undercounts crowds of identical phones and overcounts phones whose signature varies.
 */
export function groupWifiDevices(entries: Iterable<TokenEntry>): DeviceGroup[] {
  const stable: DeviceGroup[] = [];
  const bySignature = new Map<string, DeviceGroup>();
  const unlinked: DeviceGroup[] = [];
  for (const entry of entries) {
    if (entry.addressKind === 'global' && !entry.group) {
      stable.push(groupOf(entry, true));
    } else if (entry.signature === null) {
      unlinked.push(groupOf(entry, false));
    } else {
      const group = bySignature.get(entry.signature);
      if (group === undefined) bySignature.set(entry.signature, groupOf(entry, false));
      else merge(group, entry);
    }
  }
  return [...stable, ...bySignature.values(), ...unlinked];
}

/** Devices per zone: each device in the strongest zone (highest minimum RSSI) that its best RSSI reaches. */
export function countZones(groups: readonly DeviceGroup[], zones: Record<string, number>): Record<string, number> {
  const ordered = Object.entries(zones).sort((a, b) => b[1] - a[1]);
  const counts: Record<string, number> = Object.fromEntries(Object.keys(zones).map((name) => [name, 0]));
  for (const group of groups) {
    const zone = ordered.find(([, minimum]) => group.maxRssi >= minimum);
    if (zone !== undefined) counts[zone[0]]!++;
  }
  return counts;
}

/** Devices present in each occupancy slot of the window. */
export function countOccupancy(groups: readonly DeviceGroup[], slots: number): number[] {
  const counts = new Array<number>(slots).fill(0);
  for (const group of groups) {
    for (let slot = 0; slot < slots; slot++) {
      if (group.slots[slot >> 3]! & (1 << (slot & 7))) counts[slot]!++;
    }
  }
  return counts;
}

const DWELL_LIMITS: readonly [DwellBucket, number][] = [
  ['0-5', 5],
  ['5-15', 15],
  ['15-30', 30],
  ['30-60', 60],
  ['60+', Number.POSITIVE_INFINITY],
];

/** Stable devices by minutes between their first and last frame; `60+` only for windows over an hour. */
export function dwellHistogram(groups: readonly DeviceGroup[], windowMinutes: number): Partial<Record<DwellBucket, number>> {
  const buckets = DWELL_BUCKETS.filter((bucket) => bucket !== '60+' || windowMinutes > 60);
  const histogram: Partial<Record<DwellBucket, number>> = Object.fromEntries(buckets.map((b) => [b, 0]));
  for (const group of groups) {
    if (!group.stable) continue;
    const minutes = (group.lastMs - group.firstMs) / 60_000;
    const bucket = DWELL_LIMITS.find(([, limit]) => minutes < limit)![0];
    histogram[bucket] = (histogram[bucket] ?? 0) + 1;
  }
  return histogram;
}
