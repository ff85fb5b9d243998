/**
 * `footfall calibrate` guided at a pseudo-terminal, against live capture on a veth pair inside a
 * network namespace (radiotap frames injected from outside, a fake iw): the installer answers
 * the prompts while the marked phone's probe requests arrive at the model's RSSI for each
 * distance. Once on the radio directly, once through a running daemon that owns it. The zones
 * written come within 2 dB of the model's, and the phone's address appears nowhere.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALIBRATION_PHONE_ADDRESSES, CALIBRATION_PHONE_WIFI, modelRssi, walkProbeFrame, type PathLossModel } from './helpers/calibration-walk.js';
import { FOOTFALL_BIN, runCli } from './helpers/cli.js';
import { installFakeIw, type FakeIw } from './helpers/fake-iw.js';
import { filesUnder, findLeaks } from './helpers/leak-scan.js';
import { createNetns, injector, netnsUnavailable, type Netns } from './helpers/netns.js';
import { startInPty, type PtySession } from './helpers/pty.js';

const unavailable = netnsUnavailable();
const SSID = 'footfall-cal-4821';
const MODEL: PathLossModel = { p1mDbm: -41, exponent: 2.5, noiseDb: 3 };
const SAMPLE_SECONDS = 2;

describe.skipIf(unavailable !== undefined)(`footfall calibrate, guided${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let dir: string;
  let ns: Netns;
  let iw: FakeIw;
  let configFile: string;
  let dirs: string[];
  const env = () => ({ ...process.env, PATH: iw.path });

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-calibrate-guided-'));
    ns = await createNetns();
    iw = installFakeIw({ interfaces: { [ns.inner]: 'monitor' } });
    dirs = ['--state-dir', path.join(dir, 'state'), '--runtime-dir', path.join(dir, 'run')];
    configFile = path.join(dir, 'footfall.yaml');
  });

  afterAll(async () => {
    iw?.remove();
    await ns?.remove();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function writeConfig(): string {
    const text = [
      '# A sensor by the shop window.',
      'sensor:',
      '  id: calibrate-test',
      'capture:',
      '  wifi:',
      `    interface: ${ns.inner}`,
      '    link_type: radiotap',
      '    channels: [6]',
      '    buffer_kb: 64',
      '  ble:',
      '    enabled: false',
      'clock:',
      '  require_sync: false',
      '',
    ].join('\n');
    fs.writeFileSync(configFile, text);
    return text;
  }

  /** The phone at `distanceM` for a sampling period, among other phones, injected from outside. */
  async function phoneAt(distanceM: number | null, seed: number): Promise<void> {
    const outer = injector(ns.outer);
    try {
      for (let i = 0; i < 30; i++) {
        if (distanceM !== null) {
          // Fading with a fixed pattern: the same spread on every run.
          const fading = MODEL.noiseDb * Math.sin(seed * 7 + i * 2.3);
          outer.send(walkProbeFrame(CALIBRATION_PHONE_WIFI, i, Math.round(modelRssi(MODEL, distanceM) + fading), SSID));
        }
        outer.send(walkProbeFrame(0x02_00_00_00_10_00 + i, i, -60, i % 2 === 0 ? '' : `${SSID}0`));
        await new Promise((resolve) => setTimeout(resolve, (SAMPLE_SECONDS * 1000 * 0.8) / 30));
      }
    } finally {
      outer.close();
    }
  }

  /** Answers a distance prompt, then sends the phone's frames while that distance is sampled. */
  async function sampleAt(session: PtySession, answer: string, distanceM: number | null, seed: number): Promise<void> {
    session.answer(answer);
    await session.waitFor(/\d+(\.\d+)? m, \d+ s left/);
    await phoneAt(distanceM, seed);
  }

  function calibrate(extra: string[]): PtySession {
    return startInPty((args, options) => ns.exec(args, options), [process.execPath, FOOTFALL_BIN, 'calibrate', '--config', configFile, ...dirs, '--ssid', SSID, '--seconds', String(SAMPLE_SECONDS), ...extra], env());
  }

  function zonesOf(file: string): Record<string, number> {
    const match = /^ {2}wifi: \{ (.*) \}$/m.exec(fs.readFileSync(file, 'utf8'));
    expect(match).not.toBeNull();
    return Object.fromEntries(match![1]!.split(', ').map((pair) => pair.split(': ')).map(([name, value]) => [name!, Number(value)]));
  }

  it('walks the installer through the distances on the radio, warns when the phone is not heard, and writes the zones', async () => {
    const original = writeConfig();
    const session = calibrate([]);
    await session.waitFor(/Zone radii in metres/);
    session.answer('inside=0.5');
    await session.waitFor(/more than 1 m/);
    await session.waitFor(/Zone radii in metres/);
    session.answer('inside=3,nearby=6');
    await session.waitFor(/hidden network named "footfall-cal-4821"/);
    await session.waitFor(/Sampling through Wi-Fi on ffi/);

    await session.waitFor(/Hold the phone 1 m from the sensor/);
    await sampleAt(session, '', 1, 1);
    await session.waitFor(/Walk to 2 m/);
    // The phone is silent here: a warning, and the installer samples again.
    await sampleAt(session, '', null, 2);
    await session.waitFor(/warning: Wi-Fi: the phone was not heard at 2 m: is the hidden network saved/);
    await session.waitFor(/Press r to sample here again/);
    await sampleAt(session, 'r', 2, 2);
    await session.waitFor(/Walk to 3 m/);
    // The installer stands elsewhere and says so.
    await sampleAt(session, '3.5', 3.5, 3);
    await session.waitFor(/Walk to 4 m/);
    await sampleAt(session, '', 4, 4);
    await session.waitFor(/Walk to 6 m/);
    await sampleAt(session, '', 6, 6);
    await session.waitFor(/Type another distance/);
    session.answer('');

    await session.waitFor(/Wi-Fi RSSI \(dBm\) by distance/);
    await session.waitFor(/P\(1 m\) = -4\d dBm, n = 2\.\d/);
    await session.waitFor(/^\+ {2}wifi: \{ inside: -\d+, nearby: -\d+ \}/m);
    await session.waitFor(/Write these zones into .*footfall\.yaml\? \[y\/N\]/);
    session.answer('y');
    await session.waitFor(/Written to .*footfall\.yaml\. The zones count from the next start of footfall\./);
    const { code, output } = await session.done;
    expect(code).toBe(0);

    const zones = zonesOf(configFile);
    expect(Math.abs(zones.inside! - modelRssi(MODEL, 3))).toBeLessThanOrEqual(2);
    expect(Math.abs(zones.nearby! - modelRssi(MODEL, 6))).toBeLessThanOrEqual(2);
    expect(fs.readFileSync(configFile, 'utf8')).toContain(original.split('\n')[0]);
    expect((await runCli(['config', 'check', '--config', configFile])).code).toBe(0);
    const leaks = findLeaks(CALIBRATION_PHONE_ADDRESSES, [{ name: 'terminal', data: output }, ...filesUnder(dir)]);
    expect(leaks).toEqual([]);
  });

  describe('while the daemon runs', () => {
    let daemon: ChildProcess;
    let daemonLog = '';

    beforeAll(async () => {
      writeConfig();
      daemon = ns.exec([process.execPath, FOOTFALL_BIN, 'run', '--config', configFile, ...dirs, '--log-level', 'debug'], { env: env(), stdio: ['ignore', 'ignore', 'pipe'] });
      daemon.stderr!.setEncoding('utf8').on('data', (chunk: string) => (daemonLog += chunk));
      const end = Date.now() + 20_000;
      while (!daemonLog.includes('capturing')) {
        if (Date.now() > end) throw new Error(`the daemon did not start:\n${daemonLog}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    });

    afterAll(() => {
      daemon?.kill('SIGKILL');
    });

    it('samples through the daemon, which keeps counting, and leaves nothing behind', async () => {
      const before = fs.readFileSync(configFile, 'utf8');
      const session = calibrate(['--zones', 'inside=2.5']);
      await session.waitFor(/Sampling through the running daemon \(pid \d+\): Wi-Fi\./);
      await session.waitFor(/Hold the phone 1 m/);
      await sampleAt(session, '', 1, 11);
      await session.waitFor(/Walk to 2 m/);
      await sampleAt(session, '', 2, 12);
      await session.waitFor(/Walk to 2\.5 m/);
      await sampleAt(session, '', 2.5, 13);
      await session.waitFor(/Type another distance/);
      session.answer('');
      await session.waitFor(/zone inside: within 2\.5 m = RSSI -\d+ dBm/);
      await session.waitFor(/Write these zones into/);
      session.answer('n');
      await session.waitFor(/Nothing written/);
      const { code, output } = await session.done;
      expect(code).toBe(0);
      expect(fs.readFileSync(configFile, 'utf8')).toBe(before);

      expect(daemonLog).toMatch(/calibration: sampling the marked phone \(RSSI and time only\) marked_by="Wi-Fi network \\"footfall-cal-4821\\"" sources=wifi/);
      const runtime = dirs[3]!;
      const end = Date.now() + 5000;
      while (!daemonLog.includes('calibration ended') && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(daemonLog).toContain('calibration ended');
      expect(fs.readdirSync(runtime).filter((name) => name.startsWith('calibration'))).toEqual([]);
      // The daemon counted on: the phone and the others around it are in its open window. The
      // status's counts are as of their `as_of`, which a loaded machine makes a few seconds old.
      const addresses = async () => (JSON.parse((await runCli(['status', '--json', '--config', configFile, ...dirs])).stdout) as { window: { wifi: { addresses: number } } }).window.wifi.addresses;
      const countedBy = Date.now() + 15_000;
      let counted = await addresses();
      while (counted <= 20 && Date.now() < countedBy) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        counted = await addresses();
      }
      expect(counted).toBeGreaterThan(20);
      const leaks = findLeaks(CALIBRATION_PHONE_ADDRESSES, [
        { name: 'terminal', data: output },
        { name: 'daemon log', data: daemonLog },
        ...filesUnder(dir).filter((file) => !file.name.endsWith('.yaml')),
      ]);
      expect(leaks).toEqual([]);
    });

    it('stops on Ctrl-C mid-walk: exit 130, the config untouched, the daemon no longer sampling', async () => {
      const before = fs.readFileSync(configFile, 'utf8');
      const session = calibrate(['--zones', 'inside=4']);
      await session.waitFor(/Hold the phone 1 m/);
      session.answer('');
      await session.waitFor(/1 m, \d+ s left/);
      session.child.stdin!.write('\x03');
      const { code, output } = await session.done;
      expect(code).toBe(130);
      expect(output).toContain(`footfall: calibration interrupted; ${configFile} is untouched`);
      expect(fs.readFileSync(configFile, 'utf8')).toBe(before);
      const runtime = dirs[3]!;
      const end = Date.now() + 5000;
      while (fs.readdirSync(runtime).some((name) => name.startsWith('calibration')) && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(fs.readdirSync(runtime).filter((name) => name.startsWith('calibration'))).toEqual([]);
    });
  });
});
