/**
 * `footfall replay FILE...`: the sensor's pipeline over capture files, with capture time as the
 * clock. Prints one report per finished window as a JSON line (the last, partial window too,
 * marked `"partial": true`); with --publish also sends them to the configured broker and waits
 * until the broker has acknowledged every one.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { BleFileSource } from '../capture/ble/ble-file-source.js';
import { printablePath, sniffReplayFile } from '../capture/capture-file.js';
import type { CaptureSource, SourceKind } from '../capture/source.js';
import { WifiFileSource } from '../capture/wifi/wifi-file-source.js';
import { ConfigError } from '../config/load.js';
import { Sensor } from '../core/sensor.js';
import { addCommonOptions, commandLogger, loadCommandConfig, unsentReportsError, withScratchDirs, type CommonOptions } from './common.js';
import { EXIT, OperatorError } from './errors.js';
import { onStopSignal } from './signals.js';
import { softwareVersions } from './version.js';

interface ReplayOptions extends CommonOptions {
  publish?: boolean;
  speed?: string;
}

/**
 * Identifies the input, so that a replay restarted with the same --state-dir continues where the
 * previous one stopped, and only then.
 */
function inputFingerprint(files: readonly string[], checkFcs: boolean): string {
  const hash = crypto.createHash('sha256').update(`check_fcs=${checkFcs}\n`);
  for (const file of files) {
    const stat = fs.statSync(file);
    hash.update(`${path.resolve(file)}\0${stat.size}\0${stat.mtimeMs}\n`);
  }
  return `replay:${hash.digest('hex').slice(0, 32)}`;
}

function parseSpeed(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const speed = Number(text);
  if (!(Number.isFinite(speed) && speed > 0)) {
    throw new OperatorError(`--speed ${JSON.stringify(text)}: give a positive factor, e.g. 1 (capture pace) or 60`, EXIT.usage);
  }
  return speed;
}

const KIND_NAMES: Record<SourceKind, string> = { wifi: 'a Wi-Fi capture', ble: 'a BLE capture' };

/**
 * The kind of source that reads every file. Wi-Fi and BLE files are not replayed together: each
 * source reads its files at once, in turn, so their frames would not reach the pipeline in one
 * time order, which its windows need.
 */
function replayKind(files: readonly string[]): SourceKind {
  const kinds = files.map((file) => ({ file, kind: sniffReplayFile(file).kind }));
  const first = kinds[0]!;
  const other = kinds.find(({ kind }) => kind !== first.kind);
  if (other !== undefined) {
    throw new OperatorError(
      `${printablePath(first.file)} is ${KIND_NAMES[first.kind]} and ${printablePath(other.file)} ${KIND_NAMES[other.kind]}: replay Wi-Fi and BLE captures separately, their capture times cannot be merged into one clock`,
      EXIT.usage,
    );
  }
  return first.kind;
}

async function replay(files: string[], options: ReplayOptions): Promise<void> {
  const speed = parseSpeed(options.speed);
  const loaded = loadCommandConfig(options);
  if (options.publish && loaded.mqtt.url === null) {
    throw new ConfigError([
      { key: 'mqtt.url', origin: '--publish', message: 'is not set; give the broker in the config file or FOOTFALL_MQTT_URL' },
    ]);
  }
  const kind = replayKind(files);

  const { config, scratchState, cleanup } = withScratchDirs(loaded, options);
  const logger = commandLogger(config);
  const checkFcs = config.capture.wifi.check_fcs;
  const filesText = files.map((file) => printablePath(path.resolve(file))).join(' ');
  const sensor = new Sensor({
    config,
    logger,
    input: inputFingerprint(files, checkFcs),
    inputDescription: `footfall replay ${filesText}`,
    timeSource: 'capture',
    publish: options.publish === true,
    interactive: speed !== undefined,
    sourceKinds: [kind],
    createSources: (skipFrames): CaptureSource[] => {
      const sourceOptions = { paths: files, skipFrames, speed, logger: logger.child('capture') };
      return [kind === 'wifi' ? new WifiFileSource({ ...sourceOptions, checkFcs }) : new BleFileSource(sourceOptions)];
    },
    versions: softwareVersions(),
    onReport: (report) => process.stdout.write(`${JSON.stringify(report)}\n`),
  });
  let interrupted = false;
  const removeSignalHandler = onStopSignal(async (signal) => {
    interrupted = true;
    logger.info('stopping', { signal });
    await sensor.stop();
  });
  try {
    await sensor.start();
    await sensor.captureToEnd();
    if (options.publish && !interrupted && sensor.outboxDepth() > 0) {
      logger.info('waiting for the broker to acknowledge the reports', { reports: sensor.outboxDepth() });
      // Stopping by a signal ends the wait; the reports stay in the outbox.
      await sensor.waitUntilPublished().catch((error: unknown) => {
        if (!interrupted) throw error;
      });
    }
  } finally {
    await sensor.stop();
    removeSignalHandler();
    // A temporary state directory whose outbox holds unsent reports is kept, for a later run to send them.
    cleanup(options.publish === true && scratchState && sensor.unsent().stored > 0);
  }
  if (sensor.stopError !== undefined) throw sensor.stopError;
  if (options.publish) {
    const configFlag = options.config === undefined ? '' : ` --config ${printablePath(path.resolve(options.config))}`;
    const resend = `footfall replay --publish${configFlag} --state-dir ${config.paths.state_dir} ${filesText}`;
    const unsent = unsentReportsError(sensor.unsent(), config.paths.state_dir, scratchState, resend);
    if (unsent !== undefined) throw unsent;
  }
}

export function registerReplayCommand(program: Command): void {
  addCommonOptions(
    program
      .command('replay')
      .description('count capture files (pcap, pcapng, btsnoop; Wi-Fi or BLE) through the sensor pipeline; one JSON report per window on stdout')
      .argument('<file...>', 'capture files, read in order as one stream')
      .option('--publish', 'also publish the reports to mqtt.url, and wait until the broker has them all')
      .option('--speed <factor>', 'replay at capture pace times factor (default: as fast as possible)'),
  ).action(replay);
}
