/** Counting windows: aligned to UTC midnight, a whole number of minutes that divides a day. */

export const SLOT_MS = 5 * 60_000;

export interface WindowSpan {
  startMs: number;
  endMs: number;
}

export function windowOf(timeMs: number, windowMinutes: number): WindowSpan {
  const length = windowMinutes * 60_000;
  const startMs = Math.floor(timeMs / length) * length;
  return { startMs, endMs: startMs + length };
}

/** Occupancy slots in a window: 5 minutes each (the last one shorter when 5 does not divide it). */
export function slotCount(span: WindowSpan): number {
  return Math.ceil((span.endMs - span.startMs) / SLOT_MS);
}

export function slotIndex(span: WindowSpan, timeMs: number): number {
  return Math.floor((timeMs - span.startMs) / SLOT_MS);
}

/** `2026-11-22T10:00:00Z`: ISO-8601 UTC to the second, as reports write times. */
export function isoSeconds(timeMs: number): string {
  return new Date(Math.floor(timeMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
