import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load.js';
import { StatusFileWriter, type DaemonStatus } from '../core/status-file.js';
import type { StoreHealth } from '../payloads/payloads.js';
import { bluetoothAdapterPresence, checkDatabase, effectiveCapabilities, mountOf } from './checks.js';

const MOUNTS = `sysfs /sys sysfs rw 0 0
/dev/mmcblk0p2 / ext4 rw,noatime 0 0
tmpfs /run tmpfs rw,nosuid,nodev 0 0
tmpfs /run/user/1000 tmpfs rw 0 0
/dev/sda1 /run-data ext4 rw 0 0
`;

describe('mountOf', () => {
  it('finds the deepest mount that holds a directory', () => {
    expect(mountOf('/run/footfall', MOUNTS)).toEqual({ point: '/run', type: 'tmpfs' });
    expect(mountOf('/var/lib/footfall', MOUNTS)).toEqual({ point: '/', type: 'ext4' });
    expect(mountOf('/run-data/keys', MOUNTS)).toEqual({ point: '/run-data', type: 'ext4' });
    expect(mountOf('/run/user/1000/x', MOUNTS)).toEqual({ point: '/run/user/1000', type: 'tmpfs' });
  });
});

describe('effectiveCapabilities', () => {
  it('reads CapEff from /proc/<pid>/status', () => {
    expect(effectiveCapabilities('Name:\tnode\nCapEff:\t0000000000003000\n')).toBe(0x3000n);
    expect(effectiveCapabilities('Name:\tnode\n')).toBe(0n);
  });
});

describe('bluetoothAdapterPresence', () => {
  const roots: string[] = [];
  afterAll(() => roots.forEach((root) => fs.rmSync(root, { recursive: true, force: true })));

  function sysTree(files: Record<string, string>): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-sys-'));
    roots.push(root);
    for (const [file, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      fs.writeFileSync(path.join(root, file), content);
    }
    return root;
  }

  it('tells a kernel without Bluetooth, a missing adapter, an rfkill block and a usable adapter apart', () => {
    expect(bluetoothAdapterPresence('hci0', sysTree({ 'class/net/lo/type': '772\n' }))).toBe('no kernel support');
    expect(bluetoothAdapterPresence('hci1', sysTree({ 'class/bluetooth/hci0/rfkill0/soft': '0\n', 'class/bluetooth/hci0/rfkill0/hard': '0\n' }))).toBe('missing');
    const blocked = sysTree({ 'class/bluetooth/hci0/rfkill3/soft': '1\n', 'class/bluetooth/hci0/rfkill3/hard': '0\n' });
    expect(bluetoothAdapterPresence('hci0', blocked)).toBe('blocked by rfkill (soft)');
    const switchedOff = sysTree({ 'class/bluetooth/hci0/rfkill3/soft': '1\n', 'class/bluetooth/hci0/rfkill3/hard': '1\n' });
    expect(bluetoothAdapterPresence('hci0', switchedOff)).toBe('blocked by rfkill (hard)');
    const usable = sysTree({ 'class/bluetooth/hci0/rfkill3/soft': '0\n', 'class/bluetooth/hci0/rfkill3/hard': '0\n', 'class/bluetooth/hci0/address': '' });
    expect(bluetoothAdapterPresence('hci0', usable)).toBe('present');
  });
});

describe('checkDatabase', () => {
  it('fails, saying what to free, while the running daemon cannot write its database for a full disk', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-doctor-'));
    try {
      const runtime = path.join(root, 'run');
      fs.mkdirSync(runtime);
      const store: StoreHealth = { state: 'disk_full', error: 'database or disk is full', since: '2026-11-22T10:04:05Z', reports_in_memory: 2, unreadable_reports: 0 };
      const status = { pid: process.pid, updated_at: new Date().toISOString(), health: { store } } as DaemonStatus;
      new StatusFileWriter(runtime, () => status).write();
      const config = loadConfig({ file: '/nonexistent', fileExplicit: false, env: {}, flags: { 'paths.state_dir': path.join(root, 'state'), 'paths.runtime_dir': runtime } });
      expect(await checkDatabase(config)).toEqual({
        check: 'database',
        status: 'fail',
        message: `the daemon cannot write ${path.join(root, 'state', 'footfall.db')} since 2026-11-22T10:04:05Z (database or disk is full): it counts and publishes from memory, 2 reports held there`,
        fix: `free space on the file system of ${path.join(root, 'state')} (df -h ${path.join(root, 'state')}); footfall writes what it holds as soon as there is room`,
      });
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
