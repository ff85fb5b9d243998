import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderExampleConfig } from './example.js';
import { changedKeys, CONFIG_FILE_LIMITS, ConfigError, directoryProblem, loadConfig, type ConfigSources } from './load.js';
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
    expect(config.privacy).toEqual({ window_minutes: 60, token_bits: 32, token_cache_size: 200_000, contact: null, min_count: 0 });
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
      FOOTFALL_ZONES_WIFI: 'inside=-65,nearby=-80',
      FOOTFALL_ZONES_BLE: 'inside=-75',
      FOOTFALL_CAPTURE_IGNORE: 'dc:fb:48, 40-EC-99-F9-34-A6',
      FOOTFALL_MQTT_URL: 'mqtt://127.0.0.1:1883',
      FOOTFALL_LOG_LEVEL: 'debug',
    };
    const config = loadConfig({ file: path.join(dir, 'absent.yaml'), fileExplicit: false, env });
    expect(config.capture.wifi.check_fcs).toBe(false);
    expect(config.zones).toEqual({ wifi: { inside: -65, nearby: -80 }, ble: { inside: -75 } });
    expect(config.capture.ignore).toEqual(['dc:fb:48', '40-EC-99-F9-34-A6']);
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
    ['zones:\n  wifi:\n    inside: 10\n', 'zones.wifi', 'from -120 to 0'],
    ['zones:\n  ble: [1, 2]\n', 'zones.ble', 'map of names'],
    ['zones:\n  wifi:\n    "1": -60\n', 'zones.wifi', 'a letter, then'],
    ['zones: [1, 2]\n', 'zones', 'must be a section with keys wifi, ble'],
    ['capture:\n  ignore: dc:fb:48\n', 'capture.ignore', 'a list of an address'],
    ['log:\n  level: verbose\n', 'log.level', 'one of error, warn, info, debug'],
    ['privacy: 5\n', 'privacy', 'must be a section'],
    ['privcy:\n  window_minutes: 5\n', 'privcy', 'unknown key'],
    ['mqtt:\n  passwd: x\n', 'mqtt.passwd', 'unknown key'],
    ['mqtt:\n  cert_file: /etc/hostname\n', 'mqtt.key_file', 'must be set too'],
    ['mqtt:\n  ca_file: /nonexistent/ca.pem\n', 'mqtt.ca_file', 'does not exist'],
    ['mqtt:\n  ca_file: /etc\n', 'mqtt.ca_file', 'is a directory, not a file'],
    ['mqtt:\n  url: mqtt://127.0.0.1:99999\n', 'mqtt.url', 'port is a number from 1 to 65535'],
    ['mqtt:\n  url: mqtt://[::1\n', 'mqtt.url', 'IPv6 address in brackets'],
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

describe('files the config points at', () => {
  function secretFile(name: string, content: string, mode: number): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, content);
    fs.chmodSync(file, mode);
    return file;
  }
  const withPassword = (file: string) => withFile(`mqtt:\n  url: mqtt://broker\n  username: sensor\n  password_file: ${file}\n`);

  it('takes a password file that the daemon\'s group may read but no one else', () => {
    expect(withPassword(secretFile('password-640', 'secret\n', 0o640)).mqtt.password_file).toContain('password-640');
  });

  it.each([
    ['readable by every user', 'secret\n', 0o644, (file: string) => `is readable by every user of this machine (mode 0644): make it private, e.g. chmod o-r ${file}`],
    ['empty', '', 0o600, () => 'holds no password: write it on the first line'],
    ['blank on its first line', '  \nsecret\n', 0o600, () => 'holds no password: write it on the first line'],
  ])('refuses a password file %s', (what, content, mode, message) => {
    const file = secretFile(`password-${what.replace(/\W/g, '-')}`, content, mode);
    const issues = issuesOf(() => withPassword(file));
    expect(issues).toEqual([{ key: 'mqtt.password_file', origin: expect.stringMatching(/\.yaml$/), message: `the file ${file} ${message(file)}` }]);
    expect(new ConfigError(issues).message).not.toContain('secret');
  });

  it('refuses a password file that is a directory', () => {
    expect(issuesOf(() => withPassword(dir))[0]!.message).toBe(`the file ${dir} is a directory, not a file`);
  });

  it('refuses a private key readable by every user, and takes certificates that are', () => {
    const cert = secretFile('client.crt', 'CERT', 0o644);
    const key = secretFile('client.key', 'KEY', 0o644);
    const tls = (keyFile: string) => withFile(`mqtt:\n  url: mqtts://broker\n  ca_file: ${cert}\n  cert_file: ${cert}\n  key_file: ${keyFile}\n`);
    expect(issuesOf(() => tls(key)).map((i) => i.key)).toEqual(['mqtt.key_file']);
    fs.chmodSync(key, 0o600);
    expect(tls(key).mqtt.key_file).toBe(key);
  });
});

describe('limits on the config file', () => {
  it('refuses an alias bomb, naming the file, without expanding it', () => {
    let text = 'a: &a [x, x, x, x, x, x, x, x, x]\n';
    for (let level = 1; level <= 9; level++) text += `l${level}: &l${level} [${Array(9).fill(level === 1 ? '*a' : `*l${level - 1}`).join(', ')}]\n`;
    const issues = issuesOf(() => loadConfig({ file: 'bomb.yaml', fileExplicit: true, env: {}, text }));
    expect(issues).toEqual([
      { key: 'config', origin: 'bomb.yaml', message: `its YAML aliases (*name) expand to more than ${CONFIG_FILE_LIMITS.aliases} nodes: write the values out instead` },
    ]);
  });

  it('takes a few aliases', () => {
    const config = withFile('zones:\n  wifi: &zones {inside: -65}\n  ble: *zones\n');
    expect(config.zones.ble).toEqual({ inside: -65 });
  });

  it.each([
    ['flow', (n: number) => `sensor: ${'['.repeat(n)}${']'.repeat(n)}\n`, 100_000],
    ['block', (n: number) => `${Array.from({ length: n }, (_, i) => `${' '.repeat(i)}k:`).join('\n')} 1\n`, 600],
    ['compact sequences', (n: number) => `sensor:\n  ${'- '.repeat(n)}x\n`, 100_000],
  ])('refuses %s collections nested too deep, however deep', (_what, nest, deepest) => {
    for (const depth of [CONFIG_FILE_LIMITS.depth + 1, deepest]) {
      const issues = issuesOf(() => loadConfig({ file: 'deep.yaml', fileExplicit: true, env: {}, text: nest(depth) }));
      expect(issues).toEqual([{ key: 'config', origin: 'deep.yaml', message: expect.stringContaining(`nests more than ${CONFIG_FILE_LIMITS.depth} levels deep`) }]);
    }
  });

  it('refuses a file larger than a config can be, without reading it', () => {
    const file = path.join(dir, 'large.yaml');
    fs.writeFileSync(file, `# ${'x'.repeat(CONFIG_FILE_LIMITS.bytes)}\n`);
    const issues = issuesOf(() => loadConfig({ file, fileExplicit: true, env: {} }));
    expect(issues).toEqual([{ key: 'config', origin: file, message: 'the file is larger than 256 KiB; a footfall config is a few kilobytes: give the right file' }]);
  });

  it('says that a config path is a directory', () => {
    expect(issuesOf(() => loadConfig({ file: dir, fileExplicit: true, env: {} }))[0]!.message).toBe(`the file ${dir} is a directory`);
  });
});

describe('changedKeys', () => {
  it('names the keys whose values differ, in schema order, maps and lists by their contents', () => {
    const before = withFile('zones:\n  wifi: {inside: -65}\ncapture:\n  ignore: [dc:fb:48]\n');
    expect(changedKeys(before, withFile('zones:\n  wifi: {inside: -65}\ncapture:\n  ignore: [dc:fb:48]\n'))).toEqual([]);
    const after = withFile('zones:\n  wifi: {inside: -60}\ncapture:\n  ignore: [dc:fb:48, 00:00:0c]\n  wifi:\n    hop_ms: 300\nlog:\n  level: debug\n');
    expect(changedKeys(before, after)).toEqual(['capture.wifi.hop_ms', 'capture.ignore', 'zones.wifi', 'log.level']);
  });
});

describe('directoryProblem', () => {
  it('accepts a writable directory, and one that can be made in it', () => {
    expect(directoryProblem(dir)).toBeUndefined();
    expect(directoryProblem(path.join(dir, 'not', 'yet'))).toBeUndefined();
  });

  it('says that a file stands where the directory or one of its parents should be', () => {
    const file = path.join(dir, 'a-file');
    fs.writeFileSync(file, '');
    expect(directoryProblem(file)).toBe('is a file, not a directory');
    expect(directoryProblem(path.join(file, 'below'))).toBe(`does not exist and cannot be made: ${file} is a file, not a directory`);
  });

  it.skipIf(process.getuid?.() === 0)('says that a directory is not writable by this user (skipped as root: root writes anywhere)', () => {
    const locked = fs.mkdtempSync(path.join(dir, 'locked-'));
    fs.chmodSync(locked, 0o500);
    expect(directoryProblem(locked)).toBe(`is not writable by this user (uid ${process.getuid!()})`);
  });
});

describe('zones per source', () => {
  it('keeps the order the zones are written in, the first being the premises', () => {
    const config = withFile('zones:\n  wifi:\n    nearby: -85\n    inside: -65\n    door: -50\n  ble:\n    hall: -90\n    desk: -60\n');
    expect(Object.keys(config.zones.wifi)).toEqual(['nearby', 'inside', 'door']);
    expect(Object.keys(config.zones.ble)).toEqual(['hall', 'desk']);
    const fromEnv = loadConfig({ file: 'absent', fileExplicit: false, env: { FOOTFALL_ZONES_WIFI: 'nearby=-85,inside=-65,door=-50' } });
    expect(Object.keys(fromEnv.zones.wifi)).toEqual(['nearby', 'inside', 'door']);
    expect(fromEnv.zones.ble).toEqual({});
  });

  it('refuses a zone named twice in the environment', () => {
    const issues = issuesOf(() => loadConfig({ file: 'absent', fileExplicit: false, env: { FOOTFALL_ZONES_BLE: 'inside=-70,inside=-80' } }));
    expect(issues.map((i) => i.key)).toEqual(['zones.ble']);
  });

  it('refuses the old flat form with one line that says where zones go now', () => {
    const issues = issuesOf(() => withFile('zones:\n  inside: -65\n  nearby: -80\n'));
    expect(issues).toHaveLength(1);
    expect(issues[0]!.key).toBe('zones');
    expect(issues[0]!.message).toContain('write them under zones.wifi and zones.ble');
    expect(issuesOf(() => withFile('zones:\n  wifi: {inside: -65}\n  nearby: -80\n')).map((i) => i.key)).toEqual(['zones']);
  });

  it('refuses the old FOOTFALL_ZONES variable the same way', () => {
    const issues = issuesOf(() => loadConfig({ file: 'absent', fileExplicit: false, env: { FOOTFALL_ZONES: 'inside=-65' } }));
    expect(issues).toEqual([
      { key: 'FOOTFALL_ZONES', origin: 'environment', message: 'zones are per source now: set FOOTFALL_ZONES_WIFI and FOOTFALL_ZONES_BLE instead' },
    ]);
  });
});

describe('capture.ignore', () => {
  it('takes addresses and OUI prefixes in any case, with ":" or "-"', () => {
    const config = withFile('capture:\n  ignore:\n    - dc:fb:48\n    - 40:EC:99:F9:34:A6\n    - 40-ec-99-8e-3f-63\n');
    expect(config.capture.ignore).toEqual(['dc:fb:48', '40:EC:99:F9:34:A6', '40-ec-99-8e-3f-63']);
    expect(withFile('capture:\n  ignore: [dc:fb:48, 00:00:0c]\n').capture.ignore).toEqual(['dc:fb:48', '00:00:0c']);
    expect(loadConfig({ file: 'absent', fileExplicit: false, env: {} }).capture.ignore).toEqual([]);
    expect(loadConfig({ file: 'absent', fileExplicit: false, env: { FOOTFALL_CAPTURE_IGNORE: '' } }).capture.ignore).toEqual([]);
  });

  it.each([
    ['a five-octet address', '40:ec:99:f9:34'],
    ['mixed separators', '40:ec-99'],
    ['no separators', '40ec99f934a6'],
    ['a non-hex digit', '40:ec:99:f9:34:g6'],
  ])('names the position of %s, never the entry', (_what, entry) => {
    const fromFile = issuesOf(() => withFile(`capture:\n  ignore:\n    - dc:fb:48\n    - ${entry}\n    - 40:ec:99:8e:3f:63\n`));
    const fromEnv = issuesOf(() => loadConfig({ file: 'absent', fileExplicit: false, env: { FOOTFALL_CAPTURE_IGNORE: `dc:fb:48,${entry}` } }));
    for (const issues of [fromFile, fromEnv]) {
      expect(issues).toHaveLength(1);
      expect(issues[0]!.key).toBe('capture.ignore');
      expect(issues[0]!.message).toMatch(/^entry 2 \(not repeated here\) is not allowed: must be an address aa:bb:cc:dd:ee:ff or a vendor prefix/);
      const text = new ConfigError(issues).message;
      expect(text).not.toContain(entry);
      expect(text.toLowerCase()).not.toContain(entry.slice(0, 8).toLowerCase());
    }
    expect(fromEnv[0]!.origin).toBe('environment FOOTFALL_CAPTURE_IGNORE');
  });

  it('refuses a number or an empty entry by its position', () => {
    expect(issuesOf(() => withFile('capture:\n  ignore: [dc:fb:48, 123456789012]\n'))[0]!.message).toMatch(/^entry 2 /);
    expect(issuesOf(() => loadConfig({ file: 'absent', fileExplicit: false, env: { FOOTFALL_CAPTURE_IGNORE: 'dc:fb:48,' } }))[0]!.message).toMatch(/^entry 2 /);
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
