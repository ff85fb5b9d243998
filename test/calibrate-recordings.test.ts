/**
 * `footfall calibrate` on recordings, end to end through the built command: walks recorded with
 * a known path-loss model (several P(1 m) and n, fading, other phones around) are fitted to
 * within 2 dB of the model's thresholds on Wi-Fi and BLE; the config is written keeping its
 * comments and style and passes `config check`; bad input gets one line, a sysexits code and
 * an untouched config; the marked phone's address appears nowhere.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CALIBRATION_PHONE_ADDRESSES, modelRssi, recordBleWalk, recordWifiWalk, type PathLossModel } from './helpers/calibration-walk.js';
import { runCli } from './helpers/cli.js';
import { filesUnder, findLeaks } from './helpers/leak-scan.js';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-calibrate-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const SSID = 'footfall-cal-4821';
const BLE_NAME = 'ffcal4821';
const ZONES = [
  { name: 'inside', radiusM: 6 },
  { name: 'nearby', radiusM: 15 },
];
const DISTANCES = [1, 2, 4, 8, 12];

interface FitJson {
  p1m_dbm: number;
  exponent: number;
  residual_db: number;
  points: { distance_m: number; samples: number; median_dbm: number }[];
  thresholds: Record<string, { radius_m: number; threshold_dbm: number }>;
}

function atFlags(files: Map<number, string>): string[] {
  return [...files].flatMap(([distance, file]) => ['--at', `${distance}=${file}`]);
}

let walks = 0;
function walkDir(): string {
  const dir = path.join(work, `walk-${walks++}`);
  fs.mkdirSync(dir);
  return dir;
}

describe('footfall calibrate --at (recordings)', () => {
  const models: Array<{ wifi: PathLossModel; ble: PathLossModel }> = [
    { wifi: { p1mDbm: -40, exponent: 2.0, noiseDb: 4 }, ble: { p1mDbm: -59, exponent: 2.0, noiseDb: 5 } },
    { wifi: { p1mDbm: -46, exponent: 2.7, noiseDb: 5 }, ble: { p1mDbm: -62, exponent: 2.4, noiseDb: 6 } },
    { wifi: { p1mDbm: -35, exponent: 3.3, noiseDb: 4 }, ble: { p1mDbm: -55, exponent: 3.0, noiseDb: 5 } },
  ];

  it.each(models.map((model, index) => [index, model] as const))('fits walk %i within 2 dB of its model, Wi-Fi and BLE', async (index, model) => {
    const dir = walkDir();
    const wifi = recordWifiWalk({ dir, model: model.wifi, distances: DISTANCES, seed: `wifi-${index}`, ssid: SSID });
    const ble = recordBleWalk({ dir, model: model.ble, distances: DISTANCES, seed: `ble-${index}`, name: BLE_NAME });
    const result = await runCli([
      'calibrate',
      '--ssid',
      SSID,
      '--ble-name',
      BLE_NAME,
      '--zones',
      'inside=6,nearby=15',
      ...atFlags(wifi),
      ...atFlags(ble),
      '--json',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const fits = JSON.parse(result.stdout) as Record<'wifi' | 'ble', FitJson>;
    for (const source of ['wifi', 'ble'] as const) {
      const fit = fits[source];
      expect(fit.points.map((point) => point.distance_m)).toEqual(DISTANCES);
      // Only the marked frames count: 60 per distance, the unmarked ones of the same phone left out.
      for (const point of fit.points) expect(point.samples).toBe(60);
      for (const zone of ZONES) {
        expect(Math.abs(fit.thresholds[zone.name]!.threshold_dbm - modelRssi(model[source], zone.radiusM))).toBeLessThanOrEqual(2);
      }
      expect(Math.abs(fit.exponent - model[source].exponent)).toBeLessThan(0.4);
    }
  });

  it('writes the zones into a config keeping its comments and styles, and config check passes', async () => {
    const dir = walkDir();
    const model = models[1]!;
    const wifi = recordWifiWalk({ dir, model: model.wifi, distances: [1, 4, 8], seed: 'write', ssid: SSID });
    const ble = recordBleWalk({ dir, model: model.ble, distances: [1, 4, 8], seed: 'write-ble', name: BLE_NAME });
    const config = path.join(dir, 'footfall.yaml');
    const original = [
      '# The shop on the corner.',
      'sensor:',
      '  id: corner-shop # as on the invoice',
      '',
      '# Zones: set by footfall calibrate.',
      'zones:',
      '  wifi: { inside: -65, nearby: -80 }   # guessed',
      '  ble:',
      '    # the first is the premises',
      '    inside: -75',
      '',
      'mqtt:',
      '  url: "mqtt://127.0.0.1:1883"',
      '',
    ].join('\n');
    fs.writeFileSync(config, original, { mode: 0o600 });
    const args = ['calibrate', '--ssid', SSID, '--ble-name', BLE_NAME, '--zones', 'inside=6,nearby=15', ...atFlags(wifi), ...atFlags(ble)];

    const shown = await runCli([...args, '--config', config]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`--- ${config}`);
    expect(shown.stdout).toMatch(/^-  wifi: \{ inside: -65, nearby: -80 \}/m);
    expect(shown.stdout).toMatch(/^\+  wifi: \{ inside: -\d+, nearby: -\d+ \}/m);
    expect(fs.readFileSync(config, 'utf8')).toBe(original);

    const written = await runCli([...args, '--write', config]);
    expect(written.code).toBe(0);
    expect(written.stderr).toContain(`wrote zones.wifi and zones.ble to ${config}`);
    const after = fs.readFileSync(config, 'utf8');
    const changed = original.split('\n').filter((line) => !after.split('\n').includes(line));
    // Only the zone values changed: every comment, blank line and other key is as it was.
    expect(changed).toEqual(['  wifi: { inside: -65, nearby: -80 }   # guessed', '    inside: -75']);
    expect(after).toMatch(/^ {2}wifi: \{ inside: -\d+, nearby: -\d+ \} {3}# guessed$/m);
    expect(after).toMatch(/^ {4}# the first is the premises\n {4}inside: -\d+\n {4}nearby: -\d+$/m);
    expect(fs.statSync(config).mode & 0o777).toBe(0o600);
    const check = await runCli(['config', 'check', '--config', config]);
    expect(check.code).toBe(0);

    const again = await runCli([...args, '--write', config]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already has these zones');
  });

  describe('bad input: one line, a sysexits code, the config untouched', () => {
    const dir = walkDir();
    const model = models[0]!.wifi;
    const wifi = recordWifiWalk({ dir, model, distances: [1, 4], seed: 'bad', ssid: SSID });
    const ble = recordBleWalk({ dir, model: models[0]!.ble, distances: [1], seed: 'bad-ble', name: BLE_NAME });
    const rising = recordWifiWalk({ dir: walkDir(), model: { p1mDbm: -70, exponent: -1.5, noiseDb: 1 }, distances: [1, 4], seed: 'rise', ssid: SSID });
    const config = path.join(dir, 'footfall.yaml');
    const original = 'zones:\n  wifi: { inside: -65 }\n';
    fs.writeFileSync(config, original);
    const base = ['calibrate', '--ssid', SSID, '--zones', 'inside=6'];
    const at = atFlags(wifi);

    it.each([
      ['a distance that is not a positive number', [...base, '--at', `-4=${wifi.get(4)}`, '--at', `1=${wifi.get(1)}`, '--write', config], 64, /give the distance in metres/],
      ['a distance that is not a number', [...base, '--at', `four=${wifi.get(4)}`, '--at', `1=${wifi.get(1)}`, '--write', config], 64, /give the distance in metres/],
      ['fewer than two distances', [...base, '--at', `1=${wifi.get(1)}`, '--write', config], 64, /two distances or more/],
      ['no frame of the marked phone in a recording', ['calibrate', '--ssid', 'someone-else', '--zones', 'inside=6', ...at, '--write', config], 65, /no frame of the marked phone .* in .*wifi-1m\.pcap/],
      ['a zone radius inside 1 m', ['calibrate', '--ssid', SSID, '--zones', 'inside=0.5', ...at, '--write', config], 64, /more than 1 m/],
      ['a recording that does not exist', [...base, '--at', `1=${path.join(dir, 'none.pcap')}`, '--at', `4=${wifi.get(4)}`, '--write', config], 66, /none\.pcap/],
      ['a BLE recording without a BLE mark', [...base, ...at, '--at', `8=${ble.get(1)}`, '--write', config], 64, /is a BLE capture: mark the phone on it with --ble-name/],
      ['--write without zones', ['calibrate', '--ssid', SSID, ...at, '--write', config], 64, /--write needs the zone radii/],
      ['RSSI that rises with distance', [...base, ...atFlags(rising), '--write', config], 65, /Wi-Fi: .*fall/],
      ['no mark at all', ['calibrate', ...at, '--write', config], 64, /--ssid NAME/],
      ['a config file that cannot be written', [...base, ...at, '--write', path.join(dir, 'missing-dir', 'footfall.yaml')], 73, /cannot write .*missing-dir/],
      ['a config file that is a directory', [...base, ...at, '--write', dir], 73, /is a directory/],
    ])('%s', async (_what, args, code, message) => {
      const result = await runCli(args);
      expect(result.code).toBe(code);
      const lines = result.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(message);
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(fs.readFileSync(config, 'utf8')).toBe(original);
      expect(fs.readdirSync(dir).filter((name) => name.endsWith('.yaml') || name.includes('.tmp'))).toEqual(['footfall.yaml']);
    });
  });

  it('shows the marked phone nowhere: stdout, stderr, the written config', async () => {
    const dir = walkDir();
    const model = models[2]!;
    const wifi = recordWifiWalk({ dir, model: model.wifi, distances: [1, 3, 9], seed: 'leak', ssid: SSID });
    const ble = recordBleWalk({ dir, model: model.ble, distances: [1, 3, 9], seed: 'leak-ble', name: BLE_NAME });
    const config = path.join(dir, 'out', 'footfall.yaml');
    fs.mkdirSync(path.dirname(config));
    const args = ['calibrate', '--ssid', SSID, '--ble-name', BLE_NAME, '--zones', 'inside=5', ...atFlags(wifi), ...atFlags(ble), '--log-level', 'debug'];
    const outputs = [await runCli([...args, '--write', config]), await runCli([...args, '--json'])];
    const leaks = findLeaks(CALIBRATION_PHONE_ADDRESSES, [
      ...outputs.flatMap((result, i) => [
        { name: `stdout ${i}`, data: result.stdout },
        { name: `stderr ${i}`, data: result.stderr },
      ]),
      ...filesUnder(path.dirname(config)),
    ]);
    expect(outputs.map((result) => result.code)).toEqual([0, 0]);
    expect(leaks).toEqual([]);
  });
});
