/**
 * Streaming capture writers: classic pcap (little-endian, microsecond timestamps) and a minimal
 * pcapng (one section: SHB, IDBs, EPBs, no options). Packets are copied into a large buffer
 * that goes to the sink when full, so a million packets cost a few hundred writes.
 */

import fs from 'node:fs';

/** Where the bytes go. `write` must use or copy the chunk before it returns: the buffer is reused. */
export interface ByteSink {
  write(chunk: Uint8Array): void;
  close(): void;
}

/** Writes to a file, synchronously, creating or truncating it. */
export function fileSink(path: string): ByteSink {
  const fd = fs.openSync(path, 'w');
  return {
    write(chunk) {
      let done = 0;
      while (done < chunk.length) done += fs.writeSync(fd, chunk, done, chunk.length - done);
    },
    close() {
      fs.closeSync(fd);
    },
  };
}

/** Keeps everything in memory, for tests. */
export class MemorySink implements ByteSink {
  private readonly chunks: Buffer[] = [];

  write(chunk: Uint8Array): void {
    this.chunks.push(Buffer.from(chunk));
  }

  close(): void {}

  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

const CHUNK_BYTES = 4 << 20;

/** A reusable output buffer in front of a sink. */
class ChunkedOutput {
  private readonly buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  private used = 0;

  constructor(private readonly sink: ByteSink) {}

  /** Makes room for `length` bytes and returns the offset to write them at. */
  reserve(length: number): { buffer: Buffer; at: number } {
    if (length > CHUNK_BYTES) throw new RangeError(`a block of ${length} bytes is larger than the output buffer`);
    if (this.used + length > CHUNK_BYTES) this.flush();
    const at = this.used;
    this.used += length;
    return { buffer: this.buffer, at };
  }

  flush(): void {
    if (this.used > 0) this.sink.write(this.buffer.subarray(0, this.used));
    this.used = 0;
  }

  close(): void {
    this.flush();
    this.sink.close();
  }
}

function microseconds(timeMs: number): number {
  return Math.round(timeMs * 1000);
}

export interface PcapOptions {
  /** The link-layer header type (105, 119, 127, 163, …). */
  linkType: number;
  /** Longer packets are cut to this many bytes (the record keeps the original length); default 65535. */
  snapLength?: number;
}

const PCAP_MAGIC_MICROSECONDS = 0xa1b2c3d4;

export class PcapWriter {
  private readonly out: ChunkedOutput;
  private readonly snapLength: number;

  constructor(sink: ByteSink, options: PcapOptions) {
    this.out = new ChunkedOutput(sink);
    this.snapLength = options.snapLength ?? 65535;
    const { buffer, at } = this.out.reserve(24);
    buffer.writeUInt32LE(PCAP_MAGIC_MICROSECONDS, at);
    buffer.writeUInt16LE(2, at + 4); // version 2.4
    buffer.writeUInt16LE(4, at + 6);
    buffer.writeInt32LE(0, at + 8); // thiszone: timestamps are UTC
    buffer.writeUInt32LE(0, at + 12); // sigfigs
    buffer.writeUInt32LE(this.snapLength, at + 16);
    buffer.writeUInt32LE(options.linkType, at + 20);
  }

  /** Appends one packet received at `timeMs` (ms since the epoch, µs in the fraction). */
  write(timeMs: number, packet: Uint8Array, originalLength = packet.length): void {
    const captured = Math.min(packet.length, this.snapLength);
    const micros = microseconds(timeMs);
    const { buffer, at } = this.out.reserve(16 + captured);
    buffer.writeUInt32LE(Math.floor(micros / 1_000_000), at);
    buffer.writeUInt32LE(micros % 1_000_000, at + 4);
    buffer.writeUInt32LE(captured, at + 8);
    buffer.writeUInt32LE(originalLength, at + 12);
    buffer.set(captured === packet.length ? packet : packet.subarray(0, captured), at + 16);
  }

  close(): void {
    this.out.close();
  }
}

const PCAPNG = { SHB: 0x0a0d0d0a, IDB: 0x00000001, EPB: 0x00000006, BYTE_ORDER_MAGIC: 0x1a2b3c4d } as const;

export class PcapngWriter {
  private readonly out: ChunkedOutput;
  private readonly snapLengths: number[] = [];

  constructor(sink: ByteSink) {
    this.out = new ChunkedOutput(sink);
    const { buffer, at } = this.out.reserve(28);
    buffer.writeUInt32LE(PCAPNG.SHB, at);
    buffer.writeUInt32LE(28, at + 4);
    buffer.writeUInt32LE(PCAPNG.BYTE_ORDER_MAGIC, at + 8);
    buffer.writeUInt16LE(1, at + 12); // version 1.0
    buffer.writeUInt16LE(0, at + 14);
    buffer.fill(0xff, at + 16, at + 24); // section length: unknown
    buffer.writeUInt32LE(28, at + 24);
  }

  /** Declares an interface (default resolution: microseconds); returns its id for `write`. */
  addInterface(linkType: number, snapLength = 65535): number {
    const { buffer, at } = this.out.reserve(20);
    buffer.writeUInt32LE(PCAPNG.IDB, at);
    buffer.writeUInt32LE(20, at + 4);
    buffer.writeUInt16LE(linkType, at + 8);
    buffer.writeUInt16LE(0, at + 10);
    buffer.writeUInt32LE(snapLength, at + 12);
    buffer.writeUInt32LE(20, at + 16);
    return this.snapLengths.push(snapLength) - 1;
  }

  write(interfaceId: number, timeMs: number, packet: Uint8Array, originalLength = packet.length): void {
    const snapLength = this.snapLengths[interfaceId];
    if (snapLength === undefined) throw new RangeError(`no interface ${interfaceId}`);
    const captured = Math.min(packet.length, snapLength);
    const padded = (captured + 3) & ~3;
    const total = 32 + padded;
    const micros = microseconds(timeMs);
    const { buffer, at } = this.out.reserve(total);
    buffer.writeUInt32LE(PCAPNG.EPB, at);
    buffer.writeUInt32LE(total, at + 4);
    buffer.writeUInt32LE(interfaceId, at + 8);
    buffer.writeUInt32LE(Math.floor(micros / 0x1_0000_0000), at + 12);
    buffer.writeUInt32LE(micros % 0x1_0000_0000, at + 16);
    buffer.writeUInt32LE(captured, at + 20);
    buffer.writeUInt32LE(originalLength, at + 24);
    buffer.set(captured === packet.length ? packet : packet.subarray(0, captured), at + 28);
    buffer.fill(0, at + 28 + captured, at + 28 + padded);
    buffer.writeUInt32LE(total, at + 28 + padded);
  }

  close(): void {
    this.out.close();
  }
}

/** A pcap or pcapng file of one link type, written packet by packet. */
export interface CaptureWriter {
  write(timeMs: number, packet: Uint8Array): void;
  close(): void;
}

export function openCaptureWriter(path: string, format: 'pcap' | 'pcapng', linkType: number, snapLength?: number): CaptureWriter {
  const sink = fileSink(path);
  if (format === 'pcapng') {
    const writer = new PcapngWriter(sink);
    const id = writer.addInterface(linkType, snapLength);
    return { write: (timeMs, packet) => writer.write(id, timeMs, packet), close: () => writer.close() };
  }
  const writer = new PcapWriter(sink, { linkType, snapLength });
  return { write: (timeMs, packet) => writer.write(timeMs, packet), close: () => writer.close() };
}

const BTSNOOP_MAGIC = Buffer.from('btsnoop\0', 'latin1');
/** Microseconds from 0000-01-01T00:00:00Z, where btsnoop counts from, to the Unix epoch. */
const BTSNOOP_EPOCH_US = 0x00dcddb30f2f8000n;

/** btsnoop HCI logs: datalink 1001 (HCI, the packet type in the flags) or 1002 (H4). */
export class BtsnoopWriter {
  private readonly out: ChunkedOutput;

  constructor(sink: ByteSink, datalink: 1001 | 1002) {
    this.out = new ChunkedOutput(sink);
    const { buffer, at } = this.out.reserve(16);
    BTSNOOP_MAGIC.copy(buffer, at);
    buffer.writeUInt32BE(1, at + 8);
    buffer.writeUInt32BE(datalink, at + 12);
  }

  /**
   * Appends one record; `flags` bit 0 says the packet went from controller to host, bit 1 that it
   * is a command or event rather than data.
   */
  write(timeMs: number, flags: number, packet: Uint8Array): void {
    const { buffer, at } = this.out.reserve(24 + packet.length);
    buffer.writeUInt32BE(packet.length, at);
    buffer.writeUInt32BE(packet.length, at + 4);
    buffer.writeUInt32BE(flags, at + 8);
    buffer.writeUInt32BE(0, at + 12);
    buffer.writeBigUInt64BE(BTSNOOP_EPOCH_US + BigInt(microseconds(timeMs)), at + 16);
    buffer.set(packet, at + 24);
  }

  close(): void {
    this.out.close();
  }
}
