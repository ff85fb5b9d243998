/**
 * First boot on the sensor (`footfall provision import`, run by footfall-firstboot.service
 * before the daemon): the bundle on the boot partition is checked with the config's own
 * validation, its config and secrets go into /etc/footfall (root's, readable by the footfall
 * group alone), the bundle leaves the boot partition (any PC can read that partition), and the
 * daemon is enabled. A bundle that is not good is refused whole: nothing is imported, it stays
 * where it is with a note saying why, and the unit fails so the daemon does not start.
 * `root` is / on a sensor, and a staging tree in tests.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { editConfigText, UneditableConfigError } from '../config/edit.js';
import { formatIssue } from '../config/load.js';
import { schema } from '../config/schema.js';
import { writeRefusalNote } from './boot-bundle.js';
import { BUNDLE_FILES, checkConfigWithFiles, configuredFiles, configuredSensorId, nameInConfigDir, SENSOR_CONFIG_DIR } from './sensor-config.js';

/** The bundle is not good; the message says why in one line (sysexits EX_DATAERR). */
export class BundleRefusedError extends Error {
  override readonly name = 'BundleRefusedError';
  readonly exitCode = 65;
}

export interface ImportOptions {
  root: string;
  /** The bundle: the boot partition's under `root` (findBootBundle), or another. */
  bundleDir: string;
  now?: Date;
}

export interface ImportResult {
  bundleDir: string;
  /** The sensor's id, and where it came from; undefined: none was set, the daemon uses the host name. */
  sensorId: string | undefined;
  sensorIdFrom: 'bundle' | 'serial number' | 'host name';
  /** The files now in /etc/footfall, config last. */
  imported: string[];
  /** Set when the bundle could not be removed from the boot partition: why, and what to do. */
  notRemoved?: string;
  /** How footfall.service was enabled, or why it was not. */
  daemon: string;
}

/**
 * The Raspberry Pi's serial number under `root` (device tree, else /proc/cpuinfo), when it is
 * one and fits a sensor id.
 */
export function piSerialNumber(root: string): string | undefined {
  const read = (file: string) => {
    try {
      return fs.readFileSync(path.join(root, file), 'utf8');
    } catch {
      return undefined;
    }
  };
  const fromTree = read('sys/firmware/devicetree/base/serial-number')?.replace(/\0/g, '').trim();
  const serial = (fromTree || /^Serial\s*:\s*(\S+)/m.exec(read('proc/cpuinfo') ?? '')?.[1])?.toLowerCase();
  if (serial === undefined || /^0*$/.test(serial)) return undefined;
  return schema.sensor.id.parse(serial, true).ok ? serial : undefined;
}

/** The footfall group's id in `root`'s group file. */
function footfallGroupId(root: string): number {
  let groups = '';
  try {
    groups = fs.readFileSync(path.join(root, 'etc/group'), 'utf8');
  } catch {
    // reported below
  }
  const gid = /^footfall:[^:]*:(\d+):/m.exec(groups)?.[1];
  if (gid === undefined) throw new BundleRefusedError('there is no footfall group in /etc/group: install the footfall package, then reboot');
  return Number(gid);
}

/** Writes `file` whole or not at all, as root's with the group `gid` and mode 0640. */
function installFile(file: string, data: Buffer | string, gid: number): void {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${crypto.randomBytes(6).toString('hex')}.tmp`);
  const fd = fs.openSync(temporary, 'wx', 0o600);
  try {
    fs.fchownSync(fd, 0, gid);
    fs.fchmodSync(fd, 0o640);
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw error;
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temporary, file);
}

/**
 * Enables footfall.service in `root`; on a running system also queues its start (the boot may
 * not include it yet). Says what it did: the import stands either way.
 */
function enableDaemon(root: string): string {
  const offline = root !== '/';
  try {
    execFileSync('systemctl', [...(offline ? [`--root=${root}`] : []), 'enable', 'footfall.service'], { stdio: ['ignore', 'ignore', 'pipe'] });
    if (offline || !fs.existsSync('/run/systemd/system')) return 'footfall.service enabled';
    // --no-block: this runs inside the boot transaction, which the daemon's start waits for.
    execFileSync('systemctl', ['start', '--no-block', 'footfall.service'], { stdio: ['ignore', 'ignore', 'pipe'] });
    return 'footfall.service enabled and starting';
  } catch (error) {
    const { code, stderr } = error as NodeJS.ErrnoException & { stderr?: Buffer };
    if (code === 'ENOENT') return 'footfall.service not enabled: there is no systemctl here';
    return `footfall.service not enabled: systemctl says ${stderr?.toString().trim().split('\n')[0] ?? (error as Error).message}`;
  }
}

/** Removes the bundle from the boot partition; says why when it cannot (it is tried again at the next boot). */
function removeBundle(bundleDir: string): string | undefined {
  try {
    fs.rmSync(bundleDir, { recursive: true });
    syncDirectory(path.dirname(bundleDir));
    return undefined;
  } catch (error) {
    return `could not remove ${bundleDir} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): remove it from the card, it holds the sensor's secrets`;
  }
}

/** The bundle's config with its sensor id, and where the id came from. */
function withSensorId(text: string, root: string): { text: string; sensorId: string | undefined; from: ImportResult['sensorIdFrom'] } {
  const own = configuredSensorId(text);
  if (own !== undefined) return { text, sensorId: own, from: 'bundle' };
  const serial = piSerialNumber(root);
  if (serial === undefined) return { text, sensorId: undefined, from: 'host name' };
  try {
    return { text: editConfigText(text, [{ key: ['sensor', 'id'], value: serial }]), sensorId: serial, from: 'serial number' };
  } catch (error) {
    if (error instanceof UneditableConfigError) throw new BundleRefusedError(`${BUNDLE_FILES.config}: ${error.message}`);
    throw error;
  }
}

/** Checks the bundle and imports it; throws BundleRefusedError with nothing imported when it is not good. */
function importChecked(bundleDir: string, root: string): ImportResult {
  let configText: string;
  try {
    configText = fs.readFileSync(path.join(bundleDir, BUNDLE_FILES.config), 'utf8');
  } catch {
    throw new BundleRefusedError(`it has no readable ${BUNDLE_FILES.config}: copy a whole bundle folder from footfall provision`);
  }
  const { text, sensorId, from } = withSensorId(configText, root);

  // The secrets the config names under /etc/footfall come from the bundle when it has them;
  // any other file the config names must be on the sensor already.
  const fromBundle = (configured: string) => {
    const name = nameInConfigDir(configured);
    return name !== undefined && name !== BUNDLE_FILES.config && fs.existsSync(path.join(bundleDir, name)) ? name : undefined;
  };
  const secrets = new Set<string>();
  for (const { key, file } of configuredFiles(text)) {
    const name = fromBundle(file);
    if (name !== undefined) secrets.add(name);
    else if (!fs.existsSync(path.join(root, file))) throw new BundleRefusedError(`${key} names ${file}, which is neither in the bundle nor on the sensor: copy the whole bundle folder`);
  }
  const configFile = path.posix.join(SENSOR_CONFIG_DIR, BUNDLE_FILES.config);
  const issues = checkConfigWithFiles(text, configFile, (configured) => {
    const name = fromBundle(configured);
    return name === undefined ? path.join(root, configured) : path.join(bundleDir, name);
  });
  if (issues.length > 0) {
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
    throw new BundleRefusedError(`${BUNDLE_FILES.config} is not a valid config: ${formatIssue(issues[0]!)}${more}`);
  }
  const gid = footfallGroupId(root);

  const configDir = path.join(root, SENSOR_CONFIG_DIR);
  fs.mkdirSync(configDir, { recursive: true, mode: 0o750 });
  fs.chownSync(configDir, 0, gid);
  fs.chmodSync(configDir, 0o750);
  // The config last: until it is in place, the one before it stays whole.
  for (const name of secrets) installFile(path.join(configDir, name), fs.readFileSync(path.join(bundleDir, name)), gid);
  installFile(path.join(configDir, BUNDLE_FILES.config), text, gid);
  syncDirectory(configDir);

  // Then the bundle leaves the boot partition, which every PC can read.
  const notRemoved = removeBundle(bundleDir);
  return {
    bundleDir,
    sensorId,
    sensorIdFrom: from,
    imported: [...[...secrets].sort(), BUNDLE_FILES.config],
    ...(notRemoved && { notRemoved }),
    daemon: enableDaemon(root),
  };
}

function syncDirectory(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } catch {
    // FAT and some other file systems cannot sync a directory; the change is made either way.
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Imports the bundle into `root`. A refused bundle gets a note saying why beside its files, and
 * the BundleRefusedError is thrown on.
 */
export function importBootBundle(options: ImportOptions): ImportResult {
  try {
    return importChecked(options.bundleDir, options.root);
  } catch (error) {
    if (error instanceof BundleRefusedError) writeRefusalNote(options.bundleDir, error.message, options.now ?? new Date());
    throw error;
  }
}
