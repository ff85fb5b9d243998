/** Payloads as footfall sends them, with every optional field present and with none, for the tests of what reads them. */
import { HEALTH_SCHEMA, LIVE_SCHEMA, REPORT_SCHEMA, type HealthPayload, type LivePayload, type WindowReport } from './payloads.js';

/** A report with every optional field present, so that every property of the types is exercised. */
export const FULL_REPORT: Required<WindowReport> = {
  schema: REPORT_SCHEMA,
  id: 'store-12-entrance/2026-11-22T10:00:00Z',
  sensor: 'store-12-entrance',
  window: { start: '2026-11-22T10:00:00Z', end: '2026-11-22T11:00:00Z' },
  partial: true,
  wifi: {
    frames: 5321,
    malformed: 2,
    addresses: 912,
    addresses_global: 31,
    addresses_randomized: 881,
    devices: 64,
    zones: { inside: 40, nearby: 0 },
    dwell_minutes: { '0-5': 20, '5-15': 11, '15-30': 6, '30-60': 4, '60+': 1 },
  },
  ble: {
    frames: 88012,
    malformed: 0,
    addresses: 402,
    addresses_public: 3,
    addresses_random_static: 21,
    addresses_resolvable: 370,
    addresses_nonresolvable: 8,
    devices: 71,
    zones: { inside: 50, nearby: 21 },
  },
  occupancy: [12, 15, 18, 20, 22, 25, 24, 21, 19, 17, 15, 0],
  quality: { capture_seconds: 3600, dropped_frames: 0, restarts: 1, clock_synced: true, devices_counted_from: '2026-11-22T10:41:17Z' },
  suppressed: ['wifi.zones.nearby', 'occupancy[11]'],
};

/** Only what is required: a replay of a window with no source listening. */
export const MINIMAL_REPORT: WindowReport = {
  schema: REPORT_SCHEMA,
  id: 'store-12-entrance/2026-11-22T10:00:00Z',
  sensor: 'store-12-entrance',
  window: { start: '2026-11-22T10:00:00Z', end: '2026-11-22T11:00:00Z' },
  occupancy: [0],
  quality: { capture_seconds: 0, dropped_frames: 0, restarts: 0, clock_synced: false },
};

const { schema: _schema, partial: _partial, ...fullCounts } = FULL_REPORT;
const { schema: _minimalSchema, ...minimalCounts } = MINIMAL_REPORT;
export const FULL_LIVE: Required<LivePayload> = { ...fullCounts, schema: LIVE_SCHEMA, as_of: '2026-11-22T10:31:07Z' };
export const MINIMAL_LIVE: LivePayload = { ...minimalCounts, schema: LIVE_SCHEMA, as_of: '2026-11-22T10:00:01Z' };

export const FULL_HEALTH: HealthPayload = {
  schema: HEALTH_SCHEMA,
  sensor: 'store-12-entrance',
  time: '2026-11-22T10:31:07Z',
  uptime_seconds: 1867,
  sources: {
    wifi: { state: 'capturing', frames_per_second: 3.5, frames: 6300, malformed: 4, dropped: 2 },
    ble: { state: 'unavailable', frames_per_second: 0, frames: 0, malformed: 0, dropped: 0 },
  },
  outbox_depth: 0,
  last_publish: '2026-11-22T10:00:05.331Z',
  clock: { synced: true, steps: 0, held_back_frames: 0 },
  store: { state: 'disk_full', error: 'database or disk is full', since: '2026-11-22T10:20:00Z', reports_in_memory: 1, unreadable_reports: 0 },
  versions: { footfall: '0.1.0', node: '20.20.2' },
};
export const MINIMAL_HEALTH: HealthPayload = {
  ...FULL_HEALTH,
  sources: {},
  last_publish: null,
  store: { state: 'ok', error: null, since: null, reports_in_memory: 0, unreadable_reports: 0 },
  versions: {},
};
