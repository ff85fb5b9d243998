/**
 * Home Assistant MQTT discovery (`homeassistant.enabled`): the sensor announces itself as one
 * device with its sensors, in retained configs under
 * `<discovery_prefix>/sensor/footfall_<sensor>/<object>/config`, each reading one of footfall's
 * own topics with a template. Nothing is published for Home Assistant alone.
 *
 * What each sensor reads. The counts of a window (devices, zones, peak occupancy) come from
 * `report`, which holds a finished window's final figures; `live` would show a count that climbs
 * through each window and drops at the next, which Home Assistant would chart and average as if
 * it were a level. `report` is not retained, so those sensors set `expire_after` (two windows):
 * Home Assistant then keeps their last value across its own restarts (it restores a sensor's
 * state only when expire_after is set) and marks them unavailable when reports stop. "Present
 * now" comes from the retained `live`: the occupancy of its last complete 5-minute slot. The
 * outbox depth and the capture's state come from the retained `health`, as diagnostics, and
 * every sensor is available while `status` says online.
 *
 * Without state. The configs are sent at every connection and again when Home Assistant's birth
 * message (`<discovery_prefix>/status` = `online`) says it restarted. To remove what an earlier
 * run announced (discovery turned off, a zone renamed), the sensor subscribes to its own config
 * topics: the broker hands back the retained ones, and each that is not announced now is
 * cleared with an empty retained payload, which is how Home Assistant is told to remove it.
 */
import type { SourceKind } from '../capture/source.js';
import type { Config } from '../config/schema.js';
import { SLOT_MS } from '../count/windows.js';
import { topicFor, type TopicName } from '../payloads/payloads.js';

export interface DiscoveryOptions {
  sensorId: string;
  topicPrefix: string;
  homeassistant: Config['homeassistant'];
  /** The radios the sensor counts: each has its own sensors. */
  sources: readonly SourceKind[];
  zones: Config['zones'];
  windowMinutes: number;
  version: string;
}

/** A config of Home Assistant's MQTT sensor, as its discovery documentation names the fields. */
export interface SensorDiscoveryConfig {
  name: string;
  unique_id: string;
  state_topic: string;
  value_template: string;
  /** The QoS Home Assistant subscribes to the state topic with. */
  qos: 0 | 1;
  availability: Array<{ topic: string; value_template: string; payload_available: 'online'; payload_not_available: 'offline' }>;
  device: { identifiers: string[]; name: string; manufacturer: string; model: string; sw_version: string };
  origin: { name: string; sw_version: string };
  icon: string;
  state_class?: 'measurement';
  unit_of_measurement?: string;
  entity_category?: 'diagnostic';
  /** Seconds after the last update that the value becomes unavailable; also what lets Home Assistant restore it after its restart. */
  expire_after?: number;
}

/** A retained message to publish with QoS 1; an empty payload removes a config. */
export interface DiscoveryMessage {
  topic: string;
  payload: string;
}

const RADIO_NAMES: Record<SourceKind, string> = { wifi: 'Wi-Fi', ble: 'BLE' };
const RADIO_ICONS: Record<SourceKind, string> = { wifi: 'mdi:wifi', ble: 'mdi:bluetooth' };
const SLOT_SECONDS = SLOT_MS / 1000;

/** Home Assistant's node and object ids take letters, digits, "_" and "-"; a sensor id may also hold ".". */
/** Home Assistant's own default for its MQTT integration's discovery prefix. */
export const DEFAULT_DISCOVERY_PREFIX = 'homeassistant';

export function discoveryNodeId(sensorId: string): string {
  return `footfall_${sensorId.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

/** A field of a radio's section, or None (unknown) in a report in which that radio did not listen. */
const radioField = (radio: SourceKind, field: string) => `{{ value_json.${radio}.${field} if value_json.${radio} is defined else None }}`;

interface SensorSpec {
  object: string;
  name: string;
  topic: TopicName;
  template: string;
  icon: string;
  unit?: string;
  diagnostic?: true;
}

function sensorSpecs(options: DiscoveryOptions): SensorSpec[] {
  const perWindow = (object: string, name: string, template: string, icon: string): SensorSpec => ({ object, name: `${name} (last window)`, topic: 'report', template, icon, unit: 'devices' });
  return [
    ...options.sources.flatMap((radio) => [
      perWindow(`${radio}_devices`, `${RADIO_NAMES[radio]} devices`, radioField(radio, 'devices'), RADIO_ICONS[radio]),
      ...Object.keys(options.zones[radio]).map((zone) =>
        perWindow(`${radio}_zone_${zone}`, `${RADIO_NAMES[radio]} zone ${zone}`, radioField(radio, `zones.${zone}`), 'mdi:map-marker-radius'),
      ),
    ]),
    perWindow('peak_occupancy', 'Peak occupancy', '{{ value_json.occupancy | max }}', 'mdi:account-group'),
    {
      object: 'present',
      name: 'Present now',
      topic: 'live',
      // The last complete 5-minute slot of the open window (the current one while it is the
      // first), kept inside the window for an as_of outside it (a replay's is the wall clock).
      template:
        `{% set slot = ((as_timestamp(value_json.as_of) - as_timestamp(value_json.window.start)) // ${SLOT_SECONDS}) | int %}` +
        '{{ value_json.occupancy[[[slot - 1, 0] | max, value_json.occupancy | length - 1] | min] }}',
      icon: 'mdi:account-multiple',
      unit: 'devices',
    },
    { object: 'outbox_depth', name: 'Outbox depth', topic: 'health', template: '{{ value_json.outbox_depth }}', icon: 'mdi:tray-full', unit: 'reports', diagnostic: true },
    ...options.sources.flatMap((radio): SensorSpec[] => [
      {
        object: `${radio}_capture`,
        name: `${RADIO_NAMES[radio]} capture`,
        topic: 'health',
        template: `{{ value_json.sources.${radio}.state if value_json.sources.${radio} is defined else 'absent' }}`,
        icon: 'mdi:access-point',
        diagnostic: true,
      },
      {
        object: `${radio}_frame_rate`,
        name: `${RADIO_NAMES[radio]} frame rate`,
        topic: 'health',
        template: `{{ value_json.sources.${radio}.frames_per_second if value_json.sources.${radio} is defined else None }}`,
        icon: 'mdi:speedometer',
        unit: 'frames/s',
        diagnostic: true,
      },
    ]),
  ];
}

/** Every config this sensor announces now, by discovery topic. */
export function discoveryConfigs(options: DiscoveryOptions): Map<string, SensorDiscoveryConfig> {
  const node = discoveryNodeId(options.sensorId);
  const topic = (name: TopicName) => topicFor(options.topicPrefix, options.sensorId, name);
  const device = {
    identifiers: [node],
    name: options.sensorId,
    manufacturer: 'footfall',
    model: `People counter (${options.sources.map((radio) => RADIO_NAMES[radio]).join(' and ')})`,
    sw_version: options.version,
  };
  const origin = { name: 'footfall', sw_version: options.version };
  const availability = [{ topic: topic('status'), value_template: '{{ value_json.state }}', payload_available: 'online' as const, payload_not_available: 'offline' as const }];
  const configs = new Map<string, SensorDiscoveryConfig>();
  for (const spec of sensorSpecs(options)) {
    configs.set(`${options.homeassistant.discovery_prefix}/sensor/${node}/${spec.object}/config`, {
      name: spec.name,
      unique_id: `${node}_${spec.object}`,
      state_topic: topic(spec.topic),
      value_template: spec.template,
      qos: spec.topic === 'live' ? 0 : 1,
      availability,
      device,
      origin,
      icon: spec.icon,
      ...(spec.unit === undefined ? {} : { state_class: 'measurement' as const, unit_of_measurement: spec.unit }),
      ...(spec.diagnostic ? { entity_category: 'diagnostic' as const } : {}),
      ...(spec.topic === 'report' ? { expire_after: 2 * options.windowMinutes * 60 } : {}),
    });
  }
  return configs;
}

/** What the sensor announces, and the removal of what it no longer does, as MQTT messages in and out. */
export class HomeAssistantDiscovery {
  /** The topics to subscribe to at each connection. */
  readonly subscriptions: string[];
  private readonly birthTopic: string;
  private readonly configs: Map<string, string>;
  private readonly ownConfig: RegExp;

  constructor(options: DiscoveryOptions) {
    const prefix = options.homeassistant.discovery_prefix;
    const node = discoveryNodeId(options.sensorId);
    this.birthTopic = `${prefix}/status`;
    this.configs = new Map(options.homeassistant.enabled ? [...discoveryConfigs(options)].map(([topic, config]) => [topic, JSON.stringify(config)]) : []);
    const ownConfigs = `${prefix}/+/${node}/+/config`;
    this.subscriptions = options.homeassistant.enabled ? [ownConfigs, this.birthTopic] : [ownConfigs];
    const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    this.ownConfig = new RegExp(`^${escaped(prefix)}/[A-Za-z0-9_-]+/${escaped(node)}/[A-Za-z0-9_-]+/config$`);
  }

  /** At each connection: every config (none when discovery is off). */
  onConnect(): DiscoveryMessage[] {
    return [...this.configs].map(([topic, payload]) => ({ topic, payload }));
  }

  /**
   * A message on one of the subscriptions: Home Assistant's birth brings every config again; a
   * retained config of this sensor's node that is not announced now is removed.
   */
  onMessage(topic: string, payload: Buffer, retained: boolean): DiscoveryMessage[] {
    // A retained birth is an old one: the configs went at connection already.
    if (topic === this.birthTopic) return !retained && payload.toString() === 'online' ? this.onConnect() : [];
    // Only retained configs are what an earlier run left; a live one is this run's own, echoed.
    if (!retained || payload.length === 0 || !this.ownConfig.test(topic) || this.configs.has(topic)) return [];
    return [{ topic, payload: '' }];
  }
}
