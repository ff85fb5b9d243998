/**
 * `footfall demo`: the main job on the embedded default. A seeded simulated store feeds the real
 * pipeline at accelerated time, the sensor publishes to an MQTT broker embedded in the process
 * on loopback, and a subscriber prints every report (and status) as it arrives: `topic payload`
 * lines on stdout, a readable summary beside the simulation's truth on stderr.
 */
import type { Command } from 'commander';
import { Sensor } from '../core/sensor.js';
import type { SourceZones } from '../count/estimator.js';
import { isoSeconds, windowOf } from '../count/windows.js';
import type { WindowReport } from '../publish/payloads.js';
import type { WindowTruth } from '../sim/truth.js';
import { addCommonOptions, commandLogger, loadCommandConfig, withScratchDirs, type CommonOptions } from './common.js';
import { EXIT, OperatorError } from './errors.js';
import { onStopSignal } from './signals.js';
import { softwareVersions } from './version.js';

interface DemoOptions extends CommonOptions {
  hours: string;
  speed: string;
  seed: string;
}

const SENSOR_ID = 'demo-store';
/**
 * The simulated store's geometry. Wi-Fi: visitors inside at -50..-75 dBm, passers-by outside
 * below -84. BLE: the store's devices, 1 to 25 m away, at about -59..-90 dBm, heard down to -98.
 */
const DEMO_ZONES: SourceZones = { wifi: { inside: -78, nearby: -95 }, ble: { inside: -88, nearby: -105 } };
const OPENING_HOUR_UTC = 8;

function positive(name: string, text: string, max: number): number {
  const value = Number(text);
  if (!(Number.isFinite(value) && value > 0 && value <= max)) {
    throw new OperatorError(`${name} ${JSON.stringify(text)}: give a number above 0 and at most ${max}`, EXIT.usage);
  }
  return value;
}

const pad = (n: number | undefined, width: number) => String(n ?? '-').padStart(width);

function summary(report: WindowReport, truth: WindowTruth | undefined, bleDevices: number | undefined): string {
  const { wifi, ble } = report;
  const zones = wifi === undefined ? '' : ` (${Object.entries(wifi.zones).map(([name, n]) => `${name} ${n}`).join(', ')})`;
  const window = `${report.window.start.slice(11, 16)}-${report.window.end.slice(11, 16)}`;
  const truthText =
    truth === undefined ? '' : `   simulated: ${truth.devicesInside} visitors, ${truth.devicesNearby} passers-by, ${bleDevices ?? 0} BLE devices heard`;
  return (
    `${window}  Wi-Fi devices ${pad(wifi?.devices, 3)}${zones}, addresses ${pad(wifi?.addresses, 4)}` +
    `   BLE devices ${pad(ble?.devices, 3)}, addresses ${pad(ble?.addresses, 4)}${truthText}`
  );
}

async function demo(options: DemoOptions): Promise<void> {
  const hours = positive('--hours', options.hours, 24 * 7);
  const speed = positive('--speed', options.speed, 1_000_000);
  const seed = options.seed;
  const loaded = loadCommandConfig({ logLevel: 'warn', ...options });
  // The broker, the MQTT client and the simulation load only for the demo, not for every command.
  const [{ startEmbeddedBroker }, { connect }, { SimulatedStore }] = await Promise.all([
    import('../publish/embedded-broker.js'),
    import('mqtt'),
    import('../capture/simulated-store.js'),
  ]);
  const broker = await startEmbeddedBroker();
  const { config: scratchConfig, cleanup } = withScratchDirs(loaded, options);
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
  const bleTruths = new Map<string, number>();
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
      process.stderr.write(`${summary(report, truths.get(report.window.start), bleTruths.get(report.window.start))}\n`);
    }
  });

  process.stderr.write(
    `footfall demo: a simulated store, ${hours} h from ${new Date(startMs).toISOString().slice(0, 16)}Z at ${speed}x, ` +
      `published to an embedded broker at ${broker.url}\n`,
  );
  const sensor = new Sensor({
    config,
    logger,
    input: `demo:${seed}:${startMs}`,
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
        onBleTruth: (truth) => bleTruths.set(isoSeconds(truth.startMs), truth.devices),
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
    cleanup();
  }
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
      .option('--seed <seed>', 'seed of the simulation (same seed, same store)', '1'),
  ).action(demo);
}
