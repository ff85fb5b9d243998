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

/** A rotating address of one device may start this long before its predecessor's last frame (clock and scan jitter). */
const ROTATION_OVERLAP_MS = 5_000;
/**
 * ... and at most this long after it: a phone advertises with its new address within an
 * advertising interval (a few seconds at most), and this leaves room for advertisements the
 * sensor missed. A longer gap is more likely another device, and a longer one joins a phone
 * that left with one of the same make that came in (at 2 minutes, busy hours of a simulated
 * store came out 29% under; at 30 s, 15%).
 */
const ROTATION_GAP_MS = 30_000;

/**
 * First device estimate for BLE, replaceable by a better one: a public or random static
 * address is one device. A phone's resolvable private address rotates every 5–15 minutes, so
 * it shows as several addresses in an hour, one after another; rotating (resolvable or
 * non-resolvable) addresses are therefore chained: an address that appears when another of the
 * same advertising signature fell silent (within ROTATION_GAP_MS) continues it, and each chain
 * counts as one device. Two identical phones that rotate at the same moment can swap chains,
 * which does not change the count; identical phones whose rotations interleave are undercounted.
 */
export function groupBleDevices(entries: Iterable<TokenEntry>): DeviceGroup[] {
  const stable: DeviceGroup[] = [];
  const rotating: TokenEntry[] = [];
  for (const entry of entries) {
    if (entry.addressKind === 'public' || entry.addressKind === 'random_static') stable.push(groupOf(entry, true));
    else rotating.push(entry);
  }
  rotating.sort((a, b) => a.firstMs - b.firstMs);
  const chainsBySignature = new Map<string | null, DeviceGroup[]>();
  const chains: DeviceGroup[] = [];
  for (const entry of rotating) {
    let candidates = chainsBySignature.get(entry.signature);
    if (candidates === undefined) chainsBySignature.set(entry.signature, (candidates = []));
    // The chain that fell silent most recently before this address appeared.
    let best: DeviceGroup | undefined;
    for (const chain of candidates) {
      const silentSince = entry.firstMs - chain.lastMs;
      if (silentSince >= -ROTATION_OVERLAP_MS && silentSince <= ROTATION_GAP_MS && (best === undefined || chain.lastMs > best.lastMs)) best = chain;
    }
    if (best !== undefined) merge(best, entry);
    else {
      const chain = groupOf(entry, false);
      candidates.push(chain);
      chains.push(chain);
    }
  }
  return [...stable, ...chains];
}
