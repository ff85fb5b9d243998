/**
 * A sensor's bundle: the files `footfall provision` writes for one sensor and the sensor imports
 * at first boot, and its config file. The config names its secrets where they will be on the
 * sensor (/etc/footfall); before that they are elsewhere (in the installer's output, on the boot
 * partition), so the config is checked with those paths pointed at where the files are now.
 */
import path from 'node:path';
import { parse } from 'yaml';
import { checkConfigText, editConfigText, type ConfigEdit } from '../config/edit.js';
import type { ConfigIssue } from '../config/load.js';
import type { Site } from './sites-csv.js';

/** Where the config and its secrets live on a sensor. */
export const SENSOR_CONFIG_DIR = '/etc/footfall';

/** The files of a bundle, by what they are. */
export const BUNDLE_FILES = {
  config: 'footfall.yaml',
  password: 'mqtt-password',
  certificate: 'client.crt',
  key: 'client.key',
  brokerCa: 'ca.crt',
} as const;

/** How the broker knows a sensor: its certificate's common name, or a user name and password. */
export type SensorAuth = 'certificate' | 'password';

export interface SensorConfigOptions {
  site: Site;
  topicPrefix: string;
  auth: SensorAuth;
  /** The bundle carries the CA of the broker's certificate. */
  brokerCa: boolean;
  /** A config whose settings every sensor shares (interface, privacy contact...); none: a new file. */
  template?: string;
}

const onSensor = (name: string) => path.posix.join(SENSOR_CONFIG_DIR, name);

/**
 * The sensor's footfall.yaml: the template (or a new file) with this sensor's id, broker,
 * credentials and zones written in, headed by a comment naming the sensor and its site. Throws
 * UneditableConfigError when the template cannot be edited.
 */
export function renderSensorConfig(options: SensorConfigOptions): string {
  const { site } = options;
  const edits: ConfigEdit[] = [
    { key: ['sensor', 'id'], value: site.sensorId },
    { key: ['mqtt', 'url'], value: site.mqttUrl },
    { key: ['mqtt', 'topic_prefix'], value: options.topicPrefix },
  ];
  if (options.auth === 'password') {
    edits.push({ key: ['mqtt', 'username'], value: site.sensorId }, { key: ['mqtt', 'password_file'], value: onSensor(BUNDLE_FILES.password) });
  } else {
    edits.push({ key: ['mqtt', 'cert_file'], value: onSensor(BUNDLE_FILES.certificate) }, { key: ['mqtt', 'key_file'], value: onSensor(BUNDLE_FILES.key) });
  }
  if (options.brokerCa) edits.push({ key: ['mqtt', 'ca_file'], value: onSensor(BUNDLE_FILES.brokerCa) });
  if (site.zones.wifi) edits.push({ key: ['zones', 'wifi'], value: site.zones.wifi });
  if (site.zones.ble) edits.push({ key: ['zones', 'ble'], value: site.zones.ble });
  const text = editConfigText(options.template, edits);
  const heading = `# footfall configuration of ${site.sensorId} at ${site.site}, written by footfall provision.\n`;
  // A new file's own heading says less than this one.
  return heading + (options.template === undefined ? text.slice(text.indexOf('\n') + 1) : text);
}

/** The mqtt keys whose values are files. */
const FILE_KEYS = ['password_file', 'ca_file', 'cert_file', 'key_file'] as const;

/** What the file says, as plain data; undefined when it is not YAML with sections (validation says why). */
function readSections(text: string): Record<string, Record<string, unknown> | undefined> | undefined {
  try {
    const data: unknown = parse(text);
    return typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as Record<string, Record<string, unknown> | undefined>) : undefined;
  } catch {
    return undefined;
  }
}

/** The files the config names under mqtt (password, CA, certificate, key), as written, by key (mqtt.key_file). */
export function configuredFiles(text: string): { key: string; file: string }[] {
  const mqtt = readSections(text)?.mqtt;
  return FILE_KEYS.flatMap((key) => {
    const file = mqtt?.[key];
    return typeof file === 'string' ? [{ key: `mqtt.${key}`, file }] : [];
  });
}

/** The sensor id the file sets, if it sets one. */
export function configuredSensorId(text: string): string | undefined {
  const id = readSections(text)?.sensor?.id;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}

/**
 * The config's own validation of `text` as the file `file`, with each file it names found where
 * `locate` says it is now (empty when all is well). Messages name the located paths.
 */
export function checkConfigWithFiles(text: string, file: string, locate: (configured: string) => string): ConfigIssue[] {
  const mqtt = readSections(text)?.mqtt;
  const edits: ConfigEdit[] = [];
  for (const key of FILE_KEYS) {
    const configured = mqtt?.[key];
    if (typeof configured !== 'string') continue;
    const located = locate(configured);
    if (located !== configured) edits.push({ key: ['mqtt', key], value: located });
  }
  return checkConfigText(edits.length === 0 ? text : editConfigText(text, edits), file);
}

/** For files named under /etc/footfall: the name inside that directory, else undefined. */
export function nameInConfigDir(configured: string): string | undefined {
  const relative = path.posix.relative(SENSOR_CONFIG_DIR, path.posix.normalize(configured));
  return relative !== '' && !relative.startsWith('..') && !relative.includes('/') && path.posix.isAbsolute(configured) ? relative : undefined;
}
