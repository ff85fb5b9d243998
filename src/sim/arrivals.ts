/**
 * What the simulated venues share: arrivals of people over the day, and the queue that orders
 * the devices present by their next event.
 */

import { curveAt, curveMax, type DailyCurve } from './daily-curve.js';
import type { Random } from './random.js';

const HOUR_US = 3_600_000_000;

/** Arrival times of a non-homogeneous Poisson process, by thinning a homogeneous one. */
export class ArrivalStream {
  nextUs: number;
  private readonly peak: number;
  private readonly meanGapUs: number;

  constructor(
    private readonly rng: Random,
    perHour: number,
    private readonly curve: DailyCurve,
    private readonly utcOffsetMinutes: number,
    fromUs: number,
    private readonly untilUs: number,
  ) {
    this.peak = curveMax(curve);
    this.meanGapUs = perHour * this.peak > 0 ? HOUR_US / (perHour * this.peak) : Infinity;
    this.nextUs = this.after(fromUs);
  }

  /** The next arrival time, advancing the stream. */
  take(): number {
    const at = this.nextUs;
    this.nextUs = this.after(at);
    return at;
  }

  private after(fromUs: number): number {
    if (this.meanGapUs === Infinity) return Infinity;
    let t = fromUs;
    for (;;) {
      t += this.rng.exponential(this.meanGapUs);
      if (t >= this.untilUs) return Infinity;
      if (this.rng.float() * this.peak < curveAt(this.curve, t / 1000, this.utcOffsetMinutes)) return Math.ceil(t);
    }
  }
}

/** A binary min-heap of devices by (next event time, id): the id makes ties deterministic. */
export class EventQueue<T extends { readonly eventUs: number; readonly id: number }> {
  readonly items: T[] = [];

  peek(): T | undefined {
    return this.items[0];
  }

  push(device: T): void {
    this.items.push(device);
    this.up(this.items.length - 1);
  }

  pop(): void {
    const last = this.items.pop()!;
    if (this.items.length > 0) {
      this.items[0] = last;
      this.down(0);
    }
  }

  /** Call after the top device's event time changed. */
  updateTop(): void {
    this.down(0);
  }

  private before(a: T, b: T): boolean {
    const ta = a.eventUs;
    const tb = b.eventUs;
    return ta < tb || (ta === tb && a.id < b.id);
  }

  private up(i: number): void {
    const items = this.items;
    const item = items[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(item, items[parent]!)) break;
      items[i] = items[parent]!;
      i = parent;
    }
    items[i] = item;
  }

  private down(i: number): void {
    const items = this.items;
    const n = items.length;
    const item = items[i]!;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && this.before(items[child + 1]!, items[child]!)) child++;
      if (!this.before(items[child]!, item)) break;
      items[i] = items[child]!;
      i = child;
    }
    items[i] = item;
  }
}
