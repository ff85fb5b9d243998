import { describe, expect, it } from 'vitest';
import type { Steps } from '../count/estimator.js';
import type { LivePayload } from '../payloads/payloads.js';
import { LiveCountsCache, SLICE_MS } from './live-counts-cache.js';

/**
 * A cache over a counter that takes `steps` steps of `stepMs` each on a fake monotonic clock,
 * with the slices it schedules run only when the test says.
 */
function harness(steps: number, stepMs: number) {
  let nowMs = 0;
  let windowStartMs: number | null = 0;
  let counted = 0;
  const scheduled: (() => void)[] = [];
  const cache = new LiveCountsCache(
    function* (asOfMs): Steps<LivePayload> {
      counted++;
      for (let i = 0; i < steps; i++) {
        nowMs += stepMs;
        if (i < steps - 1) yield;
      }
      return { as_of: String(asOfMs) } as LivePayload;
    },
    () => windowStartMs,
    { monotonicMs: () => nowMs, schedule: (slice) => scheduled.push(slice) },
  );
  return {
    cache,
    counted: () => counted,
    wait: (ms: number) => (nowMs += ms),
    openWindow: (startMs: number | null) => (windowStartMs = startMs),
    /** Runs the scheduled slices, and those they schedule; says how long each held the loop. */
    runSlices: () => {
      const slices: number[] = [];
      while (scheduled.length > 0) {
        const startMs = nowMs;
        scheduled.shift()!();
        slices.push(nowMs - startMs);
      }
      return slices;
    },
  };
}

describe('LiveCountsCache', () => {
  it('counts a window that is cheap to count at every call', () => {
    const h = harness(1, 0.5);
    h.cache.get(1);
    h.wait(2000);
    expect(h.cache.get(2)!.as_of).toBe('2');
    expect(h.counted()).toBe(2);
    expect(h.runSlices()).toEqual([]);
  });

  it('makes a window’s first counts in slices when one is not enough, and gives none until they are done', () => {
    const h = harness(50, 2);
    expect(h.cache.get(1)).toBeUndefined();
    // Asked again meanwhile: the counting in progress goes on, none other starts.
    expect(h.cache.get(2)).toBeUndefined();
    const slices = h.runSlices();
    expect(slices.length).toBeGreaterThan(5);
    expect(Math.max(...slices)).toBeLessThanOrEqual(SLICE_MS + 2);
    expect(h.cache.get(3)!.as_of).toBe('1');
    expect(h.counted()).toBe(1);
  });

  it('keeps an expensive window’s counts for a hundred times what counting took, then counts it in slices, giving the last counts meanwhile', () => {
    const h = harness(50, 2);
    h.cache.get(1);
    h.runSlices();
    h.wait(2000);
    expect(h.cache.get(2)!.as_of).toBe('1');
    expect(h.runSlices()).toEqual([]);
    h.wait(8000);
    expect(h.cache.get(3)!.as_of).toBe('1');
    expect(h.cache.get(4)!.as_of).toBe('1');
    const slices = h.runSlices();
    expect(slices.length).toBeGreaterThan(5);
    expect(Math.max(...slices)).toBeLessThanOrEqual(SLICE_MS + 2);
    expect(h.cache.get(5)!.as_of).toBe('3');
    expect(h.counted()).toBe(2);
  });

  it('gives up counting in slices when the window ends, and begins the new window’s counts at once', () => {
    const h = harness(50, 2);
    h.cache.get(1);
    h.runSlices();
    h.wait(20_000);
    h.cache.get(2);
    h.openWindow(3_600_000);
    expect(h.runSlices()).toEqual([0]);
    expect(h.cache.get(3)).toBeUndefined();
    h.runSlices();
    expect(h.cache.get(4)!.as_of).toBe('3');
    // The old window's counting never took a step: the counter ran for the first and the new window only.
    expect(h.counted()).toBe(2);
  });

  it('counts again at once when the window changed or the counting did', () => {
    const h = harness(1, 100);
    h.cache.get(1);
    h.openWindow(3_600_000);
    expect(h.cache.get(2)!.as_of).toBe('2');
    h.cache.invalidate();
    expect(h.cache.get(3)!.as_of).toBe('3');
    h.openWindow(null);
    h.cache.get(4);
    expect(h.counted()).toBe(4);
  });
});
