/**
 * The daemon's view of the system clock. A Raspberry Pi has no real-time clock and boots with a
 * wrong time, so windows must not open until the clock is synchronized; and NTP may step the
 * clock (forward or back) at any time, which the pipeline must see to keep windows honest.
 *
 * Synchronization is asked of a shell command (by default timedatectl's NTPSynchronized, which
 * works with systemd-timesyncd and chrony); steps are found by comparing how far the wall clock
 * and the monotonic clock moved between two looks.
 */
import { execFile } from 'node:child_process';
import type { Logger } from '../log/logger.js';

/** A wall-clock move this much larger or smaller than the monotonic one is a step, not drift. */
export const STEP_THRESHOLD_MS = 2000;
/** How often the wall clock is compared with the monotonic one. */
const STEP_CHECK_MS = 1000;
/** A sync command that takes longer than this counts as "not synchronized". */
const SYNC_COMMAND_TIMEOUT_MS = 5000;

export interface ClockListener {
  /** The synchronization state changed (also called once at start). */
  onSyncChange(synced: boolean): void;
  /** The wall clock jumped by `deltaMs` (positive: forward) beyond what time explains. */
  onStep(deltaMs: number): void;
}

export interface ClockMonitorOptions {
  /** Exits 0 when the clock is synchronized; run with `sh -c`. */
  syncCommand: string;
  checkSeconds: number;
  logger: Logger;
  wallMs?: () => number;
  monotonicMs?: () => number;
}

/** Runs `sh -c command`; resolves true when it exits 0 in time. */
export function commandSucceeds(command: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile('sh', ['-c', command], { timeout: SYNC_COMMAND_TIMEOUT_MS }, (error) => resolve(error === null));
  });
}

export class ClockMonitor {
  private synced = false;
  private steps = 0;
  private syncTimer: NodeJS.Timeout | undefined;
  private stepTimer: NodeJS.Timeout | undefined;
  private last: { wall: number; monotonic: number } | undefined;
  private listener: ClockListener | undefined;
  private readonly wallMs: () => number;
  private readonly monotonicMs: () => number;

  constructor(private readonly options: ClockMonitorOptions) {
    this.wallMs = options.wallMs ?? Date.now;
    this.monotonicMs = options.monotonicMs ?? (() => performance.now());
  }

  /** Checks synchronization once (the listener hears the result), then keeps watching. */
  async start(listener: ClockListener): Promise<void> {
    this.listener = listener;
    this.synced = await commandSucceeds(this.options.syncCommand);
    this.options.logger.info(this.synced ? 'system clock is synchronized' : 'system clock is not synchronized yet; holding windows back', {
      check: this.options.syncCommand,
    });
    listener.onSyncChange(this.synced);
    this.last = { wall: this.wallMs(), monotonic: this.monotonicMs() };
    this.syncTimer = setInterval(() => void this.checkSync(), this.options.checkSeconds * 1000);
    this.stepTimer = setInterval(() => this.checkStep(), STEP_CHECK_MS);
  }

  stop(): void {
    clearInterval(this.syncTimer);
    clearInterval(this.stepTimer);
    this.listener = undefined;
  }

  state(): { synced: boolean; steps: number } {
    return { synced: this.synced, steps: this.steps };
  }

  /** Compares the clocks now (the timer does this every second). */
  checkStep(): void {
    const now = { wall: this.wallMs(), monotonic: this.monotonicMs() };
    const last = this.last;
    this.last = now;
    if (last === undefined) return;
    const deltaMs = now.wall - last.wall - (now.monotonic - last.monotonic);
    if (Math.abs(deltaMs) < STEP_THRESHOLD_MS) return;
    this.steps++;
    this.options.logger.warn('the system clock jumped', { seconds: Math.round(deltaMs / 1000) });
    this.listener?.onStep(deltaMs);
  }

  private async checkSync(): Promise<void> {
    const synced = await commandSucceeds(this.options.syncCommand);
    if (synced === this.synced || this.listener === undefined) return;
    this.synced = synced;
    this.options.logger.info(synced ? 'system clock is synchronized now' : 'system clock lost its synchronization');
    this.listener.onSyncChange(synced);
  }
}
