import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fileSink, MemorySink, PcapngWriter, PcapWriter } from './pcap-writer.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-pcap-writer-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const TIME_MS = Date.UTC(2026, 10, 23, 12) + 0.25; // 250 µs past the second

function packet(length: number, fill: number): Uint8Array {
  return new Uint8Array(length).fill(fill);
}

describe('PcapWriter', () => {
  it('writes a little-endian microsecond header and records', () => {
    const sink = new MemorySink();
    const writer = new PcapWriter(sink, { linkType: 127, snapLength: 40 });
    writer.write(TIME_MS, packet(30, 0xaa));
    writer.write(TIME_MS + 1000, packet(100, 0xbb));
    writer.close();
    const bytes = sink.bytes();
    expect(bytes.readUInt32LE(0)).toBe(0xa1b2c3d4);
    expect([bytes.readUInt16LE(4), bytes.readUInt16LE(6)]).toEqual([2, 4]);
    expect(bytes.readUInt32LE(16)).toBe(40);
    expect(bytes.readUInt32LE(20)).toBe(127);
    expect(bytes.readUInt32LE(24)).toBe(Math.floor(TIME_MS / 1000));
    expect(bytes.readUInt32LE(28)).toBe(250);
    expect([bytes.readUInt32LE(32), bytes.readUInt32LE(36)]).toEqual([30, 30]);
    const second = 24 + 16 + 30;
    expect(bytes.readUInt32LE(second)).toBe(Math.floor(TIME_MS / 1000) + 1);
    expect([bytes.readUInt32LE(second + 8), bytes.readUInt32LE(second + 12)]).toEqual([40, 100]); // cut to the snap length
    expect(bytes.length).toBe(second + 16 + 40);
  });

  it('keeps every record intact across its output chunks', () => {
    const sink = new MemorySink();
    const writer = new PcapWriter(sink, { linkType: 105 });
    const count = 30_000; // 30,000 × 216 bytes: several 4 MiB chunks
    for (let i = 0; i < count; i++) writer.write(TIME_MS + i, packet(200, i & 0xff));
    writer.close();
    const bytes = sink.bytes();
    expect(bytes.length).toBe(24 + count * 216);
    for (const i of [0, 19_417, 19_418, count - 1]) {
      const at = 24 + i * 216;
      expect(bytes.readUInt32LE(at + 8)).toBe(200);
      expect(bytes[at + 16]).toBe(i & 0xff);
      expect(bytes[at + 215]).toBe(i & 0xff);
    }
  });

  it('writes the same bytes to a file', () => {
    const file = path.join(dir, 'same.pcap');
    const memory = new MemorySink();
    for (const writer of [new PcapWriter(memory, { linkType: 127 }), new PcapWriter(fileSink(file), { linkType: 127 })]) {
      writer.write(TIME_MS, packet(64, 1));
      writer.close();
    }
    expect(fs.readFileSync(file)).toEqual(memory.bytes());
  });
});

describe('PcapngWriter', () => {
  it('writes a section header, interface descriptions and padded enhanced packet blocks', () => {
    const sink = new MemorySink();
    const writer = new PcapngWriter(sink);
    expect(writer.addInterface(127)).toBe(0);
    expect(writer.addInterface(105, 16)).toBe(1);
    writer.write(0, TIME_MS, packet(13, 0xcc));
    writer.write(1, TIME_MS, packet(30, 0xdd));
    expect(() => writer.write(2, TIME_MS, packet(1, 0))).toThrow(RangeError);
    writer.close();
    const bytes = sink.bytes();

    const blocks: { type: number; at: number; length: number }[] = [];
    for (let at = 0; at < bytes.length; ) {
      const length = bytes.readUInt32LE(at + 4);
      expect(length % 4).toBe(0);
      expect(bytes.readUInt32LE(at + length - 4)).toBe(length);
      blocks.push({ type: bytes.readUInt32LE(at), at, length });
      at += length;
    }
    expect(blocks.map((b) => b.type)).toEqual([0x0a0d0d0a, 1, 1, 6, 6]);
    expect(bytes.readUInt32LE(8)).toBe(0x1a2b3c4d);
    expect(bytes.readUInt16LE(blocks[1]!.at + 8)).toBe(127);
    expect(bytes.readUInt32LE(blocks[2]!.at + 12)).toBe(16);

    const [first, second] = [blocks[3]!, blocks[4]!];
    const micros = bytes.readUInt32LE(first.at + 12) * 2 ** 32 + bytes.readUInt32LE(first.at + 16);
    expect(micros).toBe(Math.round(TIME_MS * 1000));
    expect([bytes.readUInt32LE(first.at + 20), bytes.readUInt32LE(first.at + 24)]).toEqual([13, 13]);
    expect(first.length).toBe(32 + 16); // 13 bytes padded to 16
    expect(bytes.readUInt32LE(second.at + 8)).toBe(1);
    expect([bytes.readUInt32LE(second.at + 20), bytes.readUInt32LE(second.at + 24)]).toEqual([16, 30]);
  });
});
