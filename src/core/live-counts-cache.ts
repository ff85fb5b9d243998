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
 * Counts with none of their window before them (a window's first, the counts after a reload)
 * begin at once and go on in slices if one is not enough; until they are done there are none.
 * A window starts small, but not one restored at start-up, nor one whose first counts come
 * after two seconds of a busy venue's advertisements, cold code counting them: made at once,
 * those held the event loop 30 to 250 ms.
 *
 * The daemon's other sliced work (a checkpoint's slices, a window's finishing) runs inside the
 * capture's reads, and a slice of the counts after one of them in the same turn of the event
 * loop held it for both: a slice waits for a turn without one, a few turns at most.
 */
import { runStepsFor, type Steps } from '../count/estimator.js';
import type { LivePayload } from '../payloads/payloads.js';

const COST_FACTOR = 100;
/** The longest the event loop is held by counting at a time, in ms. */
export const SLICE_MS = 10;
/**
 * Turns of the event loop a slice waits at most for one without other sliced work. Those slices
 * come at least 20 ms apart, so a turn without one comes next unless turns are that long, and
 * then the counts must go on all the same.
 */
export const MAX_TURNS_WAITED = 4;

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
  /** The other sliced work's count when the next slice was scheduled, and the turns it has waited since. */
  otherSlicesSeen: number;
  turnsWaited: number;
}

function startCounting(steps: Steps<LivePayload>, windowStartMs: number | null, atMs: number): Counting {
  return { steps, windowStartMs, atMs, costMs: 0, otherSlicesSeen: 0, turnsWaited: 0 };
}

export interface LiveCountsCacheOptions {
  monotonicMs?: () => number;
  /** Runs the next slice later (default: setImmediate, after the I/O that is waiting). */
  schedule?: (slice: () => void) => void;
  /** How many slices of other sliced work have run so far (default: none ever). */
  otherSlices?: () => number;
}

export class LiveCountsCache {
  private last: Counted | undefined;
  private counting: Counting | undefined;
  private readonly monotonicMs: () => number;
  private readonly schedule: (slice: () => void) => void;
  private readonly otherSlices: () => number;

  constructor(
    /** Counts the open window as of `asOfMs`, a step at a time (undefined when none is open). */
    private readonly count: (asOfMs: number) => Steps<LivePayload> | undefined,
    /** The start of the open window, null when none is open: cheap, asked every time. */
    private readonly openWindowStartMs: () => number | null,
    options: LiveCountsCacheOptions = {},
  ) {
    this.monotonicMs = options.monotonicMs ?? (() => performance.now());
    this.schedule = options.schedule ?? ((slice) => void setImmediate(slice));
    this.otherSlices = options.otherSlices ?? (() => 0);
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
    this.scheduleSlice(counting);
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
    this.scheduleSlice(counting);
  }

  private scheduleSlice(counting: Counting): void {
    counting.otherSlicesSeen = this.otherSlices();
    this.schedule(() => this.slice(counting));
  }

  private slice(counting: Counting): void {
    // Given up, or its window ended: the counts would be no one's.
    if (this.counting !== counting || this.openWindowStartMs() !== counting.windowStartMs) {
      if (this.counting === counting) this.counting = undefined;
      return;
    }
    if (this.otherSlices() !== counting.otherSlicesSeen && counting.turnsWaited < MAX_TURNS_WAITED) {
      counting.turnsWaited++;
      this.scheduleSlice(counting);
      return;
    }
    counting.turnsWaited = 0;
    const startMs = this.monotonicMs();
    const step = runStepsFor(counting.steps, SLICE_MS, this.monotonicMs);
    counting.costMs += this.monotonicMs() - startMs;
    if (step.done !== true) {
      this.scheduleSlice(counting);
      return;
    }
    this.counting = undefined;
    this.last = { live: step.value, windowStartMs: counting.windowStartMs, atMs: counting.atMs, costMs: counting.costMs };
  }
}
