/**
 * From the marked phone's samples to what `footfall calibrate` shows and writes, the same for a
 * guided walk and for recordings: per radio, the summaries at each distance, the path-loss fit
 * (or why there is none), the zone thresholds, the warnings; as text with the chart, as JSON,
 * and as the config edits of `zones.wifi` and `zones.ble`.
 */
import type { SourceKind } from '../capture/source.js';
import type { ConfigEdit } from '../config/edit.js';
import { renderPathLossChart } from './chart.js';
import {
  calibrationWarnings,
  checkDistinctThresholds,
  fitPathLoss,
  summarizeDistance,
  zoneThresholds,
  type CalibrationWarning,
  type DistanceSummary,
  type PathLossFit,
  type ZoneThreshold,
} from './path-loss.js';
import type { ZoneRadius } from './zone-radii.js';

/** RSSI samples of the marked phone by distance (metres), for one radio. */
export type SamplesByDistance = Map<number, number[]>;

export interface SourceCalibration {
  source: SourceKind;
  /** One summary per distance where the phone was heard, nearest first. */
  points: DistanceSummary[];
  /** The fit, or why there is none. */
  fit: PathLossFit | null;
  failure: string | null;
  /** The zones' thresholds; empty without a fit or without zones. */
  thresholds: ZoneThreshold[];
  warnings: CalibrationWarning[];
}

export const SOURCE_LABELS: Record<SourceKind, string> = { wifi: 'Wi-Fi', ble: 'BLE' };

/** Summarizes and fits one radio's samples; distances without a sample are left out. */
export function calibrateSource(source: SourceKind, samples: SamplesByDistance, zones: readonly ZoneRadius[]): SourceCalibration {
  const points = [...samples]
    .filter(([, values]) => values.length > 0)
    .sort(([a], [b]) => a - b)
    .map(([distanceM, values]) => summarizeDistance(distanceM, values));
  const result = fitPathLoss(points);
  const fit = result.ok ? result.fit : null;
  const thresholds = fit === null ? [] : zoneThresholds(fit, zones);
  return {
    source,
    points,
    fit,
    failure: result.ok ? null : result.message,
    thresholds,
    warnings: [...calibrationWarnings(points, zones), ...checkDistinctThresholds(thresholds)],
  };
}

const dbm = (value: number) => `${Math.round(value)} dBm`;
const metres = (value: number) => `${Number(value.toFixed(2))} m`;

/** What the installer reads: per radio the points, the chart, the thresholds and the warnings. */
export function describeCalibration(results: readonly SourceCalibration[]): string {
  const blocks = results.map((result) => {
    const label = SOURCE_LABELS[result.source];
    const lines = [`${label}:`];
    for (const point of result.points) {
      lines.push(
        `  ${metres(point.distanceM).padStart(7)}  median ${dbm(point.medianDbm).padStart(8)}  spread ${Number(point.iqrDb.toFixed(1))} dB  (${point.samples} samples, ${point.minDbm} to ${point.maxDbm} dBm)`,
      );
    }
    if (result.fit === null) {
      lines.push(`  no fit: ${result.failure}`);
    } else {
      lines.push('', renderPathLossChart(result.fit, result.points, result.thresholds, { label }).replace(/^/gm, '  '), '');
      for (const zone of result.thresholds) lines.push(`  zone ${zone.name}: within ${metres(zone.radiusM)} = RSSI ${dbm(zone.thresholdDbm)} or stronger`);
    }
    for (const warning of result.warnings) lines.push(`  warning: ${warning.message}`);
    return lines.join('\n');
  });
  return `${blocks.join('\n\n')}\n`;
}

/** The result for `--json`: the fit per radio, its points and thresholds, in the units of its names. */
export function calibrationJson(results: readonly SourceCalibration[]): object {
  return Object.fromEntries(
    results.map((result) => [
      result.source,
      {
        p1m_dbm: result.fit === null ? null : round(result.fit.p1mDbm, 1),
        exponent: result.fit === null ? null : round(result.fit.exponent, 2),
        residual_db: result.fit === null ? null : round(result.fit.residualDb, 2),
        error: result.failure,
        points: result.points.map((point) => ({
          distance_m: point.distanceM,
          samples: point.samples,
          median_dbm: point.medianDbm,
          iqr_db: round(point.iqrDb, 1),
        })),
        thresholds: Object.fromEntries(result.thresholds.map((zone) => [zone.name, { radius_m: zone.radiusM, threshold_dbm: zone.thresholdDbm }])),
        warnings: result.warnings.map((warning) => warning.message),
      },
    ]),
  );
}

function round(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}

/** `zones.wifi` / `zones.ble` for each radio with thresholds, in the zones' order (the first is the premises). */
export function zoneEdits(results: readonly SourceCalibration[]): ConfigEdit[] {
  return results
    .filter((result) => result.thresholds.length > 0)
    .map((result) => ({ key: ['zones', result.source], value: Object.fromEntries(result.thresholds.map((zone) => [zone.name, zone.thresholdDbm])) }));
}
