import { describe, expect, it } from 'vitest';
import type { LivePayload } from '../payloads/payloads.js';
import { LiveCountsCache } from './live-counts-cache.js';

/** A cache over a counter that takes `costMs` of a fake monotonic clock each time it counts. */
function harness(costMs: number) {
  let nowMs = 0;
  let windowStartMs: number | null = 0;
  let counted = 0;
  const cache = new LiveCountsCache(
    (asOfMs) => {
      counted++;
      nowMs += costMs;
      return { as_of: String(asOfMs) } as LivePayload;
    },
    () => windowStartMs,
    () => nowMs,
  );
  return {
    cache,
    counted: () => counted,
    wait: (ms: number) => (nowMs += ms),
    openWindow: (startMs: number | null) => (windowStartMs = startMs),
  };
}

describe('LiveCountsCache', () => {
  it('counts a window that is cheap to count at every call', () => {
    const h = harness(0.5);
    h.cache.get(1);
    h.wait(2000);
    expect(h.cache.get(2)!.as_of).toBe('2');
    expect(h.counted()).toBe(2);
  });

  it('keeps an expensive window’s counts for a hundred times what counting took, then counts again', () => {
    const h = harness(100);
    h.cache.get(1);
    h.wait(2000);
    expect(h.cache.get(2)!.as_of).toBe('1');
    h.wait(8000);
    expect(h.cache.get(3)!.as_of).toBe('3');
    expect(h.counted()).toBe(2);
  });

  it('counts again at once when the window changed or the counting did', () => {
    const h = harness(100);
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
