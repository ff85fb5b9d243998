/**
 * A small seeded pseudo-random generator for the simulation: sfc32 (Chris Doty-Humphrey's
 * "small fast counting" generator, 128-bit state, passes PractRand) seeded through splitmix32.
 *
 * Every stream is derived from a seed plus a path of integers (`new Random(seed, DEVICE, id)`),
 * so each part of the simulation draws from its own stream and adding a device does not shift
 * the numbers of every other one. Same seed and path, same numbers, on every platform: only
 * 32-bit integer arithmetic and IEEE doubles are used.
 */

/** One splitmix32 step: returns the next state and a well-mixed 32-bit output. */
function splitmix32(state: number): [next: number, output: number] {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return [next, (z ^ (z >>> 16)) >>> 0];
}

/** FNV-1a over UTF-16 code units: lets a seed be a readable string. */
function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export type Seed = number | string;

const LOG_FACTORIAL = [0, 0, 0.6931471805599453, 1.791759469228055, 3.1780538303479458,
  4.787491742782046, 6.579251212010101, 8.525161361065415, 10.60460290274525, 12.801827480081469];

/** ln(k!) exactly from the table below 10, else by Stirling's series (error < 1e-10). */
function logFactorial(k: number): number {
  if (k < LOG_FACTORIAL.length) return LOG_FACTORIAL[k]!;
  const n = k + 1;
  return (n - 0.5) * Math.log(n) - n + 0.9189385332046728 + 1 / (12 * n) - 1 / (360 * n ** 3);
}

/** Minimum, 10th to 90th percentiles and maximum of a measured quantity, in ascending order. */
export type Deciles = readonly [number, number, number, number, number, number, number, number, number, number, number];

export class Random {
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 0;

  constructor(seed: Seed, ...path: number[]) {
    let state = typeof seed === 'string' ? hashString(seed) : (seed >>> 0) ^ (Math.floor(seed / 2 ** 32) >>> 0);
    for (const step of path) [state] = splitmix32((state ^ Math.imul(step | 0, 0x27d4eb2f)) | 0);
    let out: number;
    [state, out] = splitmix32(state);
    this.a = out;
    [state, out] = splitmix32(state);
    this.b = out;
    [state, out] = splitmix32(state);
    this.c = out;
    this.d = 1;
    // The first outputs of a fresh sfc32 state are still correlated with the seed.
    for (let i = 0; i < 12; i++) this.next();
  }

  /** The next 32-bit unsigned integer. */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.next() / 4294967296;
  }

  /** Uniform in [min, max). */
  uniform(min: number, max: number): number {
    return min + (max - min) * this.float();
  }

  /** Uniform integer in [min, max], both inclusive; the range may span at most 2^32 values. */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** Gaussian by the Marsaglia polar method (the spare value is dropped to keep state simple). */
  normal(mean = 0, sd = 1): number {
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.float() - 1;
      v = 2 * this.float() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    return mean + sd * u * Math.sqrt((-2 * Math.log(s)) / s);
  }

  /** Exponential with the given mean (not rate). */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.float());
  }

  /** Log-normal given its median and the standard deviation of its logarithm. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /**
   * Poisson with the given mean: Knuth's product method for small means, Hörmann's transformed
   * rejection with squeeze (PTRS, 1993) from 10 up, which costs O(1) whatever the mean.
   */
  poisson(mean: number): number {
    if (mean <= 0) return 0;
    if (mean < 10) {
      const limit = Math.exp(-mean);
      let k = 0;
      let p = this.float();
      while (p > limit) {
        k++;
        p *= this.float();
      }
      return k;
    }
    const logMean = Math.log(mean);
    const b = 0.931 + 2.53 * Math.sqrt(mean);
    const a = -0.059 + 0.02483 * b;
    const invAlpha = 1.1239 + 1.1328 / (b - 3.4);
    const vr = 0.9277 - 3.6224 / (b - 2);
    for (;;) {
      const u = this.float() - 0.5;
      const v = this.float();
      const us = 0.5 - Math.abs(u);
      const k = Math.floor(((2 * a) / us + b) * u + mean + 0.43);
      if (us >= 0.07 && v <= vr) return k;
      if (k < 0 || (us < 0.013 && v > us)) continue;
      const lhs = Math.log(v) + Math.log(invAlpha) - Math.log(a / (us * us) + b);
      if (lhs <= -mean + k * logMean - logFactorial(k)) return k;
    }
  }

  /**
   * A draw from a measured distribution given by its deciles (eleven values: the minimum, the
   * 10th to 90th percentiles, the maximum): uniform between the two deciles either side.
   */
  fromDeciles(deciles: Deciles): number {
    const at = this.float() * (deciles.length - 1);
    const below = Math.floor(at);
    return deciles[below]! + (deciles[below + 1]! - deciles[below]!) * (at - below);
  }

  /** One element, uniformly. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[Math.floor(this.float() * items.length)]!;
  }

  /** One element with probability proportional to its weight. */
  weighted<T extends { readonly weight: number }>(items: readonly T[]): T {
    let total = 0;
    for (const item of items) total += item.weight;
    let r = this.float() * total;
    for (const item of items) {
      r -= item.weight;
      if (r < 0) return item;
    }
    const last = items[items.length - 1];
    if (last === undefined) throw new RangeError('pick from an empty list');
    return last;
  }
}
