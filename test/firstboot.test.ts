/**
 * First boot: `footfall provision import` (what footfall-firstboot.service runs) against a
 * staging root with a fake boot partition holding a bundle from `footfall provision`: config
 * and secrets imported with their owners and modes, the bundle removed, the daemon enabled; a
 * broken bundle refused and kept, with the reason in the journal's output, beside the bundle and
 * in doctor. The unit itself passes systemd-analyze verify.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bootBundleResult, REFUSAL_NOTE } from '../src/fleet/boot-bundle.js';
import { runCli } from './helpers/cli.js';
import { findOnPath, unitDirectives, unitValue } from './helpers/systemd-unit.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const UNIT = path.join(REPO, 'systemd/footfall-firstboot.service');
const FOOTFALL_GID = 990;
const SERIAL = '10000000a1b2c3d4';
const isRoot = process.getuid?.() === 0;
const analyze = findOnPath('systemd-analyze');
const systemctl = findOnPath('systemctl');

let work: string;
let provisioned: string;
let root: string;

const inRoot = (...parts: string[]) => path.join(root, ...parts);
const bundleDir = () => inRoot('boot/firmware/footfall');
const importInto = () => runCli(['provision', 'import', '--root', root]);

/** Owner, group and mode of a file, as ls would show the numbers. */
function ownership(file: string): string {
  const stat = fs.statSync(file);
  return `${stat.uid}:${stat.gid} ${(stat.mode & 0o7777).toString(8)}`;
}

/** A fresh sensor: the package's units and group, a boot partition holding `bundle`. */
function freshRoot(bundle: string): void {
  fs.rmSync(root, { recursive: true, force: true });
  fs.mkdirSync(inRoot('etc'), { recursive: true });
  fs.writeFileSync(inRoot('etc/group'), `root:x:0:\nfootfall:x:${FOOTFALL_GID}:\n`);
  fs.mkdirSync(inRoot('lib/systemd/system'), { recursive: true });
  for (const unit of ['footfall.service', 'footfall-firstboot.service']) fs.copyFileSync(path.join(REPO, 'systemd', unit), inRoot('lib/systemd/system', unit));
  fs.mkdirSync(inRoot('sys/firmware/devicetree/base'), { recursive: true });
  fs.writeFileSync(inRoot('sys/firmware/devicetree/base/serial-number'), `${SERIAL}\0`);
  fs.mkdirSync(inRoot('boot/firmware'), { recursive: true });
  fs.cpSync(bundle, bundleDir(), { recursive: true });
}

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-firstboot-'));
  root = path.join(work, 'root');
  fs.writeFileSync(path.join(work, 'sites.csv'), 'sensor,site,mqtt_url\nstore-12-entrance,"Store 12, Leeds",mqtts://broker.example.net:8883\n');
  const result = await runCli(['provision', '--sites', path.join(work, 'sites.csv'), '--out', path.join(work, 'bundles'), '--ca', path.join(work, 'ca')]);
  expect(result.code, result.stderr).toBe(0);
  provisioned = path.join(work, 'bundles/store-12-entrance/footfall');
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe.skipIf(!isRoot)('footfall provision import into a staging root (as root, which gives the files away)', () => {
  beforeEach(() => freshRoot(provisioned));

  it.skipIf(systemctl === undefined)('imports config and secrets, root\'s and the footfall group\'s alone, removes the bundle and enables the daemon', async () => {
    const result = await importInto();
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(
      `footfall: imported ${bundleDir()} into ${inRoot('etc/footfall')} (client.crt, client.key, footfall.yaml) ` +
        'for sensor store-12-entrance (from the bundle); footfall.service enabled\n',
    );
    expect(result.stderr).toBe('');

    expect(ownership(inRoot('etc/footfall'))).toBe(`0:${FOOTFALL_GID} 750`);
    expect(fs.readdirSync(inRoot('etc/footfall')).sort()).toEqual(['client.crt', 'client.key', 'footfall.yaml']);
    for (const name of ['client.crt', 'client.key', 'footfall.yaml']) {
      expect(ownership(inRoot('etc/footfall', name)), name).toBe(`0:${FOOTFALL_GID} 640`);
      expect(fs.readFileSync(inRoot('etc/footfall', name), 'utf8'), name).toBe(fs.readFileSync(path.join(provisioned, name), 'utf8'));
    }
    // Gone from the partition any PC can read, which stays.
    expect(fs.existsSync(bundleDir())).toBe(false);
    expect(fs.readdirSync(inRoot('boot/firmware'))).toEqual([]);
    expect(fs.readlinkSync(inRoot('etc/systemd/system/multi-user.target.wants/footfall.service'))).toBe('/lib/systemd/system/footfall.service');

    // The daemon's own check accepts what was imported, its files where they are in this root.
    const config = inRoot('etc/footfall/footfall.yaml');
    const check = await runCli(['config', 'check', '--config', config], {
      FOOTFALL_MQTT_CERT_FILE: inRoot('etc/footfall/client.crt'),
      FOOTFALL_MQTT_KEY_FILE: inRoot('etc/footfall/client.key'),
    });
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout).toBe(`${config}: ok (sensor store-12-entrance)\n`);
    expect(bootBundleResult([bundleDir()]).status).toBe('pass');
  });

  it("takes the Raspberry Pi's serial number for a bundle without a sensor id, and replaces the config there", async () => {
    fs.mkdirSync(inRoot('etc/footfall'), { recursive: true });
    fs.writeFileSync(inRoot('etc/footfall/footfall.yaml'), '# the package example\n');
    fs.rmSync(bundleDir(), { recursive: true });
    fs.mkdirSync(bundleDir());
    fs.writeFileSync(path.join(bundleDir(), 'footfall.yaml'), '# one config for every sensor\nmqtt:\n  url: mqtt://broker.example.net\n');
    // Files a PC's file manager leaves on the partition are no part of it.
    fs.writeFileSync(path.join(bundleDir(), '._footfall.yaml'), 'Mac resource fork');

    const result = await importInto();
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`(footfall.yaml) for sensor ${SERIAL} (from the serial number)`);
    expect(fs.readFileSync(inRoot('etc/footfall/footfall.yaml'), 'utf8')).toBe(
      `# one config for every sensor\nmqtt:\n  url: mqtt://broker.example.net\n\nsensor:\n  id: ${SERIAL}\n`,
    );
    expect(fs.readdirSync(inRoot('etc/footfall'))).toEqual(['footfall.yaml']);
    expect(fs.existsSync(bundleDir())).toBe(false);
  });

  it.each([
    ['a secret missing', () => fs.rmSync(path.join(bundleDir(), 'client.key')), /mqtt\.key_file names \/etc\/footfall\/client\.key, which is neither in the bundle nor on the sensor: copy the whole bundle folder/],
    ['a bad value', () => fs.appendFileSync(path.join(bundleDir(), 'footfall.yaml'), 'privacy:\n  token_bits: 100\n'), /footfall\.yaml is not a valid config: privacy\.token_bits: 100 is not allowed: must be a whole number from 16 to 64/],
    ['YAML that does not parse', () => fs.writeFileSync(path.join(bundleDir(), 'footfall.yaml'), 'mqtt: [\n'), /footfall\.yaml: it is not valid YAML: .* at line 2, column 1/],
    ['no config', () => fs.rmSync(path.join(bundleDir(), 'footfall.yaml')), /it has no readable footfall\.yaml: copy a whole bundle folder from footfall provision/],
  ])('refuses a bundle with %s and keeps it, saying why in the journal, beside it and in doctor', async (_, breakIt, reason) => {
    breakIt();
    const before = fs.readdirSync(bundleDir()).sort();

    const result = await importInto();
    expect(result.code).toBe(65);
    expect(result.stdout).toBe('');
    const line = result.stderr.trimEnd();
    expect(line.split('\n')).toHaveLength(1);
    expect(line).toMatch(new RegExp(`^footfall: the bundle in ${bundleDir()} is refused: `));
    expect(line).toMatch(reason);
    expect(line).toMatch(new RegExp(`; it stays there, with this reason in ${REFUSAL_NOTE}$`));

    // Nothing imported, nothing enabled, the bundle as it was with the note beside it.
    expect(fs.existsSync(inRoot('etc/footfall'))).toBe(false);
    expect(fs.existsSync(inRoot('etc/systemd'))).toBe(false);
    expect(fs.readdirSync(bundleDir()).sort()).toEqual([...before, REFUSAL_NOTE].sort());
    const note = fs.readFileSync(path.join(bundleDir(), REFUSAL_NOTE), 'utf8');
    expect(note.split('\n')[0]).toMatch(reason);
    expect(note).toContain('it is tried at every boot');

    const doctor = bootBundleResult([bundleDir()]);
    expect(doctor.status).toBe('fail');
    expect(doctor.message).toMatch(reason);
    expect(doctor.message).toMatch(new RegExp(`^the bundle in ${bundleDir()} was refused: `));
  });

  it('refuses a bundle on a system without the footfall group: the package is not installed', async () => {
    fs.writeFileSync(inRoot('etc/group'), 'root:x:0:\n');
    const result = await importInto();
    expect(result.code).toBe(65);
    expect(result.stderr).toContain('is refused: there is no footfall group in /etc/group: install the footfall package, then reboot;');
    expect(fs.existsSync(path.join(bundleDir(), 'footfall.yaml'))).toBe(true);
  });
});

describe('footfall provision import without a bundle, and what doctor says of one waiting', () => {
  it('has nothing to do when the boot partition holds no bundle', async () => {
    fs.rmSync(root, { recursive: true, force: true });
    fs.mkdirSync(root);
    const result = await importInto();
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('footfall: no bundle in /boot/firmware/footfall or /boot/footfall: nothing to import\n');
  });

  it('warns of a bundle that waits for the next boot', () => {
    const waiting = path.join(work, 'waiting');
    fs.cpSync(provisioned, waiting, { recursive: true });
    expect(bootBundleResult([path.join(work, 'absent'), waiting])).toMatchObject({ status: 'warn', message: `a bundle waits in ${waiting}: it is imported at the next boot` });
  });
});

describe('systemd/footfall-firstboot.service', () => {
  const unit = unitDirectives(fs.readFileSync(UNIT, 'utf8'));

  it('runs the import once before the daemon, only when a bundle is there, and keeps the daemon from starting when it fails', () => {
    expect(unitValue(unit, 'Type')).toBe('oneshot');
    expect(unitValue(unit, 'ExecStart')).toBe('/usr/bin/node /opt/footfall/dist/cli/main.js provision import');
    expect(unit.get('ConditionPathExists')).toEqual(['|/boot/firmware/footfall', '|/boot/footfall']);
    expect(unitValue(unit, 'Before')).toBe('footfall.service');
    expect(unitValue(unit, 'RequiredBy')).toBe('footfall.service');
    expect(unitValue(unit, 'WantedBy')).toBe('multi-user.target');
  });

  it.skipIf(analyze === undefined)('passes systemd-analyze verify without a warning', () => {
    // verify wants ExecStart's program to exist and the daemon's unit beside it.
    const dir = path.join(work, 'units');
    fs.mkdirSync(dir, { recursive: true });
    for (const name of ['footfall.service', 'footfall-firstboot.service']) {
      const text = fs.readFileSync(path.join(REPO, 'systemd', name), 'utf8');
      fs.writeFileSync(path.join(dir, name), text.replace('ExecStart=/usr/bin/node ', `ExecStart=${process.execPath} `).replaceAll('/opt/footfall', REPO.replace(/\/$/, '')));
    }
    const result = spawnSync(analyze!, ['verify', path.join(dir, 'footfall-firstboot.service')], { encoding: 'utf8' });
    expect(`${result.stdout}${result.stderr}`).toBe('');
    expect(result.status).toBe(0);
  });
});
