/**
 * Part 2: the report's `occupancy` against the people in a lab room per 5-minute UTC slot, on
 * whole days replayed with the lab's config: Pearson's r, one devices-per-person factor, the
 * people error it leaves on a day it was not fitted on, and the devices heard while the room
 * was empty.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../src/config/load.js';
import type { Config } from '../src/config/schema.js';
import type { Zones } from '../src/count/estimator.js';
import type { WindowReport } from '../src/payloads/payloads.js';
import { OperatorError, EXIT } from '../src/cli/errors.js';
import { devicesPerPerson, leaveOneOutFactors, mean, median, pearson, peopleError, type OccupancySlot } from './metrics.js';
import { replayReports, wifiEstimatorSets } from './replay.js';
import { describeTargets, fixed, percent, table, type TargetCheck } from './table.js';

const SLOT_MS = 5 * 60_000;
const CSV_SUFFIX = '_occupancy_5min.csv';
const TARGET_R = 0.9;
const TARGET_MEDIAN_WAPE = 0.2;
const TARGET_DAY_WAPE = 0.4;
const TARGET_EMPTY_ROOM = 1;
/** The premises thresholds `--lab-sweep` tries, in dBm. */
export const SWEEP_DBM = [-90, -85, -80, -75, -70, -65, -60, -55, -50] as const;

/** Where the config keeps the Wi-Fi zones, for an override of the premises threshold. */
const WIFI_ZONES_KEY = 'zones.wifi';
const wifiZones = (config: Config): Zones => config.zones.wifi;

export interface LabDay {
  name: string;
  pcap: string;
  csv: string;
}

/** Every `*.pcap` with its `*_occupancy_5min.csv` beside it, in a folder; or one such pcap. */
export function findLabDays(target: string): LabDay[] {
  const day = (pcap: string): LabDay => ({ name: path.basename(pcap, '.pcap'), pcap, csv: pcap.replace(/\.pcap$/, CSV_SUFFIX) });
  if (!fs.statSync(target).isDirectory()) {
    const found = day(target);
    if (!fs.existsSync(found.csv)) throw new OperatorError(`${target}: no ${path.basename(found.csv)} beside it with the room's people per slot`, EXIT.noInput);
    return [found];
  }
  const days = fs
    .readdirSync(target)
    .filter((f) => f.endsWith('.pcap'))
    .sort()
    .map((f) => day(path.join(target, f)))
    .filter((found) => fs.existsSync(found.csv));
  if (days.length === 0) throw new OperatorError(`${target}: no *.pcap with a *${CSV_SUFFIX} beside it`, EXIT.noInput);
  return days;
}

/** The people in the room per slot, from the CSV's `slot_start_utc` and `level` columns. */
export function parseOccupancyCsv(text: string, source: string): { startMs: number; people: number }[] {
  const [header, ...rows] = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  const columns = (header ?? '').split(',');
  const start = columns.indexOf('slot_start_utc');
  const level = columns.indexOf('level');
  if (start < 0 || level < 0) throw new OperatorError(`${source}: needs the columns slot_start_utc and level`, EXIT.dataError);
  return rows.map((row, i) => {
    const cells = row.split(',');
    const startMs = Date.parse(cells[start] ?? '');
    const people = Number(cells[level]);
    if (!Number.isFinite(startMs) || cells[level] === '' || !Number.isFinite(people)) {
      throw new OperatorError(`${source}: line ${i + 2} has no valid slot_start_utc and level`, EXIT.dataError);
    }
    return { startMs, people };
  });
}

/** Each truth slot beside the devices the reports put in it (none where no report covers it: nothing was heard). */
export function alignSlots(reports: readonly WindowReport[], truth: readonly { startMs: number; people: number }[]): OccupancySlot[] {
  const devices = new Map<number, number>();
  for (const report of reports) {
    const windowStart = Date.parse(report.window.start);
    report.occupancy.forEach((count, i) => devices.set(windowStart + i * SLOT_MS, count));
  }
  return truth.map(({ startMs, people }) => ({ devices: devices.get(startMs) ?? 0, people }));
}

/** The lab's config, with the premises (the first Wi-Fi zone) at `premisesDbm` when given. */
export function loadLabConfig(file: string, premisesDbm?: number): Config {
  const load = (flags: Record<string, string>) => loadConfig({ file, fileExplicit: true, env: {}, flags });
  const config = load({});
  if (premisesDbm === undefined) return config;
  const zones = Object.entries(wifiZones(config));
  const premises = zones[0]?.[0] ?? 'premises';
  const others = zones.slice(1).map(([name, dbm]) => `,${name}=${dbm}`);
  return load({ [WIFI_ZONES_KEY]: `${premises}=${premisesDbm}${others.join('')}` });
}

export interface DayFigures {
  day: string;
  slots: number;
  r: number;
  /** Devices per person fitted on the other days. */
  factor: number;
  wape: number;
  /** Mean devices in the slots where the room was empty (NaN: it never was). */
  emptyRoomDevices: number;
}

export interface LabFigures {
  estimator: string;
  premisesDbm: number | undefined;
  pooledR: number;
  factor: number;
  medianWape: number;
  worstDay: DayFigures;
  /** The largest of the days' mean devices in an empty room. */
  worstEmptyRoomDevices: number;
  days: DayFigures[];
  targets: TargetCheck[];
}

/** The figures of one estimator from its aligned slots per day. */
export function labFigures(estimator: string, premisesDbm: number | undefined, days: readonly { day: string; slots: OccupancySlot[] }[]): LabFigures {
  const factors = leaveOneOutFactors(days.map((d) => d.slots));
  const perDay = days.map(({ day, slots }, i): DayFigures => ({
    day,
    slots: slots.length,
    r: pearson(slots.map((s) => s.devices), slots.map((s) => s.people)),
    factor: factors[i]!,
    wape: peopleError(slots, factors[i]!),
    emptyRoomDevices: mean(slots.filter((s) => s.people === 0).map((s) => s.devices)),
  }));
  const pooled = days.flatMap((d) => d.slots);
  const pooledR = pearson(pooled.map((s) => s.devices), pooled.map((s) => s.people));
  const medianWape = median(perDay.map((d) => d.wape));
  const worstDay = perDay.reduce((a, b) => (!(a.wape >= b.wape) ? b : a));
  const emptiest = Math.max(...perDay.filter((d) => !Number.isNaN(d.emptyRoomDevices)).map((d) => d.emptyRoomDevices));
  return {
    estimator,
    premisesDbm,
    pooledR,
    factor: devicesPerPerson(pooled),
    medianWape,
    worstDay,
    worstEmptyRoomDevices: emptiest,
    days: perDay,
    targets: [
      { target: `pooled r >= ${TARGET_R}`, figure: fixed(pooledR, 3), met: pooledR >= TARGET_R },
      { target: `median WAPE <= ${percent(TARGET_MEDIAN_WAPE)}`, figure: percent(medianWape), met: medianWape <= TARGET_MEDIAN_WAPE },
      { target: `every day WAPE <= ${percent(TARGET_DAY_WAPE)}`, figure: `worst ${percent(worstDay.wape)} (${worstDay.day})`, met: worstDay.wape <= TARGET_DAY_WAPE },
      { target: `empty room <= ${TARGET_EMPTY_ROOM} device on average, every day`, figure: `worst day ${fixed(emptiest, 2)}`, met: emptiest <= TARGET_EMPTY_ROOM },
    ],
  };
}

/** Replays every day once per Wi-Fi estimator and returns each one's figures. */
export async function measureLab(days: readonly LabDay[], configFile: string, premisesDbm: number | undefined): Promise<LabFigures[]> {
  const config = loadLabConfig(configFile, premisesDbm);
  const premises = Object.values(wifiZones(config))[0];
  const truth = days.map((day) => parseOccupancyCsv(fs.readFileSync(day.csv, 'utf8'), day.csv));
  const results: LabFigures[] = [];
  for (const { estimator, set } of wifiEstimatorSets()) {
    const slots = [];
    for (const [i, day] of days.entries()) {
      const reports = await replayReports({ files: [day.pcap], config, estimators: set });
      slots.push({ day: day.name, slots: alignSlots(reports, truth[i]!) });
    }
    results.push(labFigures(estimator.name, premises, slots));
  }
  return results;
}

export function describeLab(results: readonly LabFigures[]): string[] {
  const lines: string[] = [];
  for (const e of results) {
    lines.push(`Lab days: ${e.estimator}, premises ${e.premisesDbm === undefined ? 'none (every device heard)' : `${e.premisesDbm} dBm`}, ${e.days.length} days`);
    lines.push(
      ...table(
        ['day', 'slots', 'r', 'factor (other days)', 'WAPE', 'empty-room devices'],
        e.days.map((d) => [d.day, String(d.slots), fixed(d.r, 3), fixed(d.factor, 2), percent(d.wape), fixed(d.emptyRoomDevices, 2)]),
      ),
    );
    lines.push(`  pooled r ${fixed(e.pooledR, 3)}; devices per person (all days) ${fixed(e.factor, 2)}; median WAPE ${percent(e.medianWape)}; worst day ${e.worstDay.day} ${percent(e.worstDay.wape)}`);
    lines.push(...describeTargets(e.targets));
  }
  return lines;
}

export interface SweepRow {
  premisesDbm: number;
  estimators: LabFigures[];
}

export function describeSweep(rows: readonly SweepRow[]): string[] {
  const names = rows[0]?.estimators.map((e) => e.estimator) ?? [];
  return names.flatMap((name, column) => [
    `Premises sweep: ${name}`,
    ...table(
      ['premises dBm', 'pooled r', 'median WAPE', 'worst WAPE', 'empty-room devices (worst day)'],
      rows.map(({ premisesDbm, estimators }) => {
        const e = estimators[column]!;
        return [String(premisesDbm), fixed(e.pooledR, 3), percent(e.medianWape), percent(e.worstDay.wape), fixed(e.worstEmptyRoomDevices, 2)];
      }),
    ),
  ]);
}
