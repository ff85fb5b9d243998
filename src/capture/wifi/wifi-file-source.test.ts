import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger, silentLogger, type Logger } from '../../log/logger.js';
import { CaptureFileError } from '../capture-file.js';
import type { Sighting, SightingSink } from '../sighting.js';
import { heardFields, type HeardFields } from '../sighting.fixtures.js';
import {
  element,
  pcapFile,
  pcapngFile,
  probeRequest,
  radiotap,
  radiotapField as field,
  tempCaptureDir,
  typicalElements,
  withFcs,
  type CapturedFrame,
} from './synthetic-frames.fixtures.js';
import { WifiFileSource, type WifiFileSourceOptions } from './wifi-file-source.js';

const CAPTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/captures/wifi');
const haveCaptures = fs.existsSync(CAPTURES);
const capture = (name: string) => path.join(CAPTURES, name);

const temp = tempCaptureDir('footfall-wifi-source-');
afterAll(() => temp.remove());
const { dir } = temp;
const file = (content: Buffer) => temp.write(content);

interface Collected {
  sightings: HeardFields[];
  malformedTimes: number[];
  sink: SightingSink;
}

function collector(onSighting?: (sighting: Sighting, count: number) => void): Collected {
  const sightings: HeardFields[] = [];
  const malformedTimes: number[] = [];
  return {
    sightings,
    malformedTimes,
    sink: {
      onSighting(sighting) {
        sightings.push(heardFields(sighting));
        onSighting?.(sighting, sightings.length);
      },
      onMalformed(source, timeMs) {
        expect(source).toBe('wifi');
        malformedTimes.push(timeMs);
      },
    },
  };
}

function source(paths: string[], options: Partial<WifiFileSourceOptions> = {}): WifiFileSource {
  return new WifiFileSource({ paths, checkFcs: false, logger: silentLogger, ...options });
}

async function read(paths: string[], options: Partial<WifiFileSourceOptions> = {}) {
  const src = source(paths, options);
  const collected = collector();
  await src.run(collected.sink);
  return { src, ...collected };
}

function openFileDescriptors(): number {
  return fs.readdirSync('/proc/self/fd').length;
}

/** First octet of a 48-bit address: bit 1 is "locally administered", bit 0 "group". */
const firstOctet = (address: number) => Math.floor(address / 2 ** 40);
const distinct = (sightings: HeardFields[]) => new Set(sightings.map((s) => s.address));

const T0 = Date.UTC(2026, 10, 22, 10, 0, 0);
const radiotapHeader = radiotap([0x0000082e], [field.flags(0x10), field.rate(2), field.channel(2437), field.dbmSignal(-58), field.antenna(0)]);
const probe = (address: number, sequence = 1) =>
  Buffer.concat([radiotapHeader, withFcs(probeRequest({ address, sequence, elements: typicalElements('x', 6) }))]);

describe('WifiFileSource on synthetic captures', () => {
  it('delivers probe requests with capture time, passes over other frames and reports bad ones', async () => {
    const beacon = Buffer.concat([radiotapHeader, withFcs(probeRequest({ address: 5, frameControl: 0x80 }))]);
    const badFcs = probe(0x0200_0000_0003);
    badFcs[badFcs.length - 1] = badFcs[badFcs.length - 1]! ^ 1;
    const brokenBody = probeRequest({ address: 4, elements: [element(0, 1, 2)] });
    brokenBody[25] = 9; // SSID length 9 with 2 bytes left
    const brokenElements = Buffer.concat([radiotapHeader, withFcs(brokenBody)]);
    const target = file(
      pcapFile(127, [
        { timeMs: T0 + 0.001, data: probe(0x0200_0000_0001, 10) },
        { timeMs: T0 + 1000, data: beacon },
        { timeMs: T0 + 2000, data: badFcs },
        { timeMs: T0 + 3000, data: brokenElements },
        { timeMs: T0 + 4000, data: probe(0x0200_0000_0002, 11) },
      ]),
    );
    const { src, sightings, malformedTimes } = await read([target], { checkFcs: true });
    expect(sightings).toEqual([
      expect.objectContaining({ source: 'wifi', timeMs: T0 + 0.001, address: 0x0200_0000_0001, rssi: -58, channel: 2437, sequence: 10 }),
      expect.objectContaining({ timeMs: T0 + 4000, address: 0x0200_0000_0002, sequence: 11 }),
    ]);
    expect(sightings[0]!.signature).toBe(sightings[1]!.signature);
    expect(malformedTimes).toEqual([T0 + 2000, T0 + 3000]);
    // libpcap's filter drops the beacon: it is never read.
    expect(src.stats()).toEqual({ frames: 4, dropped: 0 });
    expect(src.frameCounts()).toEqual({ accepted: 2, ignored: 0, malformed: 1, badFcs: 1, skipped: 0 });
  });

  it('reads big-endian, nanosecond and pcapng files alike', async () => {
    const frames: CapturedFrame[] = [
      { timeMs: T0 + 1.5, data: probe(0x0200_0000_0001) },
      { timeMs: T0 + 2.25, data: probe(0x0200_0000_0002) },
    ];
    for (const bytes of [pcapFile(127, frames, { bigEndian: true }), pcapFile(127, frames, { nanoseconds: true }), pcapngFile(127, frames), pcapngFile(127, frames, { bigEndian: true })]) {
      const { sightings } = await read([file(bytes)]);
      expect(sightings.map((s) => [s.timeMs, s.address])).toEqual([
        [T0 + 1.5, 0x0200_0000_0001],
        [T0 + 2.25, 0x0200_0000_0002],
      ]);
    }
  });

  it('counts frames cut by the snap length, with signature 0', async () => {
    const whole = probe(0x0200_0000_0009);
    const target = file(pcapFile(127, [{ timeMs: T0, data: whole.subarray(0, radiotapHeader.length + 30), originalLength: whole.length }], { snapLength: 64 }));
    const { sightings } = await read([target], { checkFcs: true });
    expect(sightings).toEqual([expect.objectContaining({ address: 0x0200_0000_0009, signature: 0 })]);
  });

  it('reads the files in order as one stream, counting frames across them', async () => {
    const first = file(pcapFile(127, [{ timeMs: T0, data: probe(1) }, { timeMs: T0 + 1, data: probe(2) }]));
    const second = file(pcapFile(105, [{ timeMs: T0 + 2, data: probeRequest({ address: 3 }) }]));
    const { src, sightings } = await read([first, second]);
    expect(sightings.map((s) => s.address)).toEqual([1, 2, 3]);
    expect(src.stats().frames).toBe(3);
    expect(src.description).toBe(`2 Wi-Fi capture files (${first} ... ${second})`);
  });

  it('passes over the first skipFrames frames, across files', async () => {
    const first = file(pcapFile(127, [{ timeMs: T0, data: probe(1) }, { timeMs: T0 + 1, data: probe(2) }]));
    const second = file(pcapFile(127, [{ timeMs: T0 + 2, data: probe(3) }, { timeMs: T0 + 3, data: probe(4) }]));
    const { src, sightings } = await read([first, second], { skipFrames: 3 });
    expect(sightings.map((s) => s.address)).toEqual([4]);
    expect(src.stats().frames).toBe(4);
    expect(src.frameCounts().skipped).toBe(3);
  });

  it('checks every file before delivering a frame, and reports the first bad one', async () => {
    const good = file(pcapFile(127, [{ timeMs: T0, data: probe(1) }]));
    const empty = file(Buffer.alloc(0));
    const src = source([good, empty, path.join(dir, 'absent.pcap')]);
    const { sink, sightings } = collector();
    await expect(src.run(sink)).rejects.toThrow(new CaptureFileError(`${empty}: empty file`, 65));
    expect(sightings).toEqual([]);
  });

  it.each([
    ['a missing file', () => path.join(dir, 'absent.pcap'), ': no such file', 66],
    ['an empty file', () => file(Buffer.alloc(0)), ': empty file', 65],
    ['a truncated pcap header', () => file(pcapFile(127, []).subarray(0, 6)), ': truncated pcap header (6 of 24 bytes)', 65],
    ['an Ethernet capture', () => file(pcapFile(1, [])), ': link type 1 (ETHERNET) is not a Wi-Fi link type; footfall reads 105, 119, 127 and 163', 65],
  ])('rejects %s with a one-line CaptureFileError', async (_what, make, suffix, exitCode) => {
    const target = make();
    const error = await source([target]).run(collector().sink).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CaptureFileError);
    expect(error).toMatchObject({ message: `${target}${suffix}`, exitCode });
  });

  it("rejects a file libpcap cannot open with libpcap's reason, on one line", async () => {
    const bytes = pcapFile(127, [{ timeMs: T0, data: probe(1) }]);
    bytes.writeUInt16LE(3, 4); // file format version 3
    const target = file(bytes);
    const error = await source([target]).run(collector().sink).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CaptureFileError);
    expect(error).toMatchObject({ message: `${target}: unsupported pcap savefile version 3.4`, exitCode: 65 });
  });

  it('reads the whole frames of a file cut in the middle of its last frame, and says where it breaks off', async () => {
    const bytes = pcapFile(127, [1, 2, 3].map((address) => ({ timeMs: T0 + address, data: probe(address) })));
    const lines: string[] = [];
    const logger = createLogger({ level: 'warn', write: (line) => lines.push(line), journald: false });
    const { sightings } = await read([file(bytes.subarray(0, bytes.length - 10))], { logger });
    expect(sightings.map((s) => s.address)).toEqual([1, 2]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/the capture file breaks off; the frames before the break were read .*truncated dump file/);
  });

  it('rejects with what the sink throws, ends the read and frees the file', async () => {
    const target = file(pcapFile(127, Array.from({ length: 50 }, (_, i) => ({ timeMs: T0 + i, data: probe(i + 1) }))));
    const before = openFileDescriptors();
    const src = source([target]);
    const failure = new Error('sink is full');
    const { sink } = collector((_sighting, count) => {
      if (count === 10) throw failure;
    });
    await expect(src.run(sink)).rejects.toBe(failure);
    expect(src.stats().frames).toBe(10);
    expect(openFileDescriptors()).toBe(before);
  });

  it('closes each file it reads', async () => {
    const target = file(pcapFile(127, [{ timeMs: T0, data: probe(1) }]));
    const before = openFileDescriptors();
    for (let i = 0; i < 20; i++) await read([target, target]);
    expect(openFileDescriptors()).toBe(before);
  });

  it('stops between frames when stop() is called from the sink', async () => {
    const target = file(pcapFile(127, Array.from({ length: 50 }, (_, i) => ({ timeMs: T0 + i, data: probe(i + 1) }))));
    const src = source([target, target]);
    const { sink, sightings } = collector((_sighting, count) => {
      if (count === 7) void src.stop();
    });
    await src.run(sink);
    expect(sightings).toHaveLength(7);
    expect(src.stats().frames).toBe(7);
  });

  it('refuses bad options and a second run', async () => {
    expect(() => source([])).toThrow(RangeError);
    expect(() => source(['x.pcap'], { skipFrames: -1 })).toThrow(RangeError);
    expect(() => source(['x.pcap'], { skipFrames: 1.5 })).toThrow(RangeError);
    expect(() => source(['x.pcap'], { speed: 0 })).toThrow(RangeError);
    expect(() => source(['x.pcap'], { speed: Number.POSITIVE_INFINITY })).toThrow(RangeError);
    const src = source([file(pcapFile(127, []))]);
    await src.run(collector().sink);
    await expect(src.run(collector().sink)).rejects.toThrow('a WifiFileSource runs once');
  });
});

describe('WifiFileSource with speed', () => {
  const paced = (count: number, stepMs: number) =>
    file(pcapFile(127, Array.from({ length: count }, (_, i) => ({ timeMs: T0 + i * stepMs, data: probe(i + 1) }))));

  it('delivers frames at capture pace divided by speed', async () => {
    const target = paced(5, 250); // one second of capture
    const arrivals: number[] = [];
    const src = source([target], { speed: 5 });
    const { sink, sightings } = collector(() => arrivals.push(performance.now()));
    await src.run(sink);
    expect(sightings.map((s) => s.timeMs)).toEqual([T0, T0 + 250, T0 + 500, T0 + 750, T0 + 1000]);
    const elapsed = arrivals.at(-1)! - arrivals[0]!;
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(1000);
    for (let i = 1; i < arrivals.length; i++) expect(arrivals[i]! - arrivals[0]!).toBeGreaterThanOrEqual(i * 50 - 10);
  });

  it('ends early on stop(), resolving run', async () => {
    const target = paced(3, 60_000);
    const src = source([target], { speed: 1 });
    const { sink, sightings } = collector(() => setTimeout(() => void src.stop(), 20));
    const started = performance.now();
    await src.run(sink);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(sightings).toHaveLength(1);
    expect(src.stats().frames).toBe(1);
  });

  it('delivers the same sightings as reading at once, across many slabs of copied frames', async () => {
    const frames = Array.from({ length: 12_000 }, (_, i) => ({ timeMs: T0 + i / 100, data: probe(i + 1, i & 0xfff) }));
    const target = file(pcapFile(127, frames));
    const atOnce = await read([target]);
    const paced = await read([target], { speed: 10 });
    expect(paced.sightings).toHaveLength(12_000);
    expect(paced.sightings).toEqual(atOnce.sightings);
  });

  it('rejects with what the sink throws', async () => {
    const failure = new Error('sink is full');
    const { sink } = collector((_sighting, count) => {
      if (count === 2) throw failure;
    });
    const src = source([paced(4, 10)], { speed: 100 });
    await expect(src.run(sink)).rejects.toBe(failure);
    expect(src.stats().frames).toBe(2);
  });

  it('passes over skipFrames frames before pacing the rest', async () => {
    const target = paced(4, 10);
    const { src, sightings } = await read([target], { speed: 100, skipFrames: 2 });
    expect(sightings.map((s) => s.address)).toEqual([3, 4]);
    expect(src.stats().frames).toBe(4);
  });
});

/** Captures README, section 2: probe requests, distinct SAs, LA SAs and group SAs per file. */
const README_FIGURES: ReadonlyArray<[file: string, probeRequests: number, distinct: number, locallyAdministered: number, group: number]> = [
  ['fryza_sc6-61_2024-04-18_pos1.pcap', 24367, 3071, 3023, 0],
  ['aircrack_n-02_linktype105.cap', 9, 5, 3, 0],
  ['aircrack_test1_radiotap_mixed.pcap', 5, 5, 1, 0],
  ['aircrack_wpa_prism119.cap', 0, 0, 0, 0],
  ['baccichet_labelled/iphone11-b.pcap', 782, 465, 229, 238],
  ['baccichet_labelled/iphone11-c.pcap', 531, 334, 171, 165],
  ['baccichet_labelled/iphone11-f.pcap', 106, 47, 26, 21],
  ['baccichet_labelled/iphone11-m.pcap', 497, 236, 117, 124],
  ['baccichet_labelled/iphone12-m.pcap', 612, 325, 162, 172],
  ['baccichet_labelled/iphone12pro-c.pcap', 154, 1, 0, 0],
  ['baccichet_labelled/iphone7-f.pcap', 638, 35, 19, 18],
  ['baccichet_labelled/iphonexr-a.pcap', 136, 9, 5, 7],
  ['baccichet_labelled/iphonexr-l.pcap', 2223, 91, 47, 46],
  ['baccichet_labelled/oppofindx3neo-a.pcap', 1185, 15, 8, 5],
  ['baccichet_labelled/s21ultra-m.pcap', 139, 28, 17, 15],
];
const BACCICHET = README_FIGURES.filter(([name]) => name.startsWith('baccichet'));

describe.skipIf(!haveCaptures)('WifiFileSource on the real captures (needs the shared captures)', () => {
  it.each(README_FIGURES)('%s: %i probe requests from %i addresses (%i LA, %i group), as tshark counts', async (name, probes, addresses, la, group) => {
    const { src, sightings, malformedTimes } = await read([capture(name)]);
    expect(sightings).toHaveLength(probes);
    expect(malformedTimes).toHaveLength(0);
    expect(src.stats().frames).toBe(probes);
    const seen = [...distinct(sightings)];
    expect(seen).toHaveLength(addresses);
    expect(seen.filter((a) => firstOctet(a) & 0x02)).toHaveLength(la);
    expect(seen.filter((a) => firstOctet(a) & 0x01)).toHaveLength(group);
  });

  it('finds 1586 distinct addresses across the 11 labelled files read as one stream', async () => {
    const { sightings } = await read(BACCICHET.map(([name]) => capture(name)));
    expect(sightings).toHaveLength(BACCICHET.reduce((sum, [, probes]) => sum + probes, 0));
    expect(distinct(sightings).size).toBe(1586);
  });

  it.each(BACCICHET)('%s: every frame fails its FCS check when checking', async (name, probes) => {
    const { src, sightings, malformedTimes } = await read([capture(name)], { checkFcs: true });
    expect(sightings).toHaveLength(0);
    expect(malformedTimes).toHaveLength(probes);
    expect(src.frameCounts()).toMatchObject({ accepted: 0, badFcs: probes });
  });

  it('accepts every fryza frame with FCS checking on (the ESP32 header carries no FCS)', async () => {
    const { sightings } = await read([capture('fryza_sc6-61_2024-04-18_pos1.pcap')], { checkFcs: true });
    expect(sightings).toHaveLength(24367);
    expect(sightings[0]).toMatchObject({ timeMs: Date.UTC(2024, 3, 18, 13, 9, 41) + 222.989, channel: expect.any(Number) });
    expect(sightings.every((s) => s.rssi < 0 && s.channel >= 2412 && s.channel <= 2472 && s.signature !== 0)).toBe(true);
  });

  it('gives the README hourly distinct-address figures for fryza (UTC hours 13..21)', async () => {
    const { sightings } = await read([capture('fryza_sc6-61_2024-04-18_pos1.pcap')]);
    const perHour = new Map<number, Set<number>>();
    for (const s of sightings) {
      const hour = new Date(s.timeMs).getUTCHours();
      if (!perHour.has(hour)) perHour.set(hour, new Set());
      perHour.get(hour)!.add(s.address);
    }
    expect([...perHour].map(([hour, addresses]) => [hour, addresses.size])).toEqual([
      [13, 456],
      [14, 787],
      [15, 936],
      [16, 977],
      [17, 63],
      [18, 6],
      [19, 6],
      [20, 5],
      [21, 5],
    ]);
  });

  it('continues a stopped replay from its frame count without losing or repeating a frame', async () => {
    const fryza = capture('fryza_sc6-61_2024-04-18_pos1.pcap');
    const whole = await read([fryza]);
    const first = source([fryza]);
    const part1 = collector((_s, count) => {
      if (count === 10_000) void first.stop();
    });
    await first.run(part1.sink);
    const part2 = await read([fryza], { skipFrames: first.stats().frames });
    expect(first.stats().frames).toBe(10_000);
    expect([...part1.sightings, ...part2.sightings]).toEqual(whole.sightings);
  });

  it('paces the fryza capture at 10^6 times capture speed into the same sightings', async () => {
    const fryza = capture('fryza_sc6-61_2024-04-18_pos1.pcap');
    const paced = await read([fryza], { speed: 1e6 });
    expect(paced.sightings).toEqual((await read([fryza])).sightings);
  });

  it('rejects the headerless pcap tail with a one-line error', async () => {
    const target = capture('edge/aircrack_wep_64_ptw_02_headerless.cap');
    await expect(source([target]).run(collector().sink)).rejects.toThrow(`${target}: not a capture file (starts with 0x4f443646)`);
  });

  it('rejects the BLE captures with a one-line error', async () => {
    const boston = path.join(CAPTURES, '../ble/boston_hackrf_adv38_linktype256.pcap');
    await expect(source([boston]).run(collector().sink)).rejects.toThrow(
      `${boston}: link type 256 (BLUETOOTH_LE_LL_WITH_PHDR) is not a Wi-Fi link type; footfall reads 105, 119, 127 and 163`,
    );
    const btsnoop = path.join(CAPTURES, '../ble/csacca_horizon74_btsnoop_hci.log');
    await expect(source([btsnoop]).run(collector().sink)).rejects.toThrow(`${btsnoop}: btsnoop Bluetooth HCI log (datalink 1002, H4) is not a Wi-Fi capture`);
  });

  it('never writes an address into its log, even at debug level', async () => {
    const lines: string[] = [];
    const logger: Logger = createLogger({ level: 'debug', write: (line) => lines.push(line), journald: false });
    const names = ['fryza_sc6-61_2024-04-18_pos1.pcap', 'aircrack_test1_radiotap_mixed.pcap', 'baccichet_labelled/iphone7-f.pcap'];
    const { sightings } = await read(names.map(capture), { logger, checkFcs: false });
    // The same file again with FCS checking: every frame is reported, none delivered.
    await read([capture('baccichet_labelled/iphone7-f.pcap')], { logger, checkFcs: true });
    expect(lines.some((line) => line.includes('failed its FCS check'))).toBe(true);
    const log = lines.join('').toLowerCase();
    for (const address of distinct(sightings)) {
      const hex = address.toString(16).padStart(12, '0');
      expect(log).not.toContain(hex);
      expect(log).not.toContain(hex.match(/../g)!.join(':'));
      expect(log).not.toContain(hex.match(/../g)!.join('-'));
    }
  });
});
