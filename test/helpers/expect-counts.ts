/** Compares replay reports with reference counts: tshark's (the oracle) or a simulation's truth. */
import { expect } from 'vitest';
import { isoSeconds, windowOf } from '../../src/count/windows.js';
import type { BleCounts, WindowReport } from '../../src/payloads/payloads.js';
import type { BleWindowTruth } from '../../src/sim/generate-ble.js';
import type { WindowTruth } from '../../src/sim/truth.js';

export interface ReferenceWindow {
  start: string;
  frames: number;
  addresses: number;
  addresses_global: number;
  addresses_randomized: number;
}

/**
 * Addresses within 0.5% or 1 (the default 32-bit tokens). Short tokens are tested for being
 * right on average: a window still has a random number of collisions, about Poisson with mean
 * n²/2m (m = 2^bits), so the correction may miss by 5 standard deviations of that, plus 5.
 */
function expectClose(actual: number, expected: number, what: string, tokenBits: number) {
  const expectedCollisions = (expected * expected) / 2 ** (tokenBits + 1);
  const tolerance = tokenBits >= 32 ? Math.max(1, expected * 0.005) : 5 * Math.sqrt(expectedCollisions) + 5;
  expect(Math.abs(actual - expected), `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(tolerance);
}

/** Per window: the same windows, the same frames, and the same distinct addresses by kind. */
export function expectReportsMatch(reports: WindowReport[], reference: ReferenceWindow[], label: string, tokenBits = 32) {
  expect(reports.map((r) => r.window.start), `${label}: windows`).toEqual(reference.map((o) => o.start));
  for (const [i, window] of reference.entries()) {
    const wifi = reports[i]!.wifi!;
    const at = `${label} ${window.start}`;
    expect(wifi.frames, `${at} frames`).toBe(window.frames);
    expectClose(wifi.addresses, window.addresses, `${at} addresses`, tokenBits);
    expectClose(wifi.addresses_global, window.addresses_global, `${at} global`, tokenBits);
    expectClose(wifi.addresses_randomized, window.addresses_randomized, `${at} randomized`, tokenBits);
  }
}

/** A simulation's truth in the shape of the reference windows (windows that had frames). */
export function truthWindows(truth: readonly WindowTruth[], windowMinutes = 60): ReferenceWindow[] {
  return truth
    .filter((t) => t.frames > 0)
    .map((t) => ({
      start: isoSeconds(windowOf(t.startMs, windowMinutes).startMs),
      frames: t.frames,
      addresses: t.addresses,
      addresses_global: t.addressesGlobal,
      addresses_randomized: t.addressesRandomized,
    }));
}

export interface BleReferenceWindow {
  start: string;
  reports: number;
  addresses: number;
  addresses_random: number;
}

/** Per window: the same windows, the same advertising reports, and the same distinct and random advertisers. */
export function expectBleReportsMatch(reports: WindowReport[], reference: BleReferenceWindow[], label: string, tokenBits = 32) {
  expect(reports.map((r) => r.window.start), `${label}: windows`).toEqual(reference.map((o) => o.start));
  for (const [i, window] of reference.entries()) {
    const ble = reports[i]!.ble!;
    const at = `${label} ${window.start}`;
    expect(ble.frames, `${at} reports`).toBe(window.reports);
    expectClose(ble.addresses, window.addresses, `${at} addresses`, tokenBits);
    expectClose(ble.addresses - ble.addresses_public, window.addresses_random, `${at} random`, tokenBits);
  }
}

/** A BLE simulation's truth as reference windows, and its malformed frames and address kinds. */
export function bleTruthWindows(truth: readonly BleWindowTruth[], windowMinutes = 60): (BleReferenceWindow & { malformed: number; kinds: AddressKinds })[] {
  return truth
    .filter((t) => t.frames > 0)
    .map((t) => ({
      start: isoSeconds(windowOf(t.startMs, windowMinutes).startMs),
      reports: t.frames,
      addresses: t.addresses,
      addresses_random: t.addressesRandom,
      malformed: t.malformed,
      kinds: {
        addresses_public: t.addressesPublic,
        addresses_random_static: t.addressesRandomStatic,
        addresses_resolvable: t.addressesResolvable,
        addresses_nonresolvable: t.addressesNonresolvable,
      },
    }));
}

/** The distinct BLE addresses of a window by kind, as a report names them. */
export type AddressKinds = Pick<BleCounts, 'addresses_public' | 'addresses_random_static' | 'addresses_resolvable' | 'addresses_nonresolvable'>;

export function addressKinds(ble: BleCounts): AddressKinds {
  const { addresses_public, addresses_random_static, addresses_resolvable, addresses_nonresolvable } = ble;
  return { addresses_public, addresses_random_static, addresses_resolvable, addresses_nonresolvable };
}
