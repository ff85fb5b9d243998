/**
 * The path-loss fit as a plain ASCII chart, for the terminal, journald and the README: RSSI
 * against distance on a log scale (where the model is a straight line), the measured medians,
 * the fitted line and each zone's threshold drawn out to the zone's radius.
 */
import { rssiAt, type DistanceSummary, type PathLossFit, type ZoneThreshold } from './path-loss.js';

export interface PathLossChartOptions {
  /** Columns of the whole chart, labels included; 64 by default. */
  width?: number;
  /** Lines of the whole chart, header, axis and caption included; 16 by default. */
  height?: number;
  /** The radio, e.g. "Wi-Fi" or "BLE". */
  label: string;
}

const MIN_WIDTH = 40;
const MIN_HEIGHT = 10;
/** The dBm labels, right-aligned ("-100"), a space and the axis. */
const GUTTER = 6;
/** The header above the plot, the x axis, its tick labels and the caption below it. */
const FRAME_LINES = 4;
/** Finer rows would magnify a few dB of noise more than the trend. */
const MIN_DB_PER_ROW = 1;
/** dBm labels at multiples of the first of these that leaves a row or more between them. */
const LABEL_STEPS_DB = [5, 10, 20, 50, 100];
/** How far past the farthest point or radius the axis runs, so that neither sits on its edge. */
const X_MARGIN = 1.2;
/** However long a zone label, its radius stays within this share of the plot's width. */
const MIN_RADIUS_SHARE = 0.6;

/** The label at the end of a zone's threshold line; the y axis says dBm. */
const zoneLabel = (zone: ZoneThreshold) => `${zone.name} ${zone.thresholdDbm}`;

/**
 * The distance the x axis ends at: past every point and radius, and far enough that each zone's
 * label fits `gap` columns after the column of its radius.
 */
function axisEndM(points: readonly DistanceSummary[], thresholds: readonly ZoneThreshold[], columns: number, gap: number): number {
  const farthest = Math.max(2, ...points.map((p) => p.distanceM), ...thresholds.map((t) => t.radiusM));
  let endM = farthest * X_MARGIN;
  for (const zone of thresholds) {
    const share = Math.max(MIN_RADIUS_SHARE, (columns - 1 - gap - zoneLabel(zone).length) / (columns - 1));
    endM = Math.max(endM, zone.radiusM ** (1 / share));
  }
  return endM;
}

interface Layout {
  endM: number;
  /** dB per row. */
  step: number;
  /** The top row's dBm. */
  top: number;
}

/**
 * The x axis's end and the y scale. The y scale is not rounded to whole steps: the rows are spent
 * on the values, and the dBm labels go on the rows nearest round values, as near as any point is
 * drawn to its own. The room a zone label needs after its radius depends on how many columns the
 * fitted line takes to cross a row, which depends on both scales: a first pass with a guess,
 * then a second with what the first gives.
 */
function layout(
  fit: PathLossFit,
  points: readonly DistanceSummary[],
  thresholds: readonly ZoneThreshold[],
  columns: number,
  rows: number,
): Layout {
  let gap = 2;
  let result: Layout = { endM: 0, step: 0, top: 0 };
  for (let pass = 0; pass < 2; pass++) {
    const endM = axisEndM(points, thresholds, columns, gap);
    const values = [fit.p1mDbm, rssiAt(fit, endM), ...points.map((p) => p.medianDbm), ...thresholds.map((t) => t.thresholdDbm)];
    const top = Math.max(...values);
    result = { endM, top, step: Math.max(MIN_DB_PER_ROW, (top - Math.min(...values)) / (rows - 1)) };
    // Half the line's run along a row lies past the radius; then a space before the label.
    const dbPerColumn = (10 * fit.exponent * Math.log10(endM)) / (columns - 1);
    gap = Math.ceil(result.step / 2 / dbPerColumn) + 2;
  }
  return result;
}

export function renderPathLossChart(
  fit: PathLossFit,
  points: readonly DistanceSummary[],
  thresholds: readonly ZoneThreshold[],
  options: PathLossChartOptions,
): string {
  const width = options.width ?? 64;
  const height = options.height ?? 16;
  if (width < MIN_WIDTH || height < MIN_HEIGHT) {
    throw new RangeError(`a path-loss chart needs ${MIN_WIDTH}x${MIN_HEIGHT} at least, not ${width}x${height}`);
  }
  const columns = width - GUTTER;
  const rows = height - FRAME_LINES;
  const { endM, step, top } = layout(fit, points, thresholds, columns, rows);
  const columnOf = (distanceM: number) => Math.round((Math.log(distanceM) / Math.log(endM)) * (columns - 1));
  const distanceAt = (column: number) => endM ** (column / (columns - 1));
  const rowOf = (dbm: number) => Math.round((top - dbm) / step);

  const grid = Array.from({ length: rows }, () => new Array<string>(columns).fill(' '));
  const put = (row: number, column: number, mark: string) => {
    const line = grid[row];
    if (line && column >= 0 && column < columns) line[column] = mark;
  };
  for (let column = 0; column < columns; column++) put(rowOf(rssiAt(fit, distanceAt(column))), column, '.');
  const zoneLines = thresholds.map((zone) => ({ zone, row: rowOf(zone.thresholdDbm), end: columnOf(zone.radiusM) }));
  for (const { row, end } of zoneLines) {
    for (let column = 0; column <= end; column++) if (grid[row]?.[column] === ' ') put(row, column, '-');
  }
  // Points closer than 1 m lie off the axis, which starts where the model is anchored.
  for (const point of points) if (point.distanceM >= 1) put(rowOf(point.medianDbm), columnOf(point.distanceM), 'o');
  for (const { zone, row, end } of zoneLines) {
    const line = grid[row]!;
    // After the fitted line (and any point on it) where it crosses this row, or against the
    // right edge when there is no room; never over a point.
    let start = end + 1;
    while (line[start] === '.' || line[start] === 'o') start++;
    const label = zoneLabel(zone);
    start = Math.max(0, Math.min(start + 1, columns - label.length));
    [...label].forEach((char, i) => {
      if (line[start + i] !== 'o') put(row, start + i, char);
    });
  }

  const labelStep = LABEL_STEPS_DB.find((candidate) => candidate >= 2 * step) ?? LABEL_STEPS_DB.at(-1)!;
  const dbmLabels = new Map<number, string>();
  for (let dbm = Math.ceil((top - (rows - 1) * step) / labelStep) * labelStep; dbm <= top; dbm += labelStep) {
    dbmLabels.set(rowOf(dbm), String(dbm));
  }
  const plot = grid.map((line, row) => `${(dbmLabels.get(row) ?? '').padStart(GUTTER - 2)} |${line.join('')}`);

  const axis = new Array<string>(columns).fill('-');
  let ticks = '';
  for (let tickM = 1; tickM <= endM; tickM *= 2) {
    const column = columnOf(tickM);
    if (column > 0) axis[column] = '+';
    const at = GUTTER + column;
    const text = String(tickM);
    // A space at least between labels, and none cut at the edge.
    if ((ticks === '' || at > ticks.length) && at + text.length <= width) ticks = ticks.padEnd(at) + text;
  }
  if (ticks.length + 2 <= width) ticks += ' m';

  const caption = `P(1 m) = ${Math.round(fit.p1mDbm)} dBm, n = ${fit.exponent.toFixed(1)}, residual ${fit.residualDb.toFixed(1)} dB`;
  return [
    `${options.label} RSSI (dBm) by distance (m)  o median  . fit  - zone`,
    ...plot,
    `${' '.repeat(GUTTER - 1)}+${axis.join('')}`,
    ticks,
    caption,
  ]
    .map((line) => line.slice(0, width).trimEnd())
    .join('\n');
}
