/**
 * Reports combined by hour or day, for `footfall history`, and one report's counts in the same
 * terms, for `footfall watch`.
 *
 * Devices: the most that any one window of the hour or day heard. Every window has its own key,
 * so nobody, footfall included, can tell whether the devices of two windows are the same: a sum
 * would count a visitor who stays through four 15-minute windows four times, while the largest
 * window is a count the hour or day certainly reached. With windows as long as the bucket (the
 * default hour) it is the report's own number.
 *
 * Occupancy: the mean of the 5-minute slots of the windows (devices present on average, so that
 * hours of different window lengths compare), and the peak slot beside it. Slots in which the
 * sensor did not listen count as 0, as they do in the reports.
 */
import { isoSeconds } from '../count/windows.js';
import type { WindowReport } from '../payloads/payloads.js';

export const BUCKET_SIZES = ['hour', 'day'] as const;
export type BucketSize = (typeof BUCKET_SIZES)[number];
export const BUCKET_MS: Record<BucketSize, number> = { hour: 3_600_000, day: 86_400_000 };

export const COMBINED_FIGURES = ['wifi_devices', 'ble_devices', 'occupancy_mean', 'occupancy_peak'] as const;
export type CombinedFigure = (typeof COMBINED_FIGURES)[number];

/** The counts of one or more windows, combined as the module's header says. */
export interface CombinedCounts {
  /** How many reports went in. */
  windows: number;
  /** The most Wi-Fi devices in one window; null when no window had Wi-Fi (disabled). */
  wifi_devices: number | null;
  /** The most BLE devices in one window; null when no window had BLE. */
  ble_devices: number | null;
  /** Devices present, mean of the 5-minute slots, to a tenth; null without a slot. */
  occupancy_mean: number | null;
  /** Devices present in the busiest 5-minute slot; null without a slot. */
  occupancy_peak: number | null;
  /**
   * The figures that may be low because a count below `privacy.min_count` went into them as 0.
   * A largest value above 0 is exact: the hidden counts were below the minimum, and it is not.
   */
  suppressed: CombinedFigure[];
}

/** One hour or day, `start` to `end` (ISO-8601 UTC); no windows (all figures null) is a gap. */
export interface HistoryBucket extends CombinedCounts {
  start: string;
  end: string;
}

const tenth = (value: number) => Math.round(value * 10) / 10;

/** The largest value, or null when there is none; whether a hidden count may have made it low. */
function largest(values: ReadonlyArray<{ value: number; hidden: boolean }>): { value: number | null; low: boolean } {
  if (values.length === 0) return { value: null, low: false };
  const value = Math.max(...values.map((v) => v.value));
  return { value, low: value === 0 && values.some((v) => v.hidden) };
}

export function combineReports(reports: readonly WindowReport[]): CombinedCounts {
  const hidden = (report: WindowReport, field: string) => report.suppressed?.includes(field) === true;
  const devices = (source: 'wifi' | 'ble') =>
    largest(reports.flatMap((report) => {
      const counts = report[source];
      return counts === undefined ? [] : [{ value: counts.devices, hidden: hidden(report, `${source}.devices`) }];
    }));
  const slots = reports.flatMap((report) => report.occupancy.map((value, slot) => ({ value, hidden: hidden(report, `occupancy[${slot}]`) })));
  const wifi = devices('wifi');
  const ble = devices('ble');
  const peak = largest(slots);
  const suppressed: CombinedFigure[] = [];
  if (wifi.low) suppressed.push('wifi_devices');
  if (ble.low) suppressed.push('ble_devices');
  if (slots.some((slot) => slot.hidden)) suppressed.push('occupancy_mean');
  if (peak.low) suppressed.push('occupancy_peak');
  return {
    windows: reports.length,
    wifi_devices: wifi.value,
    ble_devices: ble.value,
    occupancy_mean: slots.length === 0 ? null : tenth(slots.reduce((sum, slot) => sum + slot.value, 0) / slots.length),
    occupancy_peak: peak.value,
    suppressed,
  };
}

/** The start of the hour or UTC day that holds `ms`. */
export function bucketStart(ms: number, size: BucketSize): number {
  return Math.floor(ms / BUCKET_MS[size]) * BUCKET_MS[size];
}

/**
 * Every hour or day from the one holding `fromMs` up to `untilMs` (exclusive), and on to the last
 * one holding a report; each report in the bucket its window starts in (reports before `fromMs`
 * are left out). A window that runs over the bucket's end (9-minute windows over an hour's) goes
 * with its start; windows longer than the bucket are the caller's to refuse.
 */
export function bucketReports(reports: readonly WindowReport[], size: BucketSize, fromMs: number, untilMs: number): HistoryBucket[] {
  const first = bucketStart(fromMs, size);
  const step = BUCKET_MS[size];
  const byBucket = new Map<number, WindowReport[]>();
  for (const report of reports) {
    const start = bucketStart(Date.parse(report.window.start), size);
    if (start < first) continue;
    const list = byBucket.get(start);
    if (list === undefined) byBucket.set(start, [report]);
    else list.push(report);
  }
  const end = Math.max(untilMs, ...[...byBucket.keys()].map((start) => start + step));
  const buckets: HistoryBucket[] = [];
  for (let start = first; start < end; start += step) {
    buckets.push({ start: isoSeconds(start), end: isoSeconds(start + step), ...combineReports(byBucket.get(start) ?? []) });
  }
  return buckets;
}

/** The longest window among the reports, in minutes (0 for none). */
export function longestWindowMinutes(reports: readonly WindowReport[]): number {
  return Math.max(0, ...reports.map((report) => (Date.parse(report.window.end) - Date.parse(report.window.start)) / 60_000));
}
