/** The real Sensor, run inside the benchmark's process on a simulated venue, for what only the inside can see. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SimulatedStore } from '../src/capture/simulated-store.js';
import { loadConfig } from '../src/config/load.js';
import { Sensor } from '../src/core/sensor.js';
import { silentLogger } from '../src/log/logger.js';
import type { WindowReport } from '../src/payloads/payloads.js';
import type { VenueOptions } from '../src/sim/venue.js';

export interface SimulatedRun {
  venue: VenueOptions & { startMs: number; hours: number };
  /** Simulated seconds per real second; Infinity: as fast as possible (still yielding to the event loop). */
  speed: number;
  onReport?: (report: WindowReport) => void;
}

/** Runs the whole pipeline (no publishing) over the simulated venue, in fresh temporary directories. */
export async function runSimulated(run: SimulatedRun): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-bench-'));
  const config = loadConfig({
    file: '',
    fileExplicit: false,
    env: {},
    flags: { 'paths.state_dir': path.join(dir, 'state'), 'paths.runtime_dir': path.join(dir, 'run') },
  });
  const sensor = new Sensor({
    config,
    logger: silentLogger,
    input: 'bench',
    timeSource: 'capture',
    publish: false,
    interactive: true,
    sourceKinds: ['wifi'],
    createSources: () => [...new SimulatedStore({ venue: run.venue, speed: run.speed, logger: silentLogger }).sources],
    versions: {},
    onReport: run.onReport,
  });
  try {
    await sensor.start();
    await sensor.captureToEnd(run.venue.startMs + run.venue.hours * 3_600_000);
  } finally {
    await sensor.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
