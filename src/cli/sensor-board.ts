/**
 * What `footfall watch` knows of the sensors under a topic prefix, from the messages a
 * subscriber receives: each sensor's state, its last report and live counts, its outbox. Pure:
 * messages in, a snapshot out, as JSON or as text for a terminal.
 *
 * The broker keeps no time with a retained message, so "since when" is told as well as the
 * payloads allow: a change seen while watching is dated when it arrived; a retained `online`
 * from the health figures (the daemon's start is their time less its uptime); a retained
 * `offline` not at all, and `last_heard` says when the sensor last spoke. Reports are not
 * retained: a sensor's last report is the last one that arrived while watching.
 */
import { isoSeconds, slotIndex } from '../count/windows.js';
import type { HealthPayload, LivePayload, PrivacyPayload, StatusPayload, TopicName, WindowReport } from '../payloads/payloads.js';
import { combineReports, type CombinedCounts } from './history-buckets.js';
import { sparkline } from './text-chart.js';

/** The topics watched under `<prefix>/<sensor>/`. */
export const WATCHED_TOPICS: readonly TopicName[] = ['status', 'report', 'live', 'health', 'privacy'];

export interface ReportSummary extends Omit<CombinedCounts, 'windows'> {
  id: string;
  window: { start: string; end: string };
  partial: boolean;
}

export interface LiveSummary {
  window: { start: string; end: string };
  as_of: string;
  /** Devices present in the 5-minute slot of `as_of` (the last slot when the clocks disagree). */
  present: number;
  wifi_devices: number | null;
  ble_devices: number | null;
  /** Devices present per 5-minute slot of the open window so far. */
  occupancy: number[];
}

export interface SensorView {
  sensor: string;
  /** `unknown` until a status arrives. */
  state: StatusPayload['state'] | 'unknown';
  /** When the state began, where that can be told (see the module's header); else null. */
  since: string | null;
  /** The newest time the sensor is known to have spoken: a message that arrived while watching, or the time in its health or live counts. */
  last_heard: string | null;
  last_report: ReportSummary | null;
  live: LiveSummary | null;
  outbox_depth: number | null;
  /** When the broker last acknowledged one of its reports, as the sensor says. */
  last_publish: string | null;
  version: string | null;
  window_minutes: number | null;
  min_count: number | null;
}

export interface BoardSnapshot {
  /** The broker, without user name or password. */
  broker: string;
  prefix: string;
  connected: boolean;
  as_of: string;
  sensors: SensorView[];
}

interface SensorMessages {
  status?: StatusPayload;
  /** When a status arrived that was not retained: the state changed while watching. */
  statusChangedMs?: number;
  report?: WindowReport;
  live?: LivePayload;
  health?: HealthPayload;
  privacy?: PrivacyPayload;
  /** When the newest message that was not retained arrived. */
  heardMs?: number;
}

const parseTime = (text: string | undefined | null): number | undefined => {
  const ms = text == null ? NaN : Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
};

function summarizeReport(report: WindowReport): ReportSummary {
  const { windows: _windows, ...counts } = combineReports([report]);
  return { id: report.id, window: report.window, partial: report.partial === true, ...counts };
}

function summarizeLive(live: LivePayload): LiveSummary {
  const span = { startMs: Date.parse(live.window.start), endMs: Date.parse(live.window.end) };
  const slot = Math.min(Math.max(0, slotIndex(span, Date.parse(live.as_of))), live.occupancy.length - 1);
  return {
    window: live.window,
    as_of: live.as_of,
    present: live.occupancy[slot] ?? 0,
    wifi_devices: live.wifi?.devices ?? null,
    ble_devices: live.ble?.devices ?? null,
    occupancy: live.occupancy.slice(0, slot + 1),
  };
}

function viewOf(sensor: string, m: SensorMessages): SensorView {
  const healthMs = parseTime(m.health?.time);
  const heard = [m.heardMs, healthMs, parseTime(m.live?.as_of)].filter((ms): ms is number => ms !== undefined);
  const state = m.status?.state ?? 'unknown';
  let sinceMs = m.statusChangedMs;
  if (sinceMs === undefined && state === 'online' && healthMs !== undefined) sinceMs = healthMs - m.health!.uptime_seconds * 1000;
  return {
    sensor,
    state,
    since: sinceMs === undefined ? null : isoSeconds(sinceMs),
    last_heard: heard.length === 0 ? null : isoSeconds(Math.max(...heard)),
    last_report: m.report === undefined ? null : summarizeReport(m.report),
    live: m.live === undefined ? null : summarizeLive(m.live),
    outbox_depth: m.health?.outbox_depth ?? null,
    last_publish: m.health?.last_publish ?? null,
    version: m.health?.versions.footfall ?? m.privacy?.version ?? null,
    window_minutes: m.privacy?.window_minutes ?? null,
    min_count: m.privacy?.min_count ?? null,
  };
}

export class SensorBoard {
  private readonly bySensor = new Map<string, SensorMessages>();

  constructor(private readonly prefix: string) {}

  /**
   * Takes one message as it arrived at `nowMs`. Returns false, changing nothing, for a topic that
   * is not a sensor's under the prefix or a payload that is not what the topic carries (an empty
   * retained payload clears a topic; other publishers may share the prefix).
   */
  take(topic: string, payload: string, retained: boolean, nowMs: number): boolean {
    if (!topic.startsWith(`${this.prefix}/`)) return false;
    const [sensor, name, ...rest] = topic.slice(this.prefix.length + 1).split('/');
    if (sensor === undefined || sensor === '' || rest.length > 0 || !WATCHED_TOPICS.includes(name as TopicName)) return false;
    let value: unknown;
    try {
      value = JSON.parse(payload);
    } catch {
      return false;
    }
    if (typeof value !== 'object' || value === null) return false;
    const m = this.bySensor.get(sensor) ?? {};
    switch (name as TopicName) {
      case 'status': {
        const state = (value as Partial<StatusPayload>).state;
        if (state !== 'online' && state !== 'offline') return false;
        if (!retained && m.status?.state !== state) m.statusChangedMs = nowMs;
        m.status = { state };
        break;
      }
      case 'report':
        if (!Array.isArray((value as Partial<WindowReport>).occupancy) || typeof (value as Partial<WindowReport>).window?.start !== 'string') return false;
        // QoS 1 may bring an older report again: keep the newest window.
        if (m.report === undefined || (value as WindowReport).window.start >= m.report.window.start) m.report = value as WindowReport;
        break;
      case 'live':
        if (!Array.isArray((value as Partial<LivePayload>).occupancy) || typeof (value as Partial<LivePayload>).as_of !== 'string') return false;
        m.live = value as LivePayload;
        break;
      case 'health':
        if (typeof (value as Partial<HealthPayload>).uptime_seconds !== 'number') return false;
        m.health = value as HealthPayload;
        break;
      case 'privacy':
        if (typeof (value as Partial<PrivacyPayload>).window_minutes !== 'number') return false;
        m.privacy = value as PrivacyPayload;
        break;
    }
    if (!retained) m.heardMs = nowMs;
    this.bySensor.set(sensor, m);
    return true;
  }

  /** Every sensor heard of, by id. */
  sensors(): SensorView[] {
    return [...this.bySensor.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([sensor, m]) => viewOf(sensor, m));
  }
}

/** `10:00` of an ISO time, with the date before it when it is not `day`'s. */
function clock(iso: string, day: string): string {
  return iso.slice(0, 10) === day ? iso.slice(11, 16) : `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}

function devices(wifi: number | null, ble: number | null): string {
  const parts = [wifi === null ? '' : `Wi-Fi ${wifi}`, ble === null ? '' : `BLE ${ble}`].filter((p) => p !== '');
  return parts.length === 0 ? 'no radio' : `${parts.join(', ')} devices`;
}

function describeSensor(view: SensorView, today: string): string[] {
  const state =
    view.state === 'online'
      ? `online${view.since === null ? '' : ` since ${clock(view.since, today)}`}`
      : view.state === 'offline'
        ? `OFFLINE${view.since === null ? '' : ` since ${clock(view.since, today)}`}${view.last_heard === null ? '' : `, last heard ${clock(view.last_heard, today)}`}`
        : 'state unknown (no status message)';
  const version = view.version === null ? '' : ` (footfall ${view.version}${view.window_minutes === null ? '' : `, ${view.window_minutes}-minute windows`})`;
  const lines = [`${view.sensor}  ${state}${version}`];
  const { live, last_report: report } = view;
  if (live !== null) {
    lines.push(
      `  live     ${clock(live.window.start, today)} to ${clock(live.window.end, today)} so far: ${live.present} present now ${sparkline(live.occupancy)}; ` +
        `${devices(live.wifi_devices, live.ble_devices)} (as of ${clock(live.as_of, today)})`,
    );
  }
  if (report === null) lines.push('  report   none arrived while watching (reports are not retained)');
  else {
    const mark = report.suppressed.length > 0 ? `; below privacy.min_count: ${report.suppressed.join(', ')}` : '';
    lines.push(
      `  report   ${clock(report.window.start, today)} to ${clock(report.window.end, today)}${report.partial ? ' (partial)' : ''}: ` +
        `${devices(report.wifi_devices, report.ble_devices)}, occupancy ${report.occupancy_mean ?? '-'} (peak ${report.occupancy_peak ?? '-'})${mark}`,
    );
  }
  if (view.outbox_depth !== null) {
    lines.push(`  outbox   ${view.outbox_depth} ${view.outbox_depth === 1 ? 'report' : 'reports'} waiting; last published ${view.last_publish === null ? 'never' : clock(view.last_publish, today)}`);
  }
  return lines;
}

/** The snapshot for a person: a header, then a few lines per sensor; times in UTC. */
export function describeBoard(snapshot: BoardSnapshot): string {
  const today = snapshot.as_of.slice(0, 10);
  const online = snapshot.sensors.filter((s) => s.state === 'online').length;
  const header =
    `footfall watch: ${snapshot.broker}, ${snapshot.prefix}/+, ${snapshot.sensors.length} ${snapshot.sensors.length === 1 ? 'sensor' : 'sensors'} (${online} online), ` +
    `${today} ${snapshot.as_of.slice(11, 19)} UTC${snapshot.connected ? '' : '; connection lost, reconnecting'}`;
  const body = snapshot.sensors.length === 0 ? [`no sensor has published under ${snapshot.prefix}/ yet`] : snapshot.sensors.flatMap((view) => ['', ...describeSensor(view, today)]);
  return `${[header, ...body].join('\n')}\n`;
}
