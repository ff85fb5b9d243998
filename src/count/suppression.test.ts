import { describe, expect, it } from 'vitest';
import { REPORT_SCHEMA, type WindowReport } from '../payloads/payloads.js';
import { suppressSmallCounts } from './suppression.js';

const report: WindowReport = {
  schema: REPORT_SCHEMA,
  id: 'shop/2026-12-07T02:00:00Z',
  sensor: 'shop',
  window: { start: '2026-12-07T02:00:00Z', end: '2026-12-07T03:00:00Z' },
  wifi: {
    frames: 41,
    malformed: 1,
    addresses: 5,
    addresses_global: 1,
    addresses_randomized: 4,
    devices: 2,
    zones: { inside: 1, nearby: 2 },
    dwell_minutes: { '0-5': 1, '5-15': 0, '15-30': 1 },
  },
  ble: {
    frames: 300,
    malformed: 0,
    addresses: 9,
    addresses_public: 0,
    addresses_random_static: 2,
    addresses_resolvable: 7,
    addresses_nonresolvable: 0,
    devices: 3,
    zones: { inside: 3 },
  },
  occupancy: [0, 1, 2, 3, 0],
  quality: { capture_seconds: 3600, dropped_frames: 2, restarts: 1, clock_synced: true },
};

describe('suppressSmallCounts', () => {
  it('reports counts of devices and addresses from 1 to min_count - 1 as 0, and names them', () => {
    const suppressed = suppressSmallCounts(report, 3);
    expect(suppressed.wifi).toEqual({
      frames: 41,
      malformed: 1,
      addresses: 5,
      addresses_global: 0,
      addresses_randomized: 4,
      devices: 0,
      zones: { inside: 0, nearby: 0 },
      dwell_minutes: { '0-5': 0, '5-15': 0, '15-30': 0 },
    });
    expect(suppressed.ble).toMatchObject({ addresses_random_static: 0, devices: 3, zones: { inside: 3 } });
    expect(suppressed.occupancy).toEqual([0, 0, 0, 3, 0]);
    expect(suppressed.quality).toEqual(report.quality);
    expect(suppressed.suppressed).toEqual([
      'wifi.zones.inside',
      'wifi.zones.nearby',
      'wifi.dwell_minutes.0-5',
      'wifi.dwell_minutes.15-30',
      'wifi.addresses_global',
      'wifi.devices',
      'ble.addresses_random_static',
      'occupancy[1]',
      'occupancy[2]',
    ]);
  });

  it('leaves the report as it is with min_count 0 or 1, or when nothing is below it', () => {
    expect(suppressSmallCounts(report, 0)).toBe(report);
    expect(suppressSmallCounts(report, 1)).toBe(report);
    const busy = { ...report, wifi: undefined, ble: undefined, occupancy: [0, 12] };
    expect(suppressSmallCounts(busy, 3)).toBe(busy);
  });
});
