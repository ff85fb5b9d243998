/**
 * The open window's counts for the status file, which is written every 2 s. Counting them runs
 * every device estimator over the window's addresses, some 100 ms for 110,000 of them on a busy
 * venue's sensor: done at every write, it took a third of the daemon's time. They are counted
 * again only when the last ones are older than COST_FACTOR times what counting them took (so
 * that they cost at most 1% of a core), or belong to a window that has ended: a quiet window's
 * at every write, a busy one's every few seconds, and their `as_of` says when.
 */
import type { LivePayload } from '../payloads/payloads.js';

const COST_FACTOR = 100;

interface Counted {
  live: LivePayload | undefined;
  windowStartMs: number | null;
  atMs: number;
  costMs: number;
}

export class LiveCountsCache {
  private last: Counted | undefined;

  constructor(
    /** Counts the open window as of `asOfMs` (undefined when none is open). */
    private readonly count: (asOfMs: number) => LivePayload | undefined,
    /** The start of the open window, null when none is open: cheap, asked every time. */
    private readonly openWindowStartMs: () => number | null,
    private readonly monotonicMs: () => number = () => performance.now(),
  ) {}

  /** The open window's counts as of `nowMs`, or as of when they were last counted. */
  get(nowMs: number): LivePayload | undefined {
    const windowStartMs = this.openWindowStartMs();
    const atMs = this.monotonicMs();
    const last = this.last;
    if (last !== undefined && last.windowStartMs === windowStartMs && atMs - last.atMs < COST_FACTOR * last.costMs) return last.live;
    const live = this.count(nowMs);
    this.last = { live, windowStartMs, atMs, costMs: this.monotonicMs() - atMs };
    return live;
  }

  /** What counts has changed (the zones were reloaded): the next get() counts afresh. */
  invalidate(): void {
    this.last = undefined;
  }
}
