/**
 * Home Assistant's side of MQTT discovery, for the tests: the checks its documentation sets for a
 * discovered MQTT sensor (topic form, known options, required ones, allowed values), the payload
 * fields a value template reads, and the templates rendered by real Jinja2 when python3 has it.
 */
import { spawnSync } from 'node:child_process';

/** The options of an MQTT sensor that discovery accepts (the MQTT sensor documentation's configuration variables). */
const SENSOR_OPTIONS = new Set([
  'availability', 'availability_mode', 'availability_template', 'availability_topic', 'default_entity_id', 'device', 'device_class',
  'enabled_by_default', 'encoding', 'entity_category', 'entity_picture', 'expire_after', 'force_update', 'icon',
  'json_attributes_template', 'json_attributes_topic', 'last_reset_value_template', 'name', 'object_id', 'options', 'origin',
  'payload_available', 'payload_not_available', 'platform', 'qos', 'state_class', 'state_topic', 'suggested_display_precision',
  'unique_id', 'unit_of_measurement', 'value_template',
]);
const DEVICE_OPTIONS = new Set([
  'configuration_url', 'connections', 'hw_version', 'identifiers', 'manufacturer', 'model', 'model_id', 'name', 'serial_number',
  'suggested_area', 'sw_version', 'via_device',
]);
const ORIGIN_OPTIONS = new Set(['name', 'sw_version', 'support_url']);
const AVAILABILITY_OPTIONS = new Set(['topic', 'payload_available', 'payload_not_available', 'value_template']);
const STATE_CLASSES = new Set(['measurement', 'measurement_angle', 'total', 'total_increasing']);
/** `<discovery_prefix>/<component>/[<node_id>/]<object_id>/config`; ids of letters, digits, "_" and "-". */
const DISCOVERY_TOPIC = /^(.+)\/(sensor)\/(?:([A-Za-z0-9_-]+)\/)?([A-Za-z0-9_-]+)\/config$/;

const isText = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

/** What Home Assistant would refuse or warn about in a discovered sensor's config; none when it takes it. */
export function sensorConfigProblems(topic: string, payload: string): string[] {
  const problems: string[] = [];
  if (!DISCOVERY_TOPIC.test(topic)) problems.push(`${topic} is not a sensor discovery topic`);
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(payload) as Record<string, unknown>;
  } catch {
    return [...problems, 'the payload is not JSON'];
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) return [...problems, 'the payload is not a JSON object'];
  for (const key of Object.keys(config)) if (!SENSOR_OPTIONS.has(key)) problems.push(`unknown option ${key}`);
  if (!isText(config.state_topic) || /[#+]/.test(config.state_topic)) problems.push('state_topic is required and must be a topic without wildcards');
  // A device is attached to an entity only through discovery with a unique_id.
  if (config.device !== undefined && !isText(config.unique_id)) problems.push('a device needs unique_id');
  const device = config.device as Record<string, unknown> | undefined;
  if (device !== undefined) {
    for (const key of Object.keys(device)) if (!DEVICE_OPTIONS.has(key)) problems.push(`unknown device option ${key}`);
    const ids = device.identifiers;
    if (!(isText(ids) || (Array.isArray(ids) && ids.length > 0 && ids.every(isText))) && device.connections === undefined) problems.push('device needs identifiers or connections');
  }
  const origin = config.origin as Record<string, unknown> | undefined;
  if (origin !== undefined) {
    for (const key of Object.keys(origin)) if (!ORIGIN_OPTIONS.has(key)) problems.push(`unknown origin option ${key}`);
    if (!isText(origin.name)) problems.push('origin needs a name');
  }
  if (config.availability !== undefined) {
    if (config.availability_topic !== undefined) problems.push('availability and availability_topic together');
    if (!Array.isArray(config.availability) || config.availability.length === 0) problems.push('availability must be a list');
    for (const entry of (config.availability as Array<Record<string, unknown>>) ?? []) {
      for (const key of Object.keys(entry)) if (!AVAILABILITY_OPTIONS.has(key)) problems.push(`unknown availability option ${key}`);
      if (!isText(entry.topic)) problems.push('an availability entry needs a topic');
    }
  }
  if (config.state_class !== undefined && !STATE_CLASSES.has(config.state_class as string)) problems.push(`state_class ${String(config.state_class)}`);
  // Sensors only take the diagnostic category (config is for entities that change a setting).
  if (config.entity_category !== undefined && config.entity_category !== 'diagnostic') problems.push(`entity_category ${String(config.entity_category)}`);
  if (config.last_reset_value_template !== undefined && config.state_class !== 'total') problems.push('last_reset_value_template needs state_class total');
  if (config.expire_after !== undefined && !(Number.isInteger(config.expire_after) && (config.expire_after as number) > 0)) problems.push('expire_after must be a positive integer');
  if (config.qos !== undefined && ![0, 1, 2].includes(config.qos as number)) problems.push('qos must be 0, 1 or 2');
  for (const key of ['value_template', 'name', 'unit_of_measurement', 'icon']) if (config[key] !== undefined && !isText(config[key])) problems.push(`${key} must be text`);
  if (config.icon !== undefined && !/^mdi:[a-z0-9-]+$/.test(config.icon as string)) problems.push(`icon ${String(config.icon)}`);
  return problems;
}

/** The payload fields a template reads, as paths (`value_json.wifi.zones.inside` → ['wifi', 'zones', 'inside']). */
export function templateFields(template: string): string[][] {
  return [...template.matchAll(/value_json((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g)].map((match) => match[1]!.slice(1).split('.'));
}

/** Whether `payload` (parsed JSON) has the field at `path`. */
export function hasField(payload: unknown, path: readonly string[]): boolean {
  let node = payload;
  for (const part of path) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, part)) return false;
    node = (node as Record<string, unknown>)[part];
  }
  return true;
}

const RENDER = `
import json, sys
from datetime import datetime
import jinja2
env = jinja2.Environment(undefined=jinja2.StrictUndefined)
# Home Assistant's as_timestamp, for the ISO-8601 UTC times footfall writes.
env.globals['as_timestamp'] = lambda text: datetime.fromisoformat(text.replace('Z', '+00:00')).timestamp()
out = []
for template, payload in json.load(sys.stdin):
    out.append(env.from_string(template).render(value_json=json.loads(payload), value=payload))
json.dump(out, sys.stdout)
`;

export const hasJinja = spawnSync('python3', ['-c', 'import jinja2'], { stdio: 'ignore' }).status === 0;

/** Each template rendered by Jinja2 on its payload, strictly (an undefined name fails). */
export function renderTemplates(pairs: ReadonlyArray<{ template: string; payload: string }>): string[] {
  const result = spawnSync('python3', ['-c', RENDER], { input: JSON.stringify(pairs.map((p) => [p.template, p.payload])), encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`Jinja2 failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as string[];
}
