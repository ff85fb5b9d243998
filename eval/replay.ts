/**
 * The replay path of `footfall replay`, run inside the harness's process: a Sensor over capture
 * files with capture time as the clock, the estimators given, no publishing, in a temporary
 * state and runtime directory that is removed afterwards.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BleFileSource } from '../src/capture/ble/ble-file-source.js';
import { sniffReplayFile } from '../src/capture/capture-file.js';
import { WifiFileSource } from '../src/capture/wifi/wifi-file-source.js';
import type { Config } from '../src/config/schema.js';
import { Sensor } from '../src/core/sensor.js';
import type { DeviceEstimator, EstimatorSet } from '../src/count/estimator.js';
import { BLE_ESTIMATORS, DEFAULT_ESTIMATORS, WIFI_ESTIMATORS } from '../src/count/estimators/index.js';
import { createLogger } from '../src/log/logger.js';
import type { WindowReport } from '../src/payloads/payloads.js';

/** Warnings (a capture cut short, say) reach the harness's stderr; nothing else does. */
const logger = createLogger({ level: 'warn' });

export interface ReplayRun {
  /** Capture files of one kind, read in order as one stream. */
  files: readonly string[];
  /** The config; its paths are replaced by the run's temporary directories. */
  config: Config;
  estimators: EstimatorSet;
  /** Finish the last window at this time (complete if it reaches the window's end); default: where the input ends, partial. */
  endMs?: number;
}

/** Replays the files and returns every window's report, in order. */
export async function replayReports(run: ReplayRun): Promise<WindowReport[]> {
  const { kind } = sniffReplayFile(run.files[0]!);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-eval-'));
  const config: Config = { ...run.config, paths: { state_dir: path.join(dir, 'state'), runtime_dir: path.join(dir, 'run') } };
  const reports: WindowReport[] = [];
  const sensor = new Sensor({
    config,
    logger,
    input: 'eval',
    timeSource: 'capture',
    publish: false,
    interactive: false,
    sourceKinds: [kind],
    createSources: (skipFrames) => {
      const options = { paths: [...run.files], skipFrames, logger: logger.child('capture') };
      return [kind === 'wifi' ? new WifiFileSource({ ...options, checkFcs: config.capture.wifi.check_fcs }) : new BleFileSource(options)];
    },
    versions: {},
    onReport: (report) => reports.push(report),
    estimators: run.estimators,
  });
  try {
    await sensor.start();
    await sensor.captureToEnd(run.endMs);
  } finally {
    await sensor.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return reports;
}

/** Each Wi-Fi estimator of the registry, with the default BLE one beside it. */
export function wifiEstimatorSets(): { estimator: DeviceEstimator; set: EstimatorSet }[] {
  return WIFI_ESTIMATORS.map((estimator) => ({ estimator, set: { ...DEFAULT_ESTIMATORS, wifi: estimator } }));
}

/** Each BLE estimator of the registry, with the default Wi-Fi one beside it. */
export function bleEstimatorSets(): { estimator: DeviceEstimator; set: EstimatorSet }[] {
  return BLE_ESTIMATORS.map((estimator) => ({ estimator, set: { ...DEFAULT_ESTIMATORS, ble: estimator } }));
}
