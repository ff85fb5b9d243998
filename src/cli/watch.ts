/**
 * `footfall watch`: a subscriber's view of a broker: every sensor under the topic prefix, its
 * state, last report, live counts and outbox, redrawn as messages arrive (sensor-board.ts says
 * what it can tell). `--once` prints the snapshot the retained messages give and exits. The
 * broker, TLS and credentials are the config's `mqtt.*`, as the daemon uses them.
 */
import type { MqttClient } from 'mqtt';
import type { Command } from 'commander';
import { ConfigError } from '../config/load.js';
import { isoSeconds } from '../count/windows.js';
import { displayUrl } from '../publish/broker-url.js';
import type { MqttSettings } from '../publish/mqtt-publisher.js';
import { addCommonOptions, loadCommandConfig, type CommonOptions } from './common.js';
import { EXIT, OperatorError } from './errors.js';
import { describeBoard, SensorBoard, WATCHED_TOPICS, type BoardSnapshot } from './sensor-board.js';
import { onStopSignal } from './signals.js';

interface WatchOptions extends CommonOptions {
  broker?: string;
  prefix?: string;
  once?: boolean;
  json?: boolean;
}

/**
 * The retained messages follow the subscription's acknowledgement at once; they are taken to be
 * all in when none has come for this long (or MAX_SETTLE_MS has passed).
 */
const SETTLE_MS = 300;
const MAX_SETTLE_MS = 3000;
/** Redraws at most this often, however fast messages come. */
const REDRAW_MS = 250;
const RECONNECT_MS = 2000;

/** Connects once, without retrying; a refusal is the operator's to fix, in one line. */
async function connectToBroker(settings: MqttSettings): Promise<MqttClient> {
  // The MQTT client loads only when watch runs: it takes longer to load than most commands take to run.
  const { connectOnce } = await import('../publish/broker-probe.js');
  let attempt;
  try {
    attempt = await connectOnce(settings, {
      clientId: `footfall-watch-${process.pid}-${Math.random().toString(16).slice(2, 10)}`,
      clean: true,
      keepalive: settings.keepalive_seconds,
    });
  } catch (error) {
    throw new OperatorError((error as Error).message, EXIT.config);
  }
  if (attempt.problem !== undefined) throw new OperatorError(`cannot connect to the broker ${displayUrl(settings.url)}: ${attempt.problem}`, EXIT.unavailable);
  return attempt.client;
}

/** Subscribes to every sensor's topics; a topic the broker refuses is named in one line. */
async function subscribe(client: MqttClient, prefix: string): Promise<void> {
  const topics = WATCHED_TOPICS.map((name) => `${prefix}/+/${name}`);
  const granted = await client.subscribeAsync(topics, { qos: 1 });
  // MQTT's "failure" return code in a SUBACK: the broker's access control said no.
  const refused = granted.filter((grant) => grant.qos === 128).map((grant) => grant.topic);
  if (refused.length > 0) {
    await client.endAsync(true);
    throw new OperatorError(`the broker refused the subscription to ${refused.join(', ')}: give this user read access to them`, EXIT.noPermission);
  }
}

/** Resolves once no message has arrived for SETTLE_MS, or after MAX_SETTLE_MS. */
function settled(client: MqttClient): Promise<void> {
  return new Promise((resolve) => {
    let quiet = setTimeout(done, SETTLE_MS);
    const deadline = setTimeout(done, MAX_SETTLE_MS);
    const onMessage = () => {
      clearTimeout(quiet);
      quiet = setTimeout(done, SETTLE_MS);
    };
    client.on('message', onMessage);
    function done() {
      clearTimeout(quiet);
      clearTimeout(deadline);
      client.off('message', onMessage);
      resolve();
    }
  });
}

async function watch(options: WatchOptions): Promise<void> {
  const config = loadCommandConfig(options, { 'mqtt.url': options.broker, 'mqtt.topic_prefix': options.prefix });
  const url = config.mqtt.url;
  if (url === null) {
    throw new ConfigError([{ key: 'mqtt.url', origin: '--broker', message: 'is not set; give the broker with --broker URL, in the config file or FOOTFALL_MQTT_URL' }]);
  }
  const prefix = config.mqtt.topic_prefix;
  const board = new SensorBoard(prefix);
  const client = await connectToBroker({ ...config.mqtt, url });
  let connected = true;
  // A connection lost later shows as such in the view (or ends --once with what it has).
  client.on('error', () => {});
  /** What a change to the view does: nothing until the retained messages are in, then a redraw in a live view. */
  let changed = () => {};
  client.on('message', (topic, payload, packet) => {
    if (board.take(topic, payload.toString('utf8'), packet.retain, Date.now())) changed();
  });
  await subscribe(client, prefix);

  const snapshot = (): BoardSnapshot => ({ broker: displayUrl(url), prefix, connected, as_of: isoSeconds(Date.now()), sensors: board.sensors() });
  const render = () => (options.json ? `${JSON.stringify(snapshot())}\n` : describeBoard(snapshot()));

  // The first view shows what the retained messages say, not an empty board before they come.
  await settled(client);
  if (options.once) {
    process.stdout.write(render());
    await client.endAsync();
    return;
  }

  // A live view from here on: mqtt.js reconnects (and subscribes again) when the connection drops.
  client.options.reconnectPeriod = RECONNECT_MS;
  client.on('close', () => {
    connected = false;
    changed();
  });
  client.on('connect', () => {
    connected = true;
    changed();
  });

  const terminal = process.stdout.isTTY && !options.json;
  let timer: NodeJS.Timeout | undefined;
  const draw = () => {
    timer = undefined;
    // On a terminal the view is redrawn in place; elsewhere each snapshot follows the last.
    process.stdout.write(terminal ? `\x1b[2J\x1b[H${render()}` : options.json ? render() : `${render()}\n`);
  };
  changed = () => {
    timer ??= setTimeout(draw, REDRAW_MS);
  };
  // The handler is in place before the first view is written: whoever reads it may stop us at once.
  const stopped = new Promise<void>((resolve) => {
    const removeSignalHandler = onStopSignal(async () => {
      changed = () => {};
      clearTimeout(timer);
      await client.endAsync(true);
      removeSignalHandler();
      resolve();
    });
  });
  draw();
  await stopped;
}

export function registerWatchCommand(program: Command): void {
  addCommonOptions(
    program
      .command('watch')
      .description("a subscriber's view of a broker: every sensor under the prefix, its state, last report, live counts and outbox, as messages arrive")
      .option('--broker <url>', 'the broker (default: mqtt.url of the config)')
      .option('--prefix <prefix>', 'the topic prefix (default: mqtt.topic_prefix of the config)')
      .option('--once', 'print what the retained messages say, then exit')
      .option('--json', 'one JSON snapshot per line'),
  ).action(watch);
}
