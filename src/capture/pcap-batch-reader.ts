/**
 * Capture files (pcap, pcapng) read through libpcap many packets at a time, by footfall's own
 * native addon (native/pcap_batch_reader.c). A call into JavaScript per packet, the pcap
 * binding's way, costs more than all of footfall's work on a frame; here one native call fills
 * a batch buffer and JavaScript walks the packets in it.
 */
import { createRequire } from 'node:module';

interface NativeReader {
  readonly brand: unique symbol;
}

interface NativeBatchReader {
  /** Throws libpcap's message when the file cannot be read or the filter does not compile. */
  open(path: string, filter: string, snapLength: number): NativeReader;
  linkType(reader: NativeReader): number;
  /** Fills `batch` with records; returns how many, 0 at the end of the file. */
  read(reader: NativeReader, batch: Uint8Array): number;
  close(reader: NativeReader): void;
  /** libpcap's version text ("libpcap version 1.10.3 (with TPACKET_V3)"). */
  version(): string;
}

// Built by node-gyp (binding.gyp) into build/Release, two levels above this module in dist/ and src/.
const native = createRequire(import.meta.url)('../../build/Release/pcap_batch_reader.node') as NativeBatchReader;

export function libpcapVersion(): string {
  return native.version();
}

/** The most a file source keeps of one frame (libpcap's default snap length). */
export const SNAP_LENGTH = 65535;
/** A record: seconds, microseconds, bytes stored, length on the air (u32, host order), then the bytes. */
const RECORD_HEADER_BYTES = 16;
/** Large enough that the native call's cost vanishes, small enough to stay in the CPU's cache. */
const DEFAULT_BATCH_BYTES = 256 * 1024;

/**
 * Packets as the native reader stored them, walked with next(): after it returns true, the
 * current packet is `bytes[start, start + capturedLength)`. Copy anything you keep: the next
 * read overwrites the buffer.
 */
export class PacketBatch {
  readonly bytes: Buffer;
  private readonly words: Uint32Array;
  private count = 0;
  private index = 0;
  private nextRecord = 0;
  start = 0;
  capturedLength = 0;
  originalLength = 0;
  /** Capture time in ms since the epoch (microseconds kept as a fraction). */
  timeMs = 0;

  constructor(byteLength = DEFAULT_BATCH_BYTES) {
    // Buffer.alloc of this size is never a slice of the shared pool, so it starts 4-byte aligned.
    this.bytes = Buffer.alloc(byteLength);
    this.words = new Uint32Array(this.bytes.buffer, this.bytes.byteOffset, byteLength >>> 2);
  }

  /** Starts walking `count` freshly stored records. */
  reset(count: number): void {
    this.count = count;
    this.index = 0;
    this.nextRecord = 0;
  }

  /** Moves to the next packet; false when the batch is done. */
  next(): boolean {
    if (this.index === this.count) return false;
    this.index++;
    const record = this.nextRecord;
    const field = record >>> 2;
    const words = this.words;
    this.timeMs = words[field]! * 1000 + words[field + 1]! / 1000;
    const captured = words[field + 2]!;
    this.capturedLength = captured;
    this.originalLength = words[field + 3]!;
    this.start = record + RECORD_HEADER_BYTES;
    this.nextRecord = this.start + ((captured + 3) & ~3);
    return true;
  }
}

/** A capture file opened through libpcap with a BPF filter, read batch by batch. */
export class PcapBatchReader {
  private reader: NativeReader | null;
  /** The file's LINKTYPE_ value. */
  readonly linkType: number;

  /**
   * Opens `path` with a BPF `filter` ('' for none); frames longer than `snapLength` are cut
   * there. Throws libpcap's message (an Error) when the file or the filter cannot be used.
   */
  constructor(path: string, filter: string, snapLength: number) {
    this.reader = native.open(path, filter, snapLength);
    this.linkType = native.linkType(this.reader);
  }

  /**
   * Fills `batch` with the next packets and starts walking them; false at the end of the file
   * (or after close()). Throws libpcap's message when the file breaks off; the packets before
   * the break were handed over by the reads before.
   */
  read(batch: PacketBatch): boolean {
    const count = this.reader === null ? 0 : native.read(this.reader, batch.bytes);
    batch.reset(count);
    return count > 0;
  }

  /** Frees libpcap's handle; reads after this find the end. Safe to call more than once. */
  close(): void {
    if (this.reader !== null) native.close(this.reader);
    this.reader = null;
  }
}
