/**
 * Estimators that attribute a window's token entries to devices (each device a group of
 * entries) share what follows: merging entries, and turning groups into zones, occupancy and
 * dwell.
 */
import { DWELL_BUCKETS, type DwellBucket } from '../payloads/payloads.js';
import { correctForCollisions } from './collisions.js';
import { premisesMinimum, type DeviceEstimate, type EstimateContext, type Zones } from './estimator.js';
import type { TokenEntry } from './tally.js';

/** One estimated physical device: the union of the entries attributed to it. */
export interface DeviceGroup {
  /** Identified by a stable address, so its dwell time is known. */
  stable: boolean;
  firstMs: number;
  lastMs: number;
  maxRssi: number;
  slots: Uint8Array;
}

export function mergeInto(group: DeviceGroup, entry: TokenEntry): void {
  group.firstMs = Math.min(group.firstMs, entry.firstMs);
  group.lastMs = Math.max(group.lastMs, entry.lastMs);
  group.maxRssi = Math.max(group.maxRssi, entry.maxRssi);
  entry.orSlotsInto(group.slots);
}

export function groupOf(entry: TokenEntry, stable: boolean): DeviceGroup {
  return { stable, firstMs: entry.firstMs, lastMs: entry.lastMs, maxRssi: entry.maxRssi, slots: entry.slotBitmap() };
}

/** Devices (or what stands for them) per zone: each in the strongest zone (highest minimum RSSI) that its best RSSI reaches. */
export function countZones(groups: readonly { maxRssi: number }[], zones: Zones): Record<string, number> {
  const ordered = Object.entries(zones).sort((a, b) => b[1] - a[1]);
  const counts: Record<string, number> = Object.fromEntries(Object.keys(zones).map((name) => [name, 0]));
  for (const group of groups) {
    const zone = ordered.find(([, minimum]) => group.maxRssi >= minimum);
    if (zone !== undefined) counts[zone[0]]!++;
  }
  return counts;
}

/** Whether a device reached the premises (every device does when there are no zones). */
export function inPremises(group: DeviceGroup, zones: Zones): boolean {
  const minimum = premisesMinimum(zones);
  return minimum === undefined || group.maxRssi >= minimum;
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

/**
 * A report section's numbers from device groups: stable groups are corrected for token
 * collisions (two stable addresses can share a truncated token); occupancy and dwell count the
 * devices that reached the premises.
 */
export function estimateFromGroups(groups: readonly DeviceGroup[], context: EstimateContext): DeviceEstimate {
  const stable = groups.filter((g) => g.stable).length;
  const present = groups.filter((g) => inPremises(g, context.zones));
  return {
    devices: correctForCollisions(stable, context.tokenBits) + (groups.length - stable),
    zones: countZones(groups, context.zones),
    occupancy: countOccupancy(present, context.slots),
    dwell: dwellHistogram(present, (context.span.endMs - context.span.startMs) / 60_000),
  };
}
