import { describe, expect, it } from 'vitest';
import { crc32 } from '../capture/wifi/fcs.js';
import { channelNumber } from './elements.js';
import { avsFrame, ieee80211Frame, prismFrame, radiotapFrame, type Probe } from './frames.js';
import { PROFILES } from './profiles.js';
import { Random } from './random.js';

const ADDRESS = 0x02_12_34_56_78_9a;

function probe(overrides: Partial<Probe> = {}): Probe {
  return {
    timeMs: Date.UTC(2026, 10, 23, 12) + 0.123,
    address: ADDRESS,
    sequence: 0xabc,
    rssi: -63,
    channelMhz: 2437,
    ssid: '',
    elements: PROFILES.find((p) => p.name === 'iphone-ios-16')!.elements(new Random(1)),
    ...overrides,
  };
}

/** The element ids of a probe request body, checking that the elements fill it exactly. */
function elementIds(frame: Uint8Array, from = 24): number[] {
  const ids: number[] = [];
  let at = from;
  while (at < frame.length) {
    ids.push(frame[at]!);
    at += 2 + frame[at + 1]!;
  }
  expect(at).toBe(frame.length);
  return ids;
}

const u32le = (b: Uint8Array, at: number) => new DataView(b.buffer, b.byteOffset).getUint32(at, true);
const u16le = (b: Uint8Array, at: number) => new DataView(b.buffer, b.byteOffset).getUint16(at, true);

describe('probe request', () => {
  it('has a management header from the device to broadcast, with the sequence number', () => {
    const frame = ieee80211Frame(probe());
    expect([...frame.subarray(0, 4)]).toEqual([0x40, 0x00, 0x00, 0x00]);
    expect([...frame.subarray(4, 10)]).toEqual(Array(6).fill(0xff));
    expect([...frame.subarray(10, 16)]).toEqual([0x02, 0x12, 0x34, 0x56, 0x78, 0x9a]);
    expect([...frame.subarray(16, 22)]).toEqual(Array(6).fill(0xff));
    expect(u16le(frame, 22)).toBe(0xabc << 4);
  });

  it('carries a wildcard or named SSID, then the model elements with the channel in the DS set', () => {
    const wildcard = ieee80211Frame(probe());
    expect([...wildcard.subarray(24, 26)]).toEqual([0, 0]);
    expect(elementIds(wildcard)).toEqual([0, 1, 50, 3, 45, 127, 255]);
    const ds = wildcard.indexOf(3, 26);
    expect([...wildcard.subarray(ds, ds + 3)]).toEqual([3, 1, 6]);

    const named = ieee80211Frame(probe({ ssid: 'home-1a2b', channelMhz: 2462 }));
    expect(named[25]).toBe(9);
    expect(Buffer.from(named.subarray(26, 35)).toString()).toBe('home-1a2b');
    expect(named.length - wildcard.length).toBe(9);
    expect(named[named.indexOf(3, 35) + 2]).toBe(11);
  });

  it.each(PROFILES.map((p) => [p.name, p] as const))('encodes well-formed elements for %s', (_name, profile) => {
    const frame = ieee80211Frame(probe({ elements: profile.elements(new Random(2)) }));
    expect(elementIds(frame).slice(0, 2)).toEqual([0, 1]);
  });

  it('numbers channels from their frequencies', () => {
    expect([2412, 2437, 2462, 2484, 5180].map(channelNumber)).toEqual([1, 6, 11, 14, 36]);
    expect(() => channelNumber(2000)).toThrow(RangeError);
  });
});

describe('radiotap layouts', () => {
  const plain = ieee80211Frame(probe());

  it('writes the 14-byte ESP32 header: channel, dBm signal, antenna, no Flags', () => {
    const packet = radiotapFrame(probe(), 'esp32');
    expect(u16le(packet, 2)).toBe(14);
    expect(u32le(packet, 4)).toBe(0x00000828);
    expect(u16le(packet, 8)).toBe(2437);
    expect(new Int8Array(packet.buffer, packet.byteOffset + 12, 1)[0]).toBe(-63);
    expect(packet.subarray(14)).toEqual(plain);
  });

  it('writes the 15-byte header with Flags 0x10 and appends a correct FCS', () => {
    const packet = radiotapFrame(probe(), 'fcs');
    expect(u16le(packet, 2)).toBe(15);
    expect(u32le(packet, 4)).toBe(0x0000002e);
    expect(packet[8]).toBe(0x10);
    expect(packet.subarray(15, packet.length - 4)).toEqual(plain);
    expect(u32le(packet, packet.length - 4)).toBe(crc32(plain, 0, plain.length));
    expect(crc32(Buffer.from('123456789'), 0, 9)).toBe(0xcbf43926); // the CRC-32 check value
  });

  it('writes the 56-byte multi-antenna header: chained present words, aligned TSFT, vendor data', () => {
    const packet = radiotapFrame(probe(), 'multi-antenna');
    expect(u16le(packet, 2)).toBe(56);
    expect([4, 8, 12, 16].map((at) => u32le(packet, at))).toEqual([0xa000402f, 0xa0000820, 0xc0000820, 0x00000001]);
    const tsft = u32le(packet, 24) + u32le(packet, 28) * 2 ** 32;
    expect(tsft).toBe(Math.round(probe().timeMs * 1000));
    expect(u16le(packet, 34)).toBe(2437);
    expect(u16le(packet, 50)).toBe(56 - 52); // skip_length covers exactly the vendor data
    expect(packet.subarray(56)).toEqual(plain);
  });
});

describe('legacy headers', () => {
  const plain = ieee80211Frame(probe());

  it('writes a 144-byte little-endian Prism header of ten supplied items', () => {
    const packet = prismFrame(probe());
    expect(u32le(packet, 0)).toBe(0x44);
    expect(u32le(packet, 4)).toBe(144);
    for (let i = 0; i < 10; i++) {
      expect(u32le(packet, 24 + 12 * i)).toBe(0x44 | ((i + 1) << 16));
      expect(u16le(packet, 24 + 12 * i + 6)).toBe(4);
    }
    expect(u32le(packet, 24 + 12 * 2 + 8)).toBe(6); // channel
    expect(u32le(packet, 24 + 12 * 5 + 8) | 0).toBe(-63); // signal
    expect(u32le(packet, 24 + 12 * 9 + 8)).toBe(plain.length); // frame length
    expect(packet.subarray(144)).toEqual(plain);
  });

  it('writes an 80-byte big-endian AVS v2 header', () => {
    const packet = avsFrame(probe());
    const view = new DataView(packet.buffer, packet.byteOffset);
    expect(view.getUint32(0)).toBe(0x80211002);
    expect(view.getUint32(4)).toBe(80);
    expect(Number(view.getBigUint64(8))).toBe(Math.round(probe().timeMs * 1000));
    expect(view.getUint32(28)).toBe(2437);
    expect(view.getUint32(44)).toBe(2); // signal in dBm
    expect(view.getInt32(48)).toBe(-63);
    expect(packet.subarray(80)).toEqual(plain);
  });
});
