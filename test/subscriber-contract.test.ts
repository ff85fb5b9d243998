/**
 * What a subscriber gets from a sensor, end to end: a paced `footfall replay --publish` to a real
 * mosquitto, with Home Assistant discovery and the metrics file on. Every message on
 * `footfall/#` is checked against its schema in schema/, the discovery configs against Home
 * Assistant's documented rules and against the messages on their state topics, the metrics file
 * against the Prometheus text format; a later run with discovery off removes the announcement,
 * and nothing of it carries an address of the capture.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connect } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { discoveryConfigs } from '../src/publish/homeassistant.js';
import { PAYLOAD_SCHEMAS } from '../src/payloads/payload-schemas.js';
import type { HealthPayload, TopicName, WindowReport } from '../src/payloads/payloads.js';
import { jsonLines, runCli, startCli } from './helpers/cli.js';
import { GENERATED_CAPTURES, generatedAddresses, generatedCapture } from './helpers/generated-captures.js';
import { hasField, hasJinja, renderTemplates, sensorConfigProblems, templateFields } from './helpers/homeassistant.js';
import { validator } from './helpers/json-schemas.js';
import { findLeaks } from './helpers/leak-scan.js';
import { MqttTestBed, type ReceivedMessage } from './helpers/mosquitto.js';
import { parsePrometheusText } from './helpers/prometheus-text.js';

const bed = new MqttTestBed();
afterEach(() => bed.cleanUp());

const SENSOR = 'contract.door';
const CAPTURE = GENERATED_CAPTURES['radiotap with FCS, pcapng, 2 h']!;
const ENV = {
  FOOTFALL_SENSOR_ID: SENSOR,
  FOOTFALL_PRIVACY_WINDOW_MINUTES: '15',
  FOOTFALL_ZONES_WIFI: 'inside=-60,nearby=-80',
  FOOTFALL_MQTT_LIVE_SECONDS: '1',
  FOOTFALL_MQTT_HEALTH_SECONDS: '1',
  FOOTFALL_LOG_LEVEL: 'warn',
};
const EXPECTED_CONFIGS = discoveryConfigs({
  sensorId: SENSOR,
  topicPrefix: 'footfall',
  homeassistant: { enabled: true, discovery_prefix: 'homeassistant' },
  sources: ['wifi'],
  zones: { wifi: { inside: -60, nearby: -80 }, ble: {} },
  windowMinutes: 15,
  version: 'any',
});

const isConfig = (m: ReceivedMessage) => m.topic.startsWith('homeassistant/') && m.topic.endsWith('/config');
const announced = (messages: ReceivedMessage[]) => messages.filter((m) => isConfig(m) && m.payload !== '');
const removed = (messages: ReceivedMessage[]) => messages.filter((m) => isConfig(m) && m.payload === '');
const topicName = (topic: string) => topic.slice(`footfall/${SENSOR}/`.length) as TopicName;

let scratch: string;
beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-contract-'));
});
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

describe('the subscriber side of a sensor', () => {
  it('publishes valid payloads, announces itself to Home Assistant and answers its birth, writes the metrics file, and removes the announcement when discovery is off', async () => {
    const capture = await generatedCapture(CAPTURE);
    const broker = await bed.broker();
    const subscriber = await bed.subscriber(broker.url);
    const metricsFile = path.join(scratch, 'footfall.prom');
    const dirs = ['state', 'run'].map((name) => path.join(scratch, name));
    // Two hours of capture in about six seconds: live and health go out several times meanwhile.
    const running = startCli(['replay', '--publish', '--speed', '1200', capture.path, '--state-dir', dirs[0]!, '--runtime-dir', dirs[1]!], {
      ...ENV,
      FOOTFALL_MQTT_URL: broker.url,
      FOOTFALL_HOMEASSISTANT_ENABLED: 'true',
      FOOTFALL_METRICS_TEXTFILE: metricsFile,
    });

    await subscriber.waitFor((m) => announced(m).length === EXPECTED_CONFIGS.size, 'the discovery configs');
    const firstMetrics = fs.readFileSync(metricsFile, 'utf8');
    // Home Assistant restarts: its birth message brings every config again.
    const homeAssistant = connect(broker.url);
    await homeAssistant.publishAsync('homeassistant/status', 'online', { qos: 1 });
    await subscriber.waitFor((m) => announced(m).length === 2 * EXPECTED_CONFIGS.size, 'the configs again after the birth message');
    await homeAssistant.endAsync();

    const result = await running.done;
    expect(result.code, result.stderr).toBe(0);
    const printed = jsonLines<WindowReport>(result.stdout);
    expect(printed.length).toBeGreaterThanOrEqual(8);
    await subscriber.waitFor((m) => m.some((x) => x.topic === `footfall/${SENSOR}/status` && x.payload.includes('offline')), 'the offline status');

    // Every payload on footfall/# is valid against its schema, with no field the schema does not describe.
    const own = subscriber.messages.filter((m) => m.topic.startsWith('footfall/'));
    const validators = new Map(Object.entries(PAYLOAD_SCHEMAS).map(([topic, { schema }]) => [topic, validator(schema, { closed: true })]));
    for (const message of own) expect(validators.get(topicName(message.topic))!(JSON.parse(message.payload)), `${message.topic} ${message.payload}`).toEqual([]);
    expect(new Set(own.map((m) => topicName(m.topic)))).toEqual(new Set(['status', 'report', 'live', 'health', 'privacy']));
    expect(own.filter((m) => topicName(m.topic) === 'report').map((m) => JSON.parse(m.payload) as WindowReport)).toEqual(printed);

    // The configs are retained, are the ones expected, pass Home Assistant's checks, and read fields the state topics' payloads have.
    const late = await bed.subscriber(broker.url, { topic: 'homeassistant/#' });
    await late.waitFor((m) => m.length === EXPECTED_CONFIGS.size, 'the retained configs');
    expect(late.messages.every((m) => m.retain && m.qos === 1)).toBe(true);
    expect(new Set(late.messages.map((m) => m.topic))).toEqual(new Set(EXPECTED_CONFIGS.keys()));
    const renders: Array<{ template: string; payload: string }> = [];
    for (const message of late.messages) {
      expect(sensorConfigProblems(message.topic, message.payload), message.topic).toEqual([]);
      const config = JSON.parse(message.payload) as { state_topic: string; value_template: string; state_class?: string };
      expect({ ...config, device: { ...EXPECTED_CONFIGS.get(message.topic)!.device, sw_version: 'any' }, origin: { name: 'footfall', sw_version: 'any' } }).toEqual(EXPECTED_CONFIGS.get(message.topic));
      const payloads = own.filter((m) => m.topic === config.state_topic);
      expect(payloads.length, config.state_topic).toBeGreaterThan(0);
      for (const payload of payloads) {
        for (const field of templateFields(config.value_template)) expect(hasField(JSON.parse(payload.payload), field), `${message.topic}: ${field.join('.')}`).toBe(true);
        if (config.state_class !== undefined) renders.push({ template: config.value_template, payload: payload.payload });
      }
    }
    // Numeric sensors render to numbers on every message footfall sent.
    expect(renders.length).toBeGreaterThan(EXPECTED_CONFIGS.size);
    if (hasJinja) for (const text of renderTemplates(renders)) expect(text).toMatch(/^\d+(\.\d+)?$/);

    // The metrics file was there while the replay ran and holds the final figures after it.
    expect(() => parsePrometheusText(firstMetrics)).not.toThrow();
    const metrics = parsePrometheusText(fs.readFileSync(metricsFile, 'utf8'));
    const frames = metrics.get('footfall_frames_total')!.samples;
    const lastHealth = JSON.parse(own.filter((m) => topicName(m.topic) === 'health').at(-1)!.payload) as HealthPayload;
    expect(frames).toEqual([{ labels: { sensor: SENSOR, source: 'wifi' }, value: printed.reduce((sum, r) => sum + r.wifi!.frames, 0) }]);
    expect(frames[0]!.value).toBeGreaterThanOrEqual(lastHealth.sources.wifi!.frames);
    expect(metrics.get('footfall_source_capturing')!.samples[0]!.value).toBe(0);
    expect(metrics.get('footfall_outbox_depth')!.samples[0]!.value).toBe(0);
    expect(metrics.get('footfall_last_publish_timestamp_seconds')!.samples).toHaveLength(1);
    expect(fs.readdirSync(scratch).filter((name) => name.startsWith('footfall.prom'))).toEqual(['footfall.prom']);

    // Discovery turned off: the next run removes every config, and none stays retained.
    const off = await runCli(['replay', '--publish', capture.path, '--state-dir', path.join(scratch, 'state-off'), '--runtime-dir', path.join(scratch, 'run-off')], {
      ...ENV,
      FOOTFALL_MQTT_URL: broker.url,
    });
    expect(off.code, off.stderr).toBe(0);
    await subscriber.waitFor((m) => removed(m).length === EXPECTED_CONFIGS.size, 'the removals');
    expect(new Set(removed(subscriber.messages).map((m) => m.topic))).toEqual(new Set(EXPECTED_CONFIGS.keys()));
    const after = await bed.subscriber(broker.url, { topic: 'homeassistant/#' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(after.messages).toEqual([]);

    // No address of the capture in anything the sensor sent or wrote.
    const outputs = [
      { name: 'stdout', data: result.stdout + off.stdout },
      { name: 'stderr', data: result.stderr + off.stderr },
      { name: 'mqtt', data: subscriber.messages.map((m) => `${m.topic}\n${m.payload}`).join('\n') },
      { name: 'metrics', data: fs.readFileSync(metricsFile) },
    ];
    expect(findLeaks(generatedAddresses(CAPTURE), outputs)).toEqual([]);
  });
});
