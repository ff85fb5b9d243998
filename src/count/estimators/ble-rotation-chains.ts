/**
 * BLE devices: a public or random static address is one device. A phone's resolvable private
 * address rotates every 5–15 minutes, so it shows as several addresses in an hour, one after
 * another; rotating (resolvable or non-resolvable) addresses are therefore chained: an address
 * that appears when another of the same advertising signature fell silent (within
 * ROTATION_GAP_MS) continues it, and each chain counts as one device. Two identical phones that
 * rotate at the same moment can swap chains, which does not change the count; identical phones
 * whose rotations interleave are undercounted.
 */
import { estimateFromGroupsSteps, groupOf, mergeInto, type DeviceGroup } from '../device-groups.js';
import { ENTRIES_PER_STEP, runSteps, type DeviceEstimate, type DeviceEstimator, type EstimateContext, type Steps } from '../estimator.js';
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

/** A phone's chain of rotating addresses so far, the mean RSSI of its latest address, and its place in the order chains began. */
interface Chain {
  group: DeviceGroup;
  rssi: number;
  serial: number;
}

/**
 * Addresses and chains looked at between two steps. Usually an address looks at a few chains, but
 * in a window's first seconds, while every phone's first address is still heard, at hundreds.
 */
const WORK_PER_STEP = 4 * ENTRIES_PER_STEP;

/** Where `ending` (ordered by their last frame) first has a chain whose last frame is at or after `ms`. */
function firstEndingFrom(ending: readonly Chain[], ms: number): number {
  let low = 0;
  let high = ending.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (ending[middle]!.group.lastMs < ms) low = middle + 1;
    else high = middle;
  }
  return low;
}

export function chainRotations(entries: Iterable<TokenEntry>): DeviceGroup[] {
  return runSteps(chainRotationSteps(entries));
}

/**
 * The chaining a step at a time. A new address may only continue a chain whose last frame lies
 * within [its first frame - ROTATION_GAP_MS, its first frame + ROTATION_OVERLAP_MS], so each
 * signature's chains are kept ordered by their last frame and only that span is looked at; a
 * chain that ended before it can never be continued again (addresses come in order of their first
 * frame), so it leaves the list. With thousands of phones of one make, looking at every chain of
 * the signature took the daemon's event loop 50-100 ms. Among chains as near, the one begun first
 * is continued, as when every chain was looked at in the order they began.
 */
function* chainRotationSteps(entries: Iterable<TokenEntry>): Steps<DeviceGroup[]> {
  const stable: DeviceGroup[] = [];
  const rotating: TokenEntry[] = [];
  for (const entry of entries) {
    if (entry.addressKind === 'public' || entry.addressKind === 'random_static') stable.push(groupOf(entry, true));
    else rotating.push(entry);
  }
  rotating.sort((a, b) => a.firstMs - b.firstMs);
  const endingBySignature = new Map<string | null, Chain[]>();
  const chains: DeviceGroup[] = [];
  let work = 0;
  for (let i = 0; i < rotating.length; i++) {
    if (work >= WORK_PER_STEP) {
      work = 0;
      yield;
    }
    const entry = rotating[i]!;
    let ending = endingBySignature.get(entry.signature);
    if (ending === undefined) endingBySignature.set(entry.signature, (ending = []));
    const from = firstEndingFrom(ending, entry.firstMs - ROTATION_GAP_MS);
    if (from > 0) ending.splice(0, from);
    const rssi = entry.meanRssi();
    let best = -1;
    let bestCost = Number.POSITIVE_INFINITY;
    work++;
    for (let c = 0; c < ending.length; c++, work++) {
      const chain = ending[c]!;
      const silentSince = entry.firstMs - chain.group.lastMs;
      if (silentSince < -ROTATION_OVERLAP_MS) break;
      const apart = Number.isFinite(rssi) && Number.isFinite(chain.rssi) ? Math.abs(rssi - chain.rssi) : 0;
      const cost = apart + Math.abs(silentSince) / SILENCE_MS_PER_DB;
      if (cost < bestCost || (cost === bestCost && chain.serial < ending[best]!.serial)) {
        best = c;
        bestCost = cost;
      }
    }
    let chain: Chain;
    if (best >= 0) {
      chain = ending.splice(best, 1)[0]!;
      mergeInto(chain.group, entry);
      chain.rssi = rssi;
    } else {
      chain = { group: groupOf(entry, false), rssi, serial: chains.length };
      chains.push(chain.group);
    }
    ending.splice(firstEndingFrom(ending, chain.group.lastMs), 0, chain);
  }
  return [...stable, ...chains];
}

function* bleDeviceSteps(entries: readonly TokenEntry[], context: EstimateContext): Steps<DeviceEstimate> {
  return yield* estimateFromGroupsSteps(yield* chainRotationSteps(entries), context);
}

export const bleRotationChainsEstimator: DeviceEstimator = {
  name: 'ble-rotation-chains',
  estimate: (entries, context) => runSteps(bleDeviceSteps(entries, context)),
  steps: bleDeviceSteps,
};
