/**
 * What `footfall calibrate` does (src/cli/calibrate.ts defines its options): the zone thresholds
 * from the installer's own phone, marked by a hidden network name or a beacon, never by its
 * address. Guided at a terminal (the phone sampled live, through the daemon when one runs, else
 * on the radios directly), or from recordings of a walk (`--at DISTANCE=FILE`, no prompts).
 * Either way the fit is shown as text and chart, the change to the config as a diff, and written
 * (keeping the file's comments) only when asked.
 */
import readline from 'node:readline/promises';
import { PhoneMarker, PhoneMarkerError, type PhoneMarkerSpec } from '../capture/phone-marker.js';
import type { SourceKind } from '../capture/source.js';
import { calibrateSource, calibrationJson, describeCalibration, SOURCE_LABELS, zoneEdits, type SamplesByDistance, type SourceCalibration } from './calibration-result.js';
import type { WalkTerminal } from './guided-walk.js';
import { readRecordings, type Recording } from './recordings.js';
import type { SampleFeed } from './sample-feed.js';
import { parseDistance, parseZoneRadii, type ZoneRadius } from './zone-radii.js';
import { planConfigEdit, writeConfigFile } from '../config/edit.js';
import { DEFAULT_CONFIG_PATH } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { readStatus } from '../core/status-file.js';
import { createLogger, type Logger } from '../log/logger.js';
import { loadCommandConfig, type CommonOptions } from '../cli/common.js';
import { EXIT, OperatorError } from '../cli/errors.js';
import { lineDiff } from '../cli/text-diff.js';

export interface CalibrateOptions extends CommonOptions {
  ssid?: string;
  bleName?: string;
  bleUuid?: string;
  zones?: string;
  at?: string[];
  seconds: string;
  write?: string;
  json?: boolean;
}

const INTERRUPTED = 130;

function markerOf(options: CalibrateOptions): { marker: PhoneMarker; spec: PhoneMarkerSpec } {
  const spec = { ssid: options.ssid, bleName: options.bleName, bleUuid: options.bleUuid };
  try {
    return { marker: new PhoneMarker(spec), spec };
  } catch (error) {
    if (error instanceof PhoneMarkerError) throw new OperatorError(error.message, EXIT.usage);
    throw error;
  }
}

/** `4=walk-4m.pcap`: the distance in metres, then the file. */
function parseRecording(text: string): Recording {
  const at = text.indexOf('=');
  if (at < 0) throw new OperatorError(`--at ${JSON.stringify(text)}: give the distance and the recording, e.g. --at 4=walk-4m.pcap`, EXIT.usage);
  return { distanceM: parseDistance(text.slice(0, at)), file: text.slice(at + 1) };
}

function parseSeconds(text: string): number {
  const seconds = Number(text);
  if (!(Number.isFinite(seconds) && seconds >= 1 && seconds <= 600)) {
    throw new OperatorError(`--seconds ${JSON.stringify(text)}: give how long to sample each distance, 1 to 600 seconds, e.g. 20`, EXIT.usage);
  }
  return seconds;
}

function fitAll(bySource: Map<SourceKind, SamplesByDistance>, zones: readonly ZoneRadius[]): SourceCalibration[] {
  return (['wifi', 'ble'] as const).filter((source) => bySource.has(source)).map((source) => calibrateSource(source, bySource.get(source)!, zones));
}

function diffOf(file: string, before: string | undefined, after: string): string {
  const diff = lineDiff(before ?? '', after, { labelBefore: before === undefined ? '/dev/null' : file, labelAfter: file });
  return diff === '' ? `${file} already has these zones.\n` : diff;
}

/** Fails with the first radio that could not be fitted, after its points were shown. */
function requireFits(results: readonly SourceCalibration[]): void {
  const failed = results.find((result) => result.fit === null);
  if (failed !== undefined) throw new OperatorError(`${SOURCE_LABELS[failed.source]}: ${failed.failure}`, EXIT.dataError);
}

function reloadHint(config: Config): string {
  return readStatus(config.paths.runtime_dir).running
    ? 'The daemon reads its zones again when it is reloaded: reload it for them to count (sudo systemctl reload footfall; the open window is reported with the new zones).'
    : 'The zones count from the next start of footfall.';
}

async function calibrateRecordings(options: CalibrateOptions, config: Config, marker: PhoneMarker, zones: ZoneRadius[] | undefined, logger: Logger): Promise<void> {
  const recordings = (options.at ?? []).map(parseRecording);
  if (new Set(recordings.map((recording) => recording.distanceM)).size < 2) {
    throw new OperatorError('give recordings at two distances or more, 1 m first: --at 1=FILE --at 4=FILE --at 8=FILE', EXIT.usage);
  }
  if (options.write !== undefined && zones === undefined) {
    throw new OperatorError('--write needs the zone radii to turn into thresholds: add --zones, e.g. --zones inside=6,nearby=15', EXIT.usage);
  }
  const results = fitAll(await readRecordings(recordings, marker, { checkFcs: config.capture.wifi.check_fcs, logger }), zones ?? []);
  process.stdout.write(options.json ? `${JSON.stringify(calibrationJson(results), null, 2)}\n` : describeCalibration(results));
  requireFits(results);
  if (zones === undefined || (options.json && options.write === undefined)) return;
  const file = options.write ?? options.config ?? DEFAULT_CONFIG_PATH;
  const { before, after } = planConfigEdit(file, zoneEdits(results));
  if (!options.json) process.stdout.write(`\n${diffOf(file, before, after)}`);
  if (options.write === undefined || after === before) return;
  writeConfigFile(file, after);
  process.stderr.write(`footfall: wrote ${zoneEdits(results).map((edit) => edit.key.join('.')).join(' and ')} to ${file}. ${reloadHint(config)}\n`);
}

/** The terminal as the walk sees it: readline for questions, one line rewritten in place for the readout. */
class ReadlineTerminal implements WalkTerminal {
  private readonly rl = readline.createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  private readingOut = false;

  constructor(private readonly signal: AbortSignal) {}

  onInterrupt(handler: () => void): void {
    this.rl.on('SIGINT', handler);
  }

  say(text: string): void {
    process.stdout.write(`${text}\n`);
  }

  readout(text: string | null): void {
    if (text === null) {
      if (this.readingOut) process.stdout.write('\n');
      this.readingOut = false;
      return;
    }
    process.stdout.write(`\r${text}\x1b[K`);
    this.readingOut = true;
  }

  ask(question: string): Promise<string> {
    return this.rl.question(`${question} `, { signal: this.signal }).then(
      (answer) => answer.trim(),
      (error: unknown) => {
        throw this.signal.aborted ? this.signal.reason : error;
      },
    );
  }

  close(): void {
    this.rl.close();
  }
}

function markingInstructions(marker: PhoneMarker, spec: PhoneMarkerSpec): string {
  const lines = ['Mark your phone (footfall recognises it by this name, never by its address):'];
  if (marker.marksWifi) {
    lines.push(
      `  Wi-Fi: add a hidden network named "${spec.ssid}" (Settings > Wi-Fi > Add network; any security, no need to join it),`,
      '         then keep the Wi-Fi settings screen open: the phone probes for hidden networks while it scans.',
    );
  }
  if (marker.marksBle) {
    const what = [spec.bleName === undefined ? null : `the local name "${spec.bleName}"`, spec.bleUuid === undefined ? null : `the UUID ${spec.bleUuid}`];
    lines.push(`  BLE: start a beacon app advertising ${what.filter((part) => part !== null).join(' or ')}.`);
  }
  return lines.join('\n');
}

async function calibrateGuided(options: CalibrateOptions, config: Config, marker: PhoneMarker, spec: PhoneMarkerSpec, zonesGiven: ZoneRadius[] | undefined, logger: Logger): Promise<void> {
  if (options.write !== undefined || options.json) {
    throw new OperatorError('--write and --json are for recordings: give --at DISTANCE=FILE for each distance, or leave them out to be guided', EXIT.usage);
  }
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    throw new OperatorError('the guided calibration needs a terminal; to fit a recorded walk give --at DISTANCE=FILE for each distance', EXIT.usage);
  }
  const seconds = parseSeconds(options.seconds);
  const file = options.config ?? DEFAULT_CONFIG_PATH;
  const status = readStatus(config.paths.runtime_dir);
  if (!status.running && /not readable/.test(status.reason)) throw new OperatorError(`cannot tell whether the daemon runs: ${status.reason}`, EXIT.noPermission);
  // Loaded only for a walk: the live sources take longer to load than fitting recordings takes.
  const [{ DaemonSampleFeed }, { CaptureSampleFeed }, { GuidedWalk }] = await Promise.all([
    import('./daemon-feed.js'),
    import('./sample-feed.js'),
    import('./guided-walk.js'),
  ]);
  const feed: SampleFeed = status.running ? new DaemonSampleFeed(config.paths.runtime_dir, status.status.pid, spec) : new CaptureSampleFeed(config, marker, logger);

  const interrupt = new AbortController();
  const terminal = new ReadlineTerminal(interrupt.signal);
  const stop = () => interrupt.abort(new OperatorError(`calibration interrupted; ${file} is untouched`, INTERRUPTED));
  terminal.onInterrupt(stop);
  process.on('SIGTERM', stop);
  try {
    let zones = zonesGiven;
    while (zones === undefined) {
      const answer = await terminal.ask('Zone radii in metres, nearest first (e.g. inside=6,nearby=15):');
      try {
        zones = parseZoneRadii(answer);
      } catch (error) {
        if (!(error instanceof OperatorError)) throw error;
        terminal.say(error.message);
      }
    }
    terminal.say(markingInstructions(marker, spec));
    terminal.say(`Each distance is sampled for ${seconds} s; stand still, the phone in your hand, nothing between it and the sensor.`);
    const measured = await new GuidedWalk({ feed, marker, zones, sampleSeconds: seconds, terminal, signal: interrupt.signal }).run();
    const results = fitAll(measured, zones);
    terminal.say('');
    terminal.say(describeCalibration(results).trimEnd());
    requireFits(results);
    const { before, after } = planConfigEdit(file, zoneEdits(results));
    terminal.say('');
    terminal.say(diffOf(file, before, after).trimEnd());
    if (after === before) return;
    const confirm = (await terminal.ask(`Write these zones into ${file}? [y/N]`)).toLowerCase();
    if (confirm !== 'y' && confirm !== 'yes') {
      terminal.say(`Nothing written; ${file} is untouched.`);
      return;
    }
    writeConfigFile(file, after);
    terminal.say(`Written to ${file}. ${reloadHint(config)}`);
  } finally {
    process.off('SIGTERM', stop);
    terminal.close();
  }
}

export async function calibrate(options: CalibrateOptions): Promise<void> {
  const config = loadCommandConfig(options);
  // The installer reads the walk and its result; the sources' progress is for --log-level info or debug.
  const logger = createLogger({ level: options.logLevel === undefined ? 'warn' : config.log.level });
  const { marker, spec } = markerOf(options);
  const zones = options.zones === undefined ? undefined : parseZoneRadii(options.zones);
  if (options.at !== undefined) await calibrateRecordings(options, config, marker, zones, logger);
  else await calibrateGuided(options, config, marker, spec, zones, logger);
}
