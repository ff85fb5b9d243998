/**
 * `footfall replay` as an operator runs it: clear one-line errors for bad input, a kill -9 in
 * the middle of a window that loses nothing, and closed windows that leave no key and no token.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { LOCK_FILE } from '../src/store/directory-lock.js';
import { jsonLines, runCli } from './helpers/cli.js';
import { expectKilledReplayToResume } from './helpers/kill-resume.js';
import { capture, hasSharedCaptures } from './helpers/shared-captures.js';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-replay-cli-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

function scratchFile(name: string, content: Buffer | string): string {
  const file = path.join(scratch, name);
  fs.writeFileSync(file, content);
  return file;
}

/** A classic pcap file header for `linkType`, with no packets. */
function pcapHeader(linkType: number): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(linkType, 20);
  return header;
}

function expectOneLineError(result: { code: number | null; stderr: string; stdout: string }, code: number, pattern: RegExp) {
  expect(result.code).toBe(code);
  expect(result.stdout).toBe('');
  const lines = result.stderr.trim().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^footfall: /);
  expect(lines[0]).toMatch(pattern);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

describe('replay refuses bad input with one line and an exit code', () => {
  it.each([
    ['a missing file', () => path.join(scratch, 'absent.pcap'), 66, /absent\.pcap: no such file/],
    ['an empty file', () => scratchFile('empty.pcap', ''), 65, /empty\.pcap: empty file/],
    ['a truncated header', () => scratchFile('short.pcap', pcapHeader(127).subarray(0, 10)), 65, /short\.pcap: truncated pcap header/],
    ['a file that is not a capture', () => scratchFile('notes.txt', 'hello, this is text\n'), 65, /notes\.txt: not a capture file/],
    ['an Ethernet capture', () => scratchFile('eth.pcap', pcapHeader(1)), 65, /link type 1 \(ETHERNET\) is neither a Wi-Fi nor a BLE capture; footfall reads Wi-Fi link types 105, 119, 127 and 163, BLE link types 187, 201, 251, 256 and 272, and btsnoop HCI logs/],
  ])('%s', async (_what, makeFile, code, pattern) => {
    expectOneLineError(await runCli(['replay', makeFile()]), code, pattern);
  });

  it('Wi-Fi and BLE captures in one replay, with a usage error (exit 64)', async () => {
    const wifi = scratchFile('wifi.pcap', pcapHeader(127));
    const ble = scratchFile('ble.pcap', pcapHeader(256));
    expectOneLineError(await runCli(['replay', wifi, ble]), 64, /wifi\.pcap is a Wi-Fi capture and .*ble\.pcap a BLE capture: replay Wi-Fi and BLE captures separately/);
  });

  it.skipIf(!hasSharedCaptures)('the real headerless file, and a replay that mixes real Wi-Fi and BLE files (needs ../shared/captures)', async () => {
    expectOneLineError(await runCli(['replay', capture('wifi/edge/aircrack_wep_64_ptw_02_headerless.cap')]), 65, /not a capture file/);
    const mixed = await runCli(['replay', capture('ble/csacca_horizon74_btsnoop_hci.log'), capture('wifi/aircrack_n-02_linktype105.cap')]);
    expectOneLineError(mixed, 64, /is a BLE capture and .* a Wi-Fi capture/);
  });

  it('a bad config value exits 78 and names the key', async () => {
    const result = await runCli(['replay', path.join(scratch, 'absent.pcap')], { FOOTFALL_PRIVACY_TOKEN_BITS: '100' });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('privacy.token_bits: "100" is not allowed');
  });

  it('a state or runtime directory that cannot be made exits 73 and names the key', async () => {
    const file = scratchFile('not-a-dir', 'x');
    const input = scratchFile('probe.pcap', pcapHeader(127));
    expectOneLineError(await runCli(['replay', input, '--state-dir', path.join(file, 'state')]), 73, /paths\.state_dir/);
    expectOneLineError(await runCli(['replay', input, '--runtime-dir', path.join(file, 'run')]), 73, /paths\.runtime_dir/);
  });

  it('--publish without a broker exits 78 and names mqtt.url', async () => {
    const result = await runCli(['replay', '--publish', path.join(scratch, 'absent.pcap')]);
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('mqtt.url');
  });
});

describe.skipIf(!hasSharedCaptures)('replay state on disk (needs ../shared/captures)', () => {
  const fryza = capture('wifi/fryza_sc6-61_2024-04-18_pos1.pcap');

  it('after kill -9 in the middle of a window, a restart finishes every window with the counts of an uninterrupted run', async () => {
    await expectKilledReplayToResume(fryza, path.join(scratch, 'kill'));
  });

  it('leaves no window key and no token once the windows are finished', async () => {
    const state = path.join(scratch, 'clean-state');
    const runtime = path.join(scratch, 'clean-run');
    const result = await runCli(['replay', fryza, '--state-dir', state, '--runtime-dir', runtime]);
    expect(result.code).toBe(0);
    // Only the lock that kept the directory this run's: no key.
    expect(fs.readdirSync(runtime)).toEqual([LOCK_FILE]);
    const db = new Database(path.join(state, 'footfall.db'), { readonly: true });
    try {
      expect(db.prepare('SELECT count(*) FROM open_tokens').pluck().get()).toBe(0);
      expect(db.prepare('SELECT count(*) FROM open_window').pluck().get()).toBe(0);
      expect(db.prepare('SELECT count(*) FROM outbox').pluck().get()).toBe(jsonLines(result.stdout).length);
    } finally {
      db.close();
    }
    expect(fs.existsSync(path.join(state, 'footfall.db-wal')) ? fs.statSync(path.join(state, 'footfall.db-wal')).size : 0).toBe(0);
  });

  it('works in fresh temporary directories unless told otherwise, and removes them', async () => {
    const tmpBefore = fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('footfall-state-') || f.startsWith('footfall-run-'));
    const result = await runCli(['replay', fryza, '--log-level', 'warn']);
    expect(result.code).toBe(0);
    const tmpAfter = fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('footfall-state-') || f.startsWith('footfall-run-'));
    expect(tmpAfter.filter((f) => !tmpBefore.includes(f))).toEqual([]);
  });
});
