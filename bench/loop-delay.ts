/**
 * The event loop's longest pauses in a daemon that the live benchmark drives from outside. Loaded
 * into its process (`node --import` before `footfall run`, or imported), it watches the loop with
 * Node's delay histogram when LOOP_DELAY_FILE names a file, and at each SIGUSR2 writes
 * there what it saw since the previous one and starts afresh: the benchmark signals when it
 * starts driving the daemon, which leaves start-up out, and when it stops. With it goes the time
 * the benchmark's stand-in for a radio took in the same process, which the daemon's CPU figure
 * includes.
 */
import fs from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/** Not FOOTFALL_*: the daemon refuses variables of its prefix that are not settings. */
export const LOOP_DELAY_FILE_VARIABLE = 'LOOP_DELAY_FILE';

/**
 * The longest and the 99th percentile of the intervals between the histogram's timer callbacks:
 * a pause of the loop makes one of them that long, plus up to the timer's period.
 */
export interface LoopDelay {
  maxMs: number;
  p99Ms: number;
  resolutionMs: number;
  /** Time the process spent in the benchmark's own stand-in for a radio (see countStandIn), in ms. */
  standInMs: number;
}

let standInMs = 0;

/** Counts `ms` of work done by the benchmark's stand-in for a radio, not by the daemon. */
export function countStandIn(ms: number): void {
  standInMs += ms;
}

/**
 * The timer's period. Each callback wakes the process: at 10 ms (Node's default) that cost the
 * daemon driven at 5,000 frames/s some 0.3% of a core here, at 1 ms 1.5%, which would show in
 * the CPU figure beside it.
 */
const RESOLUTION_MS = 10;

const file = process.env[LOOP_DELAY_FILE_VARIABLE];
if (file !== undefined) {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  process.on('SIGUSR2', () => {
    const delay: LoopDelay = { maxMs: histogram.max / 1e6, p99Ms: histogram.percentile(99) / 1e6, resolutionMs: RESOLUTION_MS, standInMs };
    histogram.reset();
    standInMs = 0;
    // Renamed into place, so that the benchmark never reads half a file.
    fs.writeFileSync(`${file}.new`, JSON.stringify(delay));
    fs.renameSync(`${file}.new`, file);
  });
}
