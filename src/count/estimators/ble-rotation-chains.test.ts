import { describe, expect, it } from 'vitest';
import { groupOf, mergeInto, type DeviceGroup } from '../device-groups.js';
import { runSteps, runStepsFor, type EstimateContext } from '../estimator.js';
import { EntryColumns, TokenEntry } from '../tally.js';
import { bleRotationChainsEstimator, chainRotations } from './ble-rotation-chains.js';

const HOUR_MS = Date.UTC(2026, 0, 12, 10);
const MINUTE = 60_000;
const context: EstimateContext = { span: { startMs: HOUR_MS, endMs: HOUR_MS + 60 * MINUTE }, slots: 12, zones: {}, tokenBits: 32 };
const columns = new EntryColumns(context.slots);

/** A seeded generator, so the crowd is the same on every run. */
let seed = 7;
function random(): number {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
}

/**
 * A crowd's addresses in an hour: `phones` phones, most of one make (one signature), each
 * rotating its address every 5 to 15 minutes, the next address starting a little before or after
 * the last frame of the one before (some beyond the rotation gap), each address's RSSI near its
 * phone's; and a few public addresses. Whole seconds, so that ties in cost happen.
 */
function crowd(phones: number): TokenEntry[] {
  const entries: TokenEntry[] = [];
  const add = (kind: 'resolvable' | 'public', signature: string | null, firstMs: number, lastMs: number, rssi: number) => {
    const slots = new Uint8Array(2);
    for (let slot = Math.floor(firstMs / (5 * MINUTE)); slot <= Math.min(11, Math.floor(lastMs / (5 * MINUTE))); slot++) slots[slot >> 3]! |= 1 << (slot & 7);
    const entry = new TokenEntry(columns, entries.length, 'ble', `t${entries.length}`, kind, false, HOUR_MS + firstMs, HOUR_MS + lastMs, rssi, signature, slots);
    entry.rssiSum = rssi;
    entry.rssiCount = 1;
    entries.push(entry);
  };
  for (let phone = 0; phone < phones; phone++) {
    const signature = random() < 0.8 ? 'make-a' : random() < 0.5 ? 'make-b' : null;
    const level = -90 + Math.floor(random() * 40);
    let startMs = Math.floor(random() * 40) * MINUTE;
    while (startMs < 60 * MINUTE) {
      const endMs = Math.min(60 * MINUTE - 1000, startMs + (5 + Math.floor(random() * 10)) * MINUTE);
      add('resolvable', signature, startMs, endMs, level + Math.floor(random() * 5));
      startMs = endMs + (Math.floor(random() * 50) - 8) * 1000;
    }
  }
  for (let device = 0; device < 5; device++) add('public', null, 0, 59 * MINUTE, -70);
  // In the tally's order: as each address was first heard.
  return entries.sort((a, b) => a.firstMs - b.firstMs || a.ordinal - b.ordinal);
}

/** The chaining as first written, every chain of the signature looked at for each address: the reference. */
function chainLookingAtEveryChain(entries: readonly TokenEntry[]): DeviceGroup[] {
  const stable = entries.filter((e) => e.addressKind === 'public' || e.addressKind === 'random_static').map((e) => groupOf(e, true));
  const rotating = entries.filter((e) => e.addressKind !== 'public' && e.addressKind !== 'random_static').sort((a, b) => a.firstMs - b.firstMs);
  const bySignature = new Map<string | null, { group: DeviceGroup; rssi: number }[]>();
  const chains: DeviceGroup[] = [];
  for (const entry of rotating) {
    const candidates = bySignature.get(entry.signature) ?? [];
    bySignature.set(entry.signature, candidates);
    const rssi = entry.meanRssi();
    let best: { group: DeviceGroup; rssi: number } | undefined;
    let bestCost = Number.POSITIVE_INFINITY;
    for (const chain of candidates) {
      const silentSince = entry.firstMs - chain.group.lastMs;
      if (silentSince < -5_000 || silentSince > 30_000) continue;
      const cost = Math.abs(rssi - chain.rssi) + Math.abs(silentSince) / 2_000;
      if (cost < bestCost) [best, bestCost] = [chain, cost];
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

describe('chainRotations', () => {
  it('chains a crowd of one make as looking at every chain would: the same devices, times, RSSI and slots', () => {
    const entries = crowd(3000);
    const groups = chainRotations(entries);
    expect(groups).toEqual(chainLookingAtEveryChain(entries));
    // The crowd is what it claims: rotations chained into fewer devices, not every address its own.
    expect(groups.length).toBeGreaterThan(3000);
    expect(groups.length).toBeLessThan(entries.length * 0.6);
  });

  it('gives the same estimate a step at a time, with steps to let other work in between', () => {
    const entries = crowd(3000);
    expect(entries.length).toBeGreaterThan(10_000);
    const whole = bleRotationChainsEstimator.estimate(entries, context);
    const steps = bleRotationChainsEstimator.steps!(entries, context);
    let slices = 0;
    let step;
    // A budget of 0 ms: one step per slice.
    do {
      step = runStepsFor(steps, 0, () => 0);
      slices++;
    } while (step.done !== true);
    expect(step.value).toEqual(whole);
    expect(slices).toBeGreaterThan(2);
    expect(runSteps(bleRotationChainsEstimator.steps!(entries, context))).toEqual(whole);
  });
});
