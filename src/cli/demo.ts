/**
 * `footfall demo`: the main job on the embedded default. A seeded simulated store feeds the real
 * pipeline at accelerated time, the sensor publishes to an MQTT broker embedded in the process
 * on loopback, and a subscriber prints every report (and status) as it arrives: `topic payload`
 * lines on stdout, a readable summary beside the simulation's truth on stderr, and with
 * `--truth FILE` that truth as JSON lines, one per window, for comparing estimators with.
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import { Sensor } from '../core/sensor.js';
import type { SourceZones } from '../count/estimator.js';
import { isoSeconds, windowOf } from '../count/windows.js';
import type { WindowReport } from '../payloads/payloads.js';
import type { BleHeardTruth } from '../capture/simulated-store.js';
import type { WindowTruth } from '../sim/truth.js';
import { addCommonOptions, commandLogger, loadCommandConfig, unsentReportsError, withScratchDirs, type CommonOptions } from './common.js';
import { EXIT, OperatorError } from './errors.js';
import { onStopSignal } from './signals.js';
import { softwareVersions } from './version.js';

interface DemoOptions extends CommonOptions {
  hours: string;
  speed: string;
  seed: string;
  truth?: string;
}

const SENSOR_ID = 'demo-store';
/**
 * The simulated store's geometry. Wi-Fi: visitors inside at -50..-75 dBm, passers-by outside
 * below -84. BLE: the store's devices, 1 to 25 m away, at about -59..-90 dBm, heard down to -98.
 */
const DEMO_ZONES: SourceZones = { wifi: { inside: -78, nearby: -95 }, ble: { inside: -88, nearby: -105 } };
const OPENING_HOUR_UTC = 8;
/** sysexits' EX_CANTCREAT: an output file that cannot be created. */
const EXIT_CANNOT_CREATE = 73;

function positive(name: string, text: string, max: number): number {
  const value = Number(text);
  if (!(Number.isFinite(value) && value > 0 && value <= max)) {
    throw new OperatorError(`${name} ${JSON.stringify(text)}: give a number above 0 and at most ${max}`, EXIT.usage);
  }
  return value;
}

const pad = (n: number | undefined, width: number) => String(n ?? '-').padStart(width);

/** One line of the --truth file: what a perfect counter would have reported for the window. */
export interface DemoTruthLine {
  window_start: string;
  wifi: { devices_heard: number };
  ble: { devices_heard: number };
  /** Per 5-minute slot, the devices inside heard in it: the larger of the two radios' counts, as the reports take. */
  occupancy: number[];
}

function truthLine(windowStart: string, wifi: WindowTruth | undefined, ble: BleHeardTruth | undefined): DemoTruthLine {
  const slots = Math.max(wifi?.occupancyHeard.length ?? 0, ble?.occupancyHeard.length ?? 0);
  return {
    window_start: windowStart,
    wifi: { devices_heard: wifi?.devicesHeard ?? 0 },
    ble: { devices_heard: ble?.devices ?? 0 },
    occupancy: Array.from({ length: slots }, (_, i) => Math.max(wifi?.occupancyHeard[i] ?? 0, ble?.occupancyHeard[i] ?? 0)),
  };
}

function openTruthFile(file: string): number {
  try {
    return fs.openSync(file, 'w');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new OperatorError(`--truth ${JSON.stringify(file)}: cannot create it (${code}); give a file in a writable directory`, EXIT_CANNOT_CREATE);
  }
}

function summary(report: WindowReport, truth: WindowTruth | undefined, line: DemoTruthLine): string {
  const { wifi, ble } = report;
  const zones = wifi === undefined ? '' : ` (${Object.entries(wifi.zones).map(([name, n]) => `${name} ${n}`).join(', ')})`;
  const window = `${report.window.start.slice(11, 16)}-${report.window.end.slice(11, 16)}`;
  const truthText =
    truth === undefined
      ? ''
      : `   simulated: ${truth.devicesInside} visitors, ${truth.devicesNearby} passers-by; ` +
        `heard ${line.wifi.devices_heard} Wi-Fi and ${line.ble.devices_heard} BLE devices`;
  return (
    `${window}  Wi-Fi devices ${pad(wifi?.devices, 3)}${zones}, addresses ${pad(wifi?.addresses, 4)}` +
    `   BLE devices ${pad(ble?.devices, 3)}, addresses ${pad(ble?.addresses, 4)}${truthText}`
  );
}

async function demo(options: DemoOptions): Promise<void> {
  const hours = positive('--hours', options.hours, 24 * 7);
  const speed = positive('--speed', options.speed, 1_000_000);
  const seed = options.seed;
  const truthFile = options.truth === undefined ? undefined : openTruthFile(options.truth);
  const loaded = loadCommandConfig({ logLevel: 'warn', ...options });
  // The broker, the MQTT client and the simulation load only for the demo, not for every command.
  const [{ startEmbeddedBroker }, { connect }, { SimulatedStore }] = await Promise.all([
    import('../publish/embedded-broker.js'),
    import('mqtt'),
    import('../capture/simulated-store.js'),
  ]);
  const broker = await startEmbeddedBroker();
  const { config: scratchConfig, scratchState, cleanup } = withScratchDirs(loaded, options);
  const config = {
    ...scratchConfig,
    sensor: { id: SENSOR_ID },
    zones: {
      wifi: Object.keys(scratchConfig.zones.wifi).length > 0 ? scratchConfig.zones.wifi : DEMO_ZONES.wifi,
      ble: Object.keys(scratchConfig.zones.ble).length > 0 ? scratchConfig.zones.ble : DEMO_ZONES.ble,
    },
    mqtt: { ...scratchConfig.mqtt, url: broker.url, live_seconds: 5, health_seconds: 5 },
  };
  const logger = commandLogger(config);
  const today = new Date();
  const startMs = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate(), OPENING_HOUR_UTC);
  const endMs = startMs + hours * 3_600_000;

  const truths = new Map<string, WindowTruth>();
  const bleTruths = new Map<string, BleHeardTruth>();
  let published = 0;
  let received = 0;
  let offline = false;
  const subscriber = connect(broker.url, { clientId: 'footfall-demo-subscriber' });
  await subscriber.subscribeAsync(`${config.mqtt.topic_prefix}/${SENSOR_ID}/+`, { qos: 1 });
  subscriber.on('message', (topic, payload) => {
    if (!topic.endsWith('/report') && !topic.endsWith('/status')) return;
    process.stdout.write(`${topic} ${payload.toString()}\n`);
    if (topic.endsWith('/status')) offline = payload.toString().includes('offline');
    if (topic.endsWith('/report')) {
      received++;
      const report = JSON.parse(payload.toString()) as WindowReport;
      const start = report.window.start;
      const line = truthLine(start, truths.get(start), bleTruths.get(start));
      process.stderr.write(`${summary(report, truths.get(start), line)}\n`);
      if (truthFile !== undefined && report.partial === undefined) fs.writeSync(truthFile, `${JSON.stringify(line)}\n`);
    }
  });

  const sensor = new Sensor({
    config,
    logger,
    input: `demo:${seed}:${startMs}`,
    inputDescription: `footfall demo --seed ${seed}`,
    timeSource: 'capture',
    publish: true,
    interactive: true,
    sourceKinds: ['wifi', 'ble'],
    createSources: () => [
      ...new SimulatedStore({
        venue: { seed, startMs, hours, windowMinutes: config.privacy.window_minutes },
        // As many phones as the Wi-Fi venue's visitors carry, staying about as long.
        ble: { seed, visitorsPerHour: 48, stayMinutes: 15 },
        speed,
        logger: logger.child('simulation'),
        onTruth: (truth) => truths.set(isoSeconds(windowOf(truth.startMs, config.privacy.window_minutes).startMs), truth),
        onBleTruth: (truth) => bleTruths.set(isoSeconds(truth.startMs), truth),
      }).sources,
    ],
    versions: softwareVersions(),
    onReport: () => published++,
  });
  let interrupted = false;
  const removeSignalHandler = onStopSignal(() => {
    interrupted = true;
    return sensor.stop();
  });
  try {
    await sensor.start();
    // Once the sensor has its directories: a demo that cannot start says only why.
    process.stderr.write(
      `footfall demo: a simulated store, ${hours} h from ${new Date(startMs).toISOString().slice(0, 16)}Z at ${speed}x, ` +
        `published to an embedded broker at ${broker.url}\n`,
    );
    await sensor.captureToEnd(endMs);
    if (!interrupted) {
      await sensor.waitUntilPublished();
      await waitFor(() => received >= published);
    }
  } finally {
    await sensor.stop();
    await waitFor(() => offline, 2000);
    await subscriber.endAsync();
    await broker.close();
    removeSignalHandler();
    // A temporary state directory whose outbox holds unsent reports is kept, for a later run to send them.
    cleanup(scratchState && sensor.unsent().stored > 0);
    if (truthFile !== undefined) fs.closeSync(truthFile);
  }
  if (sensor.stopError !== undefined) throw sensor.stopError;
  const unsent = unsentReportsError(sensor.unsent(), config.paths.state_dir, scratchState, `footfall demo --seed ${seed} --state-dir ${config.paths.state_dir}`);
  if (unsent !== undefined) throw unsent;
}

/** Polls until `done()` or the timeout. */
async function waitFor(done: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!done() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
}

export function registerDemoCommand(program: Command): void {
  addCommonOptions(
    program
      .command('demo')
      .description('a simulated store through the real pipeline, published to an embedded MQTT broker; prints what a subscriber receives')
      .option('--hours <n>', 'simulated hours, from 08:00 UTC today', '12')
      .option('--speed <factor>', 'simulated seconds per real second', '3600')
      .option('--seed <seed>', 'seed of the simulation (same seed, same store)', '1')
      .option(
        '--truth <file>',
        'write what really happened as JSON lines, one per finished window: the Wi-Fi and BLE devices the sensor heard, and per ' +
          '5-minute slot the devices inside heard in it (visitors, staff and fixed devices: not people walking past outside; ' +
          'every BLE device of the store is inside), the larger of the two radios as in the reports',
      ),
  ).action(demo);
}
