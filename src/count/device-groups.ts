/**
 * Estimators that attribute a window's token entries to devices (each device a group of
 * entries) share what follows: merging entries, and turning groups into zones, occupancy and
 * dwell.
 */
import { DWELL_BUCKETS, type DwellBucket } from '../payloads/payloads.js';
import { correctForCollisions } from './collisions.js';
import { ENTRIES_PER_STEP, premisesMinimum, runSteps, type DeviceEstimate, type EstimateContext, type Steps, type Zones } from './estimator.js';
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
  const ordered = strongestFirst(zones);
  const counts = noneInZones(zones);
  for (const group of groups) addToZone(counts, ordered, group.maxRssi);
  return counts;
}

/** The zones, the strongest (highest minimum RSSI) first. */
function strongestFirst(zones: Zones): [string, number][] {
  return Object.entries(zones).sort((a, b) => b[1] - a[1]);
}

function noneInZones(zones: Zones): Record<string, number> {
  return Object.fromEntries(Object.keys(zones).map((name) => [name, 0]));
}

function addToZone(counts: Record<string, number>, ordered: readonly [string, number][], maxRssi: number): void {
  const zone = ordered.find(([, minimum]) => maxRssi >= minimum);
  if (zone !== undefined) counts[zone[0]]!++;
}

/** Counts the group in each occupancy slot it was present in. */
function addToSlots(counts: number[], group: DeviceGroup): void {
  for (let slot = 0; slot < counts.length; slot++) {
    if (group.slots[slot >> 3]! & (1 << (slot & 7))) counts[slot]!++;
  }
}

const DWELL_LIMITS: readonly [DwellBucket, number][] = [
  ['0-5', 5],
  ['5-15', 15],
  ['15-30', 30],
  ['30-60', 60],
  ['60+', Number.POSITIVE_INFINITY],
];

/** The dwell buckets of a window, empty; `60+` only for windows over an hour. */
function noDwell(windowMinutes: number): Partial<Record<DwellBucket, number>> {
  const buckets = DWELL_BUCKETS.filter((bucket) => bucket !== '60+' || windowMinutes > 60);
  return Object.fromEntries(buckets.map((b) => [b, 0]));
}

/** Counts a stable group in the bucket of its minutes between its first and last frame. */
function addToDwell(histogram: Partial<Record<DwellBucket, number>>, group: DeviceGroup): void {
  if (!group.stable) return;
  const minutes = (group.lastMs - group.firstMs) / 60_000;
  const bucket = DWELL_LIMITS.find(([, limit]) => minutes < limit)![0];
  histogram[bucket] = (histogram[bucket] ?? 0) + 1;
}

/**
 * A report section's numbers from device groups: stable groups are corrected for token
 * collisions (two stable addresses can share a truncated token); occupancy and dwell count the
 * devices that reached the premises.
 */
export function estimateFromGroups(groups: readonly DeviceGroup[], context: EstimateContext): DeviceEstimate {
  return runSteps(estimateFromGroupsSteps(groups, context));
}

/** estimateFromGroups a step at a time: a busy window has some 100,000 groups. */
export function* estimateFromGroupsSteps(groups: readonly DeviceGroup[], context: EstimateContext): Steps<DeviceEstimate> {
  const ordered = strongestFirst(context.zones);
  const zones = noneInZones(context.zones);
  const occupancy = new Array<number>(context.slots).fill(0);
  const dwell = noDwell((context.span.endMs - context.span.startMs) / 60_000);
  // Every device reached the premises when there are no zones.
  const premises = premisesMinimum(context.zones);
  let stable = 0;
  for (let i = 0; i < groups.length; i++) {
    if (i % ENTRIES_PER_STEP === ENTRIES_PER_STEP - 1) yield;
    const group = groups[i]!;
    if (group.stable) stable++;
    addToZone(zones, ordered, group.maxRssi);
    if (premises === undefined || group.maxRssi >= premises) {
      addToSlots(occupancy, group);
      addToDwell(dwell, group);
    }
  }
  return { devices: correctForCollisions(stable, context.tokenBits) + (groups.length - stable), zones, occupancy, dwell };
}
