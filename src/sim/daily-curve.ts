/**
 * How busy a place is over the local day: 24 relative weights, the value at each full hour,
 * interpolated linearly in between. A rate "per hour" in the options is the rate at weight 1.
 */
export type DailyCurve = readonly number[];

/**
 * A store open 08:00–21:00 with a lunchtime peak and a second, broader one after work, the shape
 * retail footfall counters publish for high-street shops.
 */
export const STORE_CURVE: DailyCurve = [
  0, 0, 0, 0, 0, 0, 0, 0, 0.2, 0.3, 0.45, 0.7, 1, 0.95, 0.6, 0.5, 0.6, 0.85, 0.95, 0.75, 0.4, 0, 0, 0,
];

/** Pedestrians on the street outside: never quite zero, busy from the morning commute on. */
export const STREET_CURVE: DailyCurve = [
  0.03, 0.03, 0.03, 0.03, 0.03, 0.05, 0.1, 0.35, 0.6, 0.55, 0.55, 0.7, 1, 0.95, 0.7, 0.65, 0.75, 0.95,
  0.9, 0.7, 0.45, 0.3, 0.15, 0.07,
];

/** The same rate all day: for benchmarks that want a stationary crowd. */
export const FLAT_CURVE: DailyCurve = Array.from({ length: 24 }, () => 1);

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** The curve's weight at an instant, with local time = UTC + utcOffsetMinutes. */
export function curveAt(curve: DailyCurve, timeMs: number, utcOffsetMinutes = 0): number {
  if (curve.length !== 24) throw new RangeError(`a daily curve has 24 hourly values, not ${curve.length}`);
  const local = (((timeMs + utcOffsetMinutes * 60_000) % DAY_MS) + DAY_MS) % DAY_MS;
  const hour = Math.floor(local / HOUR_MS);
  const fraction = (local - hour * HOUR_MS) / HOUR_MS;
  const from = curve[hour]!;
  const to = curve[(hour + 1) % 24]!;
  return from + (to - from) * fraction;
}

export function curveMax(curve: DailyCurve): number {
  return Math.max(0, ...curve);
}

/** ∫ curve dt over [fromMs, toMs), in weight-hours (so rate × result = expected count). */
export function curveIntegral(curve: DailyCurve, fromMs: number, toMs: number, utcOffsetMinutes = 0): number {
  const stepMs = 60_000;
  let sum = 0;
  for (let t = fromMs; t < toMs; t += stepMs) {
    const width = Math.min(stepMs, toMs - t);
    sum += curveAt(curve, t + width / 2, utcOffsetMinutes) * width;
  }
  return sum / HOUR_MS;
}
