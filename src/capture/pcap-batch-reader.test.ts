import { afterAll, describe, expect, it } from 'vitest';
import { SNAP_LENGTH, type PacketBatch } from './packet-reader.js';
import { libpcapVersion, PcapBatchReader } from './pcap-batch-reader.js';
import { pcapFile, pcapngFile, probeRequest, tempCaptureDir, type CapturedFrame } from './wifi/synthetic-frames.fixtures.js';

const temp = tempCaptureDir('footfall-batch-reader-');
afterAll(() => temp.remove());

const T0 = Date.UTC(2026, 10, 22, 10, 0, 0);
/** Probe requests and beacons of growing length (odd ones too, so records need padding), 1.25 ms apart. */
const frames: CapturedFrame[] = Array.from({ length: 40 }, (_, i) => ({
  timeMs: T0 + i * 1.25,
  data: Buffer.concat([probeRequest({ address: 0x02_00_00_00_00_00 + i, frameControl: i % 3 === 0 ? 0x80 : 0x40 }), Buffer.alloc(i, i)]),
}));

interface Read {
  timeMs: number;
  data: Buffer;
  originalLength: number;
}

function readAll(path: string, filter = '', snapLength = SNAP_LENGTH, batchBytes?: number): { linkType: number; packets: Read[]; reads: number } {
  const reader = new PcapBatchReader(path, filter, snapLength, batchBytes);
  const packets: Read[] = [];
  let reads = 0;
  try {
    let batch: PacketBatch | null;
    while ((batch = reader.read()) !== null) {
      reads++;
      while (batch.next()) {
        packets.push({
          timeMs: batch.timeMs,
          data: Buffer.from(batch.bytes.subarray(batch.start, batch.start + batch.capturedLength)),
          originalLength: batch.originalLength,
        });
      }
    }
  } finally {
    reader.close();
  }
  return { linkType: reader.linkType, packets, reads };
}

const expected = (list: readonly CapturedFrame[]) => list.map((f) => ({ timeMs: f.timeMs, data: f.data, originalLength: f.data.length }));

describe('PcapBatchReader', () => {
  it('reads every packet of pcap and pcapng files, with its time, bytes and length', () => {
    for (const bytes of [pcapFile(105, frames), pcapFile(105, frames, { bigEndian: true, nanoseconds: true }), pcapngFile(105, frames)]) {
      const { linkType, packets, reads } = readAll(temp.write(bytes));
      expect(linkType).toBe(105);
      expect(packets).toEqual(expected(frames));
      expect(reads).toBe(1);
    }
  });

  it('carries a packet that does not fit over to the next read', () => {
    const path = temp.write(pcapFile(105, frames));
    // Room for one record of the snap length, so for two or three of these packets.
    const { packets, reads } = readAll(path, '', 100, 16 + 100);
    expect(packets).toEqual(expected(frames));
    expect(reads).toBeGreaterThan(10);
  });

  it('applies the BPF filter', () => {
    const path = temp.write(pcapFile(105, frames));
    expect(readAll(path, 'type mgt subtype probe-req').packets).toEqual(expected(frames.filter((_, i) => i % 3 !== 0)));
  });

  it('cuts packets at the snap length and keeps their length on the air', () => {
    const path = temp.write(pcapFile(105, frames));
    const { packets } = readAll(path, '', 30);
    expect(packets).toEqual(frames.map((f) => ({ timeMs: f.timeMs, data: f.data.subarray(0, 30), originalLength: f.data.length })));
  });

  it("throws libpcap's message for a file it cannot read and a filter that does not compile", () => {
    expect(() => new PcapBatchReader(temp.write(Buffer.from('not a capture file at all')), '', SNAP_LENGTH)).toThrow(/unknown file format/);
    expect(() => new PcapBatchReader('/nonexistent/footfall.pcap', '', SNAP_LENGTH)).toThrow(/No such file/);
    expect(() => new PcapBatchReader(temp.write(pcapFile(1, frames)), 'type mgt subtype probe-req', SNAP_LENGTH)).toThrow(/802\.11/);
    expect(() => new PcapBatchReader(temp.write(pcapFile(105, frames)), 'type mgt subtype', SNAP_LENGTH)).toThrow(/syntax error/);
  });

  it('hands over the packets before a break in the file, then throws where it breaks off', () => {
    const bytes = pcapFile(105, frames.slice(0, 3));
    const reader = new PcapBatchReader(temp.write(bytes.subarray(0, bytes.length - 5)), '', SNAP_LENGTH);
    const batch = reader.read()!;
    let count = 0;
    while (batch.next()) count++;
    expect(count).toBe(2);
    expect(() => reader.read()).toThrow(/truncated/);
    expect(reader.read()).toBeNull();
    reader.close();
  });

  it('finds the end after close(), which can be called again', () => {
    const reader = new PcapBatchReader(temp.write(pcapFile(105, frames)), '', SNAP_LENGTH);
    reader.close();
    reader.close();
    expect(reader.read()).toBeNull();
  });

  it('stops its reading thread when closed before the end, however far it has read', () => {
    const path = temp.write(pcapFile(105, frames));
    for (let i = 0; i < 50; i++) {
      const reader = new PcapBatchReader(path, '', 100, 16 + 100);
      for (let read = 0; read < i % 4; read++) reader.read();
      reader.close();
    }
  });

  it("names libpcap's version", () => {
    expect(libpcapVersion()).toMatch(/^libpcap version \d+\.\d+/);
  });

  it('refuses batches that cannot hold a packet of the snap length', () => {
    expect(() => new PcapBatchReader(temp.write(pcapFile(105, frames)), '', SNAP_LENGTH, 1024)).toThrow(/snap length/);
  });
});
