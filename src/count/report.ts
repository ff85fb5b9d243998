/**
 * Builds the `footfall.report/1` payload of a window from its tally. Pure: the same tally gives
 * the same report, which is what lets a restarted daemon finish a window exactly.
 */
import { REPORT_SCHEMA, type WifiCounts, type WindowReport } from '../publish/payloads.js';
import { correctForCollisions, countOccupancy, countZones, dwellHistogram, groupWifiDevices, type DeviceGroup } from './estimate.js';
import type { SourceTally, WindowTally } from './tally.js';
import { isoSeconds } from './windows.js';

export interface ReportContext {
  sensor: string;
  zones: Record<string, number>;
  tokenBits: number;
  clockSynced: boolean;
  /** The window did not run to its end (a replay whose input ended inside it). */
  partial: boolean;
  /** When capture in this window stopped: its end, or the last frame of a partial window. */
  capturedUntilMs: number;
}

export function reportId(sensor: string, windowStartMs: number): string {
  return `${sensor}/${isoSeconds(windowStartMs)}`;
}

function wifiCounts(source: SourceTally, groups: DeviceGroup[], context: ReportContext, windowMinutes: number): WifiCounts {
  let global = 0;
  let randomized = 0;
  for (const entry of source.entries.values()) {
    if (entry.addressKind === 'global') global++;
    else randomized++;
  }
  const bits = context.tokenBits;
  const stable = groups.filter((g) => g.stable).length;
  return {
    frames: source.frames,
    malformed: source.malformed,
    addresses: correctForCollisions(source.entries.size, bits),
    addresses_global: correctForCollisions(global, bits),
    addresses_randomized: correctForCollisions(randomized, bits),
    devices: correctForCollisions(stable, bits) + (groups.length - stable),
    zones: countZones(groups, context.zones),
    dwell_minutes: dwellHistogram(groups, windowMinutes),
  };
}

export function buildReport(tally: WindowTally, context: ReportContext): WindowReport {
  const { span } = tally;
  const windowMinutes = (span.endMs - span.startMs) / 60_000;
  const wifi = tally.sources.get('wifi');
  const wifiGroups = wifi === undefined ? [] : groupWifiDevices(wifi.entries.values());
  return {
    schema: REPORT_SCHEMA,
    id: reportId(context.sensor, span.startMs),
    sensor: context.sensor,
    window: { start: isoSeconds(span.startMs), end: isoSeconds(span.endMs) },
    ...(context.partial ? { partial: true as const } : {}),
    ...(wifi === undefined ? {} : { wifi: wifiCounts(wifi, wifiGroups, context, windowMinutes) }),
    occupancy: countOccupancy(wifiGroups, tally.slots),
    quality: {
      capture_seconds: Math.round(tally.capturedMs(context.capturedUntilMs) / 1000),
      dropped_frames: tally.dropped,
      restarts: tally.restarts,
      clock_synced: context.clockSynced,
    },
  };
}
