/**
 * Test fixtures for capture/: Wi-Fi frames, radio headers and capture files built byte by byte
 * from the formats' definitions (including the odd and broken layouts parsers must survive),
 * the fuzz corpus when no real captures are at hand, and a temporary folder to write them to.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { crc32 } from './fcs.js';
import type { RadioHeader } from './radio-header.js';
import { emptyRadioHeader } from './radio-header.js';

/** One information element. */
export function element(id: number, ...content: number[]): Buffer {
  return Buffer.from([id, content.length, ...content]);
}

export interface ProbeRequestSpec {
  /** The transmitter address (addr2), first octet most significant. */
  address: number;
  sequence?: number;
  elements?: readonly Buffer[];
  /** Sets the Order bit, which adds a 4-byte HT Control field to the header. */
  htControl?: boolean;
  /** Frame control byte 0; 0x40 is a probe request. */
  frameControl?: number;
}

/** An 802.11 management frame (a probe request unless `frameControl` says otherwise), no FCS. */
export function probeRequest(spec: ProbeRequestSpec): Buffer {
  const headerLength = spec.htControl ? 28 : 24;
  const header = Buffer.alloc(headerLength);
  header[0] = spec.frameControl ?? 0x40;
  header[1] = spec.htControl ? 0x80 : 0;
  header.fill(0xff, 4, 10); // addr1: broadcast
  header.writeUIntBE(spec.address, 10, 6);
  header.fill(0xff, 16, 22); // addr3: wildcard BSSID
  header.writeUInt16LE(((spec.sequence ?? 0) & 0xfff) << 4, 22);
  return Buffer.concat([header, ...(spec.elements ?? [])]);
}

/** The elements a typical phone sends, with an SSID and DS Parameter that vary per frame. */
export function typicalElements(ssid: string, channel: number): Buffer[] {
  return [
    Buffer.concat([Buffer.from([0, ssid.length]), Buffer.from(ssid, 'latin1')]),
    element(1, 0x02, 0x04, 0x0b, 0x16, 0x0c, 0x12, 0x18, 0x24),
    element(50, 0x30, 0x48, 0x60, 0x6c),
    element(3, channel),
    element(45, ...Array.from({ length: 26 }, (_, i) => (i * 7) & 0xff)),
    element(127, 0x00, 0x00, 0x08, 0x80, 0x00, 0x00, 0x00, 0x40),
    element(221, 0x00, 0x50, 0xf2, 0x08, 0x00, 0x12, 0x00),
  ];
}

/** The frame followed by its FCS (CRC-32, least significant byte first). */
export function withFcs(frame: Buffer): Buffer {
  const fcs = Buffer.alloc(4);
  fcs.writeUInt32LE(crc32(frame, 0, frame.length));
  return Buffer.concat([frame, fcs]);
}

/** A radiotap field's bytes and the alignment radiotap requires for it. */
export interface RadiotapItem {
  align: number;
  bytes: readonly number[];
}

/**
 * A radiotap header: `presentWords` as given (the caller sets the namespace and extension
 * bits), then `items` in order, each padded to its alignment from the header start.
 */
export function radiotap(presentWords: readonly number[], items: readonly RadiotapItem[]): Buffer {
  const bytes: number[] = [0, 0, 0, 0];
  for (const word of presentWords) bytes.push(word & 0xff, (word >>> 8) & 0xff, (word >>> 16) & 0xff, word >>> 24);
  for (const item of items) {
    while (bytes.length % item.align !== 0) bytes.push(0);
    bytes.push(...item.bytes);
  }
  const header = Buffer.from(bytes);
  header.writeUInt16LE(header.length, 2);
  return header;
}

export const radiotapField = {
  flags: (flags: number): RadiotapItem => ({ align: 1, bytes: [flags] }),
  rate: (halfMbps: number): RadiotapItem => ({ align: 1, bytes: [halfMbps] }),
  channel: (mhz: number, flags = 0x00a0): RadiotapItem => ({ align: 2, bytes: [mhz & 0xff, mhz >>> 8, flags & 0xff, flags >>> 8] }),
  dbmSignal: (dbm: number): RadiotapItem => ({ align: 1, bytes: [dbm & 0xff] }),
  antenna: (index: number): RadiotapItem => ({ align: 1, bytes: [index] }),
  tsft: (): RadiotapItem => ({ align: 8, bytes: [1, 2, 3, 4, 5, 6, 7, 8] }),
  rxFlags: (): RadiotapItem => ({ align: 2, bytes: [0, 0] }),
  xchannel: (mhz: number): RadiotapItem => ({ align: 4, bytes: [0x40, 0x01, 0, 0, mhz & 0xff, mhz >>> 8, 6, 20] }),
  /** The vendor namespace field: OUI, sub-namespace, skip length; the vendor data follows. */
  vendorNamespace: (data: readonly number[]): RadiotapItem => ({
    align: 2,
    bytes: [0x00, 0x11, 0x22, 0x01, data.length & 0xff, data.length >>> 8, ...data],
  }),
};

export interface PrismSpec {
  channel?: number;
  signal?: number;
  rssi?: number;
  bigEndian?: boolean;
  /** Item numbering: 1 = 0x000N0044 (madwifi), 2 = 0x0000N041 (wlan-ng). */
  didStyle?: 1 | 2;
}

/** A 144-byte Prism header; items given as undefined are marked "not supplied". */
export function prismHeader(spec: PrismSpec): Buffer {
  const header = Buffer.alloc(144);
  const write32 = (value: number, offset: number) =>
    spec.bigEndian ? header.writeUInt32BE(value >>> 0, offset) : header.writeUInt32LE(value >>> 0, offset);
  const write16 = (value: number, offset: number) =>
    spec.bigEndian ? header.writeUInt16BE(value, offset) : header.writeUInt16LE(value, offset);
  write32(0x44, 0);
  write32(144, 4);
  header.write('wlan0', 8, 'latin1');
  const values: Array<number | undefined> = [1, 2, spec.channel, spec.rssi, 0, spec.signal, -95, 2, 0, 0];
  values.forEach((value, index) => {
    const item = index + 1;
    const offset = 24 + index * 12;
    write32(spec.didStyle === 2 ? (item << 12) | 0x41 : (item << 16) | 0x44, offset);
    write16(value === undefined ? 1 : 0, offset + 4);
    write16(4, offset + 6);
    write32(value ?? 0, offset + 8);
  });
  return header;
}

export interface AvsSpec {
  channel?: number;
  ssiType?: number;
  ssiSignal?: number;
  version?: number;
  length?: number;
}

/** A big-endian AVS header (64 bytes unless `length` says more). */
export function avsHeader(spec: AvsSpec): Buffer {
  const length = spec.length ?? 64;
  const header = Buffer.alloc(Math.max(length, 64));
  header.writeUInt32BE(spec.version ?? 0x80211001, 0);
  header.writeUInt32BE(length, 4);
  header.writeUInt32BE(5, 24); // phytype: OFDM 2.4 GHz
  header.writeUInt32BE(spec.channel ?? 0, 28);
  header.writeUInt32BE(spec.ssiType ?? 0, 44);
  header.writeInt32BE(spec.ssiSignal ?? 0, 48);
  header.writeInt32BE(-95, 52);
  return header;
}

export interface CapturedFrame {
  timeMs: number;
  data: Buffer;
  /** Length on the air; more than data.length when the snap length cut the frame. */
  originalLength?: number;
}

export interface PcapFileOptions {
  bigEndian?: boolean;
  nanoseconds?: boolean;
  snapLength?: number;
}

/** A classic pcap file. */
export function pcapFile(linkType: number, frames: readonly CapturedFrame[], options: PcapFileOptions = {}): Buffer {
  const big = options.bigEndian ?? false;
  const header = Buffer.alloc(24);
  const w32 = (buf: Buffer, value: number, offset: number) => (big ? buf.writeUInt32BE(value, offset) : buf.writeUInt32LE(value, offset));
  const w16 = (buf: Buffer, value: number, offset: number) => (big ? buf.writeUInt16BE(value, offset) : buf.writeUInt16LE(value, offset));
  w32(header, options.nanoseconds ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  w16(header, 2, 4);
  w16(header, 4, 6);
  w32(header, options.snapLength ?? 65535, 16);
  w32(header, linkType, 20);
  const records = frames.map((frame) => {
    const record = Buffer.alloc(16);
    const seconds = Math.floor(frame.timeMs / 1000);
    const fraction = Math.round((frame.timeMs - seconds * 1000) * (options.nanoseconds ? 1e6 : 1e3));
    w32(record, seconds, 0);
    w32(record, fraction, 4);
    w32(record, frame.data.length, 8);
    w32(record, frame.originalLength ?? frame.data.length, 12);
    return Buffer.concat([record, frame.data]);
  });
  return Buffer.concat([header, ...records]);
}

function pcapngBlock(type: number, body: Buffer, big: boolean): Buffer {
  const padded = Buffer.concat([body, Buffer.alloc((4 - (body.length % 4)) % 4)]);
  const block = Buffer.alloc(padded.length + 12);
  const w32 = (value: number, offset: number) => (big ? block.writeUInt32BE(value, offset) : block.writeUInt32LE(value, offset));
  w32(type, 0);
  w32(block.length, 4);
  padded.copy(block, 8);
  w32(block.length, block.length - 4);
  return block;
}

export interface PcapngFileOptions {
  bigEndian?: boolean;
  /** Blocks (type, body) to put between the section header and the interface description. */
  blocksBeforeInterface?: ReadonlyArray<{ type: number; body: Buffer }>;
}

/** A pcapng file: one section, one interface, enhanced packet blocks (microsecond timestamps). */
export function pcapngFile(linkType: number, frames: readonly CapturedFrame[], options: PcapngFileOptions = {}): Buffer {
  const big = options.bigEndian ?? false;
  const section = Buffer.alloc(16);
  if (big) {
    section.writeUInt32BE(0x1a2b3c4d, 0);
    section.writeUInt16BE(1, 4);
  } else {
    section.writeUInt32LE(0x1a2b3c4d, 0);
    section.writeUInt16LE(1, 4);
  }
  section.fill(0xff, 8, 16); // section length: unknown
  const iface = Buffer.alloc(8);
  if (big) {
    iface.writeUInt16BE(linkType, 0);
    iface.writeUInt32BE(65535, 4);
  } else {
    iface.writeUInt16LE(linkType, 0);
    iface.writeUInt32LE(65535, 4);
  }
  const packets = frames.map((frame) => {
    const fixed = Buffer.alloc(20);
    const micros = BigInt(Math.round(frame.timeMs * 1000));
    const w32 = (value: number, offset: number) => (big ? fixed.writeUInt32BE(value, offset) : fixed.writeUInt32LE(value, offset));
    w32(0, 0);
    w32(Number(micros >> 32n), 4);
    w32(Number(micros & 0xffffffffn), 8);
    w32(frame.data.length, 12);
    w32(frame.originalLength ?? frame.data.length, 16);
    return pcapngBlock(6, Buffer.concat([fixed, frame.data]), big);
  });
  return Buffer.concat([
    pcapngBlock(0x0a0d0d0a, section, big),
    ...(options.blocksBeforeInterface ?? []).map((block) => pcapngBlock(block.type, block.body, big)),
    pcapngBlock(1, iface, big),
    ...packets,
  ]);
}

/**
 * Runs a radio-header parser on a fresh RadioHeader over `header[0, length)` and returns what it
 * found, with its verdict. It parses the same bytes again after others, as a batch of packets
 * holds them, and throws if the answers differ.
 */
export function parsedRadioHeader(
  parse: (buf: Buffer, start: number, end: number, radio: RadioHeader) => boolean,
  header: Buffer,
  length = header.length,
): RadioHeader & { ok: boolean } {
  const parseAt = (start: number) => {
    const buf = Buffer.alloc(start + header.length, 0xa5);
    header.copy(buf, start);
    const radio = emptyRadioHeader();
    const ok = parse(buf, start, start + length, radio);
    return { ok, ...radio };
  };
  const atStart = parseAt(0);
  const inBatch = parseAt(20);
  if (JSON.stringify(inBatch) !== JSON.stringify(atStart)) {
    throw new Error(`the header parses differently after other bytes: ${JSON.stringify(inBatch)}, not ${JSON.stringify(atStart)}`);
  }
  return atStart;
}

export interface TempCaptureDir {
  readonly dir: string;
  /** Writes `content` to a new file (or to `name`) in the folder and returns its path. */
  write(content: Buffer, name?: string): string;
  remove(): void;
}

export function tempCaptureDir(prefix: string): TempCaptureDir {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  let files = 0;
  return {
    dir,
    write(content, name = `capture-${files++}.pcap`) {
      const target = path.join(dir, name);
      fs.writeFileSync(target, content);
      return target;
    },
    remove() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
