import { describe, expect, it } from 'vitest';
import type { HistoryBucket } from './history-buckets.js';
import { describeHistory, historyCsv, historyJsonLines } from './history.js';

const gap = (start: string, end: string): HistoryBucket => ({
  start,
  end,
  windows: 0,
  wifi_devices: null,
  ble_devices: null,
  occupancy_mean: null,
  occupancy_peak: null,
  suppressed: [],
});

const BUCKETS: HistoryBucket[] = [
  { start: '2026-11-23T01:00:00Z', end: '2026-11-23T02:00:00Z', windows: 4, wifi_devices: 0, ble_devices: 6, occupancy_mean: 0.4, occupancy_peak: 3, suppressed: ['wifi_devices', 'occupancy_mean'] },
  gap('2026-11-23T02:00:00Z', '2026-11-23T03:00:00Z'),
  { start: '2026-11-23T03:00:00Z', end: '2026-11-23T04:00:00Z', windows: 4, wifi_devices: 48, ble_devices: 12, occupancy_mean: 20.5, occupancy_peak: 31, suppressed: [] },
];

describe('describeHistory', () => {
  it('draws a bar per radio and occupancy, marks figures a hidden count went into, and names a lone gap', () => {
    expect(describeHistory(BUCKETS, { size: 'hour', width: 80, sensors: ['door'] })).toBe(
      [
        'door: 2026-11-23 01:00 to 2026-11-23 04:00 UTC, by hour',
        'devices: the most in one window of each hour',
        'occupancy: devices present, mean of the 5-minute slots',
        '',
        'hour (UTC)        Wi-Fi devices        BLE devices          occupancy',
        '2026-11-23 01:00     0*                   6  ██████▌         0.4* ▎',
        '2026-11-23 02:00  no report',
        '2026-11-23 03:00    48  █████████████    12  █████████████  20.5  █████████████',
        '',
        '* a count below privacy.min_count went into it as 0, so it may be low',
        '',
      ].join('\n'),
    );
  });

  it('fits the bars to the width it is given', () => {
    const wide = describeHistory(BUCKETS, { size: 'hour', width: 120, sensors: ['door'] });
    expect(wide).toContain('2026-11-23 03:00    48  ████████████████████████    12');
  });
});

describe('machine formats', () => {
  it('CSV has a header, empty cells for a gap and the suppressed figures joined by spaces', () => {
    expect(historyCsv(BUCKETS).split('\n')).toEqual([
      'start,end,windows,wifi_devices,ble_devices,occupancy_mean,occupancy_peak,suppressed',
      '2026-11-23T01:00:00Z,2026-11-23T02:00:00Z,4,0,6,0.4,3,wifi_devices occupancy_mean',
      '2026-11-23T02:00:00Z,2026-11-23T03:00:00Z,0,,,,,',
      '2026-11-23T03:00:00Z,2026-11-23T04:00:00Z,4,48,12,20.5,31,',
      '',
    ]);
  });

  it('JSON lines are the buckets as they are, one a line', () => {
    const lines = historyJsonLines(BUCKETS).trimEnd().split('\n');
    expect(lines.map((line) => JSON.parse(line))).toEqual(BUCKETS);
  });
});
