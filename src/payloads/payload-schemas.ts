/**
 * JSON Schemas of every MQTT payload footfall sends, written for subscribers: what each field
 * means, its unit and its range. They are built against the types in payloads.ts (see
 * objectSchema), so a field added to a payload does not compile until it is described here, and
 * `schema/*.json` is written from them (schema-files.ts).
 */
import { DWELL_BUCKETS, HEALTH_SCHEMA, LIVE_SCHEMA, PRIVACY_SCHEMA, REPORT_SCHEMA, type BleCounts, type DwellBucket, type HealthPayload, type LivePayload, type PrivacyPayload, type ReportQuality, type SourceHealth, type StatusPayload, type TopicName, type WifiCounts, type WindowReport } from './payloads.js';
import { JSON_SCHEMA_DRAFT, mapSchema, objectSchema, withDescription, type JsonSchema } from './json-schema.js';

/** ISO-8601 UTC, as footfall writes times: `2026-11-22T10:00:00Z` (acknowledgement times carry milliseconds). */
const UTC_TIME: JsonSchema = { type: 'string', format: 'date-time', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$' };
const COUNT: JsonSchema = { type: 'integer', minimum: 0 };
const count = (description: string): JsonSchema => withDescription(COUNT, description);
const SENSOR: JsonSchema = { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$', description: 'The sensor id (sensor.id), as in the topic.' };

const ZONES = mapSchema(
  "Devices per RSSI zone, by the zone names of the sensor's config (zones.wifi, zones.ble), in their order: each device counts in the strongest zone its best RSSI reaches. Empty when no zones are set.",
  COUNT,
);

const dwellProperties = Object.fromEntries(DWELL_BUCKETS.map((bucket) => [bucket, count(`Devices that stayed ${bucket} minutes.`)])) as Record<DwellBucket, JsonSchema>;
const dwellOptional = Object.fromEntries(DWELL_BUCKETS.map((bucket) => [bucket, true])) as Record<DwellBucket, true>;

const WIFI_COUNTS = objectSchema<WifiCounts>(
  'Wi-Fi probe requests heard in the window. Absent when Wi-Fi capture is disabled.',
  {
    frames: count('Probe requests counted.'),
    malformed: count('Frames read but unusable: truncated, malformed, or failing their FCS.'),
    addresses: count('Distinct source addresses (corrected for token collisions). Randomised addresses make this far larger than the number of devices.'),
    addresses_global: count('Distinct addresses whose locally-administered bit is clear (assigned by the vendor).'),
    addresses_randomized: count('Distinct addresses whose locally-administered bit is set (randomised).'),
    devices: count('Estimated distinct physical devices: the figure to use for people counting.'),
    zones: ZONES,
    dwell_minutes: objectSchema<WifiCounts['dwell_minutes']>(
      'Stably identified devices by minutes between their first and last frame in the window; a bucket with none is absent.',
      dwellProperties,
      dwellOptional,
    ),
  },
  {},
);

const BLE_COUNTS = objectSchema<BleCounts>(
  'BLE advertisements heard in the window. Absent when BLE capture is disabled.',
  {
    frames: count('Advertisements counted.'),
    malformed: count('Frames read but unusable: truncated, malformed, or failing their CRC.'),
    addresses: count('Distinct advertiser addresses (corrected for token collisions).'),
    addresses_public: count('Distinct public (vendor-assigned) addresses.'),
    addresses_random_static: count('Distinct random static addresses.'),
    addresses_resolvable: count('Distinct resolvable private addresses (these rotate about every 15 minutes).'),
    addresses_nonresolvable: count('Distinct non-resolvable private addresses.'),
    devices: count('Estimated distinct physical devices: the figure to use for people counting.'),
    zones: ZONES,
  },
  {},
);

const QUALITY = objectSchema<ReportQuality>(
  'How far the counts can be trusted.',
  {
    capture_seconds: count('Seconds of the window during which the sensor captured (in a replay: covered by the input).'),
    dropped_frames: count('Frames lost before footfall saw them (capture drops), or that arrived too late for the window.'),
    restarts: count('How many times the daemon restarted inside the window and continued it.'),
    clock_synced: { type: 'boolean', description: 'Whether the clock was synchronized for the whole window.' },
    devices_counted_from: withDescription(
      UTC_TIME,
      "Present when the window's key was lost, or did not match its checkpoint after a restart: devices are counted from then on (counting on would have counted devices seen before and after twice). Addresses, devices, zones, dwell and occupancy cover the window from then; frames and capture_seconds the whole window.",
    ),
  },
  { devices_counted_from: true },
);

/** The names of an object's fields that hold one value (a count, a flag, a time), not an object. */
function valueFieldNames(schema: JsonSchema): string[] {
  return Object.entries(schema.properties ?? {})
    .filter(([, field]) => field.type !== 'object')
    .map(([name]) => name);
}

/**
 * The report's fields of single values per radio and in `quality`, by name, for the privacy
 * manifest; the zones and dwell buckets a report carries depend on the config.
 */
export const REPORT_VALUE_FIELDS = { wifi: valueFieldNames(WIFI_COUNTS), ble: valueFieldNames(BLE_COUNTS), quality: valueFieldNames(QUALITY) };

/** The fields a report and the live counts share. */
const COUNTS_PROPERTIES = {
  id: { type: 'string', minLength: 1, description: '`<sensor>/<window start>`: the same for every copy of one window, so that a subscriber can drop the duplicates that QoS 1 allows.' },
  sensor: SENSOR,
  window: objectSchema<WindowReport['window']>(
    'The counting window: UTC-aligned, privacy.window_minutes long.',
    { start: withDescription(UTC_TIME, 'Start of the window (inclusive).'), end: withDescription(UTC_TIME, 'End of the window (exclusive).') },
    {},
  ),
  wifi: WIFI_COUNTS,
  ble: BLE_COUNTS,
  occupancy: {
    type: 'array',
    items: COUNT,
    minItems: 1,
    description: 'Estimated devices present per 5-minute slot of the window, from its start (the last slot is shorter when 5 does not divide the window). Devices heard on both radios count once.',
  },
  quality: QUALITY,
  suppressed: {
    type: 'array',
    items: { type: 'string' },
    description: 'Present when privacy.min_count hid counts: the fields (`wifi.devices`, `wifi.zones.inside`, `occupancy[3]`, ...) reported as 0 because they were above 0 but below the minimum.',
  },
} satisfies Record<Exclude<keyof LivePayload & keyof WindowReport, 'schema'>, JsonSchema>;

const schemaName = (name: string): JsonSchema => ({ const: name, description: `Names this payload and its version: \`${name}\`. A change that breaks the shape gets a new version.` });

export const REPORT_JSON_SCHEMA = objectSchema<WindowReport>(
  "One finished counting window, on `<prefix>/<sensor>/report` (QoS 1, not retained), sent once the window ends and kept in the sensor's outbox until the broker acknowledges it: after an outage, the missed windows arrive oldest first. Counts only, never anything per device.",
  {
    schema: schemaName(REPORT_SCHEMA),
    ...COUNTS_PROPERTIES,
    partial: { const: true, description: 'Present when the window did not run to its end (a replay whose input ended inside it).' },
  },
  { partial: true, wifi: true, ble: true, suppressed: true },
);

export const LIVE_JSON_SCHEMA = objectSchema<LivePayload>(
  'The open window\'s counts so far, on `<prefix>/<sensor>/live` (QoS 0, retained), every mqtt.live_seconds. The same fields as a report, for the part of the window that has passed; the finished window comes as a report.',
  {
    schema: schemaName(LIVE_SCHEMA),
    ...COUNTS_PROPERTIES,
    as_of: withDescription(UTC_TIME, 'When these counts were taken.'),
  },
  { wifi: true, ble: true, suppressed: true },
);

export const STATUS_JSON_SCHEMA = objectSchema<StatusPayload>(
  'Whether the sensor is connected, on `<prefix>/<sensor>/status` (QoS 1, retained). The broker publishes `offline` as the last will when the sensor disappears without saying so.',
  { state: { enum: ['online', 'offline'], description: '`online` while the sensor is connected, `offline` once it stopped or was lost.' } },
  {},
);

const SOURCE_HEALTH = objectSchema<SourceHealth>(
  'One capture source.',
  {
    state: { type: 'string', minLength: 1, description: '`capturing`, or why not (e.g. `unavailable`, `stopped`).' },
    frames_per_second: { type: 'number', minimum: 0, description: 'Frames counted per second over about the last minute.' },
    frames: count('Frames counted since the sensor started.'),
    malformed: count('Frames read but unusable since the sensor started.'),
    dropped: count('Frames lost before footfall saw them (capture drops) since the sensor started.'),
  },
  {},
);

export const HEALTH_JSON_SCHEMA = objectSchema<HealthPayload>(
  'How the sensor itself is doing, on `<prefix>/<sensor>/health` (QoS 1, retained), every mqtt.health_seconds.',
  {
    schema: schemaName(HEALTH_SCHEMA),
    sensor: SENSOR,
    time: withDescription(UTC_TIME, 'When these figures were taken.'),
    uptime_seconds: count('Seconds since the sensor started.'),
    sources: objectSchema<HealthPayload['sources']>(
      'The capture sources the sensor runs; one that is disabled is absent.',
      { wifi: withDescription(SOURCE_HEALTH, 'The Wi-Fi capture.'), ble: withDescription(SOURCE_HEALTH, 'The BLE capture.') },
      { wifi: true, ble: true },
    ),
    outbox_depth: count("Finished reports waiting for the broker's acknowledgement; it grows while the broker is unreachable."),
    last_publish: { ...UTC_TIME, type: ['string', 'null'], description: 'When the broker last acknowledged a report; null before the first.' },
    clock: objectSchema<HealthPayload['clock']>(
      'The system clock.',
      {
        synced: { type: 'boolean', description: 'Whether the clock is synchronized now.' },
        steps: count('How often the clock jumped since the sensor started.'),
        held_back_frames: count('Frames not counted because the clock was not synchronized.'),
      },
      {},
    ),
    store: objectSchema<HealthPayload['store']>(
      'Whether the database takes writes. While it is not `ok`, counting and publishing go on from memory.',
      {
        state: { type: 'string', enum: ['ok', 'disk_full', 'failing'], description: '`disk_full`: its file system has no room; `failing`: an I/O error or a damaged file.' },
        error: { type: ['string', 'null'], description: 'The last write error while it is not ok; null when ok.' },
        since: { ...UTC_TIME, type: ['string', 'null'], description: 'When it stopped being ok; null when ok.' },
        reports_in_memory: count('Finished reports kept in memory because they could not be written yet.'),
        unreadable_reports: count('Rows of the outbox that cannot be read (a damaged page), passed over.'),
      },
      {},
    ),
    versions: mapSchema('Versions of footfall and of what it runs on (node, sqlite, ...), by name.', { type: 'string' }),
  },
  {},
);

export const PRIVACY_JSON_SCHEMA = objectSchema<PrivacyPayload>(
  "What the sensor does with what it hears, on `<prefix>/<sensor>/privacy` (QoS 1, retained), from its live config: the same facts as `footfall privacy notice`.",
  {
    schema: schemaName(PRIVACY_SCHEMA),
    sensor: SENSOR,
    window_minutes: { type: 'integer', minimum: 1, maximum: 1440, description: "Pseudonyms last at most this long: the window's key is destroyed at its end." },
    token_bits: { type: 'integer', minimum: 16, maximum: 64, description: 'Bits kept of each keyed hash of an address.' },
    key_storage: objectSchema<PrivacyPayload['key_storage']>(
      'Where the window keys live.',
      {
        medium: { const: 'tmpfs', description: 'A tmpfs: keys never reach persistent storage.' },
        destroyed: { const: 'at the end of each window', description: 'When keys are destroyed.' },
      },
      {},
    ),
    published: objectSchema<PrivacyPayload['published']>(
      'The fields of the counts, by topic, as dotted paths: counts only, never anything per device.',
      {
        report: { type: 'array', items: { type: 'string' }, description: 'Fields of the report topic.' },
        live: { type: 'array', items: { type: 'string' }, description: 'Fields of the live topic.' },
      },
      {},
    ),
    ignored_entries: count('How many addresses and vendor prefixes are never counted (capture.ignore); never which.'),
    min_count: { type: 'integer', minimum: 0, description: 'Counts below this are published as 0 (0: none are suppressed).' },
    contact: { type: ['string', 'null'], description: 'Whom to ask about the counting; null when the venue gave no one.' },
    version: { type: 'string', description: "footfall's version." },
  },
  {},
);

export const PAYLOAD_SCHEMAS: Record<TopicName, { title: string; schema: JsonSchema }> = {
  status: { title: 'footfall status', schema: STATUS_JSON_SCHEMA },
  report: { title: REPORT_SCHEMA, schema: REPORT_JSON_SCHEMA },
  live: { title: LIVE_SCHEMA, schema: LIVE_JSON_SCHEMA },
  health: { title: HEALTH_SCHEMA, schema: HEALTH_JSON_SCHEMA },
  privacy: { title: PRIVACY_SCHEMA, schema: PRIVACY_JSON_SCHEMA },
};

/** The schema document of a topic's payload, as written to `schema/<topic>.json`. */
export function payloadSchemaDocument(topic: TopicName): JsonSchema {
  const { title, schema } = PAYLOAD_SCHEMAS[topic];
  return { $schema: JSON_SCHEMA_DRAFT, title, ...schema };
}
