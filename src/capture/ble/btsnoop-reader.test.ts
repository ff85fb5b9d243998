import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { hciCommand, leAdvertisingReport } from '../../sim/ble-frames.js';
import { BtsnoopWriter, MemorySink } from '../../sim/pcap-writer.js';
import { tempCaptureDir } from '../wifi/synthetic-frames.fixtures.js';
import { BtsnoopFormatError, BtsnoopReader } from './btsnoop-reader.js';

const temp = tempCaptureDir('footfall-btsnoop-');
afterAll(() => temp.remove());

const T0 = Date.UTC(2026, 10, 22, 10, 0, 0);
const command = hciCommand(0x200c, Buffer.from([1, 0]));
const event = leAdvertisingReport([{ eventType: 0, addressType: 1, address: 0x4a_00_00_00_00_01, rssi: -60 }]);

interface Record {
  timeMs: number;
  flags: number;
  packet: Buffer;
}

function btsnoop(datalink: 1001 | 1002, records: readonly Record[]): Buffer {
  const sink = new MemorySink();
  const writer = new BtsnoopWriter(sink, datalink);
  for (const r of records) writer.write(r.timeMs, r.flags, r.packet);
  writer.close();
  return sink.bytes();
}

function readAll(file: string): { frames: { timeMs: number; bytes: Buffer; original: number }[]; warnings: string[] } {
  const warnings: string[] = [];
  const reader = new BtsnoopReader(file, (text) => warnings.push(text));
  const frames: { timeMs: number; bytes: Buffer; original: number }[] = [];
  for (let batch = reader.read(); batch !== null; batch = reader.read()) {
    while (batch.next()) frames.push({ timeMs: batch.timeMs, bytes: Buffer.from(batch.bytes.subarray(batch.start, batch.start + batch.capturedLength)), original: batch.originalLength });
  }
  return { frames, warnings };
}

const phdr = (received: boolean) => Buffer.from([0, 0, 0, received ? 1 : 0]);

describe('BtsnoopReader', () => {
  it('hands an H4 log over as frames with the direction header, at their capture time', () => {
    const file = temp.write(btsnoop(1002, [{ timeMs: T0 + 0.001, flags: 2, packet: command }, { timeMs: T0 + 1500.25, flags: 3, packet: event }]), 'h4.log');
    const { frames, warnings } = readAll(file);
    expect(frames).toEqual([
      { timeMs: T0 + 0.001, bytes: Buffer.concat([phdr(false), command]), original: 4 + command.length },
      { timeMs: T0 + 1500.25, bytes: Buffer.concat([phdr(true), event]), original: 4 + event.length },
    ]);
    expect(warnings).toEqual([]);
  });

  it('gives the packets of an HCI log the H4 indicator its flags say', () => {
    const records = [
      { timeMs: T0, flags: 2, packet: command.subarray(1) },
      { timeMs: T0 + 1, flags: 3, packet: event.subarray(1) },
      { timeMs: T0 + 2, flags: 1, packet: Buffer.from([0x40, 0x00, 0x01, 0x00, 0xff]) },
    ];
    const { frames } = readAll(temp.write(btsnoop(1001, records), 'hci.log'));
    expect(frames.map((f) => f.bytes)).toEqual([
      Buffer.concat([phdr(false), command]),
      Buffer.concat([phdr(true), event]),
      Buffer.concat([phdr(true), Buffer.from([0x02, 0x40, 0x00, 0x01, 0x00, 0xff])]),
    ]);
  });

  it('reads the records before a record cut short, and says so', () => {
    const bytes = btsnoop(1002, [{ timeMs: T0, flags: 3, packet: event }, { timeMs: T0 + 1, flags: 3, packet: event }]);
    const { frames, warnings } = readAll(temp.write(bytes.subarray(0, bytes.length - 5), 'cut.log'));
    expect(frames).toHaveLength(1);
    expect(warnings).toEqual([expect.stringContaining('ends inside a record')]);
  });

  it('reads across its 1 MiB chunks', () => {
    const records = Array.from({ length: 40_000 }, (_, i) => ({ timeMs: T0 + i, flags: 3, packet: event }));
    const { frames } = readAll(temp.write(btsnoop(1002, records), 'long.log'));
    expect(frames).toHaveLength(40_000);
    expect(frames.every((f, i) => f.timeMs === T0 + i && f.bytes.subarray(4).equals(event))).toBe(true);
  });

  it('closes the file at the end of the log, and when closed part way, after which it reads nothing', () => {
    const file = temp.write(btsnoop(1002, Array.from({ length: 10 }, (_, i) => ({ timeMs: T0 + i, flags: 3, packet: event }))), 'stop.log');
    const before = fs.readdirSync('/proc/self/fd').length;
    expect(readAll(file).frames).toHaveLength(10);
    expect(fs.readdirSync('/proc/self/fd').length).toBe(before);

    const reader = new BtsnoopReader(file, () => {});
    const batch = reader.read()!;
    for (let i = 0; i < 3; i++) expect(batch.next()).toBe(true);
    reader.close();
    expect(fs.readdirSync('/proc/self/fd').length).toBe(before);
    expect(batch.next()).toBe(false);
    expect(reader.read()).toBeNull();
    reader.close();
  });

  it('refuses versions and datalinks it does not read', () => {
    const other = btsnoop(1002, []);
    other.writeUInt32BE(1004, 12);
    expect(() => new BtsnoopReader(temp.write(other, 'h5.log'), () => {})).toThrow(new BtsnoopFormatError('btsnoop datalink 1004 (footfall reads 1001, HCI, and 1002, H4)'));
    const version = btsnoop(1002, []);
    version.writeUInt32BE(2, 8);
    expect(() => new BtsnoopReader(temp.write(version, 'v2.log'), () => {})).toThrow(BtsnoopFormatError);
  });
});
