/**
 * What `footfall doctor` checks on a sensor, each as a small async function that says pass,
 * warn or fail, and for anything but pass, the command that fixes it.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Config } from '../config/schema.js';
import { commandSucceeds } from '../core/clock.js';
import { diskSpace, readStatus } from '../core/status-file.js';
import { checkBootBundle } from '../fleet/boot-bundle.js';
import { DATABASE_FILE, isDamage, quickCheck } from '../store/database.js';
import { DAMAGED_SUFFIX } from '../store/recovery.js';

export type CheckStatus = 'pass' | 'warn' | 'fail';

export interface CheckResult {
  check: string;
  status: CheckStatus;
  message: string;
  /** What to run or change; absent when the check passed. */
  fix?: string;
}

export type Check = (config: Config) => Promise<CheckResult>;

const pass = (check: string, message: string): CheckResult => ({ check, status: 'pass', message });
const warn = (check: string, message: string, fix: string): CheckResult => ({ check, status: 'warn', message, fix });
const fail = (check: string, message: string, fix: string): CheckResult => ({ check, status: 'fail', message, fix });

const CAP_NET_ADMIN = 12;
const CAP_NET_RAW = 13;
const MIN_FREE_BYTES = 100e6;
const LOW_FREE_BYTES = 1e9;

/** The capability bits this process holds (effective set), from /proc. */
export function effectiveCapabilities(statusText = fs.readFileSync('/proc/self/status', 'utf8')): bigint {
  const hex = /^CapEff:\s*([0-9a-f]+)$/m.exec(statusText)?.[1];
  return hex === undefined ? 0n : BigInt(`0x${hex}`);
}

export const checkCapabilities: Check = async () => {
  const caps = effectiveCapabilities();
  const has = (bit: number) => (caps & (1n << BigInt(bit))) !== 0n;
  const missing = [has(CAP_NET_RAW) ? '' : 'CAP_NET_RAW', has(CAP_NET_ADMIN) ? '' : 'CAP_NET_ADMIN'].filter(Boolean);
  if (missing.length === 0) return pass('capabilities', 'CAP_NET_RAW and CAP_NET_ADMIN held (capture and iw will work)');
  return warn(
    'capabilities',
    `this process lacks ${missing.join(' and ')}: capture fails when footfall runs like this by hand`,
    'run the daemon through its systemd unit (it grants both), or by hand with sudo',
  );
};

export type AdapterPresence = 'no kernel support' | 'missing' | 'blocked by rfkill (soft)' | 'blocked by rfkill (hard)' | 'present';

/** A Bluetooth adapter as the kernel shows it in sysfs: `sys` is /sys, or a copy of its layout. */
export function bluetoothAdapterPresence(adapter: string, sys = '/sys'): AdapterPresence {
  const bluetooth = path.join(sys, 'class/bluetooth');
  if (!fs.existsSync(bluetooth)) return 'no kernel support';
  const dir = path.join(bluetooth, adapter);
  if (!fs.existsSync(dir)) return 'missing';
  const blocked = (kind: 'soft' | 'hard') =>
    fs.readdirSync(dir).some((name) => name.startsWith('rfkill') && fs.readFileSync(path.join(dir, name, kind), 'utf8').trim() === '1');
  if (blocked('hard')) return 'blocked by rfkill (hard)';
  if (blocked('soft')) return 'blocked by rfkill (soft)';
  return 'present';
}

export const checkBluetooth: Check = async (config) => {
  const ble = config.capture.ble;
  if (!ble.enabled) return pass('bluetooth', 'BLE counting is off (capture.ble.enabled: false)');
  const adapter = `hci${ble.adapter}`;
  const presence = bluetoothAdapterPresence(adapter);
  switch (presence) {
    case 'no kernel support':
      return warn('bluetooth', 'this kernel has no Bluetooth support: BLE is not counted, Wi-Fi is', 'modprobe bluetooth (or set capture.ble.enabled: false)');
    case 'missing':
      return warn('bluetooth', `there is no Bluetooth adapter ${adapter}: BLE is not counted, Wi-Fi is`, 'plug in an adapter, or set capture.ble.adapter to one that btmgmt info lists');
    case 'blocked by rfkill (hard)':
      return warn('bluetooth', `${adapter} is blocked by a hardware switch: BLE is not counted`, 'turn the switch on (rfkill list shows it)');
    case 'blocked by rfkill (soft)':
      return warn('bluetooth', `${adapter} is blocked by rfkill: BLE is not counted`, 'rfkill unblock bluetooth');
    case 'present':
      break;
  }
  const reading = readStatus(config.paths.runtime_dir);
  const state = reading.running ? reading.status.health.sources.ble?.state : undefined;
  if (state === undefined) return pass('bluetooth', `adapter ${adapter} present (the daemon is not running: its scan is not checked)`);
  if (state.startsWith('scanning')) return pass('bluetooth', `adapter ${adapter}: the daemon is ${state}`);
  return warn('bluetooth', `adapter ${adapter}: the daemon says ${state}`, 'bluetoothctl power on; journalctl -u footfall shows why');
};

export const checkClock: Check = async (config) => {
  if (await commandSucceeds(config.clock.sync_command)) return pass('clock', 'system clock is synchronized');
  const consequence = config.clock.require_sync ? 'windows are held back until it is' : 'reports will say clock_synced: false';
  return warn('clock', `system clock is not synchronized: ${consequence}`, 'timedatectl set-ntp true (and check that the sensor reaches an NTP server)');
};

/** The nearest existing directory at or above `dir`. */
function existingAncestor(dir: string): string {
  let current = path.resolve(dir);
  while (!fs.existsSync(current)) current = path.dirname(current);
  return current;
}

export const checkDisk: Check = async (config) => {
  const dir = existingAncestor(config.paths.state_dir);
  const { free_bytes: free } = diskSpace(dir);
  const text = `${(free / 1e9).toFixed(1)} GB free for ${config.paths.state_dir}`;
  if (free < MIN_FREE_BYTES) return fail('disk', text, `free space on the file system of ${dir} (journalctl --vacuum-size=100M, remove old files)`);
  if (free < LOW_FREE_BYTES) return warn('disk', text, `free space on the file system of ${dir}`);
  return pass('disk', text);
};

/** What quick_check finds in the database, read-only (the daemon may be writing it), or why it cannot look. */
function databaseFindings(file: string): string[] | { problem: string } {
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      return quickCheck(db);
    } finally {
      db.close();
    }
  } catch (error) {
    if (isDamage(error)) return [(error as Error).message];
    return { problem: (error as { code?: string }).code ?? (error as Error).message };
  }
}

export const checkDatabase: Check = async (config) => {
  const dir = config.paths.state_dir;
  const file = path.join(dir, DATABASE_FILE);
  const reading = readStatus(config.paths.runtime_dir);
  const store = reading.running ? reading.status.health.store : undefined;
  if (store !== undefined && store.state !== 'ok') {
    return fail(
      'database',
      `the daemon cannot write ${file} since ${store.since} (${store.error}): it counts and publishes from memory, ${store.reports_in_memory} reports held there`,
      store.state === 'disk_full'
        ? `free space on the file system of ${dir} (df -h ${dir}); footfall writes what it holds as soon as there is room`
        : 'check the storage (dmesg), then restart footfall (systemctl restart footfall)',
    );
  }
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  if (stat !== undefined && !stat.isFile()) {
    return fail('database', `${file} is ${stat.isDirectory() ? 'a directory' : 'not a regular file'}, where footfall keeps its database`, `move it away (mv ${file} ${file}.moved); footfall makes its database there at start`);
  }
  const damaged = fs.existsSync(dir) ? fs.readdirSync(dir).filter((name) => name.startsWith(`${DATABASE_FILE}${DAMAGED_SUFFIX}`) && !/-(wal|shm)$/.test(name)).sort() : [];
  if (damaged.length > 0) {
    return fail(
      'database',
      `footfall found its database damaged and set it aside as ${path.join(dir, damaged.at(-1)!)}${damaged.length > 1 ? ` (and ${damaged.length - 1} earlier)` : ''}; what could be read of its waiting reports went on in a new one`,
      `check the storage (dmesg; an SD card that damages files is failing: replace it), then remove the damaged copies: rm ${path.join(dir, `${DATABASE_FILE}${DAMAGED_SUFFIX}`)}*`,
    );
  }
  if (stat === undefined) return pass('database', `${file} does not exist yet: footfall makes it at start`);
  const findings = databaseFindings(file);
  if ('problem' in findings) return warn('database', `cannot read ${file} (${findings.problem})`, 'run footfall doctor as root, or as the daemon\'s user');
  if (findings.length > 0) {
    return fail('database', `${file} is damaged: ${findings[0]}`, 'restart footfall (systemctl restart footfall): it sets the damaged file aside and carries its waiting reports over');
  }
  return pass('database', `${file} is intact (quick_check)`);
};

/** The mount whose mount point holds `dir` (the longest matching prefix in /proc/mounts). */
export function mountOf(dir: string, mounts = fs.readFileSync('/proc/mounts', 'utf8')): { point: string; type: string } | undefined {
  const target = path.resolve(dir);
  let best: { point: string; type: string } | undefined;
  for (const line of mounts.split('\n')) {
    const [, point, type] = line.split(' ');
    if (point === undefined || type === undefined) continue;
    const inside = target === point || target.startsWith(point.endsWith('/') ? point : `${point}/`);
    if (inside && (best === undefined || point.length > best.point.length)) best = { point, type };
  }
  return best;
}

export const checkRuntimeDir: Check = async (config) => {
  const dir = config.paths.runtime_dir;
  const mount = mountOf(existingAncestor(dir));
  if (mount?.type === 'tmpfs') return pass('runtime dir', `${dir} is on a tmpfs (${mount.point}): window keys never reach persistent storage`);
  return fail(
    'runtime dir',
    `${dir} is on ${mount?.type ?? 'an unknown file system'} (${mount?.point ?? '?'}), not a tmpfs: window keys would be written to persistent storage`,
    'set paths.runtime_dir to a directory under /run (the systemd unit makes /run/footfall)',
  );
};

export const checkDaemon: Check = async (config) => {
  const reading = readStatus(config.paths.runtime_dir);
  if (reading.running) return pass('daemon', `running, pid ${reading.status.pid}, last status ${reading.status.updated_at}`);
  return warn('daemon', `not running: ${reading.reason}`, 'systemctl enable --now footfall; journalctl -u footfall');
};

export const checkBroker: Check = async (config) => {
  const url = config.mqtt.url;
  if (url === null) return warn('broker', 'publishing is off: no mqtt.url', 'set mqtt.url in /etc/footfall/footfall.yaml (mqtts://host:8883)');
  const { probeBroker } = await import('../publish/broker-probe.js');
  const { displayUrl } = await import('../publish/broker-url.js');
  const problem = await probeBroker({ ...config.mqtt, url });
  if (problem === undefined) return pass('broker', `${displayUrl(url)} accepts footfall's credentials`);
  const credentials = /auth|password|identifier|certificate/i.test(problem);
  return fail(
    'broker',
    `${displayUrl(url)}: ${problem}`,
    credentials ? 'check mqtt.username, mqtt.password_file and the TLS files (ca_file, cert_file, key_file)' : `check that the broker runs and the sensor reaches it (e.g. nc -vz on its host and port)`,
  );
};

/** `iw dev <name> info` as its mode, or why it cannot say. */
async function wirelessMode(name: string): Promise<{ mode: string } | { problem: string }> {
  const [{ runCommand }, { parseIwInfo }] = await Promise.all([import('../capture/wifi/commands.js'), import('../capture/wifi/monitor-interface.js')]);
  try {
    return { mode: parseIwInfo(await runCommand('iw', ['dev', name, 'info'])).type };
  } catch (error) {
    return { problem: (error as Error).message };
  }
}

const wifiOff = (check: string) => pass(check, 'Wi-Fi counting is off (capture.wifi.enabled: false)');

export const checkInterface: Check = async (config) => {
  const wifi = config.capture.wifi;
  if (!wifi.enabled) return wifiOff('interface');
  const name = wifi.interface;
  if (!fs.existsSync(path.join('/sys/class/net', name))) {
    return fail('interface', `${name} does not exist`, 'plug in the Wi-Fi adapter, then set capture.wifi.interface to its name (ip link lists them)');
  }
  const info = await wirelessMode(name);
  if ('problem' in info) {
    return fail('interface', `${name} exists but iw cannot read it: ${info.problem}`, `apt-get install iw; check that ${name} is a Wi-Fi adapter (iw dev)`);
  }
  if (wifi.create_monitor) {
    return pass('interface', `${name} is a Wi-Fi adapter (${info.mode}); footfall makes ${wifi.monitor_interface} from it at start`);
  }
  if (info.mode === 'monitor') return pass('interface', `${name} is in monitor mode`);
  return fail(
    'interface',
    `${name} is in ${info.mode} mode, not monitor mode`,
    `set capture.wifi.create_monitor: true, or: ip link set ${name} down && iw dev ${name} set type monitor && ip link set ${name} up`,
  );
};

/** The link type libpcap reports on the interface footfall captures on: radiotap is what it wants. */
export const checkLinkType: Check = async (config) => {
  const wifi = config.capture.wifi;
  if (!wifi.enabled) return wifiOff('link type');
  const name = wifi.create_monitor ? wifi.monitor_interface : wifi.interface;
  if (!fs.existsSync(path.join('/sys/class/net', name))) {
    return wifi.create_monitor
      ? warn('link type', `${name} does not exist yet (footfall makes it at start): link type not checked`, 'start footfall, then run footfall doctor again')
      : fail('link type', `${name} does not exist`, 'set capture.wifi.interface to the monitor interface');
  }
  const { LivePcap } = await import('../capture/libpcap.js');
  const { linkTypeName } = await import('../capture/capture-file.js');
  const pcap = new LivePcap({ interface: name, filter: '', bufferKb: 64, onWarning: () => {} });
  let linkType: number;
  try {
    linkType = pcap.open();
  } catch (error) {
    return fail('link type', `libpcap cannot open ${name}: ${(error as Error).message.replace(/\s+/g, ' ')}`, 'run footfall doctor as root (or with CAP_NET_RAW)');
  } finally {
    pcap.close();
  }
  const found = `${linkTypeName(linkType)} (${linkType})`;
  if (linkType === 127) return pass('link type', `${name} delivers radiotap frames (RSSI and channel per frame)`);
  if ([105, 119, 163].includes(linkType)) return warn('link type', `${name} delivers ${found}: counted, but without radiotap some drivers give no RSSI`, 'prefer an adapter whose driver gives radiotap in monitor mode');
  if (wifi.link_type !== 'auto') return warn('link type', `${name} delivers ${found}; decoded as ${wifi.link_type} because capture.wifi.link_type says so`, 'set capture.wifi.link_type: auto on a real monitor interface');
  return fail('link type', `${name} delivers ${found}, not 802.11 frames: it is not in monitor mode`, 'set capture.wifi.create_monitor: true');
};

/** Every check, in the order an installer fixes things. */
export const ALL_CHECKS: readonly Check[] = [
  checkBootBundle,
  checkInterface,
  checkLinkType,
  checkCapabilities,
  checkBluetooth,
  checkBroker,
  checkClock,
  checkDisk,
  checkDatabase,
  checkRuntimeDir,
  checkDaemon,
];
