import { describe, expect, it } from 'vitest';
import { RATES, supportedRates } from '../../sim/elements.js';
import { probeElements, radiotapFrame } from '../../sim/frames.js';
import { createLogger, silentLogger } from '../../log/logger.js';
import { LivePcap } from '../libpcap.js';
import type { Sighting, SightingSink } from '../sighting.js';
import { CaptureInterfaceError, DropTotal, notWifiFailure, openFailure, WifiLiveSource, type WifiLiveSourceOptions } from './wifi-live-source.js';

const isRoot = process.getuid?.() === 0;

function source(options: Partial<WifiLiveSourceOptions> = {}): WifiLiveSource {
  return new WifiLiveSource({ interface: 'lo', linkType: 'auto', checkFcs: true, bufferKb: 256, logger: silentLogger, ...options });
}

const nullSink: SightingSink = { onSighting: () => {}, onMalformed: () => {} };

async function rejection(promise: Promise<unknown>): Promise<CaptureInterfaceError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CaptureInterfaceError);
  return error as CaptureInterfaceError;
}

describe('openFailure', () => {
  it("turns libpcap's reasons into what to do, with an exit code", () => {
    expect(openFailure('wlan1', new Error('No such device exists'))).toMatchObject({
      exitCode: 69,
      message: 'capture interface wlan1 does not exist; check capture.wifi.interface (ip link lists the interfaces) and that the Wi-Fi adapter is plugged in',
    });
    expect(openFailure('wlan1', new Error('socket: Operation not permitted'))).toMatchObject({
      exitCode: 77,
      message: 'no permission to capture on wlan1 (socket: Operation not permitted); run footfall as root or give it the capabilities CAP_NET_RAW and CAP_NET_ADMIN',
    });
    expect(openFailure('wlan1', new Error('That device is not up'))).toMatchObject({ exitCode: 69, message: 'capture interface wlan1 is down; bring it up with: ip link set wlan1 up' });
    expect(openFailure('wlan1', new Error('can\'t mmap rx ring:\n Cannot allocate memory'))).toMatchObject({
      exitCode: 69,
      message: "cannot capture on wlan1: can't mmap rx ring: Cannot allocate memory",
    });
  });

  it('names what the interface delivers and how to get 802.11 frames', () => {
    const error = notWifiFailure('wlan1', 1);
    expect(error.exitCode).toBe(78);
    expect(error.message).toBe(
      'wlan1 delivers ETHERNET frames (link type 1), not 802.11 frames: it is not in monitor mode; put the adapter in monitor mode, or set capture.wifi.create_monitor: true to have footfall make a monitor interface from it',
    );
  });
});

describe('DropTotal', () => {
  const stats = (dropped: number, interfaceDropped = 0) => ({ received: 0, dropped, interfaceDropped });

  it('adds both counters and only grows, through 32-bit wraps and counter resets', () => {
    const total = new DropTotal();
    total.add(stats(3, 1));
    total.add(stats(10, 1));
    expect(total.total).toBe(11);
    // A driver reset sets the sysfs counter back: libpcap's unsigned difference jumps by almost 2^32.
    total.add(stats(10, 2 ** 32 - 5));
    expect(total.total).toBe(11);
    // ps_drop climbs to the top of its 32 bits and wraps.
    total.add(stats(2 ** 31, 2 ** 32 - 5));
    total.add(stats(2 ** 32 - 2, 2 ** 32 - 5));
    total.add(stats(4, 2 ** 32 - 5));
    expect(total.total).toBe(2 ** 32 + 5);
  });
});

describe('WifiLiveSource', () => {
  it('runs once, and not at all when stopped first', async () => {
    const stopped = source({ interface: 'footfall-none' });
    await stopped.stop();
    await stopped.run(nullSink);
    await expect(stopped.run(nullSink)).rejects.toThrow(/runs once/);
    expect(stopped.stats()).toEqual({ frames: 0, dropped: 0 });
  });
});

describe.skipIf(!isRoot)(`WifiLiveSource on real interfaces${isRoot ? '' : ' (skipped: needs root)'}`, () => {
  it('says when the interface does not exist', async () => {
    const error = await rejection(source({ interface: 'footfall-none' }).run(nullSink));
    expect(error).toMatchObject({ exitCode: 69, message: expect.stringMatching(/^capture interface footfall-none does not exist;/) });
  });

  it('refuses, on auto, an interface whose link type is not 802.11', async () => {
    const error = await rejection(source({ linkType: 'auto' }).run(nullSink));
    expect(error).toMatchObject({ exitCode: 78, message: expect.stringMatching(/^lo delivers ETHERNET frames \(link type 1\)/) });
  });

  describe('with the link type forced to radiotap on the loopback interface', () => {
    const elements = probeElements(supportedRates(RATES.DSSS_BASIC), []);
    const frame = (address: number) => radiotapFrame({ timeMs: Date.now(), address, sequence: 7, rssi: -61, channelMhz: 2462, ssid: '', elements }, 'fcs');
    /** Addresses no other traffic on lo can parse into. */
    const addresses = [0x02_f0_07_00_00_01, 0x02_f0_07_00_00_02, 0x00_f0_07_00_00_03];

    function inject(frames: Uint8Array[]): void {
      const sender = new LivePcap({ interface: 'lo', filter: '', bufferKb: 64, onWarning: () => {} });
      sender.open();
      try {
        for (const f of frames) sender.inject(f);
      } finally {
        sender.close();
      }
    }

    it('delivers the probe requests sent, and stop() ends the run', async () => {
      const lines: string[] = [];
      const live = source({ linkType: 'radiotap', logger: createLogger({ level: 'debug', journald: false, write: (line) => lines.push(line) }) });
      const seen: Sighting[] = [];
      let resolveAll: () => void = () => {};
      const all = new Promise<void>((resolve) => (resolveAll = resolve));
      const run = live.run({
        onSighting: (sighting) => {
          if (addresses.includes(sighting.address)) seen.push({ ...sighting });
          if (seen.length === addresses.length) resolveAll();
        },
        onMalformed: () => {},
      });
      inject(addresses.map(frame));
      await all;
      await live.stop();
      await run;
      expect(seen.map((s) => s.address)).toEqual(addresses);
      expect(seen[0]).toMatchObject({ source: 'wifi', rssi: -61, channel: 2462, sequence: 7 });
      expect(live.stats().frames).toBeGreaterThanOrEqual(addresses.length);
      expect(live.frameCounts().accepted).toBeGreaterThanOrEqual(addresses.length);
      expect(lines.some((line) => line.includes('capturing') && line.includes('link_type=IEEE802_11_RADIOTAP') && line.includes('reported_link_type=ETHERNET'))).toBe(true);
      expect(lines.some((line) => line.includes('capture stopped'))).toBe(true);
    });

    it("ends the run with what the sink threw, without the throw reaching libpcap's callback", async () => {
      const live = source({ linkType: 'radiotap' });
      const failure = new Error('sink failed');
      const run = live.run({
        onSighting: (sighting) => {
          if (addresses.includes(sighting.address)) throw failure;
        },
        onMalformed: () => {},
      });
      inject(addresses.map(frame));
      await expect(run).rejects.toBe(failure);
      await live.stop();
    });
  });
});
