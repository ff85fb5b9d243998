/**
 * The running daemon's state, for `footfall status`: a JSON file in the runtime directory,
 * rewritten every few seconds (no TCP port to open or secure). A status older than a few
 * intervals, or of a process that is gone, means no daemon runs.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { HealthPayload, LivePayload } from '../payloads/payloads.js';

export const STATUS_FILE = 'status.json';
export const STATUS_INTERVAL_MS = 2000;
/** A status is stale after this long without a rewrite. */
const STALE_AFTER_MS = 5 * STATUS_INTERVAL_MS;

export interface DaemonStatus {
  schema: 'footfall.status/1';
  pid: number;
  sensor: string;
  started_at: string;
  updated_at: string;
  /** The Wi-Fi interface and its channel plan, and the Bluetooth adapter; null when that source is disabled. */
  capture: { interface: string | null; channels: number[]; ble_adapter: string | null };
  health: HealthPayload;
  /** The open window's counts so far; null while no window is open (e.g. the clock is not synchronized). */
  window: LivePayload | null;
  broker: { url: string | null; connected: boolean; last_error: string | null; last_error_at: string | null };
  clock: { synced: boolean; require_sync: boolean };
  disk: { state_dir: string; free_bytes: number; total_bytes: number };
}

export function diskSpace(dir: string): { free_bytes: number; total_bytes: number } {
  const stats = fs.statfsSync(dir);
  return { free_bytes: stats.bavail * stats.bsize, total_bytes: stats.blocks * stats.bsize };
}

/** Rewrites the status file on a timer; removes it on stop. */
export class StatusFileWriter {
  private timer: NodeJS.Timeout | undefined;
  private readonly file: string;

  constructor(
    runtimeDir: string,
    private readonly status: () => DaemonStatus,
  ) {
    this.file = path.join(runtimeDir, STATUS_FILE);
  }

  start(): void {
    this.write();
    this.timer = setInterval(() => this.write(), STATUS_INTERVAL_MS);
  }

  stop(): void {
    clearInterval(this.timer);
    fs.rmSync(this.file, { force: true });
  }

  write(): void {
    const temp = `${this.file}.new`;
    // Readable by the daemon's group, so that operators in it can run `footfall status`.
    fs.writeFileSync(temp, `${JSON.stringify(this.status())}\n`, { mode: 0o640 });
    fs.renameSync(temp, this.file);
  }
}

export type StatusReading =
  | { running: true; status: DaemonStatus }
  | { running: false; reason: string };

/** Whether process `pid` is alive (another user's, the daemon's own user's, is too). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Reads the status of the daemon whose runtime directory is `runtimeDir`. */
export function readStatus(runtimeDir: string, nowMs = Date.now()): StatusReading {
  let text: string;
  try {
    text = fs.readFileSync(path.join(runtimeDir, STATUS_FILE), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES') return { running: false, reason: `${runtimeDir} is not readable by this user (run as root, or join the footfall group)` };
    return { running: false, reason: `no status in ${runtimeDir}` };
  }
  const status = JSON.parse(text) as DaemonStatus;
  if (!processExists(status.pid)) return { running: false, reason: `the daemon (pid ${status.pid}) is gone; its last status is from ${status.updated_at}` };
  if (nowMs - Date.parse(status.updated_at) > STALE_AFTER_MS) {
    return { running: false, reason: `the daemon (pid ${status.pid}) has not updated its status since ${status.updated_at}; it may be hung` };
  }
  return { running: true, status };
}
