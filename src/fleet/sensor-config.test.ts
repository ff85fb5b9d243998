import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkConfigText } from '../config/edit.js';
import { checkConfigWithFiles, configuredFiles, configuredSensorId, nameInConfigDir, renderSensorConfig } from './sensor-config.js';
import type { Site } from './sites-csv.js';

const site: Site = {
  line: 2,
  sensorId: 'store-12-entrance',
  site: 'Store 12, Leeds',
  mqttUrl: 'mqtts://broker.example.net:8883',
  zones: { wifi: { inside: -65, nearby: -80 } },
};

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-sensor-config-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('renderSensorConfig', () => {
  it('writes a new config naming the sensor, its broker, its certificate and its zones', () => {
    const text = renderSensorConfig({ site, topicPrefix: 'acme', auth: 'certificate', brokerCa: true });
    expect(text.split('\n')[0]).toBe('# footfall configuration of store-12-entrance at Store 12, Leeds, written by footfall provision.');
    expect(text).toContain('sensor:\n  id: store-12-entrance\n');
    expect(text).toContain(
      'mqtt:\n  url: mqtts://broker.example.net:8883\n  topic_prefix: acme\n' +
        '  cert_file: /etc/footfall/client.crt\n  key_file: /etc/footfall/client.key\n  ca_file: /etc/footfall/ca.crt\n',
    );
    expect(text).toContain('zones:\n  wifi: { inside: -65, nearby: -80 }\n');
    expect(configuredFiles(text)).toEqual([
      { key: 'mqtt.ca_file', file: '/etc/footfall/ca.crt' },
      { key: 'mqtt.cert_file', file: '/etc/footfall/client.crt' },
      { key: 'mqtt.key_file', file: '/etc/footfall/client.key' },
    ]);
    expect(configuredSensorId(text)).toBe('store-12-entrance');
  });

  it("keeps a template's settings and comments, and sets a user name and password file for passwords", () => {
    const template = '# Every sensor of ACME.\ncapture:\n  wifi:\n    interface: wlan0 # the USB adapter\n    create_monitor: true\nmqtt:\n  username: shared\n';
    const text = renderSensorConfig({ site: { ...site, zones: {} }, topicPrefix: 'footfall', auth: 'password', brokerCa: false, template });
    expect(text).toContain('# Every sensor of ACME.\ncapture:\n  wifi:\n    interface: wlan0 # the USB adapter\n    create_monitor: true\n');
    expect(text).toContain('  username: store-12-entrance\n');
    expect(text).toContain('  password_file: /etc/footfall/mqtt-password\n');
    expect(text).not.toContain('zones');
    expect(configuredFiles(text)).toEqual([{ key: 'mqtt.password_file', file: '/etc/footfall/mqtt-password' }]);
  });
});

describe('checkConfigWithFiles', () => {
  const text = renderSensorConfig({ site, topicPrefix: 'footfall', auth: 'password', brokerCa: false });

  it('finds the files where they are now, so a bundle checks before it is on the sensor', () => {
    expect(checkConfigText(text, 'footfall.yaml').map((issue) => issue.key)).toEqual(['mqtt.password_file']);
    fs.writeFileSync(path.join(dir, 'mqtt-password'), 'x\n', { mode: 0o600 });
    const located = (configured: string) => path.join(dir, nameInConfigDir(configured)!);
    expect(checkConfigWithFiles(text, 'footfall.yaml', located)).toEqual([]);
  });

  it('names the located file that is missing', () => {
    const issues = checkConfigWithFiles(text, 'footfall.yaml', () => path.join(dir, 'missing'));
    expect(issues).toEqual([{ key: 'mqtt.password_file', origin: 'footfall.yaml', message: `the file ${path.join(dir, 'missing')} does not exist` }]);
  });
});

describe('nameInConfigDir', () => {
  it('takes file names directly in /etc/footfall only', () => {
    expect(nameInConfigDir('/etc/footfall/client.key')).toBe('client.key');
    expect(nameInConfigDir('/etc/footfall/./ca.crt')).toBe('ca.crt');
    for (const other of ['/etc/ssl/certs/ca.crt', '/etc/footfall/keys/client.key', '/etc/footfall/../shadow', 'etc/footfall/x', '/etc/footfall']) {
      expect(nameInConfigDir(other), other).toBeUndefined();
    }
  });
});
