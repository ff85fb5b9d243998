/**
 * systemd/footfall.service: the lines the daemon relies on, `systemd-analyze verify` without a
 * warning, and an overall exposure of 2.0 or below in `systemd-analyze security`.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { findOnPath, unitDirectives, unitValue } from './helpers/systemd-unit.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const UNIT = path.join(REPO, 'systemd/footfall.service');
const unitText = fs.readFileSync(UNIT, 'utf8');
const unit = unitDirectives(unitText);
const analyze = findOnPath('systemd-analyze');
const needs = analyze === undefined ? 'skipped: systemd-analyze is not installed' : 'systemd-analyze';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-unit-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const words = (key: string) => (unit.get(key) ?? []).flatMap((value) => value.split(/\s+/)).sort();

describe('systemd/footfall.service', () => {
  it('runs footfall run as a notify service that reloads on SIGHUP and restarts, except after a bad config', () => {
    expect(unitValue(unit, 'ExecStart')).toBe('/usr/bin/node /opt/footfall/dist/cli/main.js run');
    expect(unitValue(unit, 'ExecReload')).toBe('/bin/kill -HUP $MAINPID');
    expect(unitValue(unit, 'SyslogIdentifier')).toBe('footfall');
    expect(unitValue(unit, 'Type')).toBe('notify');
    expect(unitValue(unit, 'NotifyAccess')).toBe('main');
    expect(unitValue(unit, 'WatchdogSec')).toMatch(/^[1-9]\d*s$/);
    expect(unitValue(unit, 'Restart')).toBe('on-failure');
    expect(words('RestartPreventExitStatus')).toEqual(['78']);
    expect(unitValue(unit, 'TimeoutStopSec')).toMatch(/^[1-9]\d*s$/);
    expect(unitValue(unit, 'WantedBy')).toBe('multi-user.target');
  });

  it('gives its own user the two network capabilities and nothing more', () => {
    expect(unitValue(unit, 'User')).toBe('footfall');
    expect(unitValue(unit, 'Group')).toBe('footfall');
    expect(unit.has('DynamicUser')).toBe(false);
    expect(words('AmbientCapabilities')).toEqual(['CAP_NET_ADMIN', 'CAP_NET_RAW']);
    expect(words('CapabilityBoundingSet')).toEqual(['CAP_NET_ADMIN', 'CAP_NET_RAW']);
    expect(unitValue(unit, 'NoNewPrivileges')).toBe('yes');
  });

  it('has its state and runtime directories, and the sockets capture and MQTT need', () => {
    expect(unitValue(unit, 'StateDirectory')).toBe('footfall');
    expect(unitValue(unit, 'StateDirectoryMode')).toBe('0750');
    expect(unitValue(unit, 'RuntimeDirectory')).toBe('footfall');
    expect(unitValue(unit, 'RuntimeDirectoryMode')).toBe('0700');
    expect(unitValue(unit, 'ProtectSystem')).toBe('strict');
    expect(words('RestrictAddressFamilies')).toEqual(
      ['AF_BLUETOOTH', 'AF_INET', 'AF_INET6', 'AF_NETLINK', 'AF_PACKET', 'AF_UNIX'],
    );
    // Node's JIT needs writable executable memory; an IP allow list would cut off the broker.
    expect(unit.has('MemoryDenyWriteExecute')).toBe(false);
    expect(unit.has('IPAddressDeny')).toBe(false);
  });

  it.skipIf(analyze === undefined)(`passes systemd-analyze verify without a warning (${needs})`, () => {
    // verify insists that ExecStart's program exists: check a copy that runs this machine's node
    // on this clone's build, with every other line as it is.
    const copy = path.join(dir, 'footfall.service');
    fs.writeFileSync(
      copy,
      unitText
        .replace('ExecStart=/usr/bin/node ', `ExecStart=${process.execPath} `)
        .replaceAll('/opt/footfall', REPO.replace(/\/$/, '')),
    );
    const result = spawnSync(analyze!, ['verify', copy], { encoding: 'utf8' });
    expect(`${result.stdout}${result.stderr}`).toBe('');
    expect(result.status).toBe(0);
  });

  it.skipIf(analyze === undefined)(`has an overall exposure of 2.0 or below in systemd-analyze security (${needs})`, () => {
    const result = spawnSync(analyze!, ['security', '--offline=true', '--no-pager', UNIT], { encoding: 'utf8' });
    const match = /Overall exposure level for footfall\.service: (\d+\.\d+)/.exec(result.stdout);
    expect(match, `${result.stdout}${result.stderr}`).not.toBeNull();
    const exposed = result.stdout.split('\n').filter((line) => line.startsWith('✗')).join('\n');
    expect(Number(match![1]), `exposure ${match![1]}; still exposed:\n${exposed}`).toBeLessThanOrEqual(2.0);
  });
});
