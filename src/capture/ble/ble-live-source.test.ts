import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger, type Logger } from '../../log/logger.js';
import { advertisingContent } from '../../sim/ble-frames.js';
import { Random } from '../../sim/random.js';
import { PhoneMarker } from '../phone-marker.js';
import type { Sighting, SightingSink } from '../sighting.js';
import { heardFields, type HeardFields } from '../sighting.fixtures.js';
import { advertisingSignature } from './advertising-signature.js';
import { formatAddress, type BleDeviceKind } from '../../sim/ble-venue.js';
import { BleLiveSource, INIT_RETRY_MS, makeScanPassive, parseAddress, TABLE_SWEEP_MS, type BleLiveSourceOptions } from './ble-live-source.js';
import { activeScanParametersCommand, controllerReports, FakeHciBindings, type AdvertisingReport } from './fake-noble-bindings.fixtures.js';

const START_MS = Date.UTC(2026, 10, 22, 10, 0, 0);

function recordingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: createLogger({ level: 'debug', journald: false, write: (line) => lines.push(line) }), lines };
}

/** Keeps a copy of every sighting, as a sink must. */
function recordingSink(): SightingSink & { sightings: HeardFields[]; malformed: number } {
  const sink = {
    sightings: [] as HeardFields[],
    malformed: 0,
    onSighting: (sighting: Sighting) => void sink.sightings.push(heardFields(sighting)),
    onMalformed: () => void sink.malformed++,
  };
  return sink;
}

interface Started {
  source: BleLiveSource;
  run: Promise<void>;
  settled: () => boolean;
}

function start(sink: SightingSink, options: Partial<BleLiveSourceOptions> & { bindings?: FakeHciBindings }): Started {
  const { bindings, ...rest } = options;
  const source = new BleLiveSource({
    adapter: 0,
    passive: true,
    stallSeconds: 60,
    logger: recordingLogger().logger,
    ...(bindings ? { createBindings: () => bindings } : {}),
    ...rest,
  });
  let done = false;
  const run = source.run(sink).finally(() => {
    done = true;
  });
  return { source, run, settled: () => done };
}

/** Moves the fake clock to the report's time, then has the controller report it. */
function deliver(bindings: FakeHciBindings, report: AdvertisingReport): void {
  vi.advanceTimersByTime(report.timeMs - Date.now());
  bindings.advertise(report);
}

function groupBy<T, K>(items: Iterable<T>, key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

function rssiSum(sightings: readonly HeardFields[]): number {
  return sightings.reduce((sum, s) => sum + s.rssi, 0);
}

/** Every way an address could be written into a log line. */
function addressForms(address: number): string[] {
  const hex = address.toString(16).padStart(12, '0');
  const colons = formatAddress(address);
  return [hex, colons, colons.toUpperCase(), colons.replaceAll(':', '-'), hex.toUpperCase()];
}

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('parseAddress', () => {
  it('reads noble address strings as 48-bit integers, most significant octet first', () => {
    expect(parseAddress('aa:bb:cc:dd:ee:ff')).toBe(0xaabbccddeeff);
    expect(parseAddress('00:00:00:00:00:01')).toBe(1);
    expect(parseAddress('FF:FF:FF:FF:FF:FF')).toBe(2 ** 48 - 1);
  });

  it('returns -1 for what is not an address', () => {
    for (const text of ['', 'unknown', 'aa:bb:cc:dd:ee', 'aa:bb:cc:dd:ee:fg', 'aa-bb-cc-dd-ee-ff', 'aabbccddeeff']) {
      expect(parseAddress(text), text).toBe(-1);
    }
  });
});

describe('makeScanPassive', () => {
  it('sets the scan type of LE Set Scan Parameters to passive and keeps the timing', () => {
    const command = activeScanParametersCommand();
    makeScanPassive(command);
    expect([...command]).toEqual([0x01, 0x0b, 0x20, 0x07, 0x00, 0x12, 0x00, 0x12, 0x00, 0x00, 0x00]);
  });

  it('sets the scan type of every PHY in LE Set Extended Scan Parameters to passive', () => {
    // As hci.js writes it with `extended`: 1M and Coded PHYs, both active.
    const command = Buffer.from([0x01, 0x41, 0x20, 0x0d, 0x00, 0x00, 0x05, 0x01, 0x12, 0x00, 0x12, 0x00, 0x01, 0x12, 0x00, 0x12, 0x00]);
    makeScanPassive(command);
    expect([...command]).toEqual([0x01, 0x41, 0x20, 0x0d, 0x00, 0x00, 0x05, 0x00, 0x12, 0x00, 0x12, 0x00, 0x00, 0x12, 0x00, 0x12, 0x00]);
  });

  it('leaves other commands alone', () => {
    const scanEnable = Buffer.from([0x01, 0x0c, 0x20, 0x02, 0x01, 0x00]);
    const reset = Buffer.from([0x01, 0x03, 0x0c, 0x00]);
    makeScanPassive(scanEnable);
    makeScanPassive(reset);
    expect([...scanEnable]).toEqual([0x01, 0x0c, 0x20, 0x02, 0x01, 0x00]);
    expect([...reset]).toEqual([0x01, 0x03, 0x0c, 0x00]);
  });
});

/** A shop's advertisements as a controller reports them, with the truth per address. */
function shopStream(): { reports: AdvertisingReport[]; addresses: Map<number, { kind: BleDeviceKind; reports: number; rssiSum: number }> } {
  const venue = { seed: 'ble-live-source', startMs: START_MS + 1000, durationMs: 20 * 60_000, phones: 16, visitorsPerHour: 0, publicDevices: 2, staticDevices: 3, beacons: 3, reception: 1 };
  const reports = controllerReports(venue);
  const addresses = new Map<number, { kind: BleDeviceKind; reports: number; rssiSum: number }>();
  for (const report of reports) {
    const truth = addresses.get(report.addressValue) ?? { kind: report.kind, reports: 0, rssiSum: 0 };
    truth.reports++;
    truth.rssiSum += report.rssi;
    addresses.set(report.addressValue, truth);
  }
  return { reports, addresses };
}

describe('BleLiveSource', () => {
  it("marks the installer's phone by what its beacon app advertises, from the moment it is asked to", async () => {
    vi.useFakeTimers({ now: START_MS });
    const bindings = new FakeHciBindings();
    const marked: boolean[] = [];
    const { source, run } = start({ onSighting: (sighting) => void marked.push(sighting.marked), onMalformed: () => {} }, { bindings });
    bindings.setState('poweredOn');
    const report = (address: string, localName: string): AdvertisingReport => ({
      timeMs: Date.now(),
      address,
      addressType: 'random',
      connectable: false,
      rssi: -60,
      advertisement: advertisingContent({ localName }),
    });
    deliver(bindings, report('5b:c1:5e:77:10:43', 'ffcal4821'));
    source.mark(new PhoneMarker({ bleName: 'ffcal4821' }));
    deliver(bindings, report('5b:c1:5e:77:10:43', 'ffcal4821'));
    deliver(bindings, report('7a:00:00:00:00:01', 'ffcal48210'));
    source.mark(null);
    deliver(bindings, report('5b:c1:5e:77:10:43', 'ffcal4821'));
    await source.stop();
    await run;
    expect(marked).toEqual([false, true, false, false]);
  });

  it('delivers every advertisement of a shop stream: counts per address, address types, RSSI, times and signatures', async () => {
    vi.useFakeTimers({ now: START_MS });
    const stream = shopStream();
    const bindings = new FakeHciBindings();
    const sink = recordingSink();
    const { logger, lines } = recordingLogger();
    const { source, run } = start(sink, { bindings, logger });
    bindings.setState('poweredOn');
    expect(bindings.calls.startScanning).toEqual([{ serviceUuids: [], allowDuplicates: true }]);
    expect(source.state()).toBe('scanning (passive)');

    const expectedSignatures: number[] = [];
    for (const report of stream.reports) {
      expectedSignatures.push(advertisingSignature(report.advertisement));
      deliver(bindings, report);
    }
    await source.stop();
    await run;

    const { sightings } = sink;
    expect(sightings).toHaveLength(stream.reports.length);
    expect(source.stats()).toEqual({ frames: stream.reports.length, dropped: 0 });
    expect(sink.malformed).toBe(0);
    sightings.forEach((sighting, i) => {
      const report = stream.reports[i]!;
      expect(sighting).toEqual({
        source: 'ble',
        timeMs: report.timeMs,
        address: parseAddress(report.address),
        addressType: report.addressType === 'random' ? 1 : 0,
        rssi: report.rssi,
        channel: 0,
        sequence: -1,
        signature: expectedSignatures[i],
      });
    });
    const byAddress = groupBy(sightings, (s) => s.address);
    expect(byAddress.size).toBe(stream.addresses.size);
    for (const [address, truth] of stream.addresses) {
      const seen = byAddress.get(address) ?? [];
      expect(seen.length).toBe(truth.reports);
      expect(rssiSum(seen)).toBe(truth.rssiSum);
    }
    // The stream is what it claims to be: rotating phones, every address kind, a few minutes per address.
    const kinds = groupBy(stream.addresses.values(), (a) => a.kind);
    expect(kinds.get('phone')!.length).toBeGreaterThan(32);
    expect(kinds.get('public')).toHaveLength(2);
    expect(kinds.get('random_static')).toHaveLength(3);
    expect(kinds.get('beacon')!.length).toBeGreaterThan(3);

    const log = lines.join('');
    for (const address of stream.addresses.keys()) {
      for (const form of addressForms(address)) expect(log).not.toContain(form);
    }
  });

  it('reports the adapter state through its changes, and scans whenever the adapter is on', async () => {
    const bindings = new FakeHciBindings();
    const { logger, lines } = recordingLogger();
    const source = new BleLiveSource({ adapter: 1, passive: true, stallSeconds: 60, logger, createBindings: () => bindings });
    expect(source.state()).toBe('not started');
    expect(source.description).toBe('Bluetooth adapter hci1');
    const run = source.run(recordingSink());
    expect(source.state()).toBe('starting');
    expect(bindings.calls.init).toBe(1);

    const seen: string[] = [];
    for (const state of ['poweredOff', 'poweredOn', 'unauthorized', 'poweredOn', 'unsupported', 'resetting', 'poweredOn']) {
      bindings.setState(state);
      seen.push(source.state());
    }
    expect(seen).toEqual(['poweredOff', 'scanning (passive)', 'unauthorized', 'scanning (passive)', 'unsupported', 'resetting', 'scanning (passive)']);
    expect(bindings.calls.startScanning).toHaveLength(3);
    expect(lines.filter((l) => l.includes(' warn '))).toEqual([
      expect.stringContaining('Bluetooth adapter hci1 is off'),
      expect.stringContaining('CAP_NET_RAW and CAP_NET_ADMIN'),
      expect.stringContaining('does not support Bluetooth Low Energy'),
    ]);
    await source.stop();
    await run;
    expect(source.state()).toBe('stopped');
    expect(bindings.calls.stopScanning).toBe(1);
  });

  it('scans passively by rewriting the scan parameters noble sends, and actively when passive is off', async () => {
    for (const passive of [true, false]) {
      const bindings = new FakeHciBindings();
      const { source, run } = start(recordingSink(), { bindings, passive });
      bindings.setState('poweredOn');
      expect(source.state()).toBe(passive ? 'scanning (passive)' : 'scanning (active)');
      expect(bindings.commands).toHaveLength(1);
      expect(bindings.commands[0]![4], 'scan type').toBe(passive ? 0 : 1);
      await source.stop();
      await run;
    }
  });

  it('says so and scans actively when the bindings cannot scan passively', async () => {
    const bindings = new FakeHciBindings({ hciSocket: false });
    const { logger, lines } = recordingLogger();
    const { source, run } = start(recordingSink(), { bindings, logger });
    bindings.setState('poweredOn');
    expect(source.state()).toBe('scanning (active)');
    expect(lines.filter((l) => l.includes('cannot scan passively'))).toHaveLength(1);
    await source.stop();
    await run;
  });

  it('counts an advertisement with an address it cannot read as malformed, and reads RSSI 127 as unknown', async () => {
    const bindings = new FakeHciBindings();
    const sink = recordingSink();
    const { source, run } = start(sink, { bindings });
    bindings.setState('poweredOn');
    const advertisement = { localName: undefined, txPowerLevel: undefined, manufacturerData: undefined, serviceData: [], serviceUuids: [], serviceSolicitationUuids: [] };
    bindings.emit('discover', 'unknown', 'unknown', 'public', true, advertisement, -60, false);
    bindings.emit('discover', '112233445566', '11:22:33:44:55:66', 'other', true, advertisement, -60, false);
    bindings.advertise({ timeMs: 0, address: '00:1a:7d:44:55:66', addressType: 'public', connectable: true, rssi: 127, advertisement });
    await source.stop();
    await run;
    expect(sink.malformed).toBe(2);
    expect(sink.sightings).toHaveLength(1);
    expect(sink.sightings[0]!.rssi).toBeNaN();
    expect(source.stats().frames).toBe(3);
  });

  it('restarts a stalled scan, then resets the controller, logging each step once, until advertisements return', async () => {
    vi.useFakeTimers({ now: START_MS });
    const bindings = new FakeHciBindings();
    const { logger, lines } = recordingLogger();
    const { source, run } = start(recordingSink(), { bindings, logger, stallSeconds: 5 });
    bindings.setState('poweredOn');
    const report = (timeMs: number): AdvertisingReport => ({
      timeMs,
      address: '5a:01:02:03:04:05',
      addressType: 'random',
      connectable: true,
      rssi: -61,
      advertisement: { localName: undefined, txPowerLevel: undefined, manufacturerData: undefined, serviceData: [], serviceUuids: [], serviceSolicitationUuids: [] },
    });
    // Advertisements every second keep it scanning.
    for (let s = 1; s <= 20; s++) deliver(bindings, report(START_MS + s * 1000));
    expect(bindings.calls).toMatchObject({ stopScanning: 0, reset: 0 });
    expect(source.state()).toBe('scanning (passive)');

    // The watchdog looks every stall_seconds / 4: the stall is seen within 5 s + 1.25 s.
    vi.advanceTimersByTime(6250);
    expect(source.state()).toBe('stalled, restarting scan');
    expect(bindings.calls).toMatchObject({ stopScanning: 1, reset: 0 });
    expect(bindings.calls.startScanning).toHaveLength(2);

    vi.advanceTimersByTime(5000);
    expect(source.state()).toBe('stalled, resetting adapter');
    expect(bindings.calls).toMatchObject({ stopScanning: 2, reset: 1 });
    expect(bindings.calls.startScanning).toHaveLength(3);

    // It goes on alternating, without logging again.
    vi.advanceTimersByTime(20_000);
    expect(bindings.calls).toMatchObject({ stopScanning: 6, reset: 3 });
    const warnings = lines.filter((l) => l.includes(' warn '));
    expect(warnings).toEqual([expect.stringContaining('restarting the scan'), expect.stringContaining('resetting the Bluetooth controller')]);

    deliver(bindings, report(Date.now() + 100));
    vi.advanceTimersByTime(1250);
    expect(source.state()).toBe('scanning (passive)');
    expect(lines.filter((l) => l.includes('advertisements again'))).toHaveLength(1);

    // A powered-off adapter is not a stall.
    bindings.setState('poweredOff');
    vi.advanceTimersByTime(60_000);
    expect(bindings.calls.stopScanning).toBe(6);
    expect(source.state()).toBe('poweredOff');
    await source.stop();
    await run;
  });

  it('keeps the process alive on SIGINT: the bindings\' handler that would exit is removed', async () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    let interrupted!: () => void;
    const interrupt = new Promise<void>((resolve) => (interrupted = resolve));
    // The daemon registers its own SIGINT handler before capture starts.
    const daemonHandler = () => interrupted();
    process.on('SIGINT', daemonHandler);
    try {
      const before = process.listeners('SIGINT').length;
      const bindings = new FakeHciBindings();
      const { source, run } = start(recordingSink(), { bindings });
      expect(bindings.calls.init).toBe(1);
      expect(process.listeners('SIGINT')).not.toContain(bindings.onSigInt);
      expect(process.listeners('exit')).not.toContain(bindings.onExit);
      expect(process.listeners('SIGINT')).toHaveLength(before);
      process.kill(process.pid, 'SIGINT');
      await interrupt;
      expect(exit).not.toHaveBeenCalled();
      await source.stop();
      await run;
    } finally {
      process.off('SIGINT', daemonHandler);
    }
  });

  it('keeps noble\'s tables and the heap bounded over 400,000 rotating addresses', async () => {
    vi.useFakeTimers({ now: START_MS });
    const gc = forcedGc();
    const bindings = new FakeHciBindings();
    let delivered = 0;
    const sink: SightingSink = { onSighting: () => void delivered++, onMalformed: () => {} };
    const { source, run } = start(sink, { bindings });
    bindings.setState('poweredOn');

    // A crowd of phones rotating their resolvable private addresses: 1,000 new addresses every
    // 6 s (20,000 per table sweep), each heard twice.
    const ADDRESSES = 400_000;
    const PER_STEP = 1000;
    const STEP_MS = 6000;
    const STEPS_PER_SWEEP = TABLE_SWEEP_MS / STEP_MS;
    const random = new Random('ble-memory');
    const report: AdvertisingReport = {
      timeMs: 0,
      address: '',
      addressType: 'random',
      connectable: true,
      rssi: -70,
      advertisement: { localName: undefined, txPowerLevel: undefined, manufacturerData: Buffer.from([0x4c, 0x00, 0x10, 0x05, 0x01]), serviceData: [], serviceUuids: [], serviceSolicitationUuids: [] },
    };
    const heapAfterSweep: number[] = [];
    let largestTables = { gap: 0, addresses: 0 };
    for (let step = 1; step <= ADDRESSES / PER_STEP; step++) {
      for (let i = 0; i < PER_STEP; i++) {
        report.address = formatAddress((0x40 | random.int(0, 63)) * 2 ** 40 + random.int(0, 0xffffffff) * 2 ** 8 + random.int(0, 255));
        bindings.advertise(report);
        bindings.advertise(report);
      }
      if (step % STEPS_PER_SWEEP === 0) {
        const sizes = bindings.tableSizes();
        if (sizes.gap > largestTables.gap) largestTables = sizes;
      }
      vi.advanceTimersByTime(STEP_MS);
      if (step % (4 * STEPS_PER_SWEEP) === 0) {
        gc();
        gc();
        heapAfterSweep.push(process.memoryUsage().heapUsed);
      }
    }
    await source.stop();
    await run;

    expect(delivered).toBe(2 * ADDRESSES);
    // Before a sweep the tables hold two sweeps' addresses at most; after it, one.
    expect(largestTables.gap).toBeLessThanOrEqual(2 * STEPS_PER_SWEEP * PER_STEP);
    expect(largestTables.addresses).toBeLessThanOrEqual(2 * STEPS_PER_SWEEP * PER_STEP);
    expect(bindings.tableSizes().gap).toBeLessThanOrEqual(STEPS_PER_SWEEP * PER_STEP);
    // Unpruned, noble alone keeps over 1 KB per address (a Peripheral and three tables, the HCI
    // bindings four tables and gap.js an entry with its advertisement): over 400 MB here. Pruned,
    // the heap after 400,000 addresses is that after 80,000 within a few MB.
    expect(heapAfterSweep).toHaveLength(5);
    const growthMb = (heapAfterSweep.at(-1)! - heapAfterSweep[0]!) / 2 ** 20;
    expect(growthMb, `heap after each 80,000 addresses: ${heapAfterSweep.map((b) => (b / 2 ** 20).toFixed(1)).join(', ')} MB`).toBeLessThan(8);
  });

  describe.skipIf(kernelHasBluetooth())('on this machine, whose kernel has no Bluetooth', () => {
    it('loads noble only in run(), says it is unavailable, and waits until stop()', async () => {
      vi.useFakeTimers({ now: START_MS });
      const { logger, lines } = recordingLogger();
      const sink = recordingSink();
      const { source, run, settled } = start(sink, { logger });
      expect(source.state()).toBe('unavailable: no Bluetooth in this kernel');
      await vi.advanceTimersByTimeAsync(3 * INIT_RETRY_MS);
      expect(settled()).toBe(false);
      expect(source.state()).toBe('unavailable: no Bluetooth in this kernel');
      expect(lines.filter((l) => l.includes(' warn '))).toEqual([expect.stringContaining('this kernel has no Bluetooth support')]);
      expect(lines.filter((l) => l.includes('still unavailable'))).toHaveLength(3);
      await source.stop();
      await run;
      expect(source.state()).toBe('stopped');
    });
  });

  it('looks for a missing adapter every 30 s and scans once it is there', async () => {
    vi.useFakeTimers({ now: START_MS });
    const bindings = new FakeHciBindings();
    let attempts = 0;
    const createBindings = () => {
      if (++attempts <= 2) throw Object.assign(new Error('bind ENODEV, No such device'), { code: 'ENODEV', syscall: 'bind' });
      return bindings;
    };
    const { logger, lines } = recordingLogger();
    const { source, run, settled } = start(recordingSink(), { createBindings, logger, adapter: 0 });
    expect(source.state()).toBe('no adapter hci0');
    vi.advanceTimersByTime(INIT_RETRY_MS);
    expect(attempts).toBe(2);
    expect(source.state()).toBe('no adapter hci0');
    vi.advanceTimersByTime(INIT_RETRY_MS);
    expect(attempts).toBe(3);
    expect(source.state()).toBe('starting');
    bindings.setState('poweredOn');
    expect(source.state()).toBe('scanning (passive)');
    vi.advanceTimersByTime(10 * INIT_RETRY_MS);
    expect(attempts).toBe(3);
    expect(lines.filter((l) => l.includes('no Bluetooth adapter'))).toEqual([expect.stringContaining('there is no Bluetooth adapter hci0')]);
    expect(settled()).toBe(false);
    await source.stop();
    await run;
  });

  it('rejects run() with what the sink threw', async () => {
    const bindings = new FakeHciBindings();
    const failure = new Error('sink failed');
    const sink: SightingSink = {
      onSighting: () => {
        throw failure;
      },
      onMalformed: () => {},
    };
    const { run } = start(sink, { bindings });
    bindings.setState('poweredOn');
    bindings.advertise({ timeMs: 0, address: 'c0:ff:ee:00:00:01', addressType: 'random', connectable: false, rssi: -50, advertisement: { localName: undefined, txPowerLevel: undefined, manufacturerData: undefined, serviceData: [], serviceUuids: [], serviceSolicitationUuids: [] } });
    await expect(run).rejects.toBe(failure);
    expect(bindings.calls.stopScanning).toBe(1);
  });

  it('runs once, and not at all after stop()', async () => {
    const bindings = new FakeHciBindings();
    const source = new BleLiveSource({ adapter: 0, passive: true, stallSeconds: 60, logger: recordingLogger().logger, createBindings: () => bindings });
    await source.stop();
    await source.run(recordingSink());
    expect(bindings.calls.init).toBe(0);
    await expect(source.run(recordingSink())).rejects.toThrow('runs once');
  });
});

/** The process's garbage collector, exposed at run time when node was not started with --expose-gc. */
function forcedGc(): () => void {
  if (typeof globalThis.gc === 'function') return globalThis.gc;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

function kernelHasBluetooth(): boolean {
  const HciSocket = createRequire(import.meta.url)('@abandonware/bluetooth-hci-socket') as new () => unknown;
  try {
    new HciSocket();
    return true;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'EAFNOSUPPORT') return false;
    throw error;
  }
}
