import { describe, expect, it } from 'vitest';
import type { WindowReport } from '../payloads/payloads.js';
import { bucketReports, combineReports, longestWindowMinutes } from './history-buckets.js';

/** A report of the window of `minutes` from `start`, with the counts given. */
function report(start: string, minutes: number, counts: { wifi?: number; ble?: number; occupancy: number[]; suppressed?: string[] }): WindowReport {
  const startMs = Date.parse(start);
  const source = (devices: number) => ({ frames: 100, malformed: 0, addresses: devices * 3, devices, zones: {} });
  return {
    schema: 'footfall.report/1',
    id: `s/${start}`,
    sensor: 's',
    window: { start, end: new Date(startMs + minutes * 60_000).toISOString().replace('.000Z', 'Z') },
    ...(counts.wifi === undefined ? {} : { wifi: { ...source(counts.wifi), addresses_global: 0, addresses_randomized: 0, dwell_minutes: {} } }),
    ...(counts.ble === undefined
      ? {}
      : { ble: { ...source(counts.ble), addresses_public: 0, addresses_random_static: 0, addresses_resolvable: 0, addresses_nonresolvable: 0 } }),
    occupancy: counts.occupancy,
    quality: { capture_seconds: minutes * 60, dropped_frames: 0, restarts: 0, clock_synced: true },
    ...(counts.suppressed === undefined ? {} : { suppressed: counts.suppressed }),
  };
}

describe('combineReports', () => {
  it('takes the most devices of one window, and the mean and peak of every slot', () => {
    const combined = combineReports([
      report('2026-11-23T10:00:00Z', 15, { wifi: 12, ble: 30, occupancy: [4, 6, 8] }),
      report('2026-11-23T10:15:00Z', 15, { wifi: 20, ble: 25, occupancy: [10, 9, 8] }),
    ]);
    expect(combined).toEqual({ windows: 2, wifi_devices: 20, ble_devices: 30, occupancy_mean: 7.5, occupancy_peak: 10, suppressed: [] });
  });

  it('gives null for a radio no window had, and for nothing at all', () => {
    expect(combineReports([report('2026-11-23T10:00:00Z', 60, { wifi: 3, occupancy: [1, 2] })])).toMatchObject({ wifi_devices: 3, ble_devices: null });
    expect(combineReports([])).toEqual({ windows: 0, wifi_devices: null, ble_devices: null, occupancy_mean: null, occupancy_peak: null, suppressed: [] });
  });

  it('names a figure that a count hidden by min_count went into, unless a larger count makes it exact', () => {
    const quiet = report('2026-11-23T02:00:00Z', 30, { wifi: 0, ble: 0, occupancy: [0, 0, 0, 0, 0, 0], suppressed: ['wifi.devices', 'occupancy[2]'] });
    expect(combineReports([quiet]).suppressed).toEqual(['wifi_devices', 'occupancy_mean', 'occupancy_peak']);
    const busier = report('2026-11-23T02:30:00Z', 30, { wifi: 5, ble: 0, occupancy: [0, 0, 3, 4, 0, 0] });
    expect(combineReports([quiet, busier]).suppressed).toEqual(['occupancy_mean']);
  });
});

describe('bucketReports', () => {
  const reports = [
    report('2026-11-23T07:00:00Z', 30, { wifi: 10, occupancy: [1, 1, 1, 1, 1, 1] }),
    report('2026-11-23T07:30:00Z', 30, { wifi: 14, occupancy: [3, 3, 3, 3, 3, 3] }),
    report('2026-11-23T10:00:00Z', 30, { wifi: 7, occupancy: [2, 2, 2, 2, 2, 2] }),
  ];

  it('puts every hour of the period in order, with the hours without a report as gaps', () => {
    const buckets = bucketReports(reports, 'hour', Date.parse('2026-11-23T06:40:00Z'), Date.parse('2026-11-23T12:00:00Z'));
    expect(buckets.map((b) => [b.start, b.windows, b.wifi_devices, b.occupancy_mean])).toEqual([
      ['2026-11-23T06:00:00Z', 0, null, null],
      ['2026-11-23T07:00:00Z', 2, 14, 2],
      ['2026-11-23T08:00:00Z', 0, null, null],
      ['2026-11-23T09:00:00Z', 0, null, null],
      ['2026-11-23T10:00:00Z', 1, 7, 2],
      ['2026-11-23T11:00:00Z', 0, null, null],
    ]);
    expect(buckets[1]!.end).toBe('2026-11-23T08:00:00Z');
  });

  it('runs on past the end to the last report, and leaves out reports before the start', () => {
    const buckets = bucketReports(reports, 'hour', Date.parse('2026-11-23T08:00:00Z'), Date.parse('2026-11-23T09:00:00Z'));
    expect(buckets.map((b) => [b.start, b.windows])).toEqual([
      ['2026-11-23T08:00:00Z', 0],
      ['2026-11-23T09:00:00Z', 0],
      ['2026-11-23T10:00:00Z', 1],
    ]);
  });

  it('combines a UTC day', () => {
    const [day] = bucketReports(reports, 'day', Date.parse('2026-11-23T12:00:00Z'), Date.parse('2026-11-24T00:00:00Z'));
    expect(day).toMatchObject({ start: '2026-11-23T00:00:00Z', end: '2026-11-24T00:00:00Z', windows: 3, wifi_devices: 14, occupancy_mean: 2, occupancy_peak: 3 });
  });
});

describe('longestWindowMinutes', () => {
  it('is the longest window of the reports', () => {
    expect(longestWindowMinutes([report('2026-11-23T00:00:00Z', 120, { occupancy: [] }), report('2026-11-23T02:00:00Z', 60, { occupancy: [] })])).toBe(120);
    expect(longestWindowMinutes([])).toBe(0);
  });
});
