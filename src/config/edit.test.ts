import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkConfigText, ConfigFileError, editConfigText, NEW_FILE_HEADER, UneditableConfigError, writeConfigFile } from './edit.js';
import { renderExampleConfig } from './example.js';
import { loadConfig } from './load.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-edit-test-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const CALIBRATED = [
  { key: ['zones', 'wifi'], value: { inside: -61, nearby: -74 } },
  { key: ['zones', 'ble'], value: { inside: -70, nearby: -86 } },
];

const COMMENTED = `# footfall at the north entrance
# (kept in git; ask facilities before changing)

sensor:
  id: "store-12"  # matches the asset tag

mqtt:
  # the venue's broker
  url: 'mqtt://broker.local:1883'
  topic_prefix: "footfall"

# zones measured on 2024-05-02
zones:
  # inside the glass doors
  wifi: { inside: -65, nearby: -80 }  # flow, as the example writes it

  # BLE reads lower than Wi-Fi
  ble:
    inside: -75  # at the till

log:
  level: info  # debug when something is odd
`;

function uneditable(current: string): string {
  try {
    editConfigText(current, CALIBRATED);
  } catch (err) {
    if (err instanceof UneditableConfigError) return err.message;
    throw err;
  }
  throw new Error('expected an UneditableConfigError');
}

function writeFailure(file: string, text: string): ConfigFileError {
  try {
    writeConfigFile(file, text);
  } catch (err) {
    if (err instanceof ConfigFileError) return err;
    throw err;
  }
  throw new Error('expected an ConfigFileError');
}

const leftovers = (directory: string) => fs.readdirSync(directory).filter((name) => name.endsWith('.tmp'));

describe('editConfigText', () => {
  it('changes the zones and leaves every other line, comment and style as it was', () => {
    const edited = editConfigText(COMMENTED, CALIBRATED);
    expect(edited).toBe(
      COMMENTED.replace('wifi: { inside: -65, nearby: -80 }', 'wifi: { inside: -61, nearby: -74 }').replace(
        '    inside: -75  # at the till\n',
        // The changed line is written by the YAML library, which puts one space before a comment.
        '    inside: -70 # at the till\n    nearby: -86\n',
      ),
    );
    expect(checkConfigText(edited, 'footfall.yaml')).toEqual([]);
  });

  it("keeps the new value's order and drops the entries it no longer has", () => {
    const current = 'zones:\n  ble:\n    nearby: -90  # street\n    inside: -75  # door\n';
    const edited = editConfigText(current, [{ key: ['zones', 'ble'], value: { inside: -72, far: -95 } }]);
    expect(edited).toBe('zones:\n  ble:\n    inside: -72 # door\n    far: -95\n');
  });

  it('leaves the text alone when a value is already what it would become', () => {
    const current = 'zones:\n  wifi: {inside: -65,nearby: -80}  # as measured\n';
    expect(editConfigText(current, [{ key: ['zones', 'wifi'], value: { inside: -65, nearby: -80 } }])).toBe(current);
  });

  it('keeps the entries of a list that stay, with their comments', () => {
    const current = 'capture:\n  ignore:\n    - dc:fb:48  # the tills\n    - 40:ec:99:f9:34:a6  # office PC\n';
    const edited = editConfigText(current, [{ key: ['capture', 'ignore'], value: ['dc:fb:48', 'aa:bb:cc'] }]);
    expect(edited).toBe('capture:\n  ignore:\n    - dc:fb:48 # the tills\n    - aa:bb:cc\n');
  });

  it('adds a zones section to a file without one, after a blank line at the end', () => {
    const current = 'sensor:\n  id: store-12\n# end of the settings\n';
    const edited = editConfigText(current, CALIBRATED);
    expect(edited).toBe(
      `${current}\nzones:\n  wifi: { inside: -61, nearby: -74 }\n  ble: { inside: -70, nearby: -86 }\n`,
    );
    expect(checkConfigText(edited, 'footfall.yaml')).toEqual([]);
  });

  it('fills the empty zones section of the example file after its commented-out keys', () => {
    const example = renderExampleConfig();
    const edited = editConfigText(example, CALIBRATED);
    const anchor = '  # ble: { inside: -75, nearby: -90 }\n';
    expect(example).toContain(anchor);
    expect(edited).toBe(example.replace(anchor, `${anchor}  wifi: { inside: -61, nearby: -74 }\n  ble: { inside: -70, nearby: -86 }\n`));
    expect(checkConfigText(edited, 'footfall.yaml')).toEqual([]);
  });

  it('writes a value on the line of a key that has none, before its comment', () => {
    const edited = editConfigText('zones:\n  wifi:  # to do\n  ble: ~\n', CALIBRATED);
    expect(edited).toBe('zones:\n  wifi: { inside: -61, nearby: -74 }  # to do\n  ble: { inside: -70, nearby: -86 }\n');
  });

  it('starts a file that does not exist with a header', () => {
    const created = editConfigText(undefined, CALIBRATED);
    expect(created).toBe(`${NEW_FILE_HEADER}\nzones:\n  wifi: { inside: -61, nearby: -74 }\n  ble: { inside: -70, nearby: -86 }\n`);
    expect(created).toContain('written by footfall');
    expect(created).toContain('footfall config example');
    expect(checkConfigText(created, 'footfall.yaml')).toEqual([]);
  });

  it.each([
    ['', 'holds no settings'],
    ['# only a comment\n', 'holds no settings'],
    ['zones: { wifi: [1\n', 'not valid YAML'],
    ['zones: 1\nzones: 2\n', 'not valid YAML'],
    ['- sensor\n- zones\n', 'top level is not a mapping'],
    ['zones: -65\n', 'zones is not a section'],
  ])('refuses %j, saying why', (current, why) => {
    expect(uneditable(current)).toContain(why);
  });
});

describe('checkConfigText', () => {
  it("names a bad value with the config's own message and the file", () => {
    const issues = checkConfigText('zones:\n  wifi: { inside: 5 }\n', '/etc/footfall/footfall.yaml');
    expect(issues).toEqual([expect.objectContaining({ key: 'zones.wifi', origin: '/etc/footfall/footfall.yaml' })]);
    expect(issues[0]!.message).toContain('from -120 to 0 dBm');
  });
});

describe('writeConfigFile', () => {
  it("replaces the file, keeping its mode, and leaves no temporary file", () => {
    const file = path.join(dir, 'kept-mode.yaml');
    fs.writeFileSync(file, COMMENTED, { mode: 0o600 });
    const edited = editConfigText(COMMENTED, CALIBRATED);
    writeConfigFile(file, edited);
    expect(fs.readFileSync(file, 'utf8')).toBe(edited);
    expect(fs.statSync(file).mode & 0o7777).toBe(0o600);
    expect(leftovers(dir)).toEqual([]);
    expect(loadConfig({ file, fileExplicit: true, env: {} }).zones.ble).toEqual({ inside: -70, nearby: -86 });
  });

  it('gives a new file mode 0640', () => {
    const file = path.join(dir, 'new.yaml');
    writeConfigFile(file, editConfigText(undefined, CALIBRATED));
    expect(fs.statSync(file).mode & 0o7777).toBe(0o640);
  });

  it.runIf(process.getuid?.() === 0)("keeps the original's owner when running as root", () => {
    const file = path.join(dir, 'owned.yaml');
    fs.writeFileSync(file, COMMENTED);
    fs.chownSync(file, 1234, 5678);
    writeConfigFile(file, editConfigText(COMMENTED, CALIBRATED));
    const { uid, gid } = fs.statSync(file);
    expect({ uid, gid }).toEqual({ uid: 1234, gid: 5678 });
  });

  it('writes through a link to the file it points at', () => {
    const file = path.join(dir, 'linked-target.yaml');
    const link = path.join(dir, 'linked.yaml');
    fs.writeFileSync(file, COMMENTED);
    fs.symlinkSync(file, link);
    writeConfigFile(link, 'log:\n  level: debug\n');
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(file, 'utf8')).toBe('log:\n  level: debug\n');
  });

  it('fails with exit 73, naming the file, when its directory does not exist', () => {
    const file = path.join(dir, 'absent', 'footfall.yaml');
    const error = writeFailure(file, COMMENTED);
    expect(error.exitCode).toBe(73);
    expect(error.message).toBe(`cannot write ${file}: its directory does not exist; give a writable --write FILE`);
  });

  it('fails with exit 73 when the file is a directory, which stays as it was', () => {
    const target = path.join(dir, 'a-directory.yaml');
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'inside'), 'kept');
    const error = writeFailure(target, COMMENTED);
    expect(error.exitCode).toBe(73);
    expect(error.message).toContain(`cannot write ${target}: it is a directory`);
    expect(fs.readdirSync(target)).toEqual(['inside']);
    expect(leftovers(dir)).toEqual([]);
  });

  it.skipIf(process.getuid?.() === 0)('fails with exit 73 in a read-only directory and leaves the original intact', () => {
    const readOnly = fs.mkdtempSync(path.join(dir, 'read-only-'));
    const file = path.join(readOnly, 'footfall.yaml');
    fs.writeFileSync(file, COMMENTED);
    fs.chmodSync(readOnly, 0o555);
    try {
      const error = writeFailure(file, 'log:\n  level: debug\n');
      expect(error.exitCode).toBe(73);
      expect(error.message).toContain('permission denied; run as root, or give a writable --write FILE');
      expect(fs.readFileSync(file, 'utf8')).toBe(COMMENTED);
      expect(leftovers(readOnly)).toEqual([]);
    } finally {
      fs.chmodSync(readOnly, 0o755);
    }
  });
});
