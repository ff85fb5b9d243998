/**
 * `footfall run` end to end, as systemd runs it, on a veth pair inside a network namespace the
 * test makes (radiotap frames injected from outside), with a fake iw on PATH and a notify
 * socket standing in for systemd: readiness and watchdog, windows held back until the clock is
 * synchronized, frames counted, drops reported, `footfall status` and `footfall doctor` against
 * the running daemon (human and --json), its configuration reloaded on SIGHUP, and SIGTERM on a
 * quiet interface.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { readStatus, type DaemonStatus } from '../src/core/status-file.js';
import { FOOTFALL_BIN, runCli } from './helpers/cli.js';
import { installFakeIw, type FakeIw } from './helpers/fake-iw.js';
import { GENERATED_CAPTURES, generatedCapture } from './helpers/generated-captures.js';
import { filesUnder, findLeaks } from './helpers/leak-scan.js';
import { createNetns, injector, netnsUnavailable, type Netns } from './helpers/netns.js';
import { probeFrame, testAddresses } from './helpers/probe-frames.js';

const unavailable = netnsUnavailable();

interface NotifySocket {
  messages: string[];
  close(): void;
}

/** A unix datagram socket like systemd's, collecting what the daemon notifies. */
function notifySocket(file: string): NotifySocket {
  const unix = createRequire(import.meta.url)('unix-dgram') as {
    createSocket(type: string, listener: (message: Buffer) => void): { bind(path: string): void; close(): void };
  };
  const messages: string[] = [];
  const socket = unix.createSocket('unix_dgram', (message) => messages.push(message.toString()));
  socket.bind(file);
  return { messages, close: () => socket.close() };
}

/** How long a wait on the daemon may take: CI runs three test files at once on two cores. */
const WAIT_MS = 30_000;
/** A test with several such waits. */
const SEVERAL_WAITS_MS = 4 * WAIT_MS;

/** The daemon's windows (the default, an hour, aligned to UTC): a test that reads one window's counts twice must not straddle an end. */
const WINDOW_MS = 3_600_000;
/** How long before a window's end a test that reads its counts twice waits for the next window instead. */
const WINDOW_END_MARGIN_MS = 45_000;

/** Returns at once, or just after the open window's end when that is less than WINDOW_END_MARGIN_MS away. */
async function clearOfWindowEnd(): Promise<void> {
  const left = WINDOW_MS - (Date.now() % WINDOW_MS);
  if (left < WINDOW_END_MARGIN_MS) await new Promise((resolve) => setTimeout(resolve, left + 1000));
}

/** Waits for `probe` to give a value; on timeout, the error says what `seen` says was there instead. */
async function until<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  { timeoutMs = WAIT_MS, seen }: { timeoutMs?: number; seen?: () => string } = {},
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${seen ? `; ${seen()}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe.skipIf(unavailable !== undefined)(`footfall run${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let dir: string;
  let ns: Netns;
  let iw: FakeIw;
  let notify: NotifySocket;
  let daemon: ChildProcess;
  let stderr = '';
  const exited = { code: undefined as number | null | undefined };
  let runtime: string;
  let dirs: string[];
  let configFile: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-daemon-'));
    ns = await createNetns();
    iw = installFakeIw({ interfaces: { [ns.inner]: 'monitor' } });
    notify = notifySocket(path.join(dir, 'notify'));
    const state = path.join(dir, 'state');
    runtime = path.join(dir, 'run');
    dirs = ['--state-dir', state, '--runtime-dir', runtime];
    configFile = path.join(dir, 'footfall.yaml');
    fs.writeFileSync(
      configFile,
      [
        'sensor:',
        '  id: daemon-test',
        'capture:',
        '  wifi:',
        `    interface: ${ns.inner}`,
        '    link_type: radiotap',
        '    channels: [1, 6, 11]',
        // The default: each hop runs the fake iw, a Node.js process, which at 200 ms took a third of the test's CPU.
        '    hop_ms: 500',
        '    buffer_kb: 64',
        'clock:',
        `  sync_command: test -e ${path.join(dir, 'synced')}`,
        '  check_seconds: 1',
        // In the file, not as a flag (which would win over it), so that a reload can change it.
        'log:',
        '  level: debug',
        '',
      ].join('\n'),
    );
    // Finished windows in the local history, as a daemon that ran before would have left them.
    const history = await generatedCapture(GENERATED_CAPTURES['radiotap, mixed layouts, 6 h']!);
    expect((await runCli(['replay', history.path, '--config', configFile, ...dirs, '--log-level', 'warn'])).code).toBe(0);

    daemon = ns.exec([process.execPath, FOOTFALL_BIN, 'run', '--config', configFile, ...dirs], {
      env: { ...process.env, PATH: iw.path, NOTIFY_SOCKET: path.join(dir, 'notify'), WATCHDOG_USEC: '1000000' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    daemon.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    daemon.on('exit', (code) => (exited.code = code));
    await until('READY=1', () => notify.messages.find((m) => m.includes('READY=1')), { seen: daemonSeen });
  });

  afterAll(async () => {
    if (daemon && exited.code === undefined) daemon.kill('SIGKILL');
    notify?.close();
    iw?.remove();
    await ns?.remove();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** `footfall status --json` of the running daemon; throws with what status said when it exits otherwise. */
  const status = async () => {
    const result = await runCli(['status', '--json', '--config', configFile, ...dirs]);
    if (result.code !== 0) throw new Error(`footfall status exited with ${result.code}: ${result.stdout}${result.stderr}`);
    return JSON.parse(result.stdout) as DaemonStatus & { history: Array<{ devices: number }> };
  };
  /**
   * The status file `footfall status` reads, for waiting on the daemon: a `footfall status` every
   * 100 ms would start a Node.js process each time. What the test asserts it reads with status().
   */
  const statusFile = () => {
    const reading = readStatus(runtime);
    return reading.running ? reading.status : undefined;
  };
  /** What the status file and the daemon's last log lines say, for a wait that timed out. */
  const daemonSeen = () => {
    const s = statusFile();
    const state = s === undefined ? 'no status file of a running daemon' : JSON.stringify({ updated_at: s.updated_at, clock: s.health.clock, wifi: s.health.sources.wifi, window: s.window?.wifi });
    return `the status file: ${state}; the daemon ${exited.code === undefined ? 'runs' : `exited with ${exited.code}`}, its last log lines:\n${stderr.split('\n').slice(-15).join('\n')}`;
  };
  const send = (addresses: number[]) => {
    const outer = injector(ns.outer);
    try {
      addresses.forEach((address, i) => outer.send(probeFrame(address, i)));
    } finally {
      outer.close();
    }
  };

  it('holds frames back until the clock is synchronized, then counts them', async () => {
    send(testAddresses(20));
    await until('held-back frames', () => ((statusFile()?.health.clock.held_back_frames ?? 0) >= 20 ? true : undefined), { seen: daemonSeen });
    const held = await status();
    expect(held.health.clock.held_back_frames).toBeGreaterThanOrEqual(20);
    expect(held.window).toBeNull();
    expect(held.clock).toEqual({ synced: false, require_sync: true });

    fs.writeFileSync(path.join(dir, 'synced'), '');
    await until('a synchronized clock', () => (statusFile()?.clock.synced ? true : undefined), { seen: daemonSeen });
    await clearOfWindowEnd();
    send(testAddresses(50, 1000));
    await until('50 frames in the open window', () => (statusFile()?.window?.wifi?.frames === 50 ? true : undefined), { seen: daemonSeen });
    const counted = await status();
    expect(counted.clock.synced).toBe(true);
    expect(counted.window!.wifi).toMatchObject({ frames: 50, addresses: 50, addresses_global: 25, addresses_randomized: 25 });
    expect(counted.health.sources.wifi).toMatchObject({ state: 'capturing', frames: 50 });
    // No Bluetooth here: the daemon counts Wi-Fi alone, says why, and reports no BLE counts
    // (zeros would claim that it listened).
    expect(counted.health.sources.ble).toMatchObject({ state: expect.stringMatching(/^(unavailable: no Bluetooth in this kernel|no adapter hci0)$/), frames: 0 });
    expect(counted.window!.ble).toBeUndefined();
  }, WINDOW_END_MARGIN_MS + SEVERAL_WAITS_MS);

  it('feeds the watchdog while the pipeline moves', async () => {
    const before = notify.messages.filter((m) => m === 'WATCHDOG=1').length;
    await until('two more watchdog pings', () => (notify.messages.filter((m) => m === 'WATCHDOG=1').length >= before + 2 ? true : undefined), { seen: daemonSeen });
  });

  it('reports the frames the kernel dropped', async () => {
    daemon.kill('SIGSTOP');
    send(testAddresses(5000, 2000));
    daemon.kill('SIGCONT');
    await until('dropped frames', () => ((statusFile()?.health.sources.wifi?.dropped ?? 0) > 0 ? true : undefined), { seen: daemonSeen });
    const s = await status();
    expect(s.health.sources.wifi!.dropped).toBeGreaterThan(0);
    expect(s.health.sources.wifi!.dropped + s.health.sources.wifi!.frames).toBeLessThanOrEqual(50 + 5000);
  });

  it('footfall status shows the daemon to a person, with the recent windows as a sparkline', async () => {
    const result = await runCli(['status', '--config', configFile, ...dirs]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^footfall daemon-test: running, pid \d+/);
    expect(result.stdout).toContain(`capture   wifi on ${ns.inner} (channels 1,6,11): capturing`);
    expect(result.stdout).toMatch(/^capture {3}ble {2}on hci0: (unavailable: no Bluetooth in this kernel|no adapter hci0), 0 frames\/s/m);
    expect(result.stdout).toMatch(/clock {5}synchronized/);
    expect(result.stdout).toMatch(/history {3}devices, last \d+ windows: [▁▂▃▄▅▆▇█]+/);
    const json = await status();
    expect(json.history.length).toBeGreaterThan(3);
    expect(json.broker).toMatchObject({ url: null, connected: false });
  });

  it('refuses a replay pointed at its directories at once, naming its pid (exit 75), while status reads on', async () => {
    const { pid } = await status();
    const capture = await generatedCapture(GENERATED_CAPTURES['radiotap, mixed layouts, 6 h']!);
    const result = await runCli(['replay', capture.path, '--config', configFile, ...dirs, '--log-level', 'warn']);
    expect(result.code).toBe(75);
    expect(result.stderr).toBe(
      `footfall: ${dirs[1]} (paths.state_dir) is in use by another footfall (pid ${pid}); stop that one first (the daemon: systemctl stop footfall), or give this command another --state-dir\n`,
    );
    expect((await status()).window).not.toBeNull();
  });

  it('footfall doctor checks the running sensor, human and --json', async () => {
    const env = { PATH: iw.path };
    const human = await new Promise<{ code: number | null; out: string }>((resolve) => {
      let out = '';
      const child = ns.exec([process.execPath, FOOTFALL_BIN, 'doctor', '--config', configFile, ...dirs], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
      child.on('close', (code) => resolve({ code, out }));
    });
    expect(human.out).toMatch(/^PASS {2}config/m);
    expect(human.out).toContain(`PASS  interface    ${ns.inner} is in monitor mode`);
    expect(human.out).toMatch(/^WARN {2}link type .*decoded as radiotap/m);
    expect(human.out).toMatch(/^PASS {2}clock/m);
    expect(human.out).toMatch(/^PASS {2}daemon/m);
    expect(human.out).toMatch(/^WARN {2}bluetooth +(this kernel has no Bluetooth support|there is no Bluetooth adapter hci0): BLE is not counted, Wi-Fi is\n {6}fix: /m);
    // The test's runtime directory is not a tmpfs: a failure, so doctor exits 1.
    expect(human.out).toMatch(/^FAIL {2}runtime dir/m);
    expect(human.code).toBe(1);

    const json = await runCli(['doctor', '--json', '--config', configFile, ...dirs], env);
    const results = (JSON.parse(json.stdout) as { results: Array<{ check: string; status: string; fix?: string }> }).results;
    expect(results.map((r) => r.check)).toEqual(['config', 'boot bundle', 'interface', 'link type', 'capabilities', 'bluetooth', 'broker', 'clock', 'disk', 'database', 'runtime dir', 'daemon']);
    expect(results.filter((r) => r.status !== 'pass').every((r) => typeof r.fix === 'string')).toBe(true);
  });

  it('hops through the channel plan with iw', () => {
    const channels = iw.calls().filter((c) => c.argv.join(' ').startsWith(`dev ${ns.inner} set channel`)).map((c) => c.argv.at(-1));
    expect(channels.length).toBeGreaterThan(6);
    expect(channels.slice(0, 6)).toEqual(['1', '6', '11', '1', '6', '11']);
  });

  it('writes no address it heard anywhere: logs, status, doctor, runtime and state directories', async () => {
    const outputs = [
      { name: 'daemon stderr', data: stderr },
      { name: 'status', data: (await runCli(['status', '--config', configFile, ...dirs])).stdout },
      { name: 'status --json', data: (await runCli(['status', '--json', '--config', configFile, ...dirs])).stdout },
      { name: 'doctor', data: (await runCli(['doctor', '--json', '--config', configFile, ...dirs], { PATH: iw.path })).stdout },
      ...filesUnder(path.join(dir, 'run')),
      ...filesUnder(path.join(dir, 'state')),
    ];
    expect(stderr).toContain('debug');
    const heard = [...testAddresses(20), ...testAddresses(50, 1000), ...testAddresses(5000, 2000)];
    const text = heard.map((a) => a.toString(16).padStart(12, '0').replace(/(..)(?!$)/g, '$1:'));
    expect(findLeaks(text, outputs)).toEqual([]);
  });

  it('reloads its configuration on SIGHUP: zones, capture.ignore and log.level at once, other keys named for a restart', async () => {
    const original = fs.readFileSync(configFile, 'utf8');
    onTestFinished(() => fs.writeFileSync(configFile, original));
    await clearOfWindowEnd();
    const before = (await status()).window!.wifi!;
    expect(before.zones ?? {}).toEqual({});
    const logged = stderr.length;
    fs.writeFileSync(
      configFile,
      original
        .replace('    hop_ms: 500\n', '    hop_ms: 300\n')
        .replace('clock:\n', '  ignore: ["00:1a:11"]\nclock:\n')
        .replace('  level: debug\n', '  level: info\n') + 'zones:\n  wifi:\n    inside: -60\n',
    );
    daemon.kill('SIGHUP');
    await until('the reload', () => (stderr.slice(logged).includes('key=log.level') ? true : undefined), { seen: daemonSeen });
    const reloadLines = stderr.slice(logged).split('\n').filter((line) => line.includes('configuration reloaded'));
    expect(reloadLines.map((line) => line.replace(/^\S+ /, ''))).toEqual([
      'warn  configuration reloaded: changed, takes effect at the next restart key=capture.wifi.hop_ms',
      'info  configuration reloaded: applied key=capture.ignore',
      'info  configuration reloaded: applied key=zones.wifi',
      'info  configuration reloaded: applied key=log.level',
    ]);
    // The open window is reported with the new zone; the frames of the ignored vendor are not
    // counted, the others are.
    await until('the new zones', () => (statusFile()?.window?.wifi?.zones?.inside !== undefined ? true : undefined), { seen: daemonSeen });
    expect((await status()).window!.wifi!.zones).toHaveProperty('inside');
    send(testAddresses(20, 9000));
    await until('the new frames', () => ((statusFile()?.window?.wifi?.frames ?? 0) >= before.frames + 10 ? true : undefined), { seen: daemonSeen });
    const after = (await status()).window!.wifi!;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await status()).window!.wifi!.frames).toBe(before.frames + 10);
    expect(after.addresses).toBe(before.addresses + 10);

    // A config that does not pass is refused with one line; the daemon goes on with the one it has.
    fs.writeFileSync(configFile, `${original}privacy:\n  token_bits: 1\n`);
    const refused = stderr.length;
    daemon.kill('SIGHUP');
    await until('the refusal', () => (stderr.slice(refused).includes('not reloaded') ? true : undefined), { seen: daemonSeen });
    const refusal = stderr.slice(refused).split('\n').filter((line) => line !== '');
    expect(refusal).toHaveLength(1);
    expect(refusal[0]).toMatch(/ error configuration not reloaded, the daemon goes on with the one it has: privacy\.token_bits: 1 is not allowed: must be a whole number from 16 to 64 \(.*footfall\.yaml\)$/);
    fs.writeFileSync(configFile, original);
    expect(exited.code).toBeUndefined();
    // At info since the reload: not one debug line (the window opening, the Bluetooth adapter's retries).
    const sinceReload = stderr.slice(stderr.indexOf('applied key=log.level', logged));
    expect(sinceReload).not.toMatch(/ debug /);
    expect((await status()).window!.wifi!.zones).toHaveProperty('inside');
  }, WINDOW_END_MARGIN_MS + SEVERAL_WAITS_MS);

  it('stops on SIGTERM within 5 s on a quiet interface, saying STOPPING=1, and status then says it is not running', async () => {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const started = Date.now();
    daemon.kill('SIGTERM');
    await until('the daemon to exit', () => (exited.code === undefined ? undefined : true), { timeoutMs: 5000, seen: daemonSeen });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(exited.code, stderr).toBe(0);
    expect(notify.messages).toContain('STOPPING=1');
    const after = await runCli(['status', '--config', configFile, ...dirs]);
    expect(after.code).toBe(3);
    expect(after.stderr).toContain('no footfall daemon is running');
  });
});
