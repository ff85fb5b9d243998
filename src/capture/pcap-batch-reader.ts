/**
 * Capture files (pcap, pcapng) read through libpcap many packets at a time, by footfall's own
 * native addon (native/pcap_batch_reader.c). A call into JavaScript per packet, the pcap
 * binding's way, costs more than all of footfall's work on a frame; here libpcap fills batch
 * buffers, two in turn on a thread of the addon's own, and JavaScript walks the packets in one
 * while the other fills.
 */
import { createRequire } from 'node:module';
import { SNAP_LENGTH, type PacketBatch, type PacketReader } from './packet-reader.js';

interface NativeReader {
  readonly brand: unique symbol;
}

interface NativeBatchReader {
  /**
   * Starts filling the two batches in turn. Throws libpcap's message when the file cannot be
   * read or the filter does not compile.
   */
  open(path: string, filter: string, snapLength: number, batchA: Uint8Array, batchB: Uint8Array): NativeReader;
  linkType(reader: NativeReader): number;
  /** How many records the next batch (A, B, A, ...) holds; 0 at the end of the file. */
  read(reader: NativeReader): number;
  close(reader: NativeReader): void;
  /** libpcap's version text ("libpcap version 1.10.3 (with TPACKET_V3)"). */
  version(): string;
}

// Built by node-gyp (binding.gyp) into build/Release, two levels above this module in dist/ and src/.
const native = createRequire(import.meta.url)('../../build/Release/pcap_batch_reader.node') as NativeBatchReader;

export function libpcapVersion(): string {
  return native.version();
}

/** A record: seconds, microseconds, bytes stored, length on the air (u32, host order), then the bytes. */
const RECORD_HEADER_BYTES = 16;
/** Large enough that the native call's cost vanishes, small enough to stay in the CPU's cache. */
const DEFAULT_BATCH_BYTES = 256 * 1024;

/** Packets as the native reader stored them: records of RECORD_HEADER_BYTES, then the bytes, 4-byte aligned. */
class NativePacketBatch implements PacketBatch {
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
    // Buffer.alloc never cuts from the shared pool: the buffer starts its own memory, 4-byte aligned.
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
export class PcapBatchReader implements PacketReader {
  private reader: NativeReader | null;
  private readonly batches: readonly [NativePacketBatch, NativePacketBatch];
  private reads = 0;
  /** The file's LINKTYPE_ value. */
  readonly linkType: number;

  /**
   * Opens `path` with a BPF `filter` ('' for none) and starts reading it; frames longer than
   * `snapLength` are cut there. Throws libpcap's message (an Error) when the file or the filter
   * cannot be used.
   */
  constructor(path: string, filter: string, snapLength: number, batchBytes = DEFAULT_BATCH_BYTES) {
    this.batches = [new NativePacketBatch(batchBytes), new NativePacketBatch(batchBytes)];
    this.reader = native.open(path, filter, snapLength, this.batches[0].bytes, this.batches[1].bytes);
    this.linkType = native.linkType(this.reader);
  }

  /**
   * The next packets, ready to walk; null at the end of the file (or after close()). The batch
   * returned before is filled again from now on. Throws libpcap's message where the file breaks
   * off, after the batches with the packets before the break.
   */
  read(): PacketBatch | null {
    const count = this.reader === null ? 0 : native.read(this.reader);
    if (count === 0) return null;
    const batch = this.batches[this.reads++ & 1]!;
    batch.reset(count);
    return batch;
  }

  /** Stops reading and frees libpcap's handle; reads after this find the end. Safe to call more than once. */
  close(): void {
    if (this.reader !== null) native.close(this.reader);
    this.reader = null;
  }
}
