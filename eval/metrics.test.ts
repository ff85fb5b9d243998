import { describe, expect, it } from 'vitest';
import { devicesPerPerson, leaveOneOutFactors, meanAbsolutePercentageError, median, pearson, peopleError, signedError } from './metrics.js';

describe('percentage errors', () => {
  it('are signed per crowd and absolute on average', () => {
    expect(signedError(8, 10)).toBeCloseTo(-0.2, 12);
    expect(signedError(12, 10)).toBeCloseTo(0.2, 12);
    // |11-10|/10 = 0.1, |8-10|/10 = 0.2, |20-20|/20 = 0: mean 0.1
    expect(meanAbsolutePercentageError([{ estimate: 11, truth: 10 }, { estimate: 8, truth: 10 }, { estimate: 20, truth: 20 }])).toBeCloseTo(0.1, 12);
  });

  it('refuse a truth of zero', () => {
    expect(() => signedError(1, 0)).toThrow(RangeError);
  });
});

describe('median', () => {
  it('is the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});

describe('pearson', () => {
  it('equals the hand-worked coefficient', () => {
    // dx = -1.5 -0.5 0.5 1.5, dy = -3 -1 0 4: cov 11, Σdx² 5, Σdy² 26, r = 11 / √130
    expect(pearson([1, 2, 3, 4], [2, 4, 5, 9])).toBeCloseTo(11 / Math.sqrt(130), 12);
    expect(pearson([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
  });

  it('is NaN when one side does not vary', () => {
    expect(pearson([1, 2, 3], [5, 5, 5])).toBeNaN();
  });
});

describe('devices per person and the people error', () => {
  const slots = [
    { devices: 10, people: 5 },
    { devices: 3, people: 0 },
    { devices: 6, people: 2 },
  ];

  it('fits the factor over the occupied slots only', () => {
    // (10 + 6) / (5 + 2): the empty-room slot's 3 devices do not count
    expect(devicesPerPerson(slots)).toBeCloseTo(16 / 7, 12);
  });

  it('weighs the people error by the people in the room', () => {
    // factor 2: |10/2 - 5| + |6/2 - 2| = 1 over 7 people
    expect(peopleError(slots, 2)).toBeCloseTo(1 / 7, 12);
    expect(peopleError([{ devices: 4, people: 0 }], 2)).toBeNaN();
  });

  it('fits each day its factor on the other days', () => {
    const days = [[{ devices: 10, people: 5 }], [{ devices: 6, people: 2 }], [{ devices: 9, people: 3 }, { devices: 4, people: 0 }]];
    const factors = leaveOneOutFactors(days);
    expect(factors[0]).toBeCloseTo((6 + 9) / (2 + 3), 12);
    expect(factors[1]).toBeCloseTo((10 + 9) / (5 + 3), 12);
    expect(factors[2]).toBeCloseTo((10 + 6) / (5 + 2), 12);
  });
});
