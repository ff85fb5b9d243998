/**
 * Builds the `footfall.report/1` payload of a window from its tally. Pure: the same tally gives
 * the same report, which is what lets a restarted daemon finish a window exactly.
 */
import type { SourceKind } from '../capture/source.js';
import { REPORT_SCHEMA, type BleCounts, type WifiCounts, type WindowReport } from '../payloads/payloads.js';
import { correctForCollisions } from './collisions.js';
import { runSteps, type DeviceEstimate, type EstimateContext, type EstimatorSet, type SourceZones, type Steps } from './estimator.js';
import { DEFAULT_ESTIMATORS } from './estimators/index.js';
import { suppressSmallCounts } from './suppression.js';
import type { SourceTally, WindowTally } from './tally.js';
import { isoSeconds } from './windows.js';

export interface ReportContext {
  sensor: string;
  zones: SourceZones;
  tokenBits: number;
  /** The device estimators (default: DEFAULT_ESTIMATORS). */
  estimators?: EstimatorSet;
  clockSynced: boolean;
  /** The window did not run to its end (a replay whose input ended inside it). */
  partial: boolean;
  /** When capture in this window stopped: its end, or the last frame of a partial window. */
  capturedUntilMs: number;
  /** `privacy.min_count`: counts of devices below it are reported as 0 (0 or absent: none). */
  minCount?: number;
}

export function reportId(sensor: string, windowStartMs: number): string {
  return `${sensor}/${isoSeconds(windowStartMs)}`;
}

function wifiCounts(source: SourceTally, estimate: DeviceEstimate, bits: number): WifiCounts {
  let global = 0;
  let randomized = 0;
  for (const entry of source.entries.values()) {
    if (entry.addressKind === 'global') global++;
    else randomized++;
  }
  return {
    frames: source.frames,
    malformed: source.malformed,
    addresses: correctForCollisions(source.entries.size, bits),
    addresses_global: correctForCollisions(global, bits),
    addresses_randomized: correctForCollisions(randomized, bits),
    devices: estimate.devices,
    zones: estimate.zones,
    dwell_minutes: estimate.dwell,
  };
}

function bleCounts(source: SourceTally, estimate: DeviceEstimate, bits: number): BleCounts {
  const kinds = { public: 0, random_static: 0, resolvable: 0, nonresolvable: 0 };
  for (const entry of source.entries.values()) {
    if (entry.addressKind in kinds) kinds[entry.addressKind as keyof typeof kinds]++;
  }
  return {
    frames: source.frames,
    malformed: source.malformed,
    addresses: correctForCollisions(source.entries.size, bits),
    addresses_public: correctForCollisions(kinds.public, bits),
    addresses_random_static: correctForCollisions(kinds.random_static, bits),
    addresses_resolvable: correctForCollisions(kinds.resolvable, bits),
    addresses_nonresolvable: correctForCollisions(kinds.nonresolvable, bits),
    devices: estimate.devices,
    zones: estimate.zones,
  };
}

/**
 * Devices present per slot. A phone usually shows on both Wi-Fi and BLE, so the two are not
 * added: each slot takes the larger of the two sources' counts.
 */
function occupancy(perSource: number[][], slots: number): number[] {
  return Array.from({ length: slots }, (_, slot) => Math.max(0, ...perSource.map((counts) => counts[slot] ?? 0)));
}

/** A source's counts are reported if it listened in the window or heard something anyway; otherwise they would be zeros that mean nothing. */
function reported(tally: WindowTally, kind: SourceKind): SourceTally | undefined {
  const source = tally.sources.get(kind);
  return source !== undefined && (source.listened || source.frames > 0 || source.malformed > 0) ? source : undefined;
}

export function buildReport(tally: WindowTally, context: ReportContext): WindowReport {
  return runSteps(reportSteps(tally, context));
}

/**
 * The report a step at a time (see Steps). Between steps the tally may go on counting: the
 * estimators see the entries there were when they began, and the rest of the report what there
 * is at its end. A finished window's tally no longer changes, so its report is exact either way.
 */
export function* reportSteps(tally: WindowTally, context: ReportContext): Steps<WindowReport> {
  const { span } = tally;
  const estimators = context.estimators ?? DEFAULT_ESTIMATORS;
  function* estimate(kind: SourceKind, source: SourceTally): Steps<DeviceEstimate> {
    const estimateContext: EstimateContext = { span, slots: tally.slots, zones: context.zones[kind], tokenBits: context.tokenBits };
    const estimator = estimators[kind];
    const entries = [...source.entries.values()];
    if (estimator.steps !== undefined) return yield* estimator.steps(entries, estimateContext);
    yield;
    return estimator.estimate(entries, estimateContext);
  }
  const wifi = reported(tally, 'wifi');
  const wifiEstimate = wifi === undefined ? undefined : yield* estimate('wifi', wifi);
  const ble = reported(tally, 'ble');
  const bleEstimate = ble === undefined ? undefined : yield* estimate('ble', ble);
  const report: WindowReport = {
    schema: REPORT_SCHEMA,
    id: reportId(context.sensor, span.startMs),
    sensor: context.sensor,
    window: { start: isoSeconds(span.startMs), end: isoSeconds(span.endMs) },
    ...(context.partial ? { partial: true as const } : {}),
    ...(wifi === undefined ? {} : { wifi: wifiCounts(wifi, wifiEstimate!, context.tokenBits) }),
    ...(ble === undefined ? {} : { ble: bleCounts(ble, bleEstimate!, context.tokenBits) }),
    occupancy: occupancy([wifiEstimate?.occupancy ?? [], bleEstimate?.occupancy ?? []], tally.slots),
    quality: {
      capture_seconds: Math.round(tally.capturedMs(context.capturedUntilMs) / 1000),
      dropped_frames: tally.dropped,
      restarts: tally.restarts,
      clock_synced: context.clockSynced,
      ...(tally.countedFromMs === null ? {} : { devices_counted_from: isoSeconds(tally.countedFromMs) }),
    },
  };
  return suppressSmallCounts(report, context.minCount ?? 0);
}
