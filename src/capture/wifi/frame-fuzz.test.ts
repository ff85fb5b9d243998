import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { mulberry32, mutateFrame, type Mutations } from '../frame-mutations.fixtures.js';
import { emptySighting, type Sighting } from '../sighting.js';
import { FrameVerdict, parseWifiFrame } from './frame.js';
import * as build from './synthetic-frames.fixtures.js';

const field = build.radiotapField;

const CAPTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/captures/wifi');
const haveCaptures = fs.existsSync(CAPTURES);
const MUTATIONS_PER_LINK_TYPE = 100_000;

/** The frames of a little-endian microsecond pcap file, read without libpcap. */
function pcapFrames(file: string, limit: number): Buffer[] {
  const bytes = fs.readFileSync(path.join(CAPTURES, file));
  expect(bytes.readUInt32LE(0)).toBe(0xa1b2c3d4);
  const frames: Buffer[] = [];
  for (let offset = 24; offset + 16 <= bytes.length && frames.length < limit; ) {
    const length = bytes.readUInt32LE(offset + 8);
    frames.push(bytes.subarray(offset + 16, offset + 16 + length));
    offset += 16 + length;
  }
  return frames;
}

function syntheticBodies(): Buffer[] {
  return [
    build.probeRequest({ address: 0x0200_0000_0001, sequence: 1, elements: build.typicalElements('seed', 6) }),
    build.probeRequest({ address: 0x0200_0000_0002, sequence: 2, elements: [build.element(221), build.element(255, 35, 1, 2, 3)], htControl: true }),
    build.probeRequest({ address: 0x0200_0000_0003, frameControl: 0x80, elements: build.typicalElements('beacon', 1) }),
  ];
}

function seedsFor(linkType: number): Buffer[] {
  const bodies = [...syntheticBodies(), ...(haveCaptures ? pcapFrames('aircrack_n-02_linktype105.cap', 40) : [])];
  switch (linkType) {
    case 105:
      return [...bodies, ...bodies.map(build.withFcs), ...(haveCaptures ? pcapFrames('aircrack_n-02_linktype105.cap', 300) : [])];
    case 119:
      return [
        ...bodies.map((body) => Buffer.concat([build.prismHeader({ channel: 6, signal: -50 }), body])),
        ...bodies.map((body) => Buffer.concat([build.avsHeader({ channel: 6, ssiType: 2, ssiSignal: -50 }), body])),
        ...(haveCaptures ? pcapFrames('aircrack_wpa_prism119.cap', 100) : []),
      ];
    case 127: {
      const headers = [
        build.radiotap([0x828], [field.channel(2412), field.dbmSignal(-40), field.antenna(0)]),
        build.radiotap([0xa000402f, 0x820], [field.tsft(), field.flags(0x10), field.rate(2), field.channel(2437), field.dbmSignal(-60), field.rxFlags(), field.dbmSignal(-61), field.antenna(1)]),
        build.radiotap([0xc0000002, 0x20000007 + 0x80000000, 0x28], [field.flags(0x10), field.vendorNamespace([1, 2, 3]), field.channel(5180), field.dbmSignal(-70)]),
      ];
      return [
        ...headers.flatMap((header) => bodies.map((body) => Buffer.concat([header, build.withFcs(body)]))),
        ...(haveCaptures
          ? [
              ...pcapFrames('fryza_sc6-61_2024-04-18_pos1.pcap', 400),
              ...pcapFrames('aircrack_test1_radiotap_mixed.pcap', 200),
              ...pcapFrames('baccichet_labelled/iphone11-b.pcap', 100),
            ]
          : []),
      ];
    }
    case 163:
      return bodies.map((body) => Buffer.concat([build.avsHeader({ channel: 1, ssiType: 2, ssiSignal: -45 }), body]));
    default:
      throw new Error(`no seeds for link type ${linkType}`);
  }
}

const WIFI_MUTATIONS: Mutations = {
  interestingBytes: [0x00, 0x01, 0x7f, 0x80, 0xff, 0x10, 0x40, 0x50, 0x20, 0xdd],
  // A header length or element length field: small offsets and element-sized values.
  rewriteLength(frame, int) {
    if (frame.length > 3) frame.writeUInt16LE(int(frame.length + 16), int(Math.min(frame.length - 1, 8)));
  },
};

/** A mutated frame, and sometimes an original length beyond it (a frame cut by the snap length). */
function mutate(seed: Buffer, random: () => number): { frame: Buffer; originalLength: number } {
  const frame = mutateFrame(seed, random, WIFI_MUTATIONS);
  const originalLength = random() < 0.2 ? frame.length + 1 + Math.floor(random() * 200) : frame.length;
  return { frame, originalLength };
}

function isPlausible(out: Sighting): boolean {
  return (
    Number.isInteger(out.address) &&
    out.address >= 0 &&
    out.address < 2 ** 48 &&
    Number.isInteger(out.sequence) &&
    out.sequence >= 0 &&
    out.sequence < 4096 &&
    Number.isInteger(out.signature) &&
    out.signature >= 0 &&
    out.signature < 2 ** 32 &&
    (Number.isNaN(out.rssi) || (Number.isInteger(out.rssi) && out.rssi >= -128 && out.rssi <= 127)) &&
    Number.isInteger(out.channel) &&
    out.channel >= 0 &&
    out.channel < 65536
  );
}

describe.each([105, 119, 127, 163])(
  `parseWifiFrame fuzz, link type %i (${haveCaptures ? 'seeded from the shared captures' : 'hand-built seeds only: the shared captures are absent'})`,
  (linkType) => {
    it(`gives exactly one verdict to each of ${MUTATIONS_PER_LINK_TYPE} mutated and truncated frames and never throws`, () => {
      const seeds = seedsFor(linkType);
      const random = mulberry32(linkType * 7919);
      const pcapBuffer = Buffer.alloc(65535);
      const inPcapBuffer = emptySighting('wifi');
      const exact = emptySighting('wifi');
      const batchStart = 52;
      const batchBuffer = Buffer.alloc(batchStart + 65535);
      const inBatch = emptySighting('wifi');
      const verdicts = [0, 0, 0, 0];
      let thrown = 0;
      let dependsOnTrailingBytes = 0;
      let implausible = 0;

      for (let i = 0; i < MUTATIONS_PER_LINK_TYPE; i++) {
        const { frame, originalLength } = mutate(seeds[i % seeds.length]!, random);
        const options = { checkFcs: random() < 0.5 };
        // In libpcap's reused buffer, after stale bytes of earlier frames...
        pcapBuffer.fill(0xa5, frame.length, frame.length + 64);
        frame.copy(pcapBuffer);
        // ...in a batch, between other bytes...
        batchBuffer.fill(0x5a, 0, batchStart);
        batchBuffer.fill(0xa5, batchStart + frame.length, batchStart + frame.length + 64);
        frame.copy(batchBuffer, batchStart);
        // ...and alone in a buffer of its exact size, where reading past the end would throw.
        try {
          const verdict = parseWifiFrame(linkType, pcapBuffer, 0, frame.length, inPcapBuffer, options, originalLength);
          const batchVerdict = parseWifiFrame(linkType, batchBuffer, batchStart, frame.length, inBatch, options, originalLength);
          const exactVerdict = parseWifiFrame(linkType, Buffer.from(frame), 0, frame.length, exact, options, originalLength);
          verdicts[verdict] = verdicts[verdict]! + 1;
          if (verdict !== exactVerdict || batchVerdict !== exactVerdict) dependsOnTrailingBytes++;
          else if (verdict === FrameVerdict.Accepted) {
            if (!isPlausible(exact)) implausible++;
            for (const placed of [inPcapBuffer, inBatch]) {
              if (exact.address !== placed.address || exact.signature !== placed.signature) dependsOnTrailingBytes++;
            }
          }
        } catch {
          thrown++;
        }
      }

      expect(thrown).toBe(0);
      expect(dependsOnTrailingBytes).toBe(0);
      expect(implausible).toBe(0);
      expect(verdicts.reduce((a, b) => a + b, 0)).toBe(MUTATIONS_PER_LINK_TYPE);
      // The corpus reaches the interesting outcomes, not only "malformed".
      expect(verdicts[FrameVerdict.Accepted]).toBeGreaterThan(0);
      expect(verdicts[FrameVerdict.Ignored]).toBeGreaterThan(0);
      expect(verdicts[FrameVerdict.Malformed]).toBeGreaterThan(0);
      if (linkType === 127) expect(verdicts[FrameVerdict.BadFcs]).toBeGreaterThan(0);
    });
  },
);
