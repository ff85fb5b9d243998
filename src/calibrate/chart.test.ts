import { describe, expect, it } from 'vitest';
import { renderPathLossChart } from './chart.js';
import { fitPathLoss, rssiAt, zoneThresholds, type DistanceSummary, type PathLossFit } from './path-loss.js';

const GUTTER = 6;

function point(distanceM: number, medianDbm: number): DistanceSummary {
  return { distanceM, samples: 30, medianDbm, iqrDb: 4, minDbm: medianDbm - 8, maxDbm: medianDbm + 8 };
}

/** Medians exactly on P(1 m) = -41 dBm, n = 2.3 at 1, 2, 4 and 8 m, and zones at 6 and 15 m. */
function example(): { fit: PathLossFit; points: DistanceSummary[]; chart: string[] } {
  const line = { p1mDbm: -41, exponent: 2.3, residualDb: 0, points: [] };
  const points = [1, 2, 4, 8].map((d) => point(d, rssiAt(line, d)));
  const result = fitPathLoss(points);
  if (!result.ok) throw new Error(result.message);
  const thresholds = zoneThresholds(result.fit, [{ name: 'inside', radiusM: 6 }, { name: 'nearby', radiusM: 15 }]);
  const chart = renderPathLossChart(result.fit, points, thresholds, { label: 'Wi-Fi' }).split('\n');
  return { fit: result.fit, points, chart };
}

/** Columns of every `char` in a line. */
function columnsOf(line: string, char: string): number[] {
  return [...line].flatMap((c, i) => (c === char ? [i] : []));
}

describe('renderPathLossChart', () => {
  it('fills 64 columns by 16 lines in printable ASCII, by default and at other sizes', () => {
    const { fit, points, chart } = example();
    expect(chart).toHaveLength(16);
    for (const line of chart) expect(line.length).toBeLessThanOrEqual(64);
    expect(chart[13]).toHaveLength(64); // the x axis spans the width
    expect(chart.join('\n')).toMatch(/^[\x20-\x7e\n]*$/);
    for (const [width, height] of [[40, 10], [100, 24]] as const) {
      const lines = renderPathLossChart(fit, points, [], { label: 'BLE', width, height }).split('\n');
      expect(lines).toHaveLength(height);
      expect(Math.max(...lines.map((line) => line.length))).toBe(width);
    }
  });

  it('marks each median at its distance on the log axis, under the tick of that distance', () => {
    const { chart } = example();
    const axis = chart[13]!;
    const ticks = chart[14]!;
    expect(ticks.trim()).toBe('1          2          4         8          16         32 m');
    const tickColumns = columnsOf(axis, '+').slice(1); // the first is the corner
    const marks = chart.slice(1, 13).flatMap((line, row) => columnsOf(line, 'o').map((column) => ({ row, column })));
    expect(marks.map((m) => m.column)).toEqual([GUTTER, ...tickColumns.slice(0, 3)]);
    expect(ticks[GUTTER]).toBe('1');
    for (const [i, label] of ['2', '4', '8'].entries()) expect(ticks.slice(tickColumns[i]).startsWith(label)).toBe(true);
    // Farther, weaker: each mark on a lower line than the one before.
    for (let i = 1; i < marks.length; i++) expect(marks[i]!.row).toBeGreaterThan(marks[i - 1]!.row);
  });

  it('labels the dBm axis, with each median between the labels around it', () => {
    const { chart } = example();
    const labels = chart.slice(1, 13).flatMap((line, row) => {
      const match = /^ *(-?\d+) \|/.exec(line);
      return match ? [{ row, dbm: Number(match[1]) }] : [];
    });
    expect(labels.map((l) => l.dbm)).toEqual([-50, -60, -70]);
    const rowOfMark = (column: number) => chart.slice(1, 13).findIndex((line) => line[column] === 'o');
    const fourMetres = rowOfMark(columnsOf(chart[13]!, '+')[2]!); // -54.8 dBm
    expect(fourMetres).toBeGreaterThan(labels[0]!.row);
    expect(fourMetres).toBeLessThan(labels[1]!.row);
  });

  it('draws each zone threshold out to its radius, labelled with its name and dBm', () => {
    const { chart } = example();
    // The axis's corner, then the ticks of 2, 4, 8, 16 and 32 m.
    const [, , four, eight, sixteen] = columnsOf(chart[13]!, '+') as [number, number, number, number, number];
    for (const [name, dbm, from, to] of [['inside', -59, four, eight], ['nearby', -68, eight, sixteen]] as const) {
      const line = chart.find((l) => l.includes(`${name} ${dbm}`));
      expect(line, name).toBeDefined();
      const dashes = /^ *-?\d* \|(-+)/.exec(line!)![1]!;
      const end = GUTTER + dashes.length - 1;
      expect(end).toBeGreaterThan(from);
      expect(end).toBeLessThan(to);
      expect(line!.indexOf(`${name} ${dbm}`)).toBeGreaterThan(end);
    }
  });

  it('ends with the fit in one line', () => {
    expect(example().chart.at(-1)).toBe('P(1 m) = -41 dBm, n = 2.3, residual 0.0 dB');
  });

  it('leaves points closer than 1 m off the axis, and refuses sizes too small to read', () => {
    const { fit, points } = example();
    const plot = renderPathLossChart(fit, [point(0.5, -35), ...points], [], { label: 'Wi-Fi' }).split('\n').slice(1, 13);
    expect(plot.flatMap((line) => columnsOf(line, 'o'))).toHaveLength(points.length);
    expect(() => renderPathLossChart(fit, points, [], { label: 'Wi-Fi', width: 30, height: 8 })).toThrow(RangeError);
  });
});
