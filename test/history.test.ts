/**
 * `footfall history` on the state a replay leaves: two hours of a store two hours apart, in
 * 15-minute windows, by hour and by day, as a table, CSV and JSON lines, the hours between them a
 * gap; what it says with no history and no state directory; and no address of the input in any
 * of it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HistoryBucket } from '../src/cli/history-buckets.js';
import type { WindowReport } from '../src/payloads/payloads.js';
import { jsonLines, runCli, type CliResult } from './helpers/cli.js';
import { generatedAddresses, generatedCapture, type GeneratedCapture } from './helpers/generated-captures.js';
import { filesUnder, findLeaks } from './helpers/leak-scan.js';

const HOUR = 3_600_000;
const DAY_START = Date.UTC(2026, 10, 23);
const MORNING: GeneratedCapture = { seed: 'history-morning', startMs: DAY_START + 7 * HOUR, hours: 1 };
const NOON: GeneratedCapture = { seed: 'history-noon', startMs: DAY_START + 10 * HOUR, hours: 1 };

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-history-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const state = path.join(dir, 'state');
const config = path.join(dir, 'footfall.yaml');
const flags = ['--config', config, '--state-dir', state, '--runtime-dir', path.join(dir, 'run')];
/** Enough days back from today to reach the replayed day, whenever the test runs. */
const days = String(Math.ceil((Date.now() - DAY_START) / (24 * HOUR)) + 1);

let reports: WindowReport[] = [];
/** `footfall history` over the replayed day with these flags, run once for all the tests that ask. */
const runs = new Map<string, Promise<CliResult>>();
function history(args: string[]): Promise<CliResult> {
  const key = args.join(' ');
  if (!runs.has(key)) runs.set(key, runCli(['history', ...flags, '--days', days, ...args]));
  return runs.get(key)!;
}

beforeAll(async () => {
  fs.writeFileSync(config, ['sensor:', '  id: history-test', 'privacy:', '  window_minutes: 15', ''].join('\n'));
  for (const options of [MORNING, NOON]) {
    const capture = await generatedCapture(options);
    const result = await runCli(['replay', capture.path, ...flags, '--log-level', 'warn']);
    expect(result.code, result.stderr).toBe(0);
    reports.push(...jsonLines<WindowReport>(result.stdout));
  }
  reports = reports.filter((report) => report.window.start.startsWith('2026-11-23'));
});

/** What the hour from `start` should show, from the reports the replays printed. */
function expectedHour(start: string) {
  const inHour = reports.filter((r) => r.window.start.slice(0, 13) === start.slice(0, 13));
  const slots = inHour.flatMap((r) => r.occupancy);
  return {
    windows: inHour.length,
    wifi_devices: Math.max(...inHour.map((r) => r.wifi!.devices)),
    ble_devices: null,
    occupancy_mean: Math.round((slots.reduce((a, b) => a + b, 0) / slots.length) * 10) / 10,
    occupancy_peak: Math.max(...slots),
    suppressed: [],
  };
}

describe('footfall history after two replays two hours apart', () => {
  it('the replays left four 15-minute windows in each hour', () => {
    expect(reports.map((r) => r.window.start.slice(11, 16))).toEqual(['07:00', '07:15', '07:30', '07:45', '10:00', '10:15', '10:30', '10:45']);
  });

  it('as JSON lines: every hour of the period, the hours between the replays as gaps', async () => {
    const result = await history(['--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    const buckets = jsonLines<HistoryBucket>(result.stdout);
    const at = (time: string) => buckets.find((b) => b.start === `2026-11-23T${time}:00Z`);
    expect(at('07:00')).toEqual({ start: '2026-11-23T07:00:00Z', end: '2026-11-23T08:00:00Z', ...expectedHour('2026-11-23T07') });
    expect(at('10:00')).toEqual({ start: '2026-11-23T10:00:00Z', end: '2026-11-23T11:00:00Z', ...expectedHour('2026-11-23T10') });
    for (const time of ['06:00', '08:00', '09:00', '11:00']) {
      expect(at(time)).toMatchObject({ windows: 0, wifi_devices: null, ble_devices: null, occupancy_mean: null, occupancy_peak: null });
    }
    // One row an hour, oldest first, up to the last finished hour.
    const starts = buckets.map((b) => Date.parse(b.start));
    expect(starts.every((start, i) => i === 0 || start - starts[i - 1]! === HOUR)).toBe(true);
    expect(Date.now() - starts.at(-1)!).toBeLessThan(2 * HOUR);
    expect(Date.now() - starts.at(-1)!).toBeGreaterThan(HOUR);
  });

  it('as CSV: a header and the same rows, gaps with empty figures', async () => {
    const [json, csv] = [await history(['--json']), await history(['--csv'])];
    expect(csv.code).toBe(0);
    const [header, ...rows] = csv.stdout.trimEnd().split('\n');
    expect(header).toBe('start,end,windows,wifi_devices,ble_devices,occupancy_mean,occupancy_peak,suppressed');
    const buckets = jsonLines<HistoryBucket>(json.stdout);
    expect(rows).toHaveLength(buckets.length);
    const morning = expectedHour('2026-11-23T07');
    expect(rows).toContain(`2026-11-23T07:00:00Z,2026-11-23T08:00:00Z,4,${morning.wifi_devices},,${morning.occupancy_mean},${morning.occupancy_peak},`);
    expect(rows).toContain('2026-11-23T08:00:00Z,2026-11-23T09:00:00Z,0,,,,,');
  });

  it('as a table: a bar per figure, the hours between as one gap, no BLE column without BLE', async () => {
    const result = await history([]);
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(/^history-test: .* UTC, by hour$/);
    expect(result.stdout).toContain('hour (UTC)        Wi-Fi devices');
    expect(result.stdout).not.toContain('BLE devices');
    const morning = expectedHour('2026-11-23T07');
    const row = lines.find((line) => line.startsWith('2026-11-23 07:00'))!;
    expect(row).toMatch(new RegExp(`^2026-11-23 07:00 +${morning.wifi_devices}  [█▏▎▍▌▋▊▉]+ +${morning.occupancy_mean.toFixed(1)}  [█▏▎▍▌▋▊▉]+$`));
    expect(lines).toContain('2026-11-23 08:00 to 2026-11-23 10:00  no reports (2 hours)');
    expect(lines.some((line) => line.startsWith('2026-11-23 11:00 to ') && line.endsWith(' hours)'))).toBe(true);
    expect(Math.max(...lines.map((line) => line.length))).toBeLessThanOrEqual(80);
  });

  it('by day: the day as one row, its busiest window and the mean of all its slots', async () => {
    const result = await history(['--by', 'day', '--json']);
    const day = jsonLines<HistoryBucket>(result.stdout).find((b) => b.start === '2026-11-23T00:00:00Z');
    const slots = reports.flatMap((r) => r.occupancy);
    expect(day).toMatchObject({
      windows: 8,
      wifi_devices: Math.max(...reports.map((r) => r.wifi!.devices)),
      occupancy_mean: Math.round((slots.reduce((a, b) => a + b, 0) / slots.length) * 10) / 10,
    });
    const table = await history(['--by', 'day']);
    expect(table.stdout).toMatch(/\n2026-11-23 +\d+  [█▏▎▍▌▋▊▉]+/);
  });

  it('says in one line when there is nothing to show, and refuses bad flags', async () => {
    const empty = path.join(dir, 'empty');
    fs.mkdirSync(empty);
    const nowhere = path.join(dir, 'nowhere');
    const bad = [['--by', 'week'], ['--days', '0'], ['--json', '--csv']];
    const [recent, csv, none, missing, ...refused] = await Promise.all([
      runCli(['history', ...flags]),
      runCli(['history', ...flags, '--csv']),
      runCli(['history', '--state-dir', empty]),
      runCli(['history', '--state-dir', nowhere]),
      ...bad.map((args) => runCli(['history', ...flags, ...args])),
    ]);
    expect(recent.code).toBe(0);
    expect(recent.stdout).toMatch(/^no reports in the last 1 day in .*; the newest is of the window from 2026-11-23T10:45:00Z \(see it with --days \d+\)\n$/);
    expect(csv.stdout).toBe('start,end,windows,wifi_devices,ble_devices,occupancy_mean,occupancy_peak,suppressed\n');
    expect(csv.stderr).toMatch(/^footfall: no reports in the last 1 day/);
    expect(none).toMatchObject({ code: 0, stdout: `no history yet: ${empty} holds no database (the daemon makes it when it starts)\n`, stderr: '' });
    expect(missing.code).toBe(66);
    expect(missing.stderr).toBe(`footfall: state directory ${nowhere} does not exist: give the daemon's with --state-dir or paths.state_dir\n`);
    expect(refused.map((result) => [result.code, result.stderr.split('\n').length])).toEqual(bad.map(() => [64, 2]));
  });

  it('leaks no address of the input', async () => {
    const addresses = [...generatedAddresses(MORNING), ...generatedAddresses(NOON)];
    const outputs = await Promise.all([...runs].map(async ([args, run]) => ({ args, result: await run })));
    expect(outputs.length).toBeGreaterThanOrEqual(4);
    const leaks = findLeaks(addresses, [
      ...outputs.flatMap(({ args, result }) => [
        { name: `history ${args} stdout`, data: result.stdout },
        { name: `history ${args} stderr`, data: result.stderr },
      ]),
      ...filesUnder(state),
    ]);
    expect(leaks).toEqual([]);
  });
});
