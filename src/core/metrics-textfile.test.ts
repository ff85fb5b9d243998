import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parsePrometheusText } from '../../test/helpers/prometheus-text.js';
import { createLogger } from '../log/logger.js';
import { HEALTH_SCHEMA, type HealthPayload } from '../payloads/payloads.js';
import { MetricsTextfile, prometheusText } from './metrics-textfile.js';

const HEALTH: HealthPayload = {
  schema: HEALTH_SCHEMA,
  sensor: 'shop "north"\\door',
  time: '2026-11-22T10:30:00Z',
  uptime_seconds: 1800,
  sources: {
    wifi: { state: 'capturing', frames_per_second: 3.5, frames: 6300, malformed: 4, dropped: 2 },
    ble: { state: 'unavailable', frames_per_second: 0, frames: 0, malformed: 0, dropped: 0 },
  },
  outbox_depth: 3,
  last_publish: '2026-11-22T10:00:05Z',
  clock: { synced: true, steps: 1, held_back_frames: 17 },
  store: { state: 'ok', error: null, since: null, reports_in_memory: 0, unreadable_reports: 0 },
  versions: { footfall: '0.1.0', node: '20.20.2', 'better-sqlite3': '12.11.1' },
};

describe('prometheusText', () => {
  it('writes every health figure once, with HELP and TYPE, labelled with the sensor', () => {
    const families = parsePrometheusText(prometheusText(HEALTH));
    const value = (name: string, labels: Record<string, string> = {}) =>
      families.get(name)?.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
    expect(value('footfall_uptime_seconds')).toBe(1800);
    expect(value('footfall_frames_total', { source: 'wifi' })).toBe(6300);
    expect(value('footfall_malformed_frames_total', { source: 'wifi' })).toBe(4);
    expect(value('footfall_dropped_frames_total', { source: 'wifi' })).toBe(2);
    expect(value('footfall_source_capturing', { source: 'wifi' })).toBe(1);
    expect(value('footfall_source_capturing', { source: 'ble' })).toBe(0);
    expect(value('footfall_outbox_depth')).toBe(3);
    expect(value('footfall_last_publish_timestamp_seconds')).toBe(Date.parse('2026-11-22T10:00:05Z') / 1000);
    expect(value('footfall_clock_synced')).toBe(1);
    expect(value('footfall_clock_steps_total')).toBe(1);
    expect(value('footfall_clock_held_back_frames_total')).toBe(17);
    expect(families.get('footfall_info')!.samples[0]!.labels).toMatchObject({ footfall: '0.1.0', node: '20.20.2', better_sqlite3: '12.11.1' });
    for (const [name, family] of families) {
      expect(family.help, name).not.toBe('');
      expect(family.type === 'counter', name).toBe(name.endsWith('_total'));
      // The escaped sensor name reads back as it was.
      for (const sample of family.samples) expect(sample.labels.sensor).toBe('shop "north"\\door');
    }
  });

  it('leaves the last publish out before the first', () => {
    const families = parsePrometheusText(prometheusText({ ...HEALTH, last_publish: null, sources: {} }));
    expect(families.has('footfall_last_publish_timestamp_seconds')).toBe(false);
    expect(families.has('footfall_frames_total')).toBe(false);
  });
});

describe('MetricsTextfile', () => {
  let dir: string | undefined;
  afterEach(() => {
    vi.useRealTimers();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('replaces the file at start, on its interval and at stop, leaving no temporary file', () => {
    vi.useFakeTimers();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-metrics-'));
    const file = path.join(dir, 'footfall.prom');
    let uptime = 0;
    const metrics = new MetricsTextfile({ file, intervalMs: 60_000, health: () => ({ ...HEALTH, uptime_seconds: uptime }), logger: createLogger({ level: 'error' }) });
    const uptimeInFile = () => parsePrometheusText(fs.readFileSync(file, 'utf8')).get('footfall_uptime_seconds')!.samples[0]!.value;
    metrics.start();
    expect(uptimeInFile()).toBe(0);
    expect(fs.statSync(file).mode & 0o777).toBe(0o644);
    uptime = 60;
    vi.advanceTimersByTime(60_000);
    expect(uptimeInFile()).toBe(60);
    uptime = 75;
    metrics.stop();
    expect(uptimeInFile()).toBe(75);
    expect(fs.readdirSync(dir)).toEqual(['footfall.prom']);
  });

  it('logs an unwritable directory once and keeps going', () => {
    const warnings: string[] = [];
    const logger = createLogger({ level: 'warn', journald: false, write: (line) => void warnings.push(line) });
    const metrics = new MetricsTextfile({ file: '/nonexistent-footfall-dir/footfall.prom', intervalMs: 60_000, health: () => HEALTH, logger });
    metrics.write();
    metrics.write();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('metrics.textfile');
  });
});
