/**
 * Wi-Fi devices from what phones' probe requests show of them, measured on eleven labelled
 * phones (`baccichet_labelled_la`: iPhone 7, XR, 11, 12, 12 Pro on iOS 15-16, a Galaxy S21 and
 * an Oppo Find X3 Neo on Android 13):
 *
 * - A vendor-assigned (global, unicast) address is one device; so is a randomised address heard
 *   over a minute or more, across several scans (the iPhone 12 Pro kept one for two hours).
 * - Most phones take a new address for every scan, or even for every channel of a scan (iOS 16:
 *   ~7 addresses in a scan of ~0.5 s over channels 1, 6 and 11), so addresses are not devices.
 * - Some continue their 12-bit sequence counter across addresses: the iPhone 7 on iOS 15 did
 *   at 34 of its 34 address changes, with steps of 1 to 15 and up to 270 s apart. Their
 *   addresses are linked into chains, one a device. iOS 16 and both Android phones start each
 *   address at an unrelated number, where a link would be chance: 16/4096 per candidate.
 *   Whether a class continues is tested per window: its links must beat chance by half its
 *   address changes.
 * - Phones of one model and OS send the same information elements (the IE class): the four
 *   iPhone 11 and, apart, the two iPhone XR share one each. Where a class's addresses cannot be
 *   linked, its devices are estimated from its scans: clusters of its addresses less than a
 *   second apart. A phone scanned 0.48 to 2.30 times a minute (mean 1.41); the class's scans in
 *   a 5-minute slot over that rate are the devices of the class present in the slot. Scans of
 *   two phones of a class that overlap are seen as one, which is corrected for (a Poisson
 *   process of rate λ shows clusters at λ·e^(−λτ), τ the gap plus a scan's length).
 *
 * The window's devices of a class are the most it held present in one slot (at least one for a
 * class with MIN_SCANS_FOR_A_DEVICE scans; a phone's rarer second IE class has fewer), plus the
 * identified ones. What this cannot know: identical phones never link, so their count rests on
 * the mean scan rate, and a class of phones that all scan slowly (or fast) is under- (or over-)
 * counted by as much as their rate differs from it.
 */
import { countZones, estimateFromGroupsSteps, groupOf, mergeInto, type DeviceGroup } from '../device-groups.js';
import { ENTRIES_PER_STEP, premisesMinimum, runSteps, type DeviceEstimate, type DeviceEstimator, type EstimateContext, type Steps } from '../estimator.js';
import type { TokenEntry } from '../tally.js';
import { SLOT_MS, slotIndex } from '../windows.js';

/** A randomised address heard over this span is kept by its device for the window. */
const STABLE_SPAN_MS = 60_000;
/** Addresses of one class less than this apart belong to one scan. */
const SCAN_GAP_MS = 1_000;
/** A continuing counter may resume this long after the previous address's last frame. */
const LINK_GAP_MS = 300_000;
/** ... and this many numbers on at most (the sequence space is 4096). */
const LINK_STEP = 16;
const SEQUENCE_SPACE = 4096;
/** Share of a class's address changes that must link beyond chance for its chains to count as devices. */
const CONTINUITY_SHARE = 0.5;
/** Scans a minute of one phone: the mean of the labelled phones that cannot be linked. */
const SCANS_PER_MINUTE = 1.41;
/** A class with this many scans in the window holds at least one device of its own. */
const MIN_SCANS_FOR_A_DEVICE = 5;

interface Scan {
  firstMs: number;
  lastMs: number;
  maxRssi: number;
}

/** A chain of addresses linked so far: its members' entries and where its counter stands. */
interface Chain {
  members: TokenEntry[];
  lastMs: number;
  lastSequence: number;
}

/**
 * Links a class's addresses (in time order) whose sequence numbers continue; returns the chains
 * and how many links beat chance. Chains are plain lists until the class is found to continue.
 */
function* linkBySequence(entries: readonly TokenEntry[]): Steps<{ chains: Chain[]; excessLinks: number }> {
  const chains: Chain[] = [];
  /** Chains that may still be continued, by their last sequence number. */
  const open: (Chain[] | undefined)[] = new Array(SEQUENCE_SPACE);
  let links = 0;
  let chanceLinks = 0;
  let recentStart = 0;
  for (let i = 0; i < entries.length; i++) {
    if (i % ENTRIES_PER_STEP === ENTRIES_PER_STEP - 1) yield;
    const entry = entries[i]!;
    while (entries[recentStart]!.firstMs < entry.firstMs - LINK_GAP_MS) recentStart++;
    chanceLinks += ((i - recentStart) * (LINK_STEP - 1)) / SEQUENCE_SPACE;
    let best: Chain | undefined;
    if (entry.firstSequence >= 0) {
      for (let step = 1; step < LINK_STEP && best === undefined; step++) {
        const candidates = open[(entry.firstSequence - step + SEQUENCE_SPACE) % SEQUENCE_SPACE];
        if (candidates !== undefined) best = latestContinuable(candidates, entry.firstMs);
      }
    }
    if (best === undefined) {
      best = { members: [entry], lastMs: entry.lastMs, lastSequence: entry.lastSequence };
      chains.push(best);
    } else {
      links++;
      const list = open[best.lastSequence]!;
      list.splice(list.indexOf(best), 1);
      best.members.push(entry);
      best.lastMs = Math.max(best.lastMs, entry.lastMs);
      best.lastSequence = entry.lastSequence;
    }
    if (best.lastSequence >= 0) (open[best.lastSequence] ??= []).push(best);
  }
  return { chains, excessLinks: links - chanceLinks };
}

/**
 * The chain of `candidates` that fell silent last within LINK_GAP_MS before `timeMs`. Chains
 * silent for longer are dropped from the list on the way: entries come in time order, so they
 * can never be continued again.
 */
function latestContinuable(candidates: Chain[], timeMs: number): Chain | undefined {
  let best: Chain | undefined;
  for (let i = candidates.length - 1; i >= 0; i--) {
    const chain = candidates[i]!;
    const gap = timeMs - chain.lastMs;
    if (gap > LINK_GAP_MS) {
      candidates[i] = candidates[candidates.length - 1]!;
      candidates.pop();
    } else if (gap >= -SCAN_GAP_MS && (best === undefined || chain.lastMs > best.lastMs)) {
      best = chain;
    }
  }
  return best;
}

/** A chain as one device. */
function chainGroup(chain: Chain): DeviceGroup {
  const group = groupOf(chain.members[0]!, true);
  for (let i = 1; i < chain.members.length; i++) mergeInto(group, chain.members[i]!);
  return group;
}

/** A class's addresses as scans: runs less than SCAN_GAP_MS apart. */
function scansOf(entries: readonly TokenEntry[]): Scan[] {
  const scans: Scan[] = [];
  let scan: Scan | undefined;
  for (const entry of entries) {
    if (scan === undefined || entry.firstMs - scan.lastMs > SCAN_GAP_MS) {
      scan = { firstMs: entry.firstMs, lastMs: entry.lastMs, maxRssi: entry.maxRssi };
      scans.push(scan);
    } else {
      scan.lastMs = Math.max(scan.lastMs, entry.lastMs);
      scan.maxRssi = Math.max(scan.maxRssi, entry.maxRssi);
    }
  }
  return scans;
}

/**
 * The rate λ (per ms) of scans that show as `observed` clusters per ms when clusters closer than
 * `tau` merge: observed = λ·e^(−λτ), solved on its rising branch (beyond its top, at λ = 1/τ,
 * the clusters say no more).
 */
function unmergedRate(observed: number, tau: number): number {
  if (observed <= 0) return 0;
  if (observed * tau * Math.E >= 1) return 1 / tau;
  let rate = observed;
  for (let i = 0; i < 50; i++) rate = observed * Math.exp(rate * tau);
  return rate;
}

/** Devices of a class present per slot, from its scans in each slot. */
function devicesPerSlot(scans: readonly Scan[], context: EstimateContext, tau: number): number[] {
  const { span, slots } = context;
  const counts = new Array<number>(slots).fill(0);
  for (const scan of scans) counts[slotIndex(span, scan.firstMs)]!++;
  const perDeviceMs = SCANS_PER_MINUTE / 60_000;
  return counts.map((count, slot) => {
    const slotMs = Math.min(SLOT_MS, span.endMs - (span.startMs + slot * SLOT_MS));
    return unmergedRate(count / slotMs, tau) / perDeviceMs;
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1] ?? 0;
}

/** Devices of a class of unlinkable addresses: in the window, per zone and per premises slot (fractions). */
interface ClassEstimate {
  devices: number;
  zones: Record<string, number>;
  occupancy: number[];
}

function estimateClass(entries: readonly TokenEntry[], context: EstimateContext): ClassEstimate {
  const scans = scansOf(entries);
  const tau = SCAN_GAP_MS + median(scans.map((s) => s.lastMs - s.firstMs));
  const present = devicesPerSlot(scans, context, tau);
  const devices = Math.max(Math.max(0, ...present), scans.length >= MIN_SCANS_FOR_A_DEVICE ? 1 : 0);
  // The class's devices by the zone of its scans, in proportion.
  const byZone = countZones(scans, context.zones);
  const zones = Object.fromEntries(Object.entries(byZone).map(([name, n]) => [name, (devices * n) / scans.length]));
  const premises = premisesMinimum(context.zones);
  const inside = premises === undefined ? scans : scans.filter((s) => s.maxRssi >= premises);
  return { devices, zones, occupancy: devicesPerSlot(inside, context, tau) };
}

/**
 * Whole devices per zone from fractions, so that they add up to the rounded total (largest
 * remainders first): zones rounded one by one could add up to more devices than were counted.
 */
export function roundKeepingTotal(counts: Record<string, number>): Record<string, number> {
  const names = Object.keys(counts);
  const whole = Object.fromEntries(names.map((name) => [name, Math.floor(counts[name]!)]));
  const total = Math.round(names.reduce((sum, name) => sum + counts[name]!, 0));
  let left = total - names.reduce((sum, name) => sum + whole[name]!, 0);
  for (const name of [...names].sort((a, b) => (counts[b]! % 1) - (counts[a]! % 1))) {
    if (left-- <= 0) break;
    whole[name]!++;
  }
  return whole;
}

function addZones(into: Record<string, number>, from: Record<string, number>): void {
  for (const [name, n] of Object.entries(from)) into[name] = (into[name] ?? 0) + n;
}

export function estimateWifiDevices(entries: readonly TokenEntry[], context: EstimateContext): DeviceEstimate {
  return runSteps(wifiDeviceSteps(entries, context));
}

function* wifiDeviceSteps(entries: readonly TokenEntry[], context: EstimateContext): Steps<DeviceEstimate> {
  const identified: DeviceGroup[] = [];
  const byClass = new Map<string | null, TokenEntry[]>();
  for (let i = 0; i < entries.length; i++) {
    if (i % ENTRIES_PER_STEP === ENTRIES_PER_STEP - 1) yield;
    const entry = entries[i]!;
    if ((entry.addressKind === 'global' && !entry.group) || entry.lastMs - entry.firstMs >= STABLE_SPAN_MS) {
      identified.push(groupOf(entry, true));
      continue;
    }
    const members = byClass.get(entry.signature);
    if (members === undefined) byClass.set(entry.signature, [entry]);
    else members.push(entry);
  }
  const unlinked: ClassEstimate[] = [];
  for (const members of byClass.values()) {
    members.sort((a, b) => a.firstMs - b.firstMs);
    yield;
    const { chains, excessLinks } = yield* linkBySequence(members);
    if (members.length > 3 && excessLinks >= CONTINUITY_SHARE * (members.length - 1)) {
      for (let c = 0; c < chains.length; c++) {
        if (c % ENTRIES_PER_STEP === ENTRIES_PER_STEP - 1) yield;
        identified.push(chainGroup(chains[c]!));
      }
    } else {
      unlinked.push(estimateClass(members, context));
    }
  }
  // The identified devices as any estimator of device groups counts them, then the unlinked classes' fractions.
  const counted = yield* estimateFromGroupsSteps(identified, context);
  const zones = { ...counted.zones };
  for (const estimate of unlinked) addZones(zones, estimate.zones);
  return {
    devices: counted.devices + Math.round(unlinked.reduce((sum, e) => sum + e.devices, 0)),
    zones: roundKeepingTotal(zones),
    occupancy: counted.occupancy.map((count, slot) => count + Math.round(unlinked.reduce((sum, e) => sum + e.occupancy[slot]!, 0))),
    dwell: counted.dwell,
  };
}

export const wifiBurstsEstimator: DeviceEstimator = {
  name: 'wifi-bursts',
  estimate: estimateWifiDevices,
  steps: wifiDeviceSteps,
};
