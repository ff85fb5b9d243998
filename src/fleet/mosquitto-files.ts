/**
 * The broker's side of a fleet, for mosquitto: an ACL that lets each sensor publish only under
 * its own topics, and a password file in mosquitto_passwd's format, so that the passwords of
 * the sensors never need to be typed on the broker.
 */
import crypto from 'node:crypto';
import { DEFAULT_DISCOVERY_PREFIX, discoveryNodeId } from '../publish/homeassistant.js';
import type { Site } from './sites-csv.js';

/**
 * The ACL for acl_file: per sensor, its user (the sensor id: its user name, or its certificate's
 * common name with use_identity_as_username) may write `<prefix>/<sensor>/#` and nothing else,
 * not even read. A sensor only publishes (its last will too goes to its own status topic).
 */
export function renderAcl(sites: readonly Pick<Site, 'sensorId' | 'site'>[], topicPrefix: string): string {
  const lines = [
    '# mosquitto ACL of footfall sensors, written by footfall provision: each sensor may publish',
    `# under ${topicPrefix}/<its id>/ only, and read nothing. Give it to mosquitto as acl_file. A broker`,
    '# that knows sensors by certificate also needs use_identity_as_username true, so that the',
    "# certificate's common name (the sensor id) is the user. A sensor may also announce itself to",
    '# Home Assistant (homeassistant.enabled) under the default discovery prefix, and read back its',
    '# own announcements and Home Assistant\'s birth. Readers are yours to add, e.g.:',
    '#   user dashboard',
    `#   topic read ${topicPrefix}/#`,
  ];
  for (const { sensorId, site } of sites) {
    const node = discoveryNodeId(sensorId);
    lines.push(
      '',
      `# ${site}`,
      `user ${sensorId}`,
      `topic write ${topicPrefix}/${sensorId}/#`,
      `topic readwrite ${DEFAULT_DISCOVERY_PREFIX}/+/${node}/+/config`,
      `topic read ${DEFAULT_DISCOVERY_PREFIX}/status`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** mosquitto_passwd's PBKDF2-SHA512 hashes ($7$), with its iteration count and salt length. */
const PBKDF2_ITERATIONS = 101;
const SALT_BYTES = 12;
const HASH_BYTES = 64;

/** One line of a mosquitto password file, as `mosquitto_passwd -b FILE user password` writes it. */
export function mosquittoPasswordLine(user: string, password: string, salt = crypto.randomBytes(SALT_BYTES)): string {
  const hash = crypto.pbkdf2Sync(password, salt, PBKDF2_ITERATIONS, HASH_BYTES, 'sha512');
  return `${user}:$7$${PBKDF2_ITERATIONS}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** A password for a sensor: 192 random bits, in characters that need no quoting anywhere. */
export function newSensorPassword(): string {
  return crypto.randomBytes(24).toString('base64url');
}
