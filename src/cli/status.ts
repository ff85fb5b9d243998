/**
 * `footfall status`: the running daemon's state from its status file, and the devices of the
 * last 24 windows from the local history. `--json` for scripts, `--watch` to refresh.
 */
import type { Command } from 'commander';
import type { Config } from '../config/schema.js';
import type { DaemonStatus } from '../core/status-file.js';
import { readStatus, STATUS_INTERVAL_MS } from '../core/status-file.js';
import type { SourceHealth, WindowReport } from '../payloads/payloads.js';
import { addCommonOptions, loadCommandConfig, type CommonOptions } from './common.js';
import { EXIT, OperatorError } from './errors.js';
import { readLocalHistory } from './local-history.js';
import { sparkline } from './text-chart.js';

interface StatusOptions extends CommonOptions {
  json?: boolean;
  watch?: boolean;
}

/** LSB's exit status for "program is not running", which scripts and monitoring know. */
const NOT_RUNNING = 3;
const HISTORY_WINDOWS = 24;

interface HistoryPoint {
  window: string;
  devices: number | null;
  addresses: number | null;
}

/** The last windows from the local history; empty when there is no database yet. */
function readHistory(stateDir: string): HistoryPoint[] {
  const reports = readLocalHistory(stateDir, (history) => history.recent(HISTORY_WINDOWS)) ?? [];
  return reports.map((report: WindowReport) => ({
    window: report.window.start,
    devices: report.wifi?.devices ?? report.ble?.devices ?? null,
    addresses: report.wifi?.addresses ?? report.ble?.addresses ?? null,
  }));
}

const count = (n: number) => n.toLocaleString('en');

function duration(seconds: number): string {
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return d > 0 ? `${d}d ${h}h ${m}m` : h > 0 ? `${h}h ${m}m` : `${m}m ${seconds % 60}s`;
}

function gigabytes(bytes: number): string {
  return `${(bytes / 1e9).toFixed(1)} GB`;
}

export function describeStatus(status: DaemonStatus, history: HistoryPoint[]): string {
  const { health, window } = status;
  const lines = [`footfall ${status.sensor}: running, pid ${status.pid}, up ${duration(health.uptime_seconds)} (since ${status.started_at})`];
  const { capture } = status;
  const where = {
    wifi: `on ${capture.interface} (channels ${capture.channels.join(',') || 'unchanged'})`,
    ble: `on ${capture.ble_adapter}`,
  };
  for (const [kind, source] of Object.entries(health.sources) as [keyof typeof where, SourceHealth][]) {
    lines.push(
      `capture   ${kind.padEnd(4)} ${where[kind]}: ${source.state}, ` +
        `${source.frames_per_second} frames/s, ${count(source.frames)} frames, ${count(source.malformed)} malformed, ${count(source.dropped)} dropped`,
    );
  }
  if (window === null) {
    lines.push('window    none open');
  } else {
    const counts: string[] = [];
    const zonesOf = (zones: Record<string, number>) => {
      const text = Object.entries(zones).map(([name, n]) => `${name} ${n}`).join(', ');
      return text ? `; zones ${text}` : '';
    };
    const { wifi, ble } = window;
    if (wifi) {
      counts.push(
        `wifi ${count(wifi.frames)} frames, ${count(wifi.addresses)} addresses (${count(wifi.addresses_global)} global, ` +
          `${count(wifi.addresses_randomized)} randomized), ${count(wifi.devices)} devices${zonesOf(wifi.zones)}`,
      );
    }
    if (ble) {
      counts.push(
        `ble ${count(ble.frames)} frames, ${count(ble.addresses)} addresses (${count(ble.addresses_public)} public, ${count(ble.addresses_random_static)} static, ` +
          `${count(ble.addresses_resolvable)} resolvable, ${count(ble.addresses_nonresolvable)} non-resolvable), ${count(ble.devices)} devices${zonesOf(ble.zones)}`,
      );
    }
    lines.push(`window    ${window.window.start} to ${window.window.end.slice(11)} so far: ${counts.length > 0 ? counts.join('\n          ') : 'no source counts'}`);
  }
  lines.push(`outbox    ${count(health.outbox_depth)} reports waiting; last published ${health.last_publish ?? 'never'}`);
  const broker = status.broker;
  if (broker.url === null) lines.push('broker    none (publishing is off: set mqtt.url)');
  else {
    const error = broker.last_error === null ? '' : ` (last error: ${broker.last_error} at ${broker.last_error_at})`;
    lines.push(`broker    ${broker.url} ${broker.connected ? 'connected' : 'NOT connected'}${error}`);
  }
  const clock = health.clock;
  lines.push(
    `clock     ${clock.synced ? 'synchronized' : 'NOT synchronized'}` +
      `${status.clock.require_sync && !clock.synced ? ' (windows held back)' : ''}, ${count(clock.held_back_frames)} frames held back, ${clock.steps} jumps`,
  );
  lines.push(`disk      ${status.disk.state_dir}: ${gigabytes(status.disk.free_bytes)} free of ${gigabytes(status.disk.total_bytes)}`);
  const store = health.store;
  const unreadable = store.unreadable_reports > 0 ? `; ${count(store.unreadable_reports)} unreadable reports passed over` : '';
  lines.push(
    store.state === 'ok'
      ? `database  written normally${unreadable}`
      : `database  ${store.state === 'disk_full' ? 'DISK FULL' : 'NOT WRITABLE'} since ${store.since} (${store.error}): counting and publishing from memory, ` +
          `${count(store.reports_in_memory)} reports held in memory${unreadable}`,
  );
  const devices = history.map((h) => h.devices ?? 0);
  lines.push(
    history.length === 0
      ? 'history   no finished window yet'
      : `history   devices, last ${history.length} windows: ${sparkline(devices)}  (${history[0]!.window} to now; min ${Math.min(...devices)}, max ${Math.max(...devices)})`,
  );
  return `${lines.join('\n')}\n`;
}

/**
 * What `status` prints and exits with. With --json the answer is JSON whether or not a daemon
 * runs (`"running"` says which), so a script parses stdout and never a message on stderr.
 */
function show(config: Config, json: boolean): { text: string; exitCode: number } {
  const reading = readStatus(config.paths.runtime_dir);
  if (!reading.running) {
    if (json) return { text: `${JSON.stringify({ running: false, reason: reading.reason })}\n`, exitCode: NOT_RUNNING };
    throw new OperatorError(`no footfall daemon is running: ${reading.reason}. Start it with: systemctl start footfall`, NOT_RUNNING);
  }
  const history = readHistory(config.paths.state_dir);
  const text = json ? `${JSON.stringify({ running: true, ...reading.status, history })}\n` : describeStatus(reading.status, history);
  return { text, exitCode: EXIT.ok };
}

async function status(options: StatusOptions): Promise<void> {
  const config = loadCommandConfig(options);
  const json = options.json === true;
  if (!options.watch) {
    const { text, exitCode } = show(config, json);
    process.stdout.write(text);
    if (exitCode !== EXIT.ok) process.exitCode = exitCode;
    return;
  }
  for (;;) {
    let text: string;
    try {
      text = show(config, json).text;
    } catch (error) {
      text = `${(error as Error).message}\n`;
    }
    // Clear the screen and go home, then the new state.
    process.stdout.write(json ? text : `\x1b[2J\x1b[H${text}`);
    await new Promise((resolve) => setTimeout(resolve, STATUS_INTERVAL_MS));
  }
}

export function registerStatusCommand(program: Command): void {
  addCommonOptions(
    program
      .command('status')
      .description("the running daemon's state: capture, the open window, outbox, broker, clock, disk, recent windows")
      .option('--json', 'machine-readable output, also when no daemon runs ("running": false and why; exit 3)')
      .option('--watch', 'refresh every 2 s until interrupted'),
  ).action(status);
}
