/**
 * What a sensor does with what it hears, from its config: how long pseudonyms live, where keys
 * are kept, what is published, what is suppressed and whom to ask. The `privacy` topic carries it
 * as it is; `footfall privacy notice` says the same in plain words for the venue's door.
 */
import type { Config } from '../config/schema.js';
import { REPORT_VALUE_FIELDS } from '../payloads/payload-schemas.js';
import { DWELL_BUCKETS, PRIVACY_SCHEMA, type PrivacyPayload } from '../payloads/payloads.js';
import { IgnoreList } from './ignore-list.js';

/** The report's fields as dotted paths, for the radios and zones the config has. */
function reportFields(config: Config): string[] {
  const { wifi, ble } = config.capture;
  return [
    'id',
    'sensor',
    'window.start',
    'window.end',
    ...(wifi.enabled
      ? [...REPORT_VALUE_FIELDS.wifi.map((field) => `wifi.${field}`), ...Object.keys(config.zones.wifi).map((zone) => `wifi.zones.${zone}`), ...DWELL_BUCKETS.map((bucket) => `wifi.dwell_minutes.${bucket}`)]
      : []),
    ...(ble.enabled ? [...REPORT_VALUE_FIELDS.ble.map((field) => `ble.${field}`), ...Object.keys(config.zones.ble).map((zone) => `ble.zones.${zone}`)] : []),
    'occupancy',
    ...REPORT_VALUE_FIELDS.quality.map((field) => `quality.${field}`),
    ...(config.privacy.min_count > 1 ? ['suppressed'] : []),
  ];
}

export function privacyManifest(config: Config, version: string): PrivacyPayload {
  const report = reportFields(config);
  return {
    schema: PRIVACY_SCHEMA,
    sensor: config.sensor.id,
    window_minutes: config.privacy.window_minutes,
    token_bits: config.privacy.token_bits,
    key_storage: { medium: 'tmpfs', destroyed: 'at the end of each window' },
    published: { report, live: [...report, 'as_of'] },
    ignored_entries: new IgnoreList(config.capture.ignore).size,
    min_count: config.privacy.min_count,
    contact: config.privacy.contact,
    version,
  };
}
