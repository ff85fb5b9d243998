/**
 * The one description of footfall's configuration: every key, its default, what is allowed and
 * what it means. Validation, defaults, environment variables and the documented example file
 * (`footfall config example`) all come from here.
 */
import os from 'node:os';
import { boolean, integer, integerList, namedNumbers, oneOf, optionalText, privateTextList, text, type Field } from './fields.js';
import { LOG_LEVELS } from '../log/logger.js';
import { DEFAULT_DISCOVERY_PREFIX } from '../publish/homeassistant.js';
import { IGNORE_ENTRY_FORMS, parseIgnoreEntry } from '../privacy/ignore-list.js';
import { brokerUrlProblem } from '../publish/broker-url.js';

/** Characters that are safe in one MQTT topic level and in file names. */
const SENSOR_ID = /^[A-Za-z0-9._-]{1,64}$/;

export function defaultSensorId(): string {
  const host = os.hostname().replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 64);
  return SENSOR_ID.test(host) ? host : 'footfall';
}

const divides1440 = (n: number) => 1440 % n === 0;
const INTERFACE_NAME = /^[A-Za-z0-9._-]{1,15}$/;
const INTERFACE_ALLOWED = 'a network interface name (1 to 15 letters, digits, ".", "_" or "-")';
/** A topic to publish under: MQTT wildcards and empty levels at the ends are not allowed. */
const TOPIC = /^[^#+\s/](?:[^#+\s]*[^#+\s/])?$/;
const TOPIC_ALLOWED = 'a topic without "#", "+", spaces, or a leading or trailing "/"';
export const WIFI_LINK_TYPE_NAMES = ['auto', 'radiotap', 'ieee802_11', 'prism', 'avs'] as const;

export const schema = {
  sensor: {
    id: text({
      doc: 'Name of this sensor in MQTT topics and reports; letters, digits, ".", "_" and "-".',
      default: defaultSensorId,
      defaultText: 'the host name',
      example: 'store-12-entrance',
      pattern: SENSOR_ID,
      allowed: '1 to 64 letters, digits, ".", "_" or "-"',
    }),
  },
  capture: {
    wifi: {
      enabled: boolean({ doc: 'Count Wi-Fi probe requests (footfall run). A replay counts what its files hold.', default: true }),
      interface: text({
        doc:
          'Wi-Fi interface to capture on (footfall run): a monitor-mode interface, or with ' +
          'create_monitor the adapter from which footfall makes one.',
        default: 'wlan1',
        pattern: INTERFACE_NAME,
        allowed: INTERFACE_ALLOWED,
      }),
      create_monitor: boolean({
        doc:
          'Make a monitor interface (monitor_interface) from `interface` with iw at start, and ' +
          'remove it at stop. Leave off when the interface is already in monitor mode.',
        default: false,
      }),
      monitor_interface: text({
        doc: 'Name of the monitor interface that create_monitor makes.',
        default: 'ffmon0',
        pattern: INTERFACE_NAME,
        allowed: INTERFACE_ALLOWED,
      }),
      channels: integerList({
        doc:
          'Channel plan: the channels to listen on, in turn (phones probe on 1, 6 and 11). One ' +
          'channel: stay on it. None: leave the channel as it is.',
        default: [1, 6, 11],
        min: 1,
        max: 196,
        allowed: 'a list of Wi-Fi channel numbers (1 to 196), e.g. [1, 6, 11], or "1,6,11" as text',
      }),
      hop_ms: integer({ doc: 'How long to stay on each channel of the plan, in milliseconds.', default: 500, min: 50, max: 60_000 }),
      buffer_kb: integer({
        doc: "Kernel capture buffer. Frames that arrive while it is full are dropped (and counted as dropped_frames).",
        default: 2048,
        min: 64,
        max: 262_144,
      }),
      link_type: oneOf(WIFI_LINK_TYPE_NAMES, {
        doc:
          'How frames are decoded: auto uses the link type libpcap reports (it must be a Wi-Fi ' +
          'one). A name forces it, for drivers that report a wrong one and for test benches that ' +
          'feed frames through a virtual Ethernet interface.',
        default: 'auto',
      }),
      check_fcs: boolean({
        doc:
          'Drop frames whose frame check sequence is wrong, when the capture carries one. ' +
          'Turn off for captures whose FCS was not recomputed after editing.',
        default: true,
      }),
    },
    ble: {
      enabled: boolean({
        doc:
          'Count BLE advertisements from the Bluetooth controller (footfall run). Without a ' +
          'usable adapter the daemon runs on Wi-Fi alone and says why.',
        default: true,
      }),
      adapter: integer({ doc: 'Bluetooth controller index: 0 is hci0.', default: 0, min: 0, max: 15 }),
      passive: boolean({
        doc: 'Scan passively: listen only, never send scan requests (a sensor should not transmit).',
        default: true,
      }),
      stall_seconds: integer({
        doc: 'When the controller reports nothing for this long, restart the scan; if that does not help, re-initialize it.',
        default: 60,
        min: 5,
        max: 3600,
      }),
    },
    ignore: privateTextList({
      doc:
        'Devices never counted, Wi-Fi and BLE alike: the venue\'s own PCs, printers, tills and ' +
        'beacons, and people who asked to opt out. Each entry is an address (aa:bb:cc:dd:ee:ff) or ' +
        'a vendor prefix (aa:bb:cc: every device whose address starts with it), any case, ":" or ' +
        '"-" between octets; in the environment, comma-separated. Their frames are dropped ' +
        'before tokenizing and appear nowhere; an error names a bad entry by its position and ' +
        'never repeats it.',
      default: [],
      example: '[dc:fb:48, 40:ec:99:f9:34:a6]',
      accepts: (entry) => parseIgnoreEntry(entry) !== undefined,
      allowed: IGNORE_ENTRY_FORMS,
    }),
  },
  clock: {
    require_sync: boolean({
      doc:
        'Count only while the system clock is synchronized (a Raspberry Pi has no real-time ' +
        'clock and boots with a wrong time). Frames before that are held back and not counted.',
      default: true,
    }),
    sync_command: text({
      doc: 'Shell command that exits 0 when the clock is synchronized (works with systemd-timesyncd and chrony).',
      default: 'test "$(timedatectl show --property=NTPSynchronized --value)" = yes',
    }),
    check_seconds: integer({ doc: 'How often the synchronization is checked.', default: 10, min: 1, max: 3600 }),
  },
  privacy: {
    window_minutes: integer({
      doc:
        'Length of a counting window in minutes. Windows are aligned to UTC midnight; every ' +
        "window has its own key, destroyed at the window's end with all of the window's tokens.",
      default: 60,
      min: 1,
      max: 1440,
      check: divides1440,
      allowed: 'a whole number of minutes that divides 1440 (a day), e.g. 5, 10, 15, 30, 60, 120, 1440',
    }),
    token_bits: integer({
      doc: 'Bits kept of each keyed hash. Counts are corrected for the collisions that truncation causes.',
      default: 32,
      min: 16,
      max: 64,
    }),
    token_cache_size: integer({
      doc: 'Most addresses whose tokens are cached per window; the cache is cleared when it is full.',
      default: 200_000,
      min: 1_000,
      max: 10_000_000,
    }),
    contact: optionalText({
      doc:
        'Whom shoppers ask about the counting, and where they ask to be left out: an email ' +
        'address, a phone number or a web page. Printed on footfall privacy notice and published ' +
        'in the privacy topic. None by default.',
      default: null,
      example: 'privacy@corner-shop.example',
    }),
    min_count: integer({
      doc:
        'Counts of devices below this are published and stored as 0, and the report names the ' +
        'fields it suppressed: for small venues and night hours, where "1" can point at one ' +
        'person. 0 (the default) suppresses nothing.',
      default: 0,
      min: 0,
      max: 1000,
    }),
  },
  zones: {
    wifi: namedNumbers({
      doc:
        'Wi-Fi RSSI zones: zone name -> minimum RSSI in dBm, in order: the first zone is the ' +
        'premises (devices whose best RSSI reaches it are present: occupancy and dwell count ' +
        'them). Each device counts in the strongest zone its best RSSI reaches. Set by footfall ' +
        'calibrate; none by default (every device heard is present).',
      default: {},
      example: '{ inside: -65, nearby: -80 }',
      min: -120,
      max: 0,
      unit: 'dBm',
    }),
    ble: namedNumbers({
      doc:
        'BLE RSSI zones, as zones.wifi (the first is the premises). Set apart from the Wi-Fi ' +
        'ones: the same phone at the same spot reads 10 to 20 dB apart on the two radios.',
      default: {},
      example: '{ inside: -75, nearby: -90 }',
      min: -120,
      max: 0,
      unit: 'dBm',
    }),
  },
  paths: {
    state_dir: text({ doc: 'Where the SQLite database lives (outbox, history, checkpoints).', default: '/var/lib/footfall' }),
    runtime_dir: text({
      doc: 'Where window keys live; must be a tmpfs so that keys never reach persistent storage.',
      default: '/run/footfall',
    }),
  },
  store: {
    // A checkpoint rewrites every entry seen since the last one: at a venue, every phone and
    // beacon advertising over BLE. Every 5 s, that was 2-3 points of a busy sensor's 13% of a
    // core, and three times the writes to its SD card; a restart after a power cut loses at most
    // this much capture.
    checkpoint_seconds: integer({
      doc: "How often the open window's state is saved, so that a restart continues it.",
      default: 15,
      min: 1,
      max: 300,
    }),
    history_days: integer({ doc: 'Days of finished reports kept in the local history.', default: 30, min: 0, max: 3650 }),
  },
  mqtt: {
    url: optionalText({
      doc: 'Broker URL (mqtt://, mqtts://, ws:// or wss://). None: publishing is off.',
      default: null,
      example: 'mqtts://broker.example.net:8883',
      allowed: 'a URL starting with mqtt://, mqtts://, ws:// or wss://',
      pattern: /^(mqtts?|wss?):\/\/[^\s/]+/,
      check: brokerUrlProblem,
    }),
    topic_prefix: text({
      doc: 'Topics are <topic_prefix>/<sensor.id>/status, report, live and health.',
      default: 'footfall',
      pattern: TOPIC,
      allowed: TOPIC_ALLOWED,
    }),
    client_id: optionalText({ doc: 'MQTT client id. None: footfall-<sensor.id>.', default: null }),
    username: optionalText({ doc: 'User name for the broker.', default: null }),
    password_file: optionalText({
      doc: 'File that holds the password (first line), so that it stays out of the config.',
      default: null,
      example: '/etc/footfall/mqtt-password',
    }),
    ca_file: optionalText({ doc: "PEM file of the CA that signed the broker's certificate.", default: null }),
    cert_file: optionalText({ doc: 'PEM client certificate, for brokers that require one.', default: null }),
    key_file: optionalText({ doc: "PEM private key of the client certificate.", default: null }),
    reject_unauthorized: boolean({ doc: "Refuse a broker whose certificate does not verify.", default: true }),
    keepalive_seconds: integer({ doc: 'MQTT keepalive.', default: 60, min: 5, max: 3600 }),
    reconnect_max_seconds: integer({
      doc: 'Longest wait between reconnection attempts (the wait doubles from 1 s up to this).',
      default: 60,
      min: 1,
      max: 3600,
    }),
    live_seconds: integer({ doc: "How often the open window's counts so far go to the live topic.", default: 60, min: 1, max: 3600 }),
    health_seconds: integer({ doc: 'How often the health topic is refreshed.', default: 60, min: 1, max: 3600 }),
  },
  homeassistant: {
    enabled: boolean({
      doc:
        'Announce this sensor to Home Assistant by MQTT discovery: one device with its counts, ' +
        'occupancy, outbox depth and capture state, announced again when Home Assistant comes ' +
        'online. Turned off, the announcements of an earlier run are removed. Needs mqtt.url.',
      default: false,
    }),
    discovery_prefix: text({
      doc: "Home Assistant's MQTT discovery prefix (its MQTT integration's setting); its birth message is read from <discovery_prefix>/status.",
      default: DEFAULT_DISCOVERY_PREFIX,
      pattern: TOPIC,
      allowed: TOPIC_ALLOWED,
    }),
  },
  metrics: {
    textfile: optionalText({
      doc:
        "File that node_exporter's textfile collector reads: the health figures in Prometheus " +
        'text format, written every mqtt.health_seconds (publishing on or off) by writing a ' +
        'temporary file beside it and renaming it. None: no file.',
      default: null,
      example: '/var/lib/prometheus/node-exporter/footfall.prom',
      pattern: /^\/.*[^/]\.prom$/,
      allowed: 'an absolute path of a file whose name ends in .prom (the textfile collector reads only those)',
    }),
  },
  log: {
    level: oneOf(LOG_LEVELS, { doc: 'How much to log.', default: 'info' }),
  },
} as const;

export type Schema = typeof schema;
type SectionSpec = { readonly [key: string]: Field<unknown> | SectionSpec };
type Infer<S> = { [K in keyof S]: S[K] extends Field<infer T> ? T : Infer<S[K]> };
export type Config = Infer<Schema>;

/** Every field with its dotted key and environment variable name, in schema order. */
export interface FieldEntry {
  key: string;
  env: string;
  field: Field<unknown>;
}

export function listFields(section: SectionSpec = schema as unknown as SectionSpec, prefix = ''): FieldEntry[] {
  const out: FieldEntry[] = [];
  for (const [name, spec] of Object.entries(section)) {
    const key = prefix ? `${prefix}.${name}` : name;
    if ((spec as Field<unknown>).isField === true) {
      out.push({ key, env: `FOOTFALL_${key.replace(/\./g, '_').toUpperCase()}`, field: spec as Field<unknown> });
    } else {
      out.push(...listFields(spec as SectionSpec, key));
    }
  }
  return out;
}

export function isSection(spec: unknown): spec is SectionSpec {
  return typeof spec === 'object' && spec !== null && (spec as Field<unknown>).isField !== true;
}
