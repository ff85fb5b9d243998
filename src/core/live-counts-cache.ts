/**
 * The open window's counts for the status file (written every 2 s) and the live topic. Counting
 * them runs every device estimator over the window's addresses, some 200 ms for 110,000 of them
 * on a busy venue's sensor: done at every write, it took a third of the daemon's time, and each
 * time held the event loop (and the frames waiting in the capture buffer) as long.
 *
 * So they are counted again only when the last ones are older than COST_FACTOR times what
 * counting them took (at most 1% of a core): a quiet window's at every write, a busy one's every
 * few seconds, and their `as_of` says when. And a window whose counting took longer than
 * SLICE_MS is counted in slices of about SLICE_MS, one per turn of the event loop, while the
 * last counts are given out; frames counted meanwhile are in the next counts.
 *
 * Other counts (a window's first, those after a reload, those of a window that was cheap to
 * count last time) begin at once and go on in slices if one slice is not enough; meanwhile the
 * window's last counts are given out, if it has any. A window starts small, but not one
 * restored at start-up, nor one whose first counts come after two seconds of a busy venue's
 * advertisements, cold code counting them: made at once, those held the event loop 30 to 250 ms.
 */
import { runStepsFor, type Steps } from '../count/estimator.js';
import type { LivePayload } from '../payloads/payloads.js';

const COST_FACTOR = 100;
/** The longest the event loop is held by counting at a time, in ms. */
export const SLICE_MS = 10;

interface Counted {
  live: LivePayload | undefined;
  windowStartMs: number | null;
  /** When counting began, on the monotonic clock. */
  atMs: number;
  /** What counting took, slices only. */
  costMs: number;
}

interface Counting {
  steps: Steps<LivePayload>;
  windowStartMs: number | null;
  atMs: number;
  costMs: number;
}

function startCounting(steps: Steps<LivePayload>, windowStartMs: number | null, atMs: number): Counting {
  return { steps, windowStartMs, atMs, costMs: 0 };
}

export interface LiveCountsCacheOptions {
  monotonicMs?: () => number;
  /** Runs the next slice later (default: setImmediate, after the I/O that is waiting). */
  schedule?: (slice: () => void) => void;
}

export class LiveCountsCache {
  private last: Counted | undefined;
  private counting: Counting | undefined;
  private readonly monotonicMs: () => number;
  private readonly schedule: (slice: () => void) => void;

  constructor(
    /** Counts the open window as of `asOfMs`, a step at a time (undefined when none is open). */
    private readonly count: (asOfMs: number) => Steps<LivePayload> | undefined,
    /** The start of the open window, null when none is open: cheap, asked every time. */
    private readonly openWindowStartMs: () => number | null,
    options: LiveCountsCacheOptions = {},
  ) {
    this.monotonicMs = options.monotonicMs ?? (() => performance.now());
    this.schedule = options.schedule ?? ((slice) => void setImmediate(slice));
  }

  /**
   * The open window's counts as of `nowMs`, or as of when they were last counted; undefined
   * while a window's first counts are still being made.
   */
  get(nowMs: number): LivePayload | undefined {
    const windowStartMs = this.openWindowStartMs();
    const atMs = this.monotonicMs();
    const last = this.last;
    const sameWindow = last !== undefined && last.windowStartMs === windowStartMs;
    if (sameWindow && atMs - last.atMs < COST_FACTOR * last.costMs) return last.live;
    if (this.counting !== undefined && this.counting.windowStartMs === windowStartMs) return sameWindow ? last.live : undefined;
    if (sameWindow && last.costMs > SLICE_MS) {
      this.countInSlices(nowMs, windowStartMs);
      return last.live;
    }
    this.counting = undefined;
    const steps = this.count(nowMs);
    if (steps === undefined) {
      this.last = { live: undefined, windowStartMs, atMs, costMs: 0 };
      return undefined;
    }
    const counting = startCounting(steps, windowStartMs, atMs);
    const step = runStepsFor(steps, SLICE_MS, this.monotonicMs);
    counting.costMs = this.monotonicMs() - atMs;
    if (step.done === true) {
      this.last = { live: step.value, windowStartMs, atMs, costMs: counting.costMs };
      return step.value;
    }
    this.counting = counting;
    this.schedule(() => this.slice(counting));
    return sameWindow ? last.live : undefined;
  }

  /** What counts has changed (the zones were reloaded): the next get() counts afresh. */
  invalidate(): void {
    this.last = undefined;
    this.counting = undefined;
  }

  /** Gives up counting in progress (the daemon stops). */
  stop(): void {
    this.counting = undefined;
  }

  private countInSlices(nowMs: number, windowStartMs: number | null): void {
    const steps = this.count(nowMs);
    if (steps === undefined) return;
    const counting = startCounting(steps, windowStartMs, this.monotonicMs());
    this.counting = counting;
    this.schedule(() => this.slice(counting));
  }

  private slice(counting: Counting): void {
    // Given up, or its window ended: the counts would be no one's.
    if (this.counting !== counting || this.openWindowStartMs() !== counting.windowStartMs) {
      if (this.counting === counting) this.counting = undefined;
      return;
    }
    const startMs = this.monotonicMs();
    const step = runStepsFor(counting.steps, SLICE_MS, this.monotonicMs);
    counting.costMs += this.monotonicMs() - startMs;
    if (step.done !== true) {
      this.schedule(() => this.slice(counting));
      return;
    }
    this.counting = undefined;
    this.last = { live: step.value, windowStartMs: counting.windowStartMs, atMs: counting.atMs, costMs: counting.costMs };
  }
}
