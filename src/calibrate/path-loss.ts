/**
 * The log-distance path-loss model behind `footfall calibrate`: RSSI = P(1 m) − 10·n·log10(d),
 * fitted by least squares to the median RSSI of the marked phone at each distance, one fit per
 * radio. From the fit, the RSSI at each zone's radius becomes that zone's threshold. Also the
 * checks that tell the installer when the samples cannot be trusted, and what to do about it.
 */
import type { ZoneRadius } from './zone-radii.js';

/** What the samples at one distance came to; cheap enough to recompute on every new sample. */
export interface DistanceSummary {
  distanceM: number;
  samples: number;
  medianDbm: number;
  /** Interquartile range: how far apart the middle half of the samples lie. */
  iqrDb: number;
  minDbm: number;
  maxDbm: number;
}

export interface PathLossFit {
  /** RSSI at 1 m, in dBm. */
  p1mDbm: number;
  /** The path-loss exponent n: 2 in free space, more where walls, shelves and people absorb. */
  exponent: number;
  /** Root mean square of the medians' distances from the fitted line, in dB. */
  residualDb: number;
  points: DistanceSummary[];
}

export type PathLossFitResult =
  | { ok: true; fit: PathLossFit }
  | { ok: false; reason: 'one-distance' | 'not-falling'; message: string };

export interface ZoneThreshold extends ZoneRadius {
  /** The RSSI at the zone's radius, as `zones.wifi` and `zones.ble` take it. */
  thresholdDbm: number;
}

export type CalibrationWarning =
  | { kind: 'wide-spread'; distanceM: number; iqrDb: number; message: string }
  | { kind: 'rising'; nearerM: number; fartherM: number; riseDb: number; message: string }
  | { kind: 'extrapolated'; zone: string; radiusM: number; farthestM: number; message: string }
  | { kind: 'same-threshold'; zone: string; nearer: string; thresholdDbm: number; message: string };

/** The range of `zones.wifi` and `zones.ble` in src/config/schema.ts. */
const THRESHOLD_MIN_DBM = -120;
const THRESHOLD_MAX_DBM = 0;

/**
 * Fading at a fixed spot (multipath, the hand and body around the phone) spreads a still phone's
 * RSSI with a standard deviation of about 4 to 6 dB, an interquartile range of 5 to 8 dB. Past
 * 12 dB the phone moved or something moved between it and the sensor; and with n near 2.5,
 * 12 dB is what a threefold change of distance costs, so the median no longer pins the distance.
 */
const SPREAD_LIMIT_DB = 12;
/**
 * Medians of repeated samplings at one spot differ by 1 to 2 dB; a farther median more than
 * 3 dB above a nearer one (which the model puts several dB below it) is an obstruction at the
 * nearer spot or a reflection at the farther one, not noise.
 */
const RISE_TOLERANCE_DB = 3;
/**
 * Within the measured distances the medians hold the line; beyond them an error in n grows with
 * every doubling of distance, and walls the walk never crossed start to count. Half as far again
 * as the farthest spot is as far as the fit is trusted unwarned.
 */
const EXTRAPOLATION_FACTOR = 1.5;

/** `p`-quantile of ascending values, interpolated between the two nearest (as R's and NumPy's default). */
function quantile(sorted: readonly number[], p: number): number {
  const at = (sorted.length - 1) * p;
  const below = Math.floor(at);
  const low = sorted[below]!;
  const high = sorted[Math.min(below + 1, sorted.length - 1)]!;
  return low + (high - low) * (at - below);
}

/** Metres as people write them: 4, 2.5, 0.75. */
function inMetres(distanceM: number): string {
  return `${Number(distanceM.toFixed(2))} m`;
}

export function summarizeDistance(distanceM: number, samples: readonly number[]): DistanceSummary {
  if (!(distanceM > 0)) throw new RangeError(`distance must be positive, not ${distanceM}`);
  if (samples.length === 0) throw new RangeError(`no samples at ${inMetres(distanceM)}`);
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    distanceM,
    samples: sorted.length,
    medianDbm: quantile(sorted, 0.5),
    iqrDb: quantile(sorted, 0.75) - quantile(sorted, 0.25),
    minDbm: sorted[0]!,
    maxDbm: sorted.at(-1)!,
  };
}

/**
 * Least squares of the medians against x = −10·log10(d): the slope is n, the intercept P(1 m).
 * Refused below two distinct distances (a line needs two) and when RSSI does not fall with
 * distance (n ≤ 0), which no threshold can be drawn from.
 */
export function fitPathLoss(points: readonly DistanceSummary[]): PathLossFitResult {
  const distances = new Set(points.map((point) => point.distanceM));
  if (distances.size < 2) {
    const measured = distances.size === 0 ? 'no distance is measured' : `only ${inMetres([...distances][0]!)} is measured`;
    return {
      ok: false,
      reason: 'one-distance',
      message: `${measured}: the fit needs two distances or more; measure at 1 m and farther, e.g. 4 m and 8 m`,
    };
  }
  const xs = points.map((point) => -10 * Math.log10(point.distanceM));
  const ys = points.map((point) => point.medianDbm);
  const meanX = xs.reduce((a, b) => a + b, 0) / xs.length;
  const meanY = ys.reduce((a, b) => a + b, 0) / ys.length;
  let sxy = 0;
  let sxx = 0;
  for (const [i, x] of xs.entries()) {
    sxy += (x - meanX) * (ys[i]! - meanY);
    sxx += (x - meanX) ** 2;
  }
  const exponent = sxy / sxx;
  const p1mDbm = meanY - exponent * meanX;
  if (!(exponent > 0)) {
    return {
      ok: false,
      reason: 'not-falling',
      message:
        `RSSI does not fall with distance (n = ${exponent.toFixed(1)} over ${[...distances].sort((a, b) => a - b).map(inMetres).join(', ')}); ` +
        'measure again with a clear line between the phone and the sensor, moving straight away from it',
    };
  }
  const squares = xs.reduce((sum, x, i) => sum + (ys[i]! - (p1mDbm + exponent * x)) ** 2, 0);
  return { ok: true, fit: { p1mDbm, exponent, residualDb: Math.sqrt(squares / xs.length), points: [...points] } };
}

export function rssiAt(fit: PathLossFit, distanceM: number): number {
  return fit.p1mDbm - 10 * fit.exponent * Math.log10(distanceM);
}

/** Each zone's threshold in the given order, whole dBm within the config's range. */
export function zoneThresholds(fit: PathLossFit, zones: readonly ZoneRadius[]): ZoneThreshold[] {
  return zones.map(({ name, radiusM }) => ({
    name,
    radiusM,
    thresholdDbm: Math.min(THRESHOLD_MAX_DBM, Math.max(THRESHOLD_MIN_DBM, Math.round(rssiAt(fit, radiusM)))),
  }));
}

/** The samples at one distance spread too widely for their median to mean that distance. */
export function checkSpread(point: DistanceSummary): CalibrationWarning | undefined {
  if (point.iqrDb <= SPREAD_LIMIT_DB) return undefined;
  const at = inMetres(point.distanceM);
  return {
    kind: 'wide-spread',
    distanceM: point.distanceM,
    iqrDb: point.iqrDb,
    message:
      `at ${at} the middle half of the RSSI spreads over ${point.iqrDb.toFixed(0)} dB (${SPREAD_LIMIT_DB} dB at most is usual): ` +
      `hold the phone still at the mark, nobody between it and the sensor, and sample ${at} again`,
  };
}

/**
 * Medians that rise with distance: for each farther distance, the nearer one it rises most above,
 * when by more than the tolerance. One warning per farther distance, so that a single spot read
 * low (someone stood in the way) shows as the nearer distance of every warning.
 */
export function checkFalling(points: readonly DistanceSummary[]): CalibrationWarning[] {
  const warnings: CalibrationWarning[] = [];
  for (const farther of points) {
    let lowest: DistanceSummary | undefined;
    for (const nearer of points) {
      if (nearer.distanceM < farther.distanceM && (!lowest || nearer.medianDbm < lowest.medianDbm)) lowest = nearer;
    }
    if (!lowest || farther.medianDbm - lowest.medianDbm <= RISE_TOLERANCE_DB) continue;
    const riseDb = farther.medianDbm - lowest.medianDbm;
    warnings.push({
      kind: 'rising',
      nearerM: lowest.distanceM,
      fartherM: farther.distanceM,
      riseDb,
      message:
        `the median at ${inMetres(farther.distanceM)} (${farther.medianDbm.toFixed(0)} dBm) is ${riseDb.toFixed(1)} dB above ` +
        `the one at ${inMetres(lowest.distanceM)} (${lowest.medianDbm.toFixed(0)} dBm): something blocks the nearer spot or ` +
        'reflects at the farther one; sample both again with a clear line to the sensor',
    });
  }
  return warnings;
}

/** Zones reaching beyond the measured distances by more than the fit is trusted for. */
export function checkExtrapolation(points: readonly DistanceSummary[], zones: readonly ZoneRadius[]): CalibrationWarning[] {
  if (points.length === 0) return [];
  const farthestM = Math.max(...points.map((point) => point.distanceM));
  return zones
    .filter((zone) => zone.radiusM > farthestM * EXTRAPOLATION_FACTOR)
    .map((zone) => ({
      kind: 'extrapolated' as const,
      zone: zone.name,
      radiusM: zone.radiusM,
      farthestM,
      message:
        `zone ${zone.name} reaches ${inMetres(zone.radiusM)}, more than ${EXTRAPOLATION_FACTOR} times the farthest distance ` +
        `sampled (${inMetres(farthestM)}), so its threshold is extrapolated; sample at ${inMetres(zone.radiusM)} too`,
    }));
}

/**
 * Zones whose thresholds came out equal once rounded to whole dBm (radii close together, or far
 * out where both clamp): the farther one would count nobody.
 */
export function checkDistinctThresholds(thresholds: readonly ZoneThreshold[]): CalibrationWarning[] {
  return thresholds.slice(1).flatMap((zone, i) => {
    const nearer = thresholds[i]!;
    if (zone.thresholdDbm < nearer.thresholdDbm) return [];
    return [
      {
        kind: 'same-threshold' as const,
        zone: zone.name,
        nearer: nearer.name,
        thresholdDbm: zone.thresholdDbm,
        message:
          `zones ${nearer.name} and ${zone.name} both come out at ${zone.thresholdDbm} dBm, so ${zone.name} would count nobody; ` +
          'give their radii further apart',
      },
    ];
  });
}

/** Every warning for a set of samplings and the zones asked for: spread, order, then reach. */
export function calibrationWarnings(points: readonly DistanceSummary[], zones: readonly ZoneRadius[]): CalibrationWarning[] {
  return [
    ...points.flatMap((point) => checkSpread(point) ?? []),
    ...checkFalling(points),
    ...checkExtrapolation(points, zones),
  ];
}
