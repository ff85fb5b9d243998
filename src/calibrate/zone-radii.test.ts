import { describe, expect, it } from 'vitest';
import { OperatorError } from '../cli/errors.js';
import { parseDistance, parseZoneRadii } from './zone-radii.js';

/** The message of the usage error `run` throws; fails the test if it throws anything else. */
function usageError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(OperatorError);
    expect((error as OperatorError).exitCode).toBe(64);
    expect((error as OperatorError).message).not.toContain('\n');
    return (error as OperatorError).message;
  }
  throw new Error('expected a usage error');
}

describe('parseZoneRadii', () => {
  it('reads zones in the order given, decimals and spaces allowed', () => {
    expect(parseZoneRadii('inside=6,nearby=15')).toEqual([
      { name: 'inside', radiusM: 6 },
      { name: 'nearby', radiusM: 15 },
    ]);
    expect(parseZoneRadii(' shop_floor = 4.5 , street-side=12.25 ')).toEqual([
      { name: 'shop_floor', radiusM: 4.5 },
      { name: 'street-side', radiusM: 12.25 },
    ]);
    expect(parseZoneRadii('inside=1.5')).toEqual([{ name: 'inside', radiusM: 1.5 }]);
  });

  it('refuses a radius inside 1 m, where the fit is anchored, and 1 m itself', () => {
    expect(usageError(() => parseZoneRadii('inside=0.5'))).toBe(
      '--zones: inside=0.5 is a zone radius inside 1 m, where the fit is anchored; give more than 1 m, e.g. inside=3',
    );
    expect(usageError(() => parseZoneRadii('inside=1'))).toContain('inside=1 is a zone radius inside 1 m');
  });

  it('refuses radii that are not positive numbers of metres', () => {
    expect(usageError(() => parseZoneRadii('inside=x'))).toBe(
      '--zones: inside=x: give the radius in metres, a positive number, e.g. inside=6',
    );
    for (const radius of ['', '0', '-3', 'Infinity', '6m']) {
      expect(usageError(() => parseZoneRadii(`inside=${radius}`))).toContain('give the radius in metres, a positive number');
    }
  });

  it('refuses pairs that are not name=metres, and an empty list', () => {
    expect(usageError(() => parseZoneRadii('inside'))).toBe('--zones: "inside" is not name=metres; e.g. --zones inside=6,nearby=15');
    expect(usageError(() => parseZoneRadii('inside=6,'))).toBe('--zones: "" is not name=metres; e.g. --zones inside=6,nearby=15');
    expect(usageError(() => parseZoneRadii('inside=6=7'))).toContain('"inside=6=7" is not name=metres');
    expect(usageError(() => parseZoneRadii(' '))).toBe(
      "--zones is empty: give each zone's radius in metres, nearest first, e.g. --zones inside=6,nearby=15",
    );
  });

  it('refuses names the config would refuse', () => {
    expect(usageError(() => parseZoneRadii('1st=6'))).toBe(
      '--zones: zone name "1st" must be a letter, then up to 31 letters, digits, _ or -; e.g. --zones inside=6,nearby=15',
    );
    for (const name of ['', 'in side', 'café', 'x'.repeat(33)]) {
      expect(usageError(() => parseZoneRadii(`${name}=6`))).toContain('must be a letter');
    }
  });

  it('refuses a zone named twice', () => {
    expect(usageError(() => parseZoneRadii('inside=6,inside=15'))).toBe(
      '--zones: inside is given twice; name each zone once, e.g. --zones inside=6,nearby=15',
    );
  });

  it('refuses radii that do not grow in the order given', () => {
    expect(usageError(() => parseZoneRadii('nearby=15,inside=6'))).toBe(
      '--zones: inside=6 is not farther than nearby=15; list the zones nearest first, each radius larger, e.g. --zones inside=6,nearby=15',
    );
    expect(usageError(() => parseZoneRadii('inside=6,nearby=6'))).toContain('nearby=6 is not farther than inside=6');
  });
});

describe('parseDistance', () => {
  it('reads a positive number of metres', () => {
    expect(parseDistance('4')).toBe(4);
    expect(parseDistance(' 2.5 ')).toBe(2.5);
    expect(parseDistance('0.5')).toBe(0.5);
  });

  it('refuses anything else, saying what to give', () => {
    expect(usageError(() => parseDistance('four'))).toBe('distance "four": give the distance in metres, a positive number, e.g. 4');
    for (const text of ['', ' ', '0', '-4', 'Infinity', 'NaN', '4 m']) {
      expect(usageError(() => parseDistance(text))).toContain('give the distance in metres, a positive number, e.g. 4');
    }
  });
});
