import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validator } from '../../test/helpers/json-schemas.js';
import { loadConfig } from '../config/load.js';
import { privacyManifest } from '../privacy/manifest.js';
import { PAYLOAD_SCHEMAS, payloadSchemaDocument } from './payload-schemas.js';
import { FULL_HEALTH, FULL_LIVE, FULL_REPORT, MINIMAL_HEALTH, MINIMAL_LIVE, MINIMAL_REPORT } from './payloads.fixtures.js';
import type { PrivacyPayload, StatusPayload, TopicName } from './payloads.js';
import { SCHEMA_DIR, schemaFiles } from '../publish/schema-files.js';

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
