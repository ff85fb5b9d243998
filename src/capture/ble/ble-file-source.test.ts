import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger, silentLogger, type Logger } from '../../log/logger.js';
import { advertisingPdu, btleRfFrame, h4WithPhdr, hciCommand, leAdvertisingReport, linkLayerPacket, nordicBleFrame, PDU_TYPE } from '../../sim/ble-frames.js';
import { BtsnoopWriter, MemorySink } from '../../sim/pcap-writer.js';
import { CaptureFileError } from '../capture-file.js';
import type { SightingSink } from '../sighting.js';
import { heardFields, type HeardFields } from '../sighting.fixtures.js';
import { pcapFile, pcapngFile, tempCaptureDir } from '../wifi/synthetic-frames.fixtures.js';
import { BleFileSource } from './ble-file-source.js';

const CAPTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/captures/ble');
const haveCaptures = fs.existsSync(CAPTURES);

const temp = tempCaptureDir('footfall-ble-source-');
afterAll(() => temp.remove());

const T0 = Date.UTC(2026, 10, 22, 10, 0, 0);
const A = 0x5a_00_00_00_00_01;
const B = 0xc3_00_00_00_00_02;

function collector(onSighting?: (count: number) => void) {
  const sightings: HeardFields[] = [];
  const malformedTimes: number[] = [];
  const sink: SightingSink = {
    onSighting(sighting) {
      expect(sighting.source).toBe('ble');
      sightings.push(heardFields(sighting));
      onSighting?.(sightings.length);
    },
    onMalformed(source, timeMs) {
      expect(source).toBe('ble');
      malformedTimes.push(timeMs);
    },
  };
  return { sightings, malformedTimes, sink };
}

async function read(paths: string[], options: { skipFrames?: number; speed?: number; logger?: Logger } = {}) {
  const src = new BleFileSource({ paths, logger: silentLogger, ...options });
  const collected = collector();
  await src.run(collected.sink);
  return { src, ...collected };
}

const adv = (address: number, type: number = PDU_TYPE.ADV_IND) => linkLayerPacket(advertisingPdu({ type, txRandom: true, address, data: Buffer.from([2, 1, 6]) }));
const scanReq = linkLayerPacket(advertisingPdu({ type: PDU_TYPE.SCAN_REQ, txRandom: true, address: B, secondAddress: A }));
const report = (address: number) => leAdvertisingReport([{ eventType: 0, addressType: 1, address, rssi: -61 }]);

describe('BleFileSource on synthetic captures', () => {
  it('reads link-layer captures (251, 256, 272): advertisers counted, other PDUs ignored, bad CRCs reported', async () => {
    const bad = adv(B);
    bad[10]! ^= 1;
    const frames = {
      251: [adv(A), scanReq, bad, adv(B, PDU_TYPE.SCAN_RSP)],
      256: [adv(A), scanReq, bad, adv(B, PDU_TYPE.SCAN_RSP)].map((p) => btleRfFrame({ rfChannel: 12, signalDbm: -70 }, p)),
      272: [adv(A), scanReq, bad, adv(B, PDU_TYPE.SCAN_RSP)].map((p, i) => nordicBleFrame({ channel: 38, rssi: -70, crcOk: i !== 2 }, p)),
    };
    for (const [linkType, packets] of Object.entries(frames)) {
      const file = temp.write(pcapFile(Number(linkType), packets.map((data, i) => ({ timeMs: T0 + i, data }))));
      const { src, sightings, malformedTimes } = await read([file]);
      expect(sightings.map((s) => [s.timeMs, s.address, s.addressType]), `link type ${linkType}`).toEqual([
        [T0, A, 1],
        [T0 + 3, B, 1],
      ]);
      expect(malformedTimes).toEqual([T0 + 2]);
      expect(src.frameCounts()).toEqual({ accepted: 2, ignored: 1, malformed: 0, badCrc: 1, skipped: 0 });
      expect(src.stats()).toEqual({ frames: 4, dropped: 0 });
    }
  });

  it('reads HCI captures (201, 187, pcapng) and btsnoop logs: one sighting per report from the controller', async () => {
    const events = [hciCommand(0x200c, Buffer.from([1, 0])), report(A), leAdvertisingReport([{ eventType: 3, addressType: 0, address: B, rssi: -80 }, { eventType: 0, addressType: 1, address: A, rssi: -62 }])];
    const sink = new MemorySink();
    const writer = new BtsnoopWriter(sink, 1002);
    events.forEach((packet, i) => writer.write(T0 + i, i === 0 ? 2 : 3, packet));
    writer.close();
    const files = [
      temp.write(pcapFile(201, events.map((packet, i) => ({ timeMs: T0 + i, data: h4WithPhdr(i > 0, packet) })))),
      temp.write(pcapngFile(201, events.map((packet, i) => ({ timeMs: T0 + i, data: h4WithPhdr(i > 0, packet) }))), 'hci.pcapng'),
      temp.write(pcapFile(187, events.map((packet, i) => ({ timeMs: T0 + i, data: packet })))),
      temp.write(sink.bytes(), 'btsnoop_hci.log'),
    ];
    for (const file of files) {
      const { src, sightings } = await read([file]);
      expect(sightings.map((s) => [s.timeMs, s.address, s.addressType, s.rssi]), file).toEqual([
        [T0 + 1, A, 1, -61],
        [T0 + 2, B, 0, -80],
        [T0 + 2, A, 1, -62],
      ]);
      expect(src.frameCounts()).toEqual({ accepted: 2, ignored: 1, malformed: 0, badCrc: 0, skipped: 0 });
    }
  });

  it('reads files in order as one stream, passes over skipFrames, and paces alike', async () => {
    const first = temp.write(pcapFile(251, [adv(1), scanReq, adv(2)].map((data, i) => ({ timeMs: T0 + i * 10, data }))));
    const second = temp.write(pcapFile(251, [adv(3), adv(4)].map((data, i) => ({ timeMs: T0 + 30 + i * 10, data }))));
    const whole = await read([first, second]);
    expect(whole.sightings.map((s) => s.address)).toEqual([1, 2, 3, 4]);
    expect(whole.src.description).toBe(`2 BLE capture files (${first} ... ${second})`);
    const resumed = await read([first, second], { skipFrames: 3 });
    expect(resumed.sightings.map((s) => s.address)).toEqual([3, 4]);
    expect(resumed.src.stats().frames).toBe(5);
    const paced = await read([first, second], { speed: 100, skipFrames: 1 });
    expect(paced.sightings).toEqual(whole.sightings.slice(1));
  });

  it.each([
    ['a Wi-Fi capture', () => temp.write(pcapFile(127, [])), 'link type 127 (IEEE802_11_RADIOTAP) is not a BLE capture; footfall reads BLE link types 187, 201, 251, 256 and 272, and btsnoop HCI logs (datalinks 1001 and 1002)'],
    ['a btsnoop log of another datalink', () => temp.write(Buffer.concat([Buffer.from('btsnoop\0', 'latin1'), Buffer.from([0, 0, 0, 1, 0, 0, 0x03, 0xec])])), 'btsnoop Bluetooth HCI log (datalink 1004, H5) is not a BLE capture; footfall reads BLE link types 187, 201, 251, 256 and 272, and btsnoop HCI logs (datalinks 1001 and 1002)'],
    ['a btsnoop log of another version', () => temp.write(Buffer.concat([Buffer.from('btsnoop\0', 'latin1'), Buffer.from([0, 0, 0, 2, 0, 0, 0x03, 0xea])])), 'btsnoop version 2 (footfall reads version 1)'],
  ])('rejects %s with a one-line CaptureFileError', async (_what, make, suffix) => {
    const file = make();
    const error = await new BleFileSource({ paths: [file], logger: silentLogger }).run(collector().sink).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CaptureFileError);
    expect(error).toMatchObject({ message: `${file}: ${suffix}`, exitCode: 65 });
  });
});

/** Captures README, section 3, and what ../shared/tools/ble-window-oracle prints for them. */
const README_FIGURES: ReadonlyArray<[file: string, reports: number, addresses: number, random: number]> = [
  ['boston_hackrf_adv38_linktype256.pcap', 5783, 21, 21],
  ['boston_hackrf_all_adv_linktype256.pcapng', 2424, 18, 18],
  ['csacca_horizon74_btsnoop_hci.log', 412, 36, 23],
];

describe.skipIf(!haveCaptures)('BleFileSource on the real captures (needs the shared captures)', () => {
  it.each(README_FIGURES)('%s: %i reports from %i addresses (%i random), as tshark counts', async (name, reports, addresses, random) => {
    const { sightings } = await read([path.join(CAPTURES, name)]);
    expect(sightings).toHaveLength(reports);
    const types = new Map(sightings.map((s) => [s.address, s.addressType]));
    expect(types.size).toBe(addresses);
    expect([...types.values()].filter((t) => t === 1)).toHaveLength(random);
  });

  it('never writes an address into its log, even at debug level', async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', write: (line) => lines.push(line), journald: false });
    const { sightings } = await read(README_FIGURES.map(([name]) => path.join(CAPTURES, name)), { logger });
    expect(lines.some((line) => line.includes('capture file read') && line.includes('bad_crc='))).toBe(true);
    const log = lines.join('').toLowerCase();
    for (const address of new Set(sightings.map((s) => s.address))) {
      const hex = address.toString(16).padStart(12, '0');
      const reversed = hex.match(/../g)!.reverse();
      for (const form of [hex, hex.match(/../g)!.join(':'), reversed.join(''), reversed.join(':')]) expect(log).not.toContain(form);
    }
  });
});
