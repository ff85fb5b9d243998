import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderExampleConfig } from './example.js';
import { ConfigError, loadConfig, type ConfigSources } from './load.js';
import { listFields } from './schema.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-config-test-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let files = 0;
function withFile(content: string, extra: Partial<ConfigSources> = {}) {
  const file = path.join(dir, `config-${files++}.yaml`);
  fs.writeFileSync(file, content);
  return loadConfig({ file, fileExplicit: true, env: {}, ...extra });
}

function issuesOf(load: () => unknown) {
  try {
    load();
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('gives the documented defaults when the default file is missing', () => {
    const config = loadConfig({ file: path.join(dir, 'absent.yaml'), fileExplicit: false, env: {} });
    expect(config.privacy).toEqual({ window_minutes: 60, token_bits: 32, token_cache_size: 200_000 });
    expect(config.mqtt.url).toBeNull();
    expect(config.mqtt.topic_prefix).toBe('footfall');
    expect(config.paths).toEqual({ state_dir: '/var/lib/footfall', runtime_dir: '/run/footfall' });
    expect(config.log.level).toBe('info');
    expect(config.sensor.id).toMatch(/^[A-Za-z0-9._-]{1,64}$/);
  });

  it('refuses a missing file that was asked for', () => {
    const issues = issuesOf(() => loadConfig({ file: path.join(dir, 'absent.yaml'), fileExplicit: true, env: {} }));
    expect(issues[0]!.message).toContain('does not exist');
  });

  it('applies flag over environment over file over default', () => {
    const sources = {
      env: { FOOTFALL_PRIVACY_WINDOW_MINUTES: '30', FOOTFALL_SENSOR_ID: 'from-env' },
      flags: { 'privacy.window_minutes': '15' },
    };
    const config = withFile('privacy:\n  window_minutes: 10\n  token_bits: 40\nsensor:\n  id: from-file\n', sources);
    expect(config.privacy.window_minutes).toBe(15);
    expect(config.privacy.token_bits).toBe(40);
    expect(config.sensor.id).toBe('from-env');
  });

  it('reads every key from its environment variable', () => {
    const env = {
      FOOTFALL_CAPTURE_WIFI_CHECK_FCS: 'false',
      FOOTFALL_ZONES: 'inside=-65,nearby=-80',
      FOOTFALL_MQTT_URL: 'mqtt://127.0.0.1:1883',
      FOOTFALL_LOG_LEVEL: 'debug',
    };
    const config = loadConfig({ file: path.join(dir, 'absent.yaml'), fileExplicit: false, env });
    expect(config.capture.wifi.check_fcs).toBe(false);
    expect(config.zones).toEqual({ inside: -65, nearby: -80 });
    expect(config.mqtt.url).toBe('mqtt://127.0.0.1:1883');
    expect(config.log.level).toBe('debug');
  });

  it.each([
    ['privacy:\n  window_minutes: 7\n', 'privacy.window_minutes', 'divides 1440'],
    ['privacy:\n  window_minutes: sixty\n', 'privacy.window_minutes', 'divides 1440'],
    ['privacy:\n  token_bits: 8\n', 'privacy.token_bits', 'from 16 to 64'],
    ['privacy:\n  token_bits: 32.5\n', 'privacy.token_bits', 'whole number'],
    ['sensor:\n  id: "store 12/entrance"\n', 'sensor.id', 'letters, digits'],
    ['mqtt:\n  url: http://broker\n', 'mqtt.url', 'mqtt://'],
    ['mqtt:\n  topic_prefix: "a/#"\n', 'mqtt.topic_prefix', '"#"'],
    ['mqtt:\n  keepalive_seconds: 0\n', 'mqtt.keepalive_seconds', 'from 5 to 3600'],
    ['capture:\n  wifi:\n    check_fcs: maybe\n', 'capture.wifi.check_fcs', 'true or false'],
    ['zones:\n  inside: 10\n', 'zones', 'from -120 to 0'],
    ['zones: [1, 2]\n', 'zones', 'map of names'],
    ['log:\n  level: verbose\n', 'log.level', 'one of error, warn, info, debug'],
    ['privacy: 5\n', 'privacy', 'must be a section'],
    ['privcy:\n  window_minutes: 5\n', 'privcy', 'unknown key'],
    ['mqtt:\n  passwd: x\n', 'mqtt.passwd', 'unknown key'],
    ['mqtt:\n  cert_file: /etc/hostname\n', 'mqtt.key_file', 'must be set too'],
    ['mqtt:\n  ca_file: /nonexistent/ca.pem\n', 'mqtt.ca_file', 'not a readable file'],
    ['- a\n- b\n', 'config', 'YAML mapping'],
    ['privacy:\n  window_minutes: [\n', 'config', 'YAML syntax error at line'],
  ])('names the key of a bad value: %j', (content, key, allowed) => {
    const issues = issuesOf(() => withFile(content));
    expect(issues.map((i) => i.key)).toContain(key);
    expect(issues.find((i) => i.key === key)!.message).toContain(allowed);
  });

  it('says what the value was and where it came from', () => {
    const issues = issuesOf(() => loadConfig({ file: 'x', fileExplicit: false, env: { FOOTFALL_PRIVACY_TOKEN_BITS: '99' } }));
    expect(issues).toEqual([
      { key: 'privacy.token_bits', origin: 'environment FOOTFALL_PRIVACY_TOKEN_BITS', message: '"99" is not allowed: must be a whole number from 16 to 64' },
    ]);
  });

  it('reports every problem at once', () => {
    const issues = issuesOf(() => withFile('privacy:\n  window_minutes: 7\n  token_bits: 2\nlog:\n  level: loud\nextra: 1\n'));
    expect(issues.map((i) => i.key).sort()).toEqual(['extra', 'log.level', 'privacy.token_bits', 'privacy.window_minutes']);
  });

  it('refuses unknown FOOTFALL_ environment variables', () => {
    const issues = issuesOf(() => loadConfig({ file: 'x', fileExplicit: false, env: { FOOTFALL_PRIVACY_WINDOWS: '5' } }));
    expect(issues[0]!.key).toBe('FOOTFALL_PRIVACY_WINDOWS');
  });
});

describe('the documented example', () => {
  it('is what the schema renders, and loads to the defaults', () => {
    const committed = fs.readFileSync(new URL('../../config/footfall.example.yaml', import.meta.url), 'utf8');
    expect(committed).toBe(renderExampleConfig());
    const fromExample = withFile(committed);
    const defaults = loadConfig({ file: 'absent', fileExplicit: false, env: {} });
    expect(fromExample).toEqual(defaults);
  });

  it('documents every key with its environment variable', () => {
    const text = renderExampleConfig();
    for (const { env } of listFields()) expect(text).toContain(`# env: ${env}`);
  });
});
