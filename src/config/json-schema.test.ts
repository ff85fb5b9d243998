import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { validator } from '../../test/helpers/json-schemas.js';
import { LOG_LEVELS } from '../log/logger.js';
import { configJsonSchema } from './json-schema.js';
import { renderExampleConfig } from './example.js';
import { listFields, WIFI_LINK_TYPE_NAMES } from './schema.js';

const validate = validator(configJsonSchema());

/** `{a: {b: value}}` for the key `a.b`. */
function nested(key: string, value: unknown): Record<string, unknown> {
  return key
    .split('.')
    .reverse()
    .reduce<unknown>((inner, part) => ({ [part]: inner }), value) as Record<string, unknown>;
}

/** Values of every kind and edge, tried on every key. */
const PROBES: unknown[] = [
  true, false, 0, 1, -1, 5, 7, 16, 60, 65, 2048, 1_000_000, 1.5, '', 'abc', 'yes', 'auto', 'debug', 'footfall/x', 'a b', '#', 'mqtt://broker:1883',
  'http://x', '/var/lib/node-exporter/footfall.prom', 'footfall.prom', '/tmp/', null, [], [1, 6, 11], [0], ['dc:fb:48'], [''], {}, { inside: -65 },
  { inside: 5 }, { '1st': -65 }, { inside: 'near' },
];

describe('the config file schema', () => {
  it('is a valid draft-07 schema in Ajv strict mode', () => {
    expect(() => validator(configJsonSchema())).not.toThrow();
  });

  it('takes the documented example file, an empty file and a file of empty sections', () => {
    const example = parseYaml(fs.readFileSync(new URL('../../config/footfall.example.yaml', import.meta.url), 'utf8')) as unknown;
    expect(validate(example)).toEqual([]);
    expect(parseYaml(renderExampleConfig())).toEqual(example);
    expect(validate(null)).toEqual([]);
    expect(validate({ sensor: null, mqtt: null, zones: { wifi: null } })).toEqual([]);
  });

  it('refuses bad values and unknown keys, naming where', () => {
    expect(validate({ privacy: { window_minutes: 7 } })[0]).toMatch(/^\/privacy\/window_minutes/);
    expect(validate({ privacy: { token_bits: 80 } })[0]).toMatch(/^\/privacy\/token_bits/);
    expect(validate({ capture: { wifi: { link_type: 'ethernet' } } })[0]).toMatch(/^\/capture\/wifi\/link_type/);
    expect(validate({ zones: { wifi: { inside: 10 } } })[0]).toMatch(/^\/zones\/wifi\/inside/);
    expect(validate({ metrics: { textfile: 'footfall.prom' } })[0]).toMatch(/^\/metrics\/textfile/);
    expect(validate({ mqtt: { brokr: 'mqtt://x' } })[0]).toMatch(/additional properties.*brokr/);
    expect(validate({ zones: { inside: -65 } })).not.toEqual([]);
  });

  it('lists the values of the fields that take one of a few', () => {
    const properties = configJsonSchema().properties!;
    expect(properties.capture!.properties!.wifi!.properties!.link_type!.enum).toEqual(WIFI_LINK_TYPE_NAMES);
    expect(properties.log!.properties!.level!.enum).toEqual(LOG_LEVELS);
  });

  it('never takes a value the config refuses, and refuses one it takes only where written as a number for text', () => {
    for (const { key, field } of listFields()) {
      for (const probe of PROBES) {
        const loaderTakes = field.parse(probe, false).ok;
        const schemaTakes = validate(nested(key, probe)).length === 0;
        const where = `${key} = ${JSON.stringify(probe)}`;
        // The entries of capture.ignore are checked by footfall config check only: their forms are the privacy code's.
        if (key === 'capture.ignore' && Array.isArray(probe)) continue;
        if (schemaTakes) expect(loaderTakes, where).toBe(true);
        else if (loaderTakes) expect(typeof probe, where).toBe('number');
      }
    }
  });

  it('documents every key with its environment variable and its default', () => {
    const properties = configJsonSchema().properties!;
    for (const { key, env, field } of listFields()) {
      const [section, ...rest] = key.split('.');
      let node = properties[section!]!;
      for (const part of rest) node = node.properties![part]!;
      expect(node.description, key).toContain(field.doc);
      expect(node.description, key).toContain(env);
      if (typeof field.default !== 'function') expect(node.default, key).toEqual(field.default);
    }
  });
});
