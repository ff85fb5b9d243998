import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validator } from '../../test/helpers/json-schemas.js';
import { loadConfig } from '../config/load.js';
import { privacyManifest } from '../privacy/manifest.js';
import { PAYLOAD_SCHEMAS, payloadSchemaDocument } from './payload-schemas.js';
import { HEALTH_SCHEMA, LIVE_SCHEMA, REPORT_SCHEMA, type HealthPayload, type LivePayload, type PrivacyPayload, type StatusPayload, type TopicName, type WindowReport } from './payloads.js';
import { SCHEMA_DIR, schemaFiles } from './schema-files.js';

/** A report with every optional field present, so that every property of the types is exercised. */
const FULL_REPORT: Required<WindowReport> = {
  schema: REPORT_SCHEMA,
  id: 'store-12-entrance/2026-11-22T10:00:00Z',
  sensor: 'store-12-entrance',
  window: { start: '2026-11-22T10:00:00Z', end: '2026-11-22T11:00:00Z' },
  partial: true,
  wifi: {
    frames: 5321,
    malformed: 2,
    addresses: 912,
    addresses_global: 31,
    addresses_randomized: 881,
    devices: 64,
    zones: { inside: 40, nearby: 0 },
    dwell_minutes: { '0-5': 20, '5-15': 11, '15-30': 6, '30-60': 4, '60+': 1 },
  },
  ble: {
    frames: 88012,
    malformed: 0,
    addresses: 402,
    addresses_public: 3,
    addresses_random_static: 21,
    addresses_resolvable: 370,
    addresses_nonresolvable: 8,
    devices: 71,
    zones: { inside: 50, nearby: 21 },
  },
  occupancy: [12, 15, 18, 20, 22, 25, 24, 21, 19, 17, 15, 0],
  quality: { capture_seconds: 3600, dropped_frames: 0, restarts: 0, clock_synced: true },
  suppressed: ['wifi.zones.nearby', 'occupancy[11]'],
};

/** Only what is required: a replay of a window with no source listening. */
const MINIMAL_REPORT: WindowReport = {
  schema: REPORT_SCHEMA,
  id: 'store-12-entrance/2026-11-22T10:00:00Z',
  sensor: 'store-12-entrance',
  window: { start: '2026-11-22T10:00:00Z', end: '2026-11-22T11:00:00Z' },
  occupancy: [0],
  quality: { capture_seconds: 0, dropped_frames: 0, restarts: 0, clock_synced: false },
};

const { schema: _schema, partial: _partial, ...fullCounts } = FULL_REPORT;
const { schema: _minimalSchema, ...minimalCounts } = MINIMAL_REPORT;
const FULL_LIVE: Required<LivePayload> = { ...fullCounts, schema: LIVE_SCHEMA, as_of: '2026-11-22T10:31:07Z' };
const MINIMAL_LIVE: LivePayload = { ...minimalCounts, schema: LIVE_SCHEMA, as_of: '2026-11-22T10:00:01Z' };

const FULL_HEALTH: HealthPayload = {
  schema: HEALTH_SCHEMA,
  sensor: 'store-12-entrance',
  time: '2026-11-22T10:31:07Z',
  uptime_seconds: 1867,
  sources: {
    wifi: { state: 'capturing', frames_per_second: 3.5, frames: 6300, malformed: 4, dropped: 2 },
    ble: { state: 'unavailable', frames_per_second: 0, frames: 0, malformed: 0, dropped: 0 },
  },
  outbox_depth: 0,
  last_publish: '2026-11-22T10:00:05.331Z',
  clock: { synced: true, steps: 0, held_back_frames: 0 },
  versions: { footfall: '0.1.0', node: '20.20.2' },
};
const MINIMAL_HEALTH: HealthPayload = { ...FULL_HEALTH, sources: {}, last_publish: null, versions: {} };

const config = loadConfig({ file: '/nonexistent/footfall.yaml', fileExplicit: false, env: { FOOTFALL_PRIVACY_CONTACT: 'privacy@shop.example', FOOTFALL_PRIVACY_MIN_COUNT: '3', FOOTFALL_ZONES_WIFI: 'inside=-65' } });
const PRIVACY: PrivacyPayload = privacyManifest(config, '0.1.0');
const STATUS: StatusPayload = { state: 'offline' };

const SAMPLES: Record<TopicName, { full: object; minimal: object }> = {
  report: { full: FULL_REPORT, minimal: MINIMAL_REPORT },
  live: { full: FULL_LIVE, minimal: MINIMAL_LIVE },
  health: { full: FULL_HEALTH, minimal: MINIMAL_HEALTH },
  privacy: { full: PRIVACY, minimal: { ...PRIVACY, contact: null } },
  status: { full: STATUS, minimal: { state: 'online' } },
};

const TOPICS = Object.keys(PAYLOAD_SCHEMAS) as TopicName[];

describe('payload schemas', () => {
  it('are valid draft-07 schemas in Ajv strict mode, with a description everywhere a subscriber looks', () => {
    for (const topic of TOPICS) {
      expect(() => validator(payloadSchemaDocument(topic)), topic).not.toThrow();
      const undescribed: string[] = [];
      const walk = (schema: { description?: string; properties?: Record<string, object> }, at: string) => {
        if (!schema.description) undescribed.push(at);
        for (const [key, child] of Object.entries(schema.properties ?? {})) walk(child, `${at}.${key}`);
      };
      walk(payloadSchemaDocument(topic), topic);
      expect(undescribed).toEqual([]);
    }
  });

  it('take every field of the types, with every optional field present, and no field they do not describe', () => {
    for (const topic of TOPICS) expect(validator(PAYLOAD_SCHEMAS[topic].schema, { closed: true })(SAMPLES[topic].full), topic).toEqual([]);
  });

  it('take payloads without their optional fields, and refuse one without any required field', () => {
    for (const topic of TOPICS) {
      const validate = validator(PAYLOAD_SCHEMAS[topic].schema);
      const minimal = SAMPLES[topic].minimal as Record<string, unknown>;
      expect(validate(minimal), topic).toEqual([]);
      for (const key of Object.keys(minimal)) {
        const { [key]: _left, ...without } = minimal;
        expect(validate(without), `${topic} without ${key}`).not.toEqual([]);
      }
    }
  });

  it('refuse what footfall never sends', () => {
    const report = validator(PAYLOAD_SCHEMAS.report.schema);
    expect(report({ ...FULL_REPORT, schema: 'footfall.report/2' })).not.toEqual([]);
    expect(report({ ...FULL_REPORT, occupancy: [1.5] })).not.toEqual([]);
    expect(report({ ...FULL_REPORT, wifi: { ...FULL_REPORT.wifi, devices: -1 } })).not.toEqual([]);
    expect(report({ ...FULL_REPORT, wifi: { ...FULL_REPORT.wifi, zones: { inside: 'many' } } })).not.toEqual([]);
    expect(report({ ...FULL_REPORT, window: { start: '2026-11-22 10:00', end: FULL_REPORT.window.end } })).not.toEqual([]);
    expect(validator(PAYLOAD_SCHEMAS.status.schema)({ state: 'away' })).not.toEqual([]);
  });

  it('let a subscriber take a field added within the version', () => {
    expect(validator(PAYLOAD_SCHEMAS.report.schema)({ ...FULL_REPORT, added_later: 1 })).toEqual([]);
  });
});

describe('schema/', () => {
  it('holds exactly the files the code makes (after a change: npm run build && node dist/publish/schema-files.js)', () => {
    const made = schemaFiles();
    expect(fs.readdirSync(SCHEMA_DIR).sort()).toEqual([...made.keys()].sort());
    for (const [name, text] of made) expect(fs.readFileSync(path.join(SCHEMA_DIR, name), 'utf8'), name).toBe(text);
  });
});
