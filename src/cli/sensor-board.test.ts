import { describe, expect, it } from 'vitest';
import type { HealthPayload, LivePayload, WindowReport } from '../payloads/payloads.js';
import { describeBoard, SensorBoard } from './sensor-board.js';

const NOW = Date.parse('2026-12-07T10:42:30Z');

const health = (time: string, uptime: number, outbox: number): HealthPayload => ({
  schema: 'footfall.health/1',
  sensor: 'door',
  time,
  uptime_seconds: uptime,
  sources: {},
  outbox_depth: outbox,
  last_publish: '2026-12-07T10:00:02Z',
  clock: { synced: true, steps: 0, held_back_frames: 0 },
  store: { state: 'ok', error: null, since: null, reports_in_memory: 0, unreadable_reports: 0 },
  versions: { footfall: '0.3.0' },
});

const counts = (devices: number) => ({ frames: 10, malformed: 0, addresses: devices, devices, zones: {} });

const live = (asOf: string): LivePayload => ({
  schema: 'footfall.live/1',
  id: 'door/2026-12-07T10:00:00Z',
  sensor: 'door',
  window: { start: '2026-12-07T10:00:00Z', end: '2026-12-07T11:00:00Z' },
  as_of: asOf,
  wifi: { ...counts(40), addresses_global: 1, addresses_randomized: 39, dwell_minutes: {} },
  occupancy: [3, 5, 8, 6, 2, 7, 9, 11, 12, 0, 0, 0],
  quality: { capture_seconds: 2550, dropped_frames: 0, restarts: 0, clock_synced: true },
});

const report = (start: string, devices: number, suppressed?: string[]): WindowReport => ({
  schema: 'footfall.report/1',
  id: `door/${start}`,
  sensor: 'door',
  window: { start, end: start.replace(/T(\d\d)/, (_, h: string) => `T${String(Number(h) + 1).padStart(2, '0')}`) },
  wifi: { ...counts(devices), addresses_global: 0, addresses_randomized: devices, dwell_minutes: {} },
  occupancy: [devices, devices, 0],
  quality: { capture_seconds: 3600, dropped_frames: 0, restarts: 0, clock_synced: true },
  ...(suppressed === undefined ? {} : { suppressed }),
});

const json = (value: unknown) => JSON.stringify(value);

describe('SensorBoard', () => {
  it('takes only the watched topics of one sensor level under the prefix, with payloads it can read', () => {
    const board = new SensorBoard('site/footfall');
    expect(board.take('site/footfall/door/status', '{"state":"online"}', true, NOW)).toBe(true);
    expect(board.take('footfall/door/status', '{"state":"online"}', true, NOW)).toBe(false);
    expect(board.take('site/footfall/door/metrics', '{}', true, NOW)).toBe(false);
    expect(board.take('site/footfall/a/b/status', '{"state":"online"}', true, NOW)).toBe(false);
    expect(board.take('site/footfall/door/status', '', true, NOW)).toBe(false);
    expect(board.take('site/footfall/door/status', '{"state":"asleep"}', true, NOW)).toBe(false);
    expect(board.take('site/footfall/door/health', '[1]', true, NOW)).toBe(false);
    expect(board.sensors().map((s) => [s.sensor, s.state])).toEqual([['door', 'online']]);
  });

  it('dates a retained online state from the health figures, and a change seen while watching from its arrival', () => {
    const board = new SensorBoard('footfall');
    board.take('footfall/door/status', '{"state":"online"}', true, NOW);
    board.take('footfall/door/health', json(health('2026-12-07T10:42:00Z', 3720, 2)), true, NOW);
    expect(board.sensors()[0]).toMatchObject({ state: 'online', since: '2026-12-07T09:40:00Z', last_heard: '2026-12-07T10:42:00Z', outbox_depth: 2, version: '0.3.0' });

    board.take('footfall/door/status', '{"state":"offline"}', false, NOW + 5000);
    expect(board.sensors()[0]).toMatchObject({ state: 'offline', since: '2026-12-07T10:42:35Z', last_heard: '2026-12-07T10:42:35Z' });
  });

  it('cannot date a retained offline state, and says when the sensor last spoke', () => {
    const board = new SensorBoard('footfall');
    board.take('footfall/gone/status', '{"state":"offline"}', true, NOW);
    board.take('footfall/gone/health', json(health('2026-12-06T18:00:00Z', 600, 5)), true, NOW);
    board.take('footfall/gone/live', json(live('2026-12-06T18:00:30Z')), true, NOW);
    expect(board.sensors()[0]).toMatchObject({ state: 'offline', since: null, last_heard: '2026-12-06T18:00:30Z', outbox_depth: 5 });
  });

  it('counts the devices present now from the live slot of its time, the last slot when the clocks disagree', () => {
    const board = new SensorBoard('footfall');
    board.take('footfall/door/live', json(live('2026-12-07T10:42:00Z')), true, NOW);
    expect(board.sensors()[0]!.live).toEqual({
      window: { start: '2026-12-07T10:00:00Z', end: '2026-12-07T11:00:00Z' },
      as_of: '2026-12-07T10:42:00Z',
      present: 12,
      wifi_devices: 40,
      ble_devices: null,
      occupancy: [3, 5, 8, 6, 2, 7, 9, 11, 12],
    });
    board.take('footfall/door/live', json(live('2026-12-07T15:00:00Z')), true, NOW);
    expect(board.sensors()[0]!.live!.present).toBe(0);
    expect(board.sensors()[0]!.state).toBe('unknown');
  });

  it('keeps the newest report, summarized, with the figures a hidden count went into', () => {
    const board = new SensorBoard('footfall');
    board.take('footfall/door/report', json(report('2026-12-07T09:00:00Z', 0, ['wifi.devices', 'occupancy[0]'])), false, NOW);
    board.take('footfall/door/report', json(report('2026-12-07T08:00:00Z', 7)), false, NOW);
    expect(board.sensors()[0]!.last_report).toEqual({
      id: 'door/2026-12-07T09:00:00Z',
      window: { start: '2026-12-07T09:00:00Z', end: '2026-12-07T10:00:00Z' },
      partial: false,
      wifi_devices: 0,
      ble_devices: null,
      occupancy_mean: 0,
      occupancy_peak: 0,
      suppressed: ['wifi_devices', 'occupancy_mean', 'occupancy_peak'],
    });
  });
});

describe('describeBoard', () => {
  it('shows each sensor with its state, live counts, last report and outbox', () => {
    const board = new SensorBoard('footfall');
    board.take('footfall/door/status', '{"state":"online"}', true, NOW);
    board.take('footfall/door/health', json(health('2026-12-07T10:42:00Z', 3720, 1)), true, NOW);
    board.take('footfall/door/live', json(live('2026-12-07T10:42:00Z')), true, NOW);
    board.take('footfall/door/report', json(report('2026-12-07T09:00:00Z', 20)), false, NOW);
    board.take('footfall/gone/status', '{"state":"offline"}', true, NOW);
    board.take('footfall/gone/health', json(health('2026-12-06T18:00:00Z', 600, 5)), true, NOW);
    const text = describeBoard({ broker: 'mqtts://broker.example:8883', prefix: 'footfall', connected: true, as_of: '2026-12-07T10:42:30Z', sensors: board.sensors() });
    expect(text.split('\n')).toEqual([
      'footfall watch: mqtts://broker.example:8883, footfall/+, 2 sensors (1 online), 2026-12-07 10:42:30 UTC',
      '',
      'door  online since 09:40 (footfall 0.3.0)',
      '  live     10:00 to 11:00 so far: 12 present now ▃▄▆▅▂▅▆▇█; Wi-Fi 40 devices (as of 10:42)',
      '  report   09:00 to 10:00: Wi-Fi 20 devices, occupancy 13.3 (peak 20)',
      '  outbox   1 report waiting; last published 10:00',
      '',
      'gone  OFFLINE, last heard 2026-12-06 18:00 (footfall 0.3.0)',
      '  report   none arrived while watching (reports are not retained)',
      '  outbox   5 reports waiting; last published 10:00',
      '',
    ]);
  });

  it('says when no sensor has published, and when the connection is lost', () => {
    const text = describeBoard({ broker: 'mqtt://localhost', prefix: 'footfall', connected: false, as_of: '2026-12-07T10:42:30Z', sensors: [] });
    expect(text).toBe('footfall watch: mqtt://localhost, footfall/+, 0 sensors (0 online), 2026-12-07 10:42:30 UTC; connection lost, reconnecting\nno sensor has published under footfall/ yet\n');
  });
});
