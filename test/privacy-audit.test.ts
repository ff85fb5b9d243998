/**
 * `footfall privacy audit` on real state: every promise holds after a replay, after the demo and
 * while the daemon runs (runtime directory on a tmpfs the test mounts, as systemd makes
 * /run/footfall); and each planted violation is found and named: an old key file, a token row
 * of a finished window, loose modes, an address written into a file, rows deleted without
 * secure_delete, a runtime directory on disk.
 */
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FOOTFALL_BIN, runCli } from './helpers/cli.js';
import { installFakeIw, type FakeIw } from './helpers/fake-iw.js';
import { GENERATED_CAPTURES, generatedCapture } from './helpers/generated-captures.js';
import { createNetns, injector, netnsUnavailable, type Netns } from './helpers/netns.js';
import { probeFrame, testAddresses } from './helpers/probe-frames.js';

interface AuditJson {
  ok: boolean;
  findings: Array<{ promise: string; holds: boolean; evidence: string }>;
}

const root = process.getuid?.() === 0;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-audit-'));
const mounts: string[] = [];
afterAll(() => {
  for (const mount of mounts) execFileSync('umount', [mount]);
  fs.rmSync(work, { recursive: true, force: true });
});

/** A state directory and a runtime directory on a fresh tmpfs (when root; on disk otherwise). */
function directories(name: string): { state: string; run: string; flags: string[] } {
  const state = path.join(work, name, 'state');
  const run = path.join(work, name, 'run');
  fs.mkdirSync(run, { recursive: true, mode: 0o700 });
  if (root) {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m,mode=0700', 'tmpfs', run]);
    mounts.push(run);
  }
  return { state, run, flags: ['--state-dir', state, '--runtime-dir', run] };
}

async function audit(flags: string[]): Promise<{ code: number | null; json: AuditJson; text: string }> {
  const json = await runCli(['privacy', 'audit', '--json', ...flags]);
  const text = await runCli(['privacy', 'audit', ...flags]);
  expect(text.code).toBe(json.code);
  return { code: json.code, json: JSON.parse(json.stdout) as AuditJson, text: text.stdout };
}

/** The token rows of the open window that checkpoints wrote to the database in `state`. */
function openTokenRows(state: string): number {
  const db = new Database(path.join(state, 'footfall.db'), { readonly: true });
  try {
    return db.prepare('SELECT count(*) FROM open_tokens').pluck().get() as number;
  } finally {
    db.close();
  }
}

const broken = (result: AuditJson) => result.findings.filter((finding) => !finding.holds).map((finding) => finding.promise);

describe.skipIf(!root)(`footfall privacy audit${root ? '' : ' (skipped: mounting a tmpfs needs root)'}`, () => {
  it('holds after a replay, and names each planted violation', async () => {
    const { state, run, flags } = directories('replay');
    const capture = await generatedCapture(GENERATED_CAPTURES['radiotap with FCS, pcapng, 2 h']!);
    expect((await runCli(['replay', capture.path, ...flags, '--log-level', 'warn'])).code).toBe(0);
    const clean = await audit(flags);
    expect(broken(clean.json)).toEqual([]);
    expect(clean.code).toBe(0);
    expect(clean.json.findings.map((finding) => finding.promise)).toEqual([
      'window keys live on a tmpfs',
      'the runtime directory is private',
      "no key is kept but the open window's",
      'key files are private',
      "no token is kept but the open window's",
      'the WAL holds no token of a finished window',
      'deleted rows leave nothing behind (secure_delete)',
      'no file holds anything written like an address',
    ]);
    expect(clean.text).toMatch(/every promise holds \(8 checked\)\n$/);

    // A key left behind by a window that ended, readable by others.
    const oldKey = path.join(run, 'window-20260101T000000Z.key');
    fs.writeFileSync(oldKey, Buffer.alloc(32, 7), { mode: 0o644 });
    fs.chmodSync(oldKey, 0o644);
    fs.chmodSync(run, 0o755);
    const keys = await audit(flags);
    expect(keys.code).toBe(1);
    expect(broken(keys.json)).toEqual(['the runtime directory is private', "no key is kept but the open window's", 'key files are private']);
    expect(keys.text).toMatch(/keys of other windows remain: window-20260101T000000Z\.key/);
    expect(keys.text).toMatch(/^broken: the runtime directory is private; no key is kept but the open window's; key files are private$/m);
    fs.rmSync(oldKey);
    fs.chmodSync(run, 0o700);

    // A token row of a window that was reported, and rows deleted without secure_delete.
    const db = new Database(path.join(state, 'footfall.db'));
    db.pragma('secure_delete = OFF');
    const reported = (db.prepare('SELECT window_start_ms FROM history ORDER BY window_start_ms DESC LIMIT 1').get() as { window_start_ms: number }).window_start_ms;
    db.prepare("INSERT INTO open_window (id, start_ms, end_ms, counters) VALUES (1, ?, ?, '{}')").run(reported, reported + 3_600_000);
    db.prepare("INSERT INTO open_tokens (source, token, kind, grp, first_ms, last_ms, slots) VALUES ('wifi', 'a1b2c3d4', 'randomized', 0, 0, 0, x'00')").run();
    db.prepare("INSERT INTO history (id, window_start_ms, payload) VALUES ('planted', 0, ?)").run('x'.repeat(3000));
    db.prepare("DELETE FROM history WHERE id = 'planted'").run();
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const rows = await audit(flags);
    expect(broken(rows.json)).toEqual(["no token is kept but the open window's", 'deleted rows leave nothing behind (secure_delete)']);
    expect(rows.text).toContain('which was already reported: its tokens should be gone');

    // A window's tokens deleted but the WAL not truncated (a reader held it): their old page images stay in it.
    const reset = new Database(path.join(state, 'footfall.db'));
    reset.exec("DELETE FROM open_tokens; DELETE FROM open_window;");
    reset.pragma('wal_checkpoint(TRUNCATE)');
    reset.pragma('wal_autocheckpoint = 0');
    const insert = reset.prepare("INSERT INTO open_tokens (source, token, kind, grp, first_ms, last_ms, slots) VALUES (?, ?, 'randomized', 0, 0, 0, x'00')");
    reset.transaction(() => {
      for (let i = 0; i < 20; i++) insert.run(i % 2 === 0 ? 'wifi' : 'ble', `finished${i}`);
    })();
    reset.exec('DELETE FROM open_tokens');
    // The connection stays open, as a reader would, so that nothing checkpoints the WAL.
    const wal = await audit(flags);
    reset.close();
    expect(broken(wal.json)).toContain('the WAL holds no token of a finished window');
    expect(wal.text).toContain('the WAL holds 20 tokens that the open window does not have: it was not truncated when their window ended');
  });

  it('finds anything written like an address, and a runtime directory on disk', async () => {
    const { state, flags } = directories('planted');
    expect((await runCli(['demo', '--hours', '1', ...flags])).code).toBe(0);
    expect(broken((await audit(flags)).json)).toEqual([]);
    fs.writeFileSync(path.join(state, 'notes.txt'), 'the till is 3c:22:fb:01:02:03\n');
    const shaped = await audit(flags);
    expect(broken(shaped.json)).toEqual(['no file holds anything written like an address']);
    expect(shaped.text).toContain(`address-shaped text in ${path.join(state, 'notes.txt')} (1)`);
    expect(shaped.text).not.toContain('3c:22:fb:01:02:03');

    const onDisk = path.join(work, 'on-disk-run');
    fs.mkdirSync(onDisk, { mode: 0o700 });
    const disk = await audit(['--state-dir', state, '--runtime-dir', onDisk]);
    expect(broken(disk.json)).toEqual(['window keys live on a tmpfs', 'no file holds anything written like an address']);
  });
});

const netns = netnsUnavailable();

describe.skipIf(netns !== undefined)(`footfall privacy audit while the daemon runs${netns ? ` (skipped: ${netns})` : ''}`, () => {
  let ns: Netns;
  let iw: FakeIw;
  let daemon: ChildProcess;
  let log = '';
  let state: string;
  let flags: string[];

  beforeAll(async () => {
    ns = await createNetns();
    iw = installFakeIw({ interfaces: { [ns.inner]: 'monitor' } });
    const dirs = directories('daemon');
    state = dirs.state;
    flags = dirs.flags;
    const config = path.join(work, 'daemon', 'footfall.yaml');
    fs.writeFileSync(
      config,
      ['capture:', '  wifi:', `    interface: ${ns.inner}`, '    link_type: radiotap', '    channels: [6]', '  ble:', '    enabled: false', 'clock:', '  require_sync: false', 'store:', '  checkpoint_seconds: 1', ''].join('\n'),
    );
    flags.push('--config', config);
    daemon = ns.exec([process.execPath, FOOTFALL_BIN, 'run', ...flags, '--log-level', 'debug'], { env: { ...process.env, PATH: iw.path }, stdio: ['ignore', 'ignore', 'pipe'] });
    daemon.stderr!.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
    const end = Date.now() + 20_000;
    while (!log.includes('capturing')) {
      if (Date.now() > end) throw new Error(`the daemon did not start:\n${log}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });

  afterAll(async () => {
    daemon?.kill('SIGKILL');
    iw?.remove();
    await ns?.remove();
  });

  it("holds with the open window's key and tokens in place", async () => {
    const outer = injector(ns.outer);
    testAddresses(50).forEach((address, i) => outer.send(probeFrame(address, i)));
    outer.close();
    // A checkpoint writes the open window's tokens, within a second (store.checkpoint_seconds: 1).
    const end = Date.now() + 20_000;
    while (openTokenRows(state) < 50) {
      if (Date.now() > end) throw new Error('no checkpoint wrote the 50 tokens in 20 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const result = await audit(flags);
    expect(broken(result.json)).toEqual([]);
    const keys = result.json.findings.find((finding) => finding.promise === "no key is kept but the open window's")!;
    expect(keys.evidence).toMatch(/^1 key file; the open window starts /);
    const tokens = result.json.findings.find((finding) => finding.promise === "no token is kept but the open window's")!;
    expect(tokens.evidence).toMatch(/^50 token rows, all of the open window$/);
  });

  it('looks again after a few seconds while the daemon runs, which may be finishing a window, and names what still does not hold', async () => {
    const run = flags[flags.indexOf('--runtime-dir') + 1]!;
    // Gone within the audit's second look: as the key of a window being finished is.
    const finishing = path.join(run, 'window-20260101T000000Z.key');
    fs.writeFileSync(finishing, Buffer.alloc(32, 7), { mode: 0o600 });
    const looking = runCli(['privacy', 'audit', '--json', ...flags]);
    setTimeout(() => fs.rmSync(finishing), 1000);
    const passed = await looking;
    expect(passed.code).toBe(0);
    expect(broken(JSON.parse(passed.stdout) as AuditJson)).toEqual([]);

    const left = path.join(run, 'window-20260102T000000Z.key');
    fs.writeFileSync(left, Buffer.alloc(32, 7), { mode: 0o600 });
    const stillThere = await runCli(['privacy', 'audit', '--json', ...flags]);
    fs.rmSync(left);
    expect(stillThere.code).toBe(1);
    expect(broken(JSON.parse(stillThere.stdout) as AuditJson)).toEqual(["no key is kept but the open window's"]);
  });
});
