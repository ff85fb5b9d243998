import { describe, expect, it } from 'vitest';
import { Random } from '../sim/random.js';
import {
  calibrationWarnings,
  checkDistinctThresholds,
  checkExtrapolation,
  checkFalling,
  checkSpread,
  fitPathLoss,
  rssiAt,
  summarizeDistance,
  zoneThresholds,
  type DistanceSummary,
  type PathLossFit,
} from './path-loss.js';

/** A summary whose median is `medianDbm`, the other fields a still phone's. */
function point(distanceM: number, medianDbm: number, iqrDb = 4): DistanceSummary {
  return { distanceM, samples: 30, medianDbm, iqrDb, minDbm: medianDbm - 8, maxDbm: medianDbm + 8 };
}

function fitted(points: DistanceSummary[]): PathLossFit {
  const result = fitPathLoss(points);
  if (!result.ok) throw new Error(result.message);
  return result.fit;
}

const model = (p1mDbm: number, exponent: number) => (distanceM: number) => p1mDbm - 10 * exponent * Math.log10(distanceM);

describe('summarizeDistance', () => {
  it('gives the median, interquartile range and extremes of the samples', () => {
    expect(summarizeDistance(4, [-60, -70, -62, -58, -65])).toEqual({
      distanceM: 4,
      samples: 5,
      medianDbm: -62,
      iqrDb: 5, // quartiles -65 and -60
      minDbm: -70,
      maxDbm: -58,
    });
    // Even counts interpolate: the median halfway between -53 and -51, quartiles -53.25 and -50.75.
    expect(summarizeDistance(2, [-50, -51, -53, -54])).toMatchObject({ medianDbm: -52, iqrDb: 2.5 });
    expect(summarizeDistance(1, [-41])).toMatchObject({ samples: 1, medianDbm: -41, iqrDb: 0 });
  });

  it('refuses no samples and a distance that is not positive', () => {
    expect(() => summarizeDistance(4, [])).toThrow(RangeError);
    expect(() => summarizeDistance(0, [-40])).toThrow(RangeError);
  });
});

describe('fitPathLoss', () => {
  it('recovers P(1 m) and n exactly from noiseless medians', () => {
    const truth = model(-45, 2.5);
    const fit = fitted([1, 2, 4, 8].map((d) => point(d, truth(d))));
    expect(fit.p1mDbm).toBeCloseTo(-45, 9);
    expect(fit.exponent).toBeCloseTo(2.5, 9);
    expect(fit.residualDb).toBeCloseTo(0, 9);
    expect(fit.points.map((p) => p.distanceM)).toEqual([1, 2, 4, 8]);
    expect(rssiAt(fit, 10)).toBeCloseTo(-70, 9);
  });

  it('gives the RMS of the medians around the line as its residual', () => {
    // Symmetric offsets of ±1 dB leave the line where it was, 1 dB from every median.
    const truth = model(-50, 2);
    const fit = fitted([1, 2, 4, 8].map((d, i) => point(d, truth(d) + (i === 0 || i === 3 ? 1 : -1))));
    expect(fit.p1mDbm).toBeCloseTo(-50, 9);
    expect(fit.exponent).toBeCloseTo(2, 9);
    expect(fit.residualDb).toBeCloseTo(1, 9);
  });

  it('turns zone radii into thresholds within 1 dB from noisy samples', () => {
    const rng = new Random('calibrate-fit');
    for (const [p1, n] of [[-45, 2.5], [-38, 3.2], [-60, 2], [-70, 1.8]] as const) {
      const truth = model(p1, n);
      // A still phone's RSSI fades by about 4 dB (standard deviation) around the model.
      const points = [1, 2, 4, 8, 16].map((d) => summarizeDistance(d, Array.from({ length: 80 }, () => Math.round(rng.normal(truth(d), 4)))));
      const zones = [{ name: 'inside', radiusM: 5 }, { name: 'nearby', radiusM: 12 }];
      const thresholds = zoneThresholds(fitted(points), zones);
      expect(thresholds.map((t) => t.name)).toEqual(['inside', 'nearby']);
      for (const [i, zone] of zones.entries()) {
        expect(Number.isInteger(thresholds[i]!.thresholdDbm)).toBe(true);
        expect(Math.abs(thresholds[i]!.thresholdDbm - Math.round(truth(zone.radiusM)))).toBeLessThanOrEqual(1);
      }
    }
  });

  it('refuses one distance, however often it was sampled', () => {
    const result = fitPathLoss([point(1, -40), point(1, -42)]);
    expect(result).toEqual({
      ok: false,
      reason: 'one-distance',
      message: 'only 1 m is measured: the fit needs two distances or more; measure at 1 m and farther, e.g. 4 m and 8 m',
    });
    expect(fitPathLoss([])).toMatchObject({ ok: false, reason: 'one-distance' });
  });

  it('refuses RSSI that rises or stays level with distance, saying so', () => {
    const rising = fitPathLoss([point(1, -60), point(2, -58), point(4, -55)]);
    expect(rising).toMatchObject({ ok: false, reason: 'not-falling' });
    expect(!rising.ok && rising.message).toMatch(/^RSSI does not fall with distance \(n = -0\.8 over 1 m, 2 m, 4 m\); measure again/);
    expect(fitPathLoss([point(1, -60), point(8, -60)])).toMatchObject({ ok: false, reason: 'not-falling' });
  });
});

describe('zoneThresholds', () => {
  it('rounds to whole dBm and keeps within the config range, in the order given', () => {
    const fit = fitted([point(1, -45), point(10, -70)]);
    expect(zoneThresholds(fit, [{ name: 'inside', radiusM: 3 }, { name: 'far', radiusM: 1e6 }])).toEqual([
      { name: 'inside', radiusM: 3, thresholdDbm: -57 }, // -56.93
      { name: 'far', radiusM: 1e6, thresholdDbm: -120 },
    ]);
    const strong = fitted([point(1, 10), point(2, 5)]);
    expect(zoneThresholds(strong, [{ name: 'inside', radiusM: 1.5 }])[0]!.thresholdDbm).toBe(0);
  });
});

describe('checks', () => {
  it('warns of a spread over 12 dB at a distance', () => {
    expect(checkSpread(point(4, -60, 12))).toBeUndefined();
    expect(checkSpread(point(4, -60, 15))).toEqual({
      kind: 'wide-spread',
      distanceM: 4,
      iqrDb: 15,
      message:
        'at 4 m the middle half of the RSSI spreads over 15 dB (12 dB at most is usual): hold the phone still at the mark, ' +
        'nobody between it and the sensor, and sample 4 m again',
    });
  });

  it('names the two distances when a farther median is more than 3 dB above a nearer one', () => {
    expect(checkFalling([point(1, -45), point(2, -52), point(4, -50)])).toEqual([]);
    const rise = (points: DistanceSummary[]) => checkFalling(points).map((w) => w.kind === 'rising' && [w.nearerM, w.fartherM, w.riseDb]);
    expect(rise([point(1, -45), point(2, -60), point(4, -55), point(8, -58)])).toEqual([[2, 4, 5]]);
    // One spot read low shows as the nearer distance of every warning.
    expect(rise([point(1, -45), point(2, -62), point(4, -56), point(8, -57)])).toEqual([[2, 4, 6], [2, 8, 5]]);
    const warnings = checkFalling([point(1, -45), point(2, -60), point(4, -55)]);
    expect(warnings[0]!.message).toBe(
      'the median at 4 m (-55 dBm) is 5.0 dB above the one at 2 m (-60 dBm): something blocks the nearer spot or ' +
        'reflects at the farther one; sample both again with a clear line to the sensor',
    );
  });

  it('warns of a zone beyond 1.5 times the farthest distance sampled', () => {
    const points = [point(1, -45), point(8, -70)];
    expect(checkExtrapolation(points, [{ name: 'inside', radiusM: 6 }, { name: 'nearby', radiusM: 12 }])).toEqual([]);
    expect(checkExtrapolation(points, [{ name: 'inside', radiusM: 6 }, { name: 'nearby', radiusM: 15 }])).toEqual([
      {
        kind: 'extrapolated',
        zone: 'nearby',
        radiusM: 15,
        farthestM: 8,
        message:
          'zone nearby reaches 15 m, more than 1.5 times the farthest distance sampled (8 m), so its threshold is extrapolated; sample at 15 m too',
      },
    ]);
  });

  it('gathers every warning of a calibration', () => {
    const points = [point(1, -45, 14), point(2, -55), point(4, -50)];
    expect(calibrationWarnings(points, [{ name: 'inside', radiusM: 3 }, { name: 'nearby', radiusM: 20 }]).map((w) => w.kind)).toEqual([
      'wide-spread',
      'rising',
      'extrapolated',
    ]);
  });
});

describe('checkDistinctThresholds', () => {
  it('warns when a farther zone rounds to the threshold of the nearer one', () => {
    const fit = { p1mDbm: -40, exponent: 2, residualDb: 0, points: [] };
    const close = zoneThresholds(fit, [
      { name: 'inside', radiusM: 5 },
      { name: 'door', radiusM: 5.2 },
      { name: 'street', radiusM: 20 },
    ]);
    expect(close.map((zone) => zone.thresholdDbm)).toEqual([-54, -54, -66]);
    expect(checkDistinctThresholds(close).map((warning) => warning.message)).toEqual([
      'zones inside and door both come out at -54 dBm, so door would count nobody; give their radii further apart',
    ]);
    expect(checkDistinctThresholds([close[0]!, close[2]!])).toEqual([]);
  });
});
