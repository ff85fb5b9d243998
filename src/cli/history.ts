/**
 * `footfall history`: the local history of reports by hour or UTC day, as a table with bars for
 * a person, or as CSV or JSON lines for a spreadsheet or a script. Read-only, so it can run while
 * the daemon writes. How windows combine into an hour or a day: see history-buckets.ts.
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import type { WindowReport } from '../payloads/payloads.js';
import { addCommonOptions, loadCommandConfig, type CommonOptions } from './common.js';
import { EXIT, OperatorError } from './errors.js';
import {
  BUCKET_MS,
  BUCKET_SIZES,
  bucketReports,
  bucketStart,
  COMBINED_FIGURES,
  longestWindowMinutes,
  type BucketSize,
  type CombinedFigure,
  type HistoryBucket,
} from './history-buckets.js';
import { readLocalHistory, reportsSince } from './local-history.js';
import { bar } from './text-chart.js';

interface HistoryOptions extends CommonOptions {
  days?: string;
  by: string;
  json?: boolean;
  csv?: boolean;
}

const DAY_MS = 86_400_000;
/** A day of hours, or a month of days (the history keeps 30 days by default): a screen either way. */
const DEFAULT_DAYS: Record<BucketSize, number> = { hour: 1, day: 30 };
const MAX_DAYS = 3650;
const DEFAULT_WIDTH = 80;
const MAX_WIDTH = 160;
const MIN_BAR = 4;
const MAX_BAR = 24;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** `2026-11-23 07:00` for an hour, `2026-11-23` for a day. */
function label(iso: string, size: BucketSize): string {
  return size === 'hour' ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : iso.slice(0, 10);
}

/** A run of hours or days without a report, as one line. */
function gapLine(run: readonly HistoryBucket[], size: BucketSize, labelWidth: number): string {
  const first = run[0]!;
  if (run.length === 1) return `${label(first.start, size).padEnd(labelWidth)}  no report`;
  // Hours from start to end, days by their names (the last one included).
  const last = run.at(-1)!;
  const range = `${label(first.start, size)} to ${size === 'hour' ? label(last.end, size) : label(last.start, size)}`;
  return `${range}  no reports (${plural(run.length, size)})`;
}

interface Series {
  title: string;
  figure: CombinedFigure;
  text: (bucket: HistoryBucket) => string;
}

const SERIES: readonly Series[] = [
  { title: 'Wi-Fi devices', figure: 'wifi_devices', text: (b) => (b.wifi_devices === null ? '-' : String(b.wifi_devices)) },
  { title: 'BLE devices', figure: 'ble_devices', text: (b) => (b.ble_devices === null ? '-' : String(b.ble_devices)) },
  { title: 'occupancy', figure: 'occupancy_mean', text: (b) => (b.occupancy_mean === null ? '-' : b.occupancy_mean.toFixed(1)) },
];

export interface HistoryTableOptions {
  size: BucketSize;
  /** Columns of the terminal. */
  width: number;
  /** The sensor ids of the reports (one, unless `sensor.id` changed). */
  sensors: readonly string[];
}

/**
 * The buckets as a table with a bar per figure, each scaled to its own largest value; runs of
 * buckets without a report are one line each. Radios that no bucket has are left out.
 */
export function describeHistory(buckets: readonly HistoryBucket[], options: HistoryTableOptions): string {
  const { size } = options;
  const series = SERIES.filter((s) => buckets.some((b) => b[s.figure] !== null));
  const labelWidth = label(buckets[0]!.start, size).length;
  const numberWidth = Math.max(4, ...buckets.flatMap((b) => series.map((s) => s.text(b).length)));
  const fixed = labelWidth + series.length * (2 + numberWidth + 2);
  const barWidth = Math.min(MAX_BAR, Math.max(MIN_BAR, Math.floor((options.width - fixed) / Math.max(1, series.length))));
  const cellWidth = numberWidth + 2 + barWidth;
  const max = (figure: CombinedFigure) => Math.max(0, ...buckets.map((b) => b[figure] ?? 0));

  const first = buckets[0]!;
  const last = buckets.at(-1)!;
  const lines = [
    `${options.sensors.join(', ')}: ${label(first.start, 'hour')} to ${label(last.end, 'hour')} UTC, by ${size}`,
    `devices: the most in one window of each ${size}`,
    'occupancy: devices present, mean of the 5-minute slots',
    '',
    [`${size} (UTC)`.padEnd(labelWidth), ...series.map((s) => s.title.padEnd(cellWidth))].join('  ').trimEnd(),
  ];
  let gap: HistoryBucket[] = [];
  const endGap = () => {
    if (gap.length > 0) lines.push(gapLine(gap, size, labelWidth));
    gap = [];
  };
  for (const bucket of buckets) {
    if (bucket.windows === 0) {
      gap.push(bucket);
      continue;
    }
    endGap();
    const cells = series.map((s) => {
      const mark = bucket.suppressed.includes(s.figure) ? '*' : ' ';
      return `${s.text(bucket).padStart(numberWidth)}${mark} ${bar(bucket[s.figure] ?? 0, max(s.figure), barWidth)}`;
    });
    lines.push([label(bucket.start, size), ...cells].join('  ').trimEnd());
  }
  endGap();
  if (buckets.some((b) => series.some((s) => b.suppressed.includes(s.figure)))) {
    lines.push('', '* a count below privacy.min_count went into it as 0, so it may be low');
  }
  return `${lines.join('\n')}\n`;
}

const CSV_COLUMNS = ['start', 'end', 'windows', ...COMBINED_FIGURES, 'suppressed'] as const;

/** CSV with a header; an hour or day without a report has 0 windows and empty figures. */
export function historyCsv(buckets: readonly HistoryBucket[]): string {
  const row = (bucket: HistoryBucket) =>
    CSV_COLUMNS.map((column) => {
      const value = bucket[column];
      return Array.isArray(value) ? value.join(' ') : (value ?? '');
    }).join(',');
  return `${[CSV_COLUMNS.join(','), ...buckets.map(row)].join('\n')}\n`;
}

/** One JSON object per hour or day, oldest first; without a report: 0 windows and null figures. */
export function historyJsonLines(buckets: readonly HistoryBucket[]): string {
  return buckets.map((bucket) => `${JSON.stringify(bucket)}\n`).join('');
}

function parseDays(text: string | undefined, size: BucketSize): number {
  if (text === undefined) return DEFAULT_DAYS[size];
  const days = Number(text);
  if (!(Number.isInteger(days) && days >= 1 && days <= MAX_DAYS)) {
    throw new OperatorError(`--days ${JSON.stringify(text)}: give a whole number of days from 1 to ${MAX_DAYS}`, EXIT.usage);
  }
  return days;
}

function parseSize(text: string): BucketSize {
  const size = BUCKET_SIZES.find((s) => s === text);
  if (size === undefined) throw new OperatorError(`--by ${JSON.stringify(text)}: give one of ${BUCKET_SIZES.join(', ')}`, EXIT.usage);
  return size;
}

/** The line that says there is nothing to show, and where to look instead. */
function nothingToShow(stateDir: string, days: number, newest: WindowReport | undefined, nowMs: number): string {
  if (newest === undefined) return `no history yet: ${stateDir} holds no finished window`;
  const back = Math.ceil((nowMs - Date.parse(newest.window.start)) / DAY_MS);
  return `no reports in the last ${plural(days, 'day')} in ${stateDir}; the newest is of the window from ${newest.window.start} (see it with --days ${back})`;
}

function history(options: HistoryOptions): void {
  const size = parseSize(options.by);
  const days = parseDays(options.days, size);
  if (options.json && options.csv) throw new OperatorError('give --json or --csv, not both', EXIT.usage);
  const config = loadCommandConfig(options);
  const stateDir = config.paths.state_dir;
  if (!fs.existsSync(stateDir)) {
    throw new OperatorError(`state directory ${stateDir} does not exist: give the daemon's with --state-dir or paths.state_dir`, EXIT.noInput);
  }
  const nowMs = Date.now();
  const fromMs = bucketStart(nowMs - days * DAY_MS, size);
  const expected = Math.ceil((nowMs - fromMs) / (config.privacy.window_minutes * 60_000)) + 1;
  const read = readLocalHistory(stateDir, (h) => ({ reports: reportsSince(h, fromMs, expected), newest: h.recent(1)[0] }));
  const reports = read?.reports ?? [];

  if (reports.length === 0) {
    const line = read === undefined ? `no history yet: ${stateDir} holds no database (the daemon makes it when it starts)` : nothingToShow(stateDir, days, read.newest, nowMs);
    if (options.json || options.csv) process.stderr.write(`footfall: ${line}\n`);
    else process.stdout.write(`${line}\n`);
    if (options.csv) process.stdout.write(historyCsv([]));
    return;
  }
  const longest = longestWindowMinutes(reports);
  if (longest * 60_000 > BUCKET_MS[size]) {
    throw new OperatorError(`the history holds windows of ${longest} minutes, longer than an ${size}: use --by day`, EXIT.usage);
  }
  // The hour or day in progress only when it has a report: it has not missed one yet.
  const buckets = bucketReports(reports, size, fromMs, bucketStart(nowMs, size));
  if (options.csv) process.stdout.write(historyCsv(buckets));
  else if (options.json) process.stdout.write(historyJsonLines(buckets));
  else {
    const width = Math.min(MAX_WIDTH, process.stdout.isTTY ? process.stdout.columns : DEFAULT_WIDTH);
    process.stdout.write(describeHistory(buckets, { size, width, sensors: [...new Set(reports.map((r) => r.sensor))] }));
  }
}

export function registerHistoryCommand(program: Command): void {
  addCommonOptions(
    program
      .command('history')
      .description('the local history of reports: devices and occupancy by hour or day, as a table with bars, CSV or JSON lines')
      .option('--days <n>', `days back from now (default ${DEFAULT_DAYS.hour} by hour, ${DEFAULT_DAYS.day} by day)`)
      .option('--by <size>', `one row per ${BUCKET_SIZES.join(' or ')}`, 'hour')
      .option('--json', 'one JSON object per line, oldest first')
      .option('--csv', 'CSV with a header line'),
  ).action(history);
}
