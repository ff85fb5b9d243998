/**
 * The interface every device estimator implements: a pure function from one source's token
 * entries of a window to the numbers its report section carries. Estimators live in
 * `estimators/`, one module each, so `npm run eval` can run an alternative beside the default.
 */
import type { DwellBucket } from '../payloads/payloads.js';
import type { TokenEntry } from './tally.js';
import type { WindowSpan } from './windows.js';

/** RSSI zones of one source: zone name → minimum RSSI in dBm. The first zone listed is the premises. */
export type Zones = Record<string, number>;

/** Zones per source: the same phone at the same spot reads 10–20 dB apart on Wi-Fi and BLE. */
export interface SourceZones {
  wifi: Zones;
  ble: Zones;
}

export interface EstimateContext {
  span: WindowSpan;
  /** Occupancy slots in the window. */
  slots: number;
  /** This source's zones; the first is the premises (none: every device heard is present). */
  zones: Zones;
  /** Bits per token, for the collision correction. */
  tokenBits: number;
}

export interface DeviceEstimate {
  /** Estimated physical devices heard in the window. */
  devices: number;
  /** Devices by the strongest zone they reached. */
  zones: Record<string, number>;
  /** Devices present in the premises per occupancy slot. */
  occupancy: number[];
  /** Present devices with a stable identity by minutes between their first and last frame. */
  dwell: Partial<Record<DwellBucket, number>>;
}

/**
 * Work done a step at a time: each `yield` is a point where the caller may let other work run
 * before going on (the daemon's live counts), or go straight on (a window's report).
 */
export type Steps<T> = Generator<void, T, void>;

/** Runs `steps` to their end at once. */
export function runSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
  }
}

/**
 * Runs `steps` for about `budgetMs` (at least one step): the last step's result, done or not.
 * A slice of work in a turn of the event loop.
 */
export function runStepsFor<T>(steps: Steps<T>, budgetMs: number, monotonicMs: () => number): IteratorResult<void, T> {
  const startMs = monotonicMs();
  let step = steps.next();
  while (step.done !== true && monotonicMs() - startMs < budgetMs) step = steps.next();
  return step;
}

/**
 * Entries an estimator may go through between two steps: well under a millisecond once the
 * estimators' code is optimized, some 10 ms while it is still cold, in a daemon's first counts.
 */
export const ENTRIES_PER_STEP = 1024;

export interface DeviceEstimator {
  /** Short name, as `npm run eval` prints it. */
  readonly name: string;
  estimate(entries: readonly TokenEntry[], context: EstimateContext): DeviceEstimate;
  /** The same estimate a step at a time, for estimators whose work grows beyond a few milliseconds. */
  steps?(entries: readonly TokenEntry[], context: EstimateContext): Steps<DeviceEstimate>;
}

/** The estimator of each source that a pipeline uses. */
export interface EstimatorSet {
  wifi: DeviceEstimator;
  ble: DeviceEstimator;
}

/** The premises threshold: the first zone's minimum RSSI, or none (every device heard is present). */
export function premisesMinimum(zones: Zones): number | undefined {
  for (const name in zones) return zones[name];
  return undefined;
}
