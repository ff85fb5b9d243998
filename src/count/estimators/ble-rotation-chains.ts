/**
 * BLE devices: a public or random static address is one device. A phone's resolvable private
 * address rotates every 5–15 minutes, so it shows as several addresses in an hour, one after
 * another; rotating (resolvable or non-resolvable) addresses are therefore chained: an address
 * that appears when another of the same advertising signature fell silent (within
 * ROTATION_GAP_MS) continues it, and each chain counts as one device. Two identical phones that
 * rotate at the same moment can swap chains, which does not change the count; identical phones
 * whose rotations interleave are undercounted.
 */
import { estimateFromGroups, groupOf, mergeInto, type DeviceGroup } from '../device-groups.js';
import type { DeviceEstimator } from '../estimator.js';
import type { TokenEntry } from '../tally.js';

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
 * Where several chains of the signature fell silent in time, the new address continues the one
 * whose RSSI is nearest its own: a phone moves little in the seconds of its rotation, two phones
 * of one make at different spots read apart. One dB of RSSI difference weighs as much as this
 * long a silence.
 */
const SILENCE_MS_PER_DB = 2_000;

/** A phone's chain of rotating addresses so far, and the mean RSSI of its latest address. */
interface Chain {
  group: DeviceGroup;
  rssi: number;
}

export function chainRotations(entries: Iterable<TokenEntry>): DeviceGroup[] {
  const stable: DeviceGroup[] = [];
  const rotating: TokenEntry[] = [];
  for (const entry of entries) {
    if (entry.addressKind === 'public' || entry.addressKind === 'random_static') stable.push(groupOf(entry, true));
    else rotating.push(entry);
  }
  rotating.sort((a, b) => a.firstMs - b.firstMs);
  const chainsBySignature = new Map<string | null, Chain[]>();
  const chains: DeviceGroup[] = [];
  for (const entry of rotating) {
    let candidates = chainsBySignature.get(entry.signature);
    if (candidates === undefined) chainsBySignature.set(entry.signature, (candidates = []));
    const rssi = entry.meanRssi();
    let best: Chain | undefined;
    let bestCost = Number.POSITIVE_INFINITY;
    for (const chain of candidates) {
      const silentSince = entry.firstMs - chain.group.lastMs;
      if (silentSince < -ROTATION_OVERLAP_MS || silentSince > ROTATION_GAP_MS) continue;
      const apart = Number.isFinite(rssi) && Number.isFinite(chain.rssi) ? Math.abs(rssi - chain.rssi) : 0;
      const cost = apart + Math.abs(silentSince) / SILENCE_MS_PER_DB;
      if (cost < bestCost) {
        best = chain;
        bestCost = cost;
      }
    }
    if (best !== undefined) {
      mergeInto(best.group, entry);
      best.rssi = rssi;
    } else {
      const chain = { group: groupOf(entry, false), rssi };
      candidates.push(chain);
      chains.push(chain.group);
    }
  }
  return [...stable, ...chains];
}

export const bleRotationChainsEstimator: DeviceEstimator = {
  name: 'ble-rotation-chains',
  estimate: (entries, context) => estimateFromGroups(chainRotations(entries), context),
};
