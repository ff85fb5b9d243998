import { describe, expect, it } from 'vitest';
import { hasField, hasJinja, renderTemplates, sensorConfigProblems, templateFields } from '../../test/helpers/homeassistant.js';
import { discoveryConfigs, discoveryNodeId, HomeAssistantDiscovery, type DiscoveryOptions } from './homeassistant.js';
import { FULL_HEALTH, FULL_LIVE, FULL_REPORT, MINIMAL_REPORT } from '../payloads/payloads.fixtures.js';
import { topicFor, type TopicName } from '../payloads/payloads.js';

const OPTIONS: DiscoveryOptions = {
  sensorId: 'store-12.entrance',
  topicPrefix: 'footfall',
  homeassistant: { enabled: true, discovery_prefix: 'homeassistant' },
  sources: ['wifi', 'ble'],
  zones: { wifi: { inside: -65, nearby: -80 }, ble: { inside: -75 } },
  windowMinutes: 60,
  version: '0.1.0',
};
const NODE = 'footfall_store-12_entrance';
const configTopic = (object: string) => `homeassistant/sensor/${NODE}/${object}/config`;
const stateTopic = (name: TopicName) => topicFor('footfall', 'store-12.entrance', name);
/** The payloads of FULL_* are of another sensor id; only their fields matter here. */
const PAYLOADS = new Map<string, object>([
  [stateTopic('report'), FULL_REPORT],
  [stateTopic('live'), FULL_LIVE],
  [stateTopic('health'), FULL_HEALTH],
]);

describe('discoveryConfigs', () => {
  const configs = discoveryConfigs(OPTIONS);

  it('announces one device with the counts of each radio and zone, occupancy, the outbox and the capture', () => {
    expect([...configs.keys()]).toEqual(
      [
        'wifi_devices', 'wifi_zone_inside', 'wifi_zone_nearby', 'ble_devices', 'ble_zone_inside', 'peak_occupancy', 'present', 'outbox_depth',
        'wifi_capture', 'wifi_frame_rate', 'ble_capture', 'ble_frame_rate',
      ].map(configTopic),
    );
    const devices = new Set([...configs.values()].map((config) => JSON.stringify(config.device)));
    expect(devices.size).toBe(1);
    expect(configs.get(configTopic('wifi_devices'))!.device).toEqual({ identifiers: [NODE], name: 'store-12.entrance', manufacturer: 'footfall', model: 'People counter (Wi-Fi and BLE)', sw_version: '0.1.0' });
    expect(new Set([...configs.values()].map((config) => config.unique_id)).size).toBe(configs.size);
  });

  it('passes the checks Home Assistant documents for a discovered MQTT sensor', () => {
    for (const [topic, config] of configs) expect(sensorConfigProblems(topic, JSON.stringify(config)), topic).toEqual([]);
  });

  it('makes the counts measurements in devices, the diagnostics diagnostic, and keeps a window count for two windows', () => {
    const wifi = configs.get(configTopic('wifi_devices'))!;
    expect(wifi).toMatchObject({ state_topic: stateTopic('report'), state_class: 'measurement', unit_of_measurement: 'devices', expire_after: 7200, qos: 1 });
    expect(wifi.entity_category).toBeUndefined();
    expect(configs.get(configTopic('present'))).toMatchObject({ state_topic: stateTopic('live'), state_class: 'measurement', qos: 0 });
    expect(configs.get(configTopic('present'))!.expire_after).toBeUndefined();
    expect(configs.get(configTopic('outbox_depth'))).toMatchObject({ state_topic: stateTopic('health'), entity_category: 'diagnostic', unit_of_measurement: 'reports' });
    expect(configs.get(configTopic('wifi_capture'))).toMatchObject({ entity_category: 'diagnostic' });
    expect(configs.get(configTopic('wifi_capture'))!.state_class).toBeUndefined();
    for (const config of configs.values()) {
      expect(config.availability).toEqual([{ topic: stateTopic('status'), value_template: '{{ value_json.state }}', payload_available: 'online', payload_not_available: 'offline' }]);
    }
  });

  it('reads only fields that the payloads on the state topics have', () => {
    for (const [topic, config] of configs) {
      const payload = PAYLOADS.get(config.state_topic);
      expect(payload, topic).toBeDefined();
      for (const field of templateFields(config.value_template)) expect(hasField(payload, field), `${topic}: ${field.join('.')}`).toBe(true);
    }
  });

  it.skipIf(!hasJinja)('renders with Jinja2 to the numbers and states of the payloads (needs python3 with jinja2)', () => {
    const cases: Array<[object: string, payload: object, expected: string]> = [
      ['wifi_devices', FULL_REPORT, '64'],
      ['ble_zone_inside', FULL_REPORT, '50'],
      ['peak_occupancy', FULL_REPORT, '25'],
      // A report of a window in which BLE did not listen: unknown, not an error.
      ['ble_devices', MINIMAL_REPORT, 'None'],
      // as_of 10:31:07 is in slot 6 (10:30-10:35): slot 5 is the last complete one.
      ['present', FULL_LIVE, String(FULL_LIVE.occupancy[5])],
      ['present', { ...FULL_LIVE, as_of: '2026-11-22T10:02:00Z' }, String(FULL_LIVE.occupancy[0])],
      ['present', { ...FULL_LIVE, as_of: '2027-01-01T00:00:00Z' }, String(FULL_LIVE.occupancy.at(-1))],
      ['present', { ...FULL_LIVE, as_of: '2020-01-01T00:00:00Z' }, String(FULL_LIVE.occupancy[0])],
      ['outbox_depth', FULL_HEALTH, '0'],
      ['wifi_capture', FULL_HEALTH, 'capturing'],
      ['ble_frame_rate', FULL_HEALTH, '0'],
      ['wifi_capture', { ...FULL_HEALTH, sources: {} }, 'absent'],
    ];
    const rendered = renderTemplates(cases.map(([object, payload]) => ({ template: configs.get(configTopic(object))!.value_template, payload: JSON.stringify(payload) })));
    expect(rendered).toEqual(cases.map(([, , expected]) => expected));
  });

  it('names object ids only with what Home Assistant allows, whatever the sensor id', () => {
    expect(discoveryNodeId('a.b_c-d')).toBe('footfall_a_b_c-d');
  });
});

describe('HomeAssistantDiscovery', () => {
  const online = Buffer.from('online');
  const config = Buffer.from('{"name":"x"}');

  it('announces at connection and again on a live birth message, not on a retained one', () => {
    const discovery = new HomeAssistantDiscovery(OPTIONS);
    expect(discovery.subscriptions).toEqual([`homeassistant/+/${NODE}/+/config`, 'homeassistant/status']);
    const announced = discovery.onConnect();
    expect(announced.map((m) => m.topic)).toEqual([...discoveryConfigs(OPTIONS).keys()]);
    expect(JSON.parse(announced[0]!.payload)).toEqual(discoveryConfigs(OPTIONS).get(announced[0]!.topic));
    expect(discovery.onMessage('homeassistant/status', online, false)).toEqual(announced);
    expect(discovery.onMessage('homeassistant/status', online, true)).toEqual([]);
    expect(discovery.onMessage('homeassistant/status', Buffer.from('offline'), false)).toEqual([]);
  });

  it("removes a retained config of this sensor that it no longer announces, and nothing else", () => {
    const discovery = new HomeAssistantDiscovery(OPTIONS);
    expect(discovery.onMessage(configTopic('wifi_zone_door'), config, true)).toEqual([{ topic: configTopic('wifi_zone_door'), payload: '' }]);
    expect(discovery.onMessage(`homeassistant/binary_sensor/${NODE}/old/config`, config, true)).toHaveLength(1);
    // Its own current configs, echoes of what it sends, removals, and other sensors' configs stay.
    expect(discovery.onMessage(configTopic('wifi_devices'), config, true)).toEqual([]);
    expect(discovery.onMessage(configTopic('wifi_zone_door'), config, false)).toEqual([]);
    expect(discovery.onMessage(configTopic('wifi_zone_door'), Buffer.alloc(0), true)).toEqual([]);
    expect(discovery.onMessage('homeassistant/sensor/footfall_other/wifi_devices/config', config, true)).toEqual([]);
  });

  it('turned off, announces nothing and removes every config an earlier run left', () => {
    const discovery = new HomeAssistantDiscovery({ ...OPTIONS, homeassistant: { enabled: false, discovery_prefix: 'homeassistant' } });
    expect(discovery.subscriptions).toEqual([`homeassistant/+/${NODE}/+/config`]);
    expect(discovery.onConnect()).toEqual([]);
    expect(discovery.onMessage(configTopic('wifi_devices'), config, true)).toEqual([{ topic: configTopic('wifi_devices'), payload: '' }]);
  });
});
