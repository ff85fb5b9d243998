/**
 * Live capture end to end, without a radio: radiotap probe requests injected on one end of a
 * veth pair are captured on the other, inside a network namespace, by WifiLiveSource (the link
 * type forced to radiotap, since veth reports Ethernet), in a child process that runs the
 * built MonitorInterface and WifiLiveSource the way `footfall run` does. A fake iw stands in
 * for the real one, which fails on this kernel.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { probeFrame as frame, testAddresses as addresses } from './helpers/probe-frames.js';
import { installFakeIw, type FakeIw, type FakeIwCall } from './helpers/fake-iw.js';
import { createNetns, injector, netnsUnavailable, type Netns } from './helpers/netns.js';

const unavailable = netnsUnavailable();
const DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist');

/** The child: MonitorInterface, then WifiLiveSource on the interface it returns, until SIGTERM. */
function harnessSource(): string {
  const url = (module: string) => JSON.stringify(pathToFileURL(path.join(DIST, module)).href);
  return `
import { MonitorInterface } from ${url('capture/wifi/monitor-interface.js')};
import { WifiLiveSource } from ${url('capture/wifi/wifi-live-source.js')};
import { createLogger } from ${url('log/logger.js')};

const options = JSON.parse(process.argv[2]);
const logger = createLogger({ level: 'debug' });
const print = (event) => process.stdout.write(JSON.stringify(event) + '\\n');
const addresses = new Set();
let accepted = 0;
let malformed = 0;
const sink = {
  onSighting: (sighting) => {
    accepted++;
    addresses.add(sighting.address);
  },
  onMalformed: () => {
    malformed++;
  },
};
const monitor = new MonitorInterface({ ...options.monitor, logger: logger.child('monitor') });
let source;
let termAt;
const report = (event, extra) => print({ event, ...source.stats(), accepted, malformed, addresses: [...addresses], ...extra });
const onStats = () => report('stats');
const onTerm = () => {
  termAt = performance.now();
  void source?.stop();
};
process.on('SIGUSR2', onStats);
process.on('SIGTERM', onTerm);
try {
  const captureInterface = await monitor.start();
  source = new WifiLiveSource({ ...options.capture, interface: captureInterface, logger: logger.child('capture') });
  if (termAt !== undefined) await source.stop();
  const running = source.run(sink);
  // run() opens the interface before its first await: a failure to open has rejected it by now.
  await Promise.race([running, new Promise((resolve) => setImmediate(resolve))]);
  print({ event: 'capturing', interface: captureInterface });
  await running;
  report('stopped', { stopMs: performance.now() - termAt });
} catch (error) {
  print({ event: 'failed', message: error.message, exitCode: error.exitCode ?? null });
  process.exitCode = error.exitCode ?? 70;
} finally {
  await monitor.stop();
  process.off('SIGUSR2', onStats);
  process.off('SIGTERM', onTerm);
}
`;
}

interface HarnessOptions {
  monitor?: { interface: string; createMonitor: boolean; monitorInterface: string; channels: number[]; hopMs: number };
  capture?: { linkType?: string; bufferKb?: number };
}

interface Counts {
  event: string;
  frames: number;
  dropped: number;
  accepted: number;
  malformed: number;
  addresses: number[];
  stopMs?: number;
}

interface HarnessEvent extends Partial<Counts> {
  event: string;
  interface?: string;
  message?: string;
  exitCode?: number | null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns something other than undefined; fails after `timeoutMs`. */
async function waitFor<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

class Harness {
  readonly events: HarnessEvent[] = [];
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(readonly child: ChildProcess) {
    let partial = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      partial += chunk;
      const lines = partial.split('\n');
      partial = lines.pop()!;
      for (const line of lines) this.events.push(JSON.parse(line) as HarnessEvent);
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  }

  /** The first event named `name` after the first `after` events. */
  async event(name: string, after = 0, timeoutMs = 15_000): Promise<HarnessEvent> {
    return waitFor(`the harness's ${name} event; its log:\n${this.stderr}`, () => {
      const found = this.events.slice(after).find((e) => e.event === name || e.event === 'failed');
      if (found?.event === 'failed' && name !== 'failed') throw new Error(`the harness failed: ${found.message}\n${this.stderr}`);
      return found;
    }, timeoutMs);
  }

  async stats(): Promise<Counts> {
    const seen = this.events.length;
    this.child.kill('SIGUSR2');
    return (await this.event('stats', seen)) as Counts;
  }

  /** Asks for stats until `done` holds; returns the last. */
  async statsUntil(what: string, done: (counts: Counts) => boolean): Promise<Counts> {
    let last: Counts | undefined;
    try {
      return await waitFor(what, async () => {
        last = await this.stats();
        return done(last) ? last : undefined;
      });
    } catch (error) {
      throw new Error(`${(error as Error).message}; last stats ${JSON.stringify({ ...last, addresses: last?.addresses.length })}`);
    }
  }

  /** Waits for the process to end by itself, however long that takes up to `timeoutMs`. */
  async exit(timeoutMs = 10_000): Promise<number | null> {
    const timeout = sleep(timeoutMs).then(() => 'timeout' as const);
    const result = await Promise.race([this.exited, timeout]);
    if (result === 'timeout') {
      this.child.kill('SIGKILL');
      throw new Error(`the harness did not exit within ${timeoutMs} ms; its log:\n${this.stderr}`);
    }
    return result.code;
  }
}

describe.skipIf(unavailable !== undefined)(`live capture in a network namespace${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let harnessPath = '';
  const cleanups: Array<() => Promise<void> | void> = [];
  const running: Harness[] = [];

  beforeAll(() => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-live-'));
    harnessPath = path.join(dir, 'harness.mjs');
    fs.writeFileSync(harnessPath, harnessSource());
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  });

  afterEach(async () => {
    for (const harness of running.splice(0)) {
      if (harness.child.exitCode === null && harness.child.signalCode === null) harness.child.kill('SIGKILL');
      await harness.exited;
    }
  });

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  async function netns(): Promise<Netns> {
    const created = await createNetns();
    cleanups.push(() => created.remove());
    return created;
  }

  function fakeIw(): FakeIw {
    const fake = installFakeIw({ interfaces: { wlan1: 'managed' } });
    cleanups.push(() => fake.remove());
    return fake;
  }

  function start(ns: Netns, options: HarnessOptions, env: NodeJS.ProcessEnv = process.env): Harness {
    const config = {
      monitor: options.monitor ?? { interface: ns.inner, createMonitor: false, monitorInterface: 'unused0', channels: [], hopMs: 500 },
      capture: { linkType: 'radiotap', checkFcs: true, bufferKb: 2048, ...options.capture },
    };
    const harness = new Harness(ns.exec([process.execPath, harnessPath, JSON.stringify(config)], { env, stdio: ['ignore', 'pipe', 'pipe'] }));
    running.push(harness);
    return harness;
  }

  async function linkExists(ns: Netns, name: string): Promise<boolean> {
    return ns.run(['ip', 'link', 'show', name]).then(
      () => true,
      () => false,
    );
  }

  it('counts every probe request sent, from the addresses sent', async () => {
    const ns = await netns();
    const harness = start(ns, {});
    await harness.event('capturing');
    const sent = addresses(200);
    const outer = injector(ns.outer);
    try {
      sent.forEach((address, i) => outer.send(frame(address, i)));
    } finally {
      outer.close();
    }
    const counts = await harness.statsUntil('every frame sent', (c) => c.accepted >= sent.length);
    expect(counts).toMatchObject({ frames: sent.length, accepted: sent.length, malformed: 0, dropped: 0 });
    expect([...counts.addresses].sort((a, b) => a - b)).toEqual([...sent].sort((a, b) => a - b));
    harness.child.kill('SIGTERM');
    expect(await harness.exit()).toBe(0);
  });

  it('stops at once on a quiet interface, and the process exits by itself', async () => {
    const ns = await netns();
    const harness = start(ns, {});
    await harness.event('capturing');
    // A few reads of an empty capture first.
    await sleep(300);
    harness.child.kill('SIGTERM');
    const stopped = await harness.event('stopped');
    expect(stopped.stopMs).toBeLessThan(5000);
    expect(stopped.frames).toBe(0);
    expect(await harness.exit()).toBe(0);
  });

  it('reports the frames the kernel dropped while the reader was stopped', async () => {
    const ns = await netns();
    // 64 KiB asks for the smallest buffer libpcap makes: one 256 KiB block, about a thousand of these frames.
    const harness = start(ns, { capture: { bufferKb: 64 } });
    await harness.event('capturing');
    const burst = 5000;
    const outer = injector(ns.outer);
    harness.child.kill('SIGSTOP');
    try {
      for (let i = 0; i < burst; i++) outer.send(frame(0x02_7a_00_00_00_01, i));
    } finally {
      harness.child.kill('SIGCONT');
      outer.close();
    }
    // The single buffer block is read in one go once the reader runs again.
    const counts = await harness.statsUntil('the buffered frames read and the rest counted as dropped', (c) => c.dropped > 0 && c.frames > 0);
    expect(counts.accepted).toBe(counts.frames);
    // Equal here; under load the veth backlog may also drop frames, before the capture sees them.
    expect(counts.frames + counts.dropped).toBeLessThanOrEqual(burst);
    harness.child.kill('SIGTERM');
    expect(await harness.exit()).toBe(0);
  });

  it('refuses an interface that is not in monitor mode, saying what it found and what to do', async () => {
    const ns = await netns();
    const harness = start(ns, { capture: { linkType: 'auto' } });
    const failed = await harness.event('failed');
    expect(failed.exitCode).toBe(78);
    expect(failed.message).toMatch(new RegExp(`^${ns.inner} delivers ETHERNET frames \\(link type 1\\).*monitor mode.*create_monitor: true`));
    expect(failed.message).not.toContain('\n');
    expect(await harness.exit()).toBe(78);
  });

  it('ends the run with an error when the interface disappears', async () => {
    const ns = await netns();
    const harness = start(ns, {});
    await harness.event('capturing');
    await ns.run(['ip', 'link', 'delete', ns.inner]);
    const failed = await harness.event('failed');
    expect(failed).toMatchObject({ exitCode: 69, message: `capture interface ${ns.inner} disappeared (was the Wi-Fi adapter unplugged or reset?)` });
    expect(await harness.exit()).toBe(69);
  });

  describe('with create_monitor, through iw', () => {
    const monitorOptions = (channels: number[], hopMs = 100) => ({ interface: 'wlan1', createMonitor: true, monitorInterface: 'ffmon0', channels, hopMs });
    const argvs = (calls: FakeIwCall[]) => calls.map((call) => call.argv.join(' '));
    const channelCalls = (calls: FakeIwCall[]) => calls.filter((call) => call.argv[2] === 'set' && call.argv[3] === 'channel');

    it('makes the monitor interface, hops through the plan in order, and removes the interface on SIGTERM', async () => {
      const ns = await netns();
      const iw = fakeIw();
      const hopMs = 100;
      const harness = start(ns, { monitor: monitorOptions([1, 6, 11], hopMs) }, { ...process.env, PATH: iw.path });
      expect((await harness.event('capturing')).interface).toBe('ffmon0');
      expect(await ns.run(['ip', 'link', 'show', 'ffmon0'])).toMatch(/[<,]UP[,>]/);
      const hops = await waitFor('seven channel settings', () => {
        const calls = channelCalls(iw.calls());
        return calls.length >= 7 ? calls : undefined;
      });
      harness.child.kill('SIGTERM');
      expect(await harness.exit()).toBe(0);

      const calls = argvs(iw.calls());
      expect(calls.slice(0, 4)).toEqual(['dev wlan1 info', 'dev ffmon0 info', 'dev wlan1 interface add ffmon0 type monitor', 'dev ffmon0 set channel 1']);
      expect(hops.slice(0, 7).map((call) => call.argv[4])).toEqual(['1', '6', '11', '1', '6', '11', '1']);
      const gaps = hops.slice(1).map((call, i) => call.timeMs - hops[i]!.timeMs);
      const median = [...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)]!;
      expect(median).toBeGreaterThanOrEqual(hopMs / 2);
      expect(median).toBeLessThan(hopMs * 10);
      expect(calls.at(-1)).toBe('dev ffmon0 del');
      expect(calls.filter((call) => call.endsWith(' del'))).toHaveLength(1);
      expect(await linkExists(ns, 'ffmon0')).toBe(false);
    });

    it('removes the monitor interface when start fails halfway, with iw’s message and the command in the error', async () => {
      const ns = await netns();
      const iw = fakeIw();
      iw.failWhen(['dev', 'ffmon0', 'set', 'channel', '13'], 'command failed: Invalid argument (-22)');
      const harness = start(ns, { monitor: monitorOptions([13, 1]) }, { ...process.env, PATH: iw.path });
      const failed = await harness.event('failed');
      expect(failed.exitCode).toBe(69);
      expect(failed.message).toBe('cannot tune ffmon0 to channel 13: `iw dev ffmon0 set channel 13` failed: command failed: Invalid argument (-22)');
      expect(await harness.exit()).toBe(69);
      expect(argvs(iw.calls()).slice(2)).toEqual(['dev wlan1 interface add ffmon0 type monitor', 'dev ffmon0 set channel 13', 'dev ffmon0 del']);
      expect(await linkExists(ns, 'ffmon0')).toBe(false);
    });

    it('reuses the monitor interface a killed run left behind, and removes it at the end', async () => {
      const ns = await netns();
      const iw = fakeIw();
      const env = { ...process.env, PATH: iw.path };
      const crashed = start(ns, { monitor: monitorOptions([6]) }, env);
      await crashed.event('capturing');
      crashed.child.kill('SIGKILL');
      await crashed.exited;
      expect(await linkExists(ns, 'ffmon0')).toBe(true);
      const callsBefore = iw.calls().length;

      const next = start(ns, { monitor: monitorOptions([6]) }, env);
      expect((await next.event('capturing')).interface).toBe('ffmon0');
      next.child.kill('SIGTERM');
      expect(await next.exit()).toBe(0);
      expect(argvs(iw.calls().slice(callsBefore))).toEqual(['dev wlan1 info', 'dev ffmon0 info', 'dev ffmon0 set channel 6', 'dev ffmon0 del']);
      expect(await linkExists(ns, 'ffmon0')).toBe(false);
    });
  });
});
