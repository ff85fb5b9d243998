/**
 * The figures the design's accuracy targets name, as pure functions of measured and true
 * values: percentage errors of device counts, Pearson's r, the devices-per-person factor and the
 * people error (WAPE) it leaves.
 */

/** (estimate − truth) / truth: +0.1 is 10% over. */
export function signedError(estimate: number, truth: number): number {
  if (!(truth > 0)) throw new RangeError(`a relative error needs a positive truth, not ${truth}`);
  return (estimate - truth) / truth;
}

/** Mean absolute percentage error, as a fraction (0.1 is 10%); NaN without pairs. */
export function meanAbsolutePercentageError(pairs: readonly { estimate: number; truth: number }[]): number {
  return mean(pairs.map(({ estimate, truth }) => Math.abs(signedError(estimate, truth))));
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? NaN : values.reduce((sum, value) => sum + value, 0) / values.length;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Pearson's correlation coefficient; NaN when either side does not vary (or has fewer than two values). */
export function pearson(xs: readonly number[], ys: readonly number[]): number {
  if (xs.length !== ys.length) throw new RangeError(`pearson needs pairs: ${xs.length} against ${ys.length} values`);
  const meanX = mean(xs);
  const meanY = mean(ys);
  let covariance = 0;
  let varianceX = 0;
  let varianceY = 0;
  for (let i = 0; i < xs.length; i++) {
    const dx = xs[i]! - meanX;
    const dy = ys[i]! - meanY;
    covariance += dx * dy;
    varianceX += dx * dx;
    varianceY += dy * dy;
  }
  return varianceX > 0 && varianceY > 0 ? covariance / Math.sqrt(varianceX * varianceY) : NaN;
}

/** One 5-minute slot: the devices the sensor reported present, and the people in the room. */
export interface OccupancySlot {
  devices: number;
  people: number;
}

/** Devices per person: Σ devices / Σ people over the occupied slots (people > 0); NaN without any. */
export function devicesPerPerson(slots: readonly OccupancySlot[]): number {
  let devices = 0;
  let people = 0;
  for (const slot of slots) {
    if (slot.people <= 0) continue;
    devices += slot.devices;
    people += slot.people;
  }
  return people > 0 ? devices / people : NaN;
}

/**
 * Weighted absolute percentage error of the people the sensor implies (devices / factor) over
 * the occupied slots: Σ|devices/factor − people| / Σ people, as a fraction; NaN without any.
 */
export function peopleError(slots: readonly OccupancySlot[], factor: number): number {
  let error = 0;
  let people = 0;
  for (const slot of slots) {
    if (slot.people <= 0) continue;
    error += Math.abs(slot.devices / factor - slot.people);
    people += slot.people;
  }
  return people > 0 ? error / people : NaN;
}

/** For each day, the devices-per-person factor fitted on all the other days (leave one day out). */
export function leaveOneOutFactors(days: readonly (readonly OccupancySlot[])[]): number[] {
  return days.map((_, held) => devicesPerPerson(days.filter((__, i) => i !== held).flat()));
}
