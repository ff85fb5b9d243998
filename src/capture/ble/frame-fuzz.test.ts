import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { generateBleCapture, type BleCaptureOptions } from '../../sim/generate-ble.js';
import { leDirectedAdvertisingReport, leExtendedAdvertisingReport } from '../../sim/ble-frames.js';
import { mulberry32, mutateFrame, type Mutations } from '../frame-mutations.fixtures.js';
import { SNAP_LENGTH } from '../packet-reader.js';
import { PcapBatchReader } from '../pcap-batch-reader.js';
import { emptySighting, type Sighting } from '../sighting.js';
import { BleVerdict, LINKTYPE_BLUETOOTH_HCI_H4, LINKTYPE_BLUETOOTH_HCI_H4_WITH_PHDR, LINKTYPE_BLUETOOTH_LE_LL, LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR, LINKTYPE_NORDIC_BLE, parseBleFrame } from './ble-frame.js';
import { BtsnoopReader } from './btsnoop-reader.js';

const CAPTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/captures/ble');
const haveCaptures = fs.existsSync(CAPTURES);
const MUTATIONS_PER_LINK_TYPE = 100_000;
const SEEDS_PER_FILE = 600;

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-ble-fuzz-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** The first frames of a capture, as the file sources read them (btsnoop records as link type 201). */
function framesOf(file: string): Buffer[] {
  const frames: Buffer[] = [];
  const reader = file.endsWith('.btsnoop') || file.endsWith('.log') ? new BtsnoopReader(file, () => {}) : new PcapBatchReader(file, '', SNAP_LENGTH);
  try {
    for (let batch = reader.read(); batch !== null && frames.length < SEEDS_PER_FILE; batch = reader.read()) {
      while (frames.length < SEEDS_PER_FILE && batch.next()) frames.push(Buffer.from(batch.bytes.subarray(batch.start, batch.start + batch.capturedLength)));
    }
  } finally {
    reader.close();
  }
  return frames;
}

/** A few minutes of the simulated store in one format. */
async function generated(options: Pick<BleCaptureOptions, 'format' | 'linkType' | 'corruptShare'>): Promise<Buffer[]> {
  const file = path.join(scratch, `${options.format}-${options.linkType}.${options.format}`);
  await generateBleCapture({ seed: 'fuzz', startMs: Date.UTC(2026, 10, 23, 12), hours: 0.05, ...options, path: file });
  return framesOf(file);
}

async function seedsFor(linkType: number): Promise<Buffer[]> {
  const real = (name: string) => (haveCaptures ? framesOf(path.join(CAPTURES, name)) : []);
  switch (linkType) {
    case LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR:
      return [...(await generated({ format: 'pcap', linkType: 256, corruptShare: 0.1 })), ...real('boston_hackrf_adv38_linktype256.pcap'), ...real('boston_hackrf_all_adv_linktype256.pcapng')];
    case LINKTYPE_BLUETOOTH_LE_LL:
      return [...(await generated({ format: 'pcap', linkType: 251 })), ...real('boston_hackrf_adv38_linktype256.pcap').map((frame) => frame.subarray(10))];
    case LINKTYPE_NORDIC_BLE:
      return generated({ format: 'pcap', linkType: 272, corruptShare: 0.1 });
    case LINKTYPE_BLUETOOTH_HCI_H4_WITH_PHDR: {
      const directed = leDirectedAdvertisingReport([{ eventType: 1, addressType: 1, address: 0x4a_00_00_00_00_01, rssi: -50, directAddress: 0x4b_00_00_00_00_02 }]);
      const extended = leExtendedAdvertisingReport([{ eventType: 0x13, addressType: 0, address: 1, rssi: -60, data: Buffer.from([2, 1, 6]) }, { eventType: 0, addressType: 0xff, address: 0, rssi: 127 }]);
      return [
        ...(await generated({ format: 'pcap', linkType: 201 })),
        ...(await generated({ format: 'btsnoop', linkType: 1002 })),
        ...real('csacca_horizon74_btsnoop_hci.log'),
        ...[directed, extended].map((h4) => Buffer.concat([Buffer.from([0, 0, 0, 1]), h4])),
      ];
    }
    case LINKTYPE_BLUETOOTH_HCI_H4:
      return (await seedsFor(LINKTYPE_BLUETOOTH_HCI_H4_WITH_PHDR)).map((frame) => frame.subarray(4));
    default:
      throw new Error(`no seeds for link type ${linkType}`);
  }
}

const BLE_MUTATIONS: Mutations = {
  interestingBytes: [0x00, 0x01, 0x02, 0x03, 0x04, 0x0b, 0x0d, 0x3e, 0x7f, 0x80, 0xbe, 0xef, 0xff],
  // A length byte (the PDU's, the event's, a report's data, the Nordic header's) near what is left.
  rewriteLength(frame, int) {
    if (frame.length === 0) return;
    const at = int(Math.min(frame.length, 32));
    frame[at] = frame.length - at + int(9) - 4;
  },
};

function isPlausible(s: Sighting): boolean {
  return (
    s.source === 'ble' &&
    Number.isInteger(s.address) &&
    s.address >= 0 &&
    s.address < 2 ** 48 &&
    (s.addressType === 0 || s.addressType === 1) &&
    (Number.isNaN(s.rssi) || (Number.isInteger(s.rssi) && s.rssi >= -255 && s.rssi <= 127)) &&
    [0, 37, 38, 39].includes(s.channel) &&
    s.sequence === -1 &&
    Number.isInteger(s.signature) &&
    s.signature >= 0 &&
    s.signature < 2 ** 32
  );
}

const LINK_TYPES = [LINKTYPE_BLUETOOTH_HCI_H4, LINKTYPE_BLUETOOTH_HCI_H4_WITH_PHDR, LINKTYPE_BLUETOOTH_LE_LL, LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR, LINKTYPE_NORDIC_BLE];

describe.each(LINK_TYPES)(
  `parseBleFrame fuzz, link type %i (${haveCaptures ? 'seeded from generated and shared captures' : 'generated seeds only: the shared captures are absent'})`,
  (linkType) => {
    it(`gives exactly one verdict to each of ${MUTATIONS_PER_LINK_TYPE} mutated and truncated frames, emits only for Accepted, and never throws`, async () => {
      const seeds = await seedsFor(linkType);
      expect(seeds.length).toBeGreaterThan(100);
      const random = mulberry32(linkType * 7919);
      const pcapBuffer = Buffer.alloc(65535);
      const inPcapBuffer = emptySighting('ble');
      const exact = emptySighting('ble');
      const verdicts = [0, 0, 0, 0];
      let thrown = 0;
      let dependsOnTrailingBytes = 0;
      let emittedWithoutAcceptance = 0;
      let implausible = 0;
      let sightings = 0;

      for (let i = 0; i < MUTATIONS_PER_LINK_TYPE; i++) {
        const frame = mutateFrame(seeds[i % seeds.length]!, random, BLE_MUTATIONS);
        // In a reader's reused buffer, after stale bytes of earlier frames...
        pcapBuffer.fill(0xa5, frame.length, frame.length + 64);
        frame.copy(pcapBuffer);
        const fromPcapBuffer: Sighting[] = [];
        const fromExact: Sighting[] = [];
        // ...and alone in a buffer of its exact size, where reading past the end would throw.
        try {
          const verdict = parseBleFrame(linkType, pcapBuffer, 0, frame.length, inPcapBuffer, (s) => fromPcapBuffer.push({ ...s }));
          const exactVerdict = parseBleFrame(linkType, Buffer.from(frame), 0, frame.length, exact, (s) => fromExact.push({ ...s }));
          verdicts[verdict] = verdicts[verdict]! + 1;
          if (verdict !== exactVerdict || JSON.stringify(fromPcapBuffer) !== JSON.stringify(fromExact)) dependsOnTrailingBytes++;
          if ((verdict === BleVerdict.Accepted) !== fromExact.length > 0) emittedWithoutAcceptance++;
          implausible += fromExact.filter((s) => !isPlausible({ ...s, source: 'ble' })).length;
          sightings += fromExact.length;
        } catch {
          thrown++;
        }
      }

      expect(thrown).toBe(0);
      expect(dependsOnTrailingBytes).toBe(0);
      expect(emittedWithoutAcceptance).toBe(0);
      expect(implausible).toBe(0);
      expect(verdicts.reduce((a, b) => a + b, 0)).toBe(MUTATIONS_PER_LINK_TYPE);
      // The corpus reaches the interesting outcomes, not only "malformed".
      expect(sightings).toBeGreaterThanOrEqual(verdicts[BleVerdict.Accepted]!);
      expect(verdicts[BleVerdict.Accepted]).toBeGreaterThan(0);
      expect(verdicts[BleVerdict.Ignored]).toBeGreaterThan(0);
      expect(verdicts[BleVerdict.Malformed]).toBeGreaterThan(0);
      if (linkType !== LINKTYPE_BLUETOOTH_HCI_H4 && linkType !== LINKTYPE_BLUETOOTH_HCI_H4_WITH_PHDR) expect(verdicts[BleVerdict.BadCrc]).toBeGreaterThan(0);
    });
  },
);
