/**
 * Recognises a capture file from its first bytes, before libpcap opens it: libpcap's own errors
 * are terse ("unknown file format"), and compiling a Wi-Fi BPF filter on a file of another link
 * type fails, so the link type has to be known first.
 *
 * Reads classic pcap (either byte order, microsecond or nanosecond timestamps), pcapng (the link
 * type of the first interface description block, either byte order) and btsnoop HCI logs.
 */
import fs from 'node:fs';
import type { SourceKind } from './source.js';

export type CaptureFormat = 'pcap' | 'pcapng' | 'btsnoop';

export interface CaptureFileInfo {
  format: CaptureFormat;
  /** pcap/pcapng: the LINKTYPE_ value; btsnoop: the datalink type (1001 HCI, 1002 H4, ...). */
  linkType: number;
  littleEndian: boolean;
  /** Classic pcap with nanosecond timestamps (libpcap converts them to microseconds). */
  nanoseconds: boolean;
}

/** Exit codes from sysexits.h, which operators and scripts know. */
export const EX_DATAERR = 65;
export const EX_NOINPUT = 66;

/** A capture file that cannot be read; the message is one line and names the file. */
export class CaptureFileError extends Error {
  override readonly name = 'CaptureFileError';
  constructor(
    message: string,
    readonly exitCode: typeof EX_DATAERR | typeof EX_NOINPUT,
  ) {
    super(message);
  }
}

const LINK_TYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'NULL'],
  [1, 'ETHERNET'],
  [101, 'RAW'],
  [105, 'IEEE802_11'],
  [113, 'LINUX_SLL'],
  [119, 'IEEE802_11_PRISM'],
  [127, 'IEEE802_11_RADIOTAP'],
  [163, 'IEEE802_11_AVS'],
  [187, 'BLUETOOTH_HCI_H4'],
  [192, 'PPI'],
  [201, 'BLUETOOTH_HCI_H4_WITH_PHDR'],
  [251, 'BLUETOOTH_LE_LL'],
  [256, 'BLUETOOTH_LE_LL_WITH_PHDR'],
  [272, 'NORDIC_BLE'],
]);

const BTSNOOP_DATALINK_NAMES: ReadonlyMap<number, string> = new Map([
  [1001, 'HCI'],
  [1002, 'H4'],
  [1003, 'BCSP'],
  [1004, 'H5'],
]);

/** The LINKTYPE_ name of a link type without its prefix, or "unknown". */
export function linkTypeName(linkType: number): string {
  return LINK_TYPE_NAMES.get(linkType) ?? 'unknown';
}

const PCAP_HEADER_LENGTH = 24;
const PCAP_MAGIC_MICROSECONDS = 0xa1b2c3d4;
const PCAP_MAGIC_NANOSECONDS = 0xa1b23c4d;
/** Alexey Kuznetzov's patched libpcap format, which libpcap still reads. */
const PCAP_MAGIC_KUZNETZOV = 0xa1b2cd34;

const PCAPNG_SECTION_HEADER_BLOCK = 0x0a0d0d0a;
const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const PCAPNG_SECTION_HEADER_MIN_LENGTH = 28;
const PCAPNG_INTERFACE_DESCRIPTION_BLOCK = 1;
/** Simple, enhanced and the obsolete packet block: packets before any interface. */
const PCAPNG_PACKET_BLOCKS: ReadonlySet<number> = new Set([2, 3, 6]);
/** How many blocks to walk looking for the first interface description. */
const PCAPNG_MAX_BLOCKS_BEFORE_INTERFACE = 1000;

const BTSNOOP_MAGIC = Buffer.from('btsnoop\0', 'latin1');
const BTSNOOP_HEADER_LENGTH = 16;

/** How many bytes of the file the sniffers look at, besides the pcapng block walk. */
const HEAD_LENGTH = 64;

/** The path with control characters replaced, so that a message about it stays on one line. */
export function printablePath(path: string): string {
  return path.replace(/[\u0000-\u001f\u007f]/g, '?');
}

function hexPrefix(bytes: Buffer): string {
  return `0x${bytes.subarray(0, 4).toString('hex')}`;
}

/** A file that cannot be opened or read, as a one-line CaptureFileError (exit code 66). */
export function openError(path: string, error: unknown): CaptureFileError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const shown = printablePath(path);
  switch (code) {
    case 'ENOENT':
      return new CaptureFileError(`${shown}: no such file`, EX_NOINPUT);
    case 'EACCES':
    case 'EPERM':
      return new CaptureFileError(`${shown}: permission denied`, EX_NOINPUT);
    case 'EISDIR':
      return new CaptureFileError(`${shown}: is a directory, not a capture file`, EX_NOINPUT);
    default:
      return new CaptureFileError(`${shown}: cannot read (${code ?? 'unknown error'})`, EX_NOINPUT);
  }
}

/** Reads up to `length` bytes at `position`; fewer at the end of the file. */
function readAt(fd: number, position: number, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  const read = fs.readSync(fd, bytes, 0, length, position);
  return bytes.subarray(0, read);
}

function isPrefixOf(bytes: Buffer, whole: Buffer): boolean {
  return bytes.length < whole.length && whole.subarray(0, bytes.length).equals(bytes);
}

function pcapMagicBytes(): Buffer[] {
  const magics: Buffer[] = [];
  for (const magic of [PCAP_MAGIC_MICROSECONDS, PCAP_MAGIC_NANOSECONDS, PCAP_MAGIC_KUZNETZOV]) {
    const bytes = Buffer.alloc(4);
    bytes.writeUInt32LE(magic);
    magics.push(bytes, Buffer.from(bytes).reverse());
  }
  return magics;
}
const PCAP_MAGIC_BYTES = pcapMagicBytes();

function sniffPcap(head: Buffer, shown: string): CaptureFileInfo {
  if (head.length < PCAP_HEADER_LENGTH) {
    throw new CaptureFileError(`${shown}: truncated pcap header (${head.length} of ${PCAP_HEADER_LENGTH} bytes)`, EX_DATAERR);
  }
  const littleEndian = head.readUInt32LE(0) >>> 16 === 0xa1b2;
  const magic = littleEndian ? head.readUInt32LE(0) : head.readUInt32BE(0);
  // The upper bits of the link-type word carry FCS information, not the type.
  const linkType = (littleEndian ? head.readUInt32LE(20) : head.readUInt32BE(20)) & 0xffff;
  return { format: 'pcap', linkType, littleEndian, nanoseconds: magic === PCAP_MAGIC_NANOSECONDS };
}

function sniffPcapng(fd: number, head: Buffer, shown: string): CaptureFileInfo {
  if (head.length < PCAPNG_SECTION_HEADER_MIN_LENGTH) {
    throw new CaptureFileError(
      `${shown}: truncated pcapng section header (${head.length} of ${PCAPNG_SECTION_HEADER_MIN_LENGTH} bytes)`,
      EX_DATAERR,
    );
  }
  let littleEndian: boolean;
  if (head.readUInt32LE(8) === PCAPNG_BYTE_ORDER_MAGIC) littleEndian = true;
  else if (head.readUInt32BE(8) === PCAPNG_BYTE_ORDER_MAGIC) littleEndian = false;
  else throw new CaptureFileError(`${shown}: pcapng section header without a byte-order magic`, EX_DATAERR);
  const read32 = (bytes: Buffer, offset: number) => (littleEndian ? bytes.readUInt32LE(offset) : bytes.readUInt32BE(offset));

  let position = 0;
  for (let blocks = 0; blocks < PCAPNG_MAX_BLOCKS_BEFORE_INTERFACE; blocks++) {
    const block = readAt(fd, position, 12);
    if (block.length < 8) break;
    const type = read32(block, 0);
    const length = read32(block, 4);
    if (type === PCAPNG_INTERFACE_DESCRIPTION_BLOCK) {
      if (block.length < 10) break;
      const linkType = littleEndian ? block.readUInt16LE(8) : block.readUInt16BE(8);
      return { format: 'pcapng', linkType, littleEndian, nanoseconds: false };
    }
    if (PCAPNG_PACKET_BLOCKS.has(type)) {
      throw new CaptureFileError(`${shown}: pcapng packet before any interface description block`, EX_DATAERR);
    }
    if (length < 12 || length % 4 !== 0) {
      throw new CaptureFileError(`${shown}: pcapng block with an invalid length (${length}) at byte ${position}`, EX_DATAERR);
    }
    position += length;
  }
  throw new CaptureFileError(`${shown}: pcapng file without an interface description block`, EX_DATAERR);
}

function sniffBtsnoop(head: Buffer, shown: string): CaptureFileInfo {
  if (head.length < BTSNOOP_HEADER_LENGTH) {
    throw new CaptureFileError(`${shown}: truncated btsnoop header (${head.length} of ${BTSNOOP_HEADER_LENGTH} bytes)`, EX_DATAERR);
  }
  return { format: 'btsnoop', linkType: head.readUInt32BE(12), littleEndian: false, nanoseconds: false };
}

/**
 * Identifies the capture file at `path` from its first bytes.
 * Throws a CaptureFileError for a missing or unreadable file (exit code 66) and for content that
 * is not a capture libpcap or the btsnoop reader can open (65).
 */
export function sniffCaptureFile(path: string): CaptureFileInfo {
  const shown = printablePath(path);
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (error) {
    throw openError(path, error);
  }
  try {
    let head: Buffer;
    try {
      head = readAt(fd, 0, HEAD_LENGTH);
    } catch (error) {
      throw openError(path, error);
    }
    if (head.length === 0) throw new CaptureFileError(`${shown}: empty file`, EX_DATAERR);
    const magic = head.subarray(0, 4);
    if (magic.length === 4 && PCAP_MAGIC_BYTES.some((bytes) => bytes.equals(magic))) return sniffPcap(head, shown);
    if (magic.length === 4 && magic.readUInt32LE(0) === PCAPNG_SECTION_HEADER_BLOCK) return sniffPcapng(fd, head, shown);
    if (head.subarray(0, BTSNOOP_MAGIC.length).equals(BTSNOOP_MAGIC)) return sniffBtsnoop(head, shown);
    if (PCAP_MAGIC_BYTES.some((bytes) => isPrefixOf(head, bytes))) {
      throw new CaptureFileError(`${shown}: truncated pcap header (${head.length} of ${PCAP_HEADER_LENGTH} bytes)`, EX_DATAERR);
    }
    throw new CaptureFileError(`${shown}: not a capture file (starts with ${hexPrefix(head)})`, EX_DATAERR);
  } finally {
    fs.closeSync(fd);
  }
}

/** The link types of 802.11 captures footfall reads: plain, Prism, radiotap and AVS. */
export const WIFI_LINK_TYPES: readonly number[] = [105, 119, 127, 163];
/** `1, 2 and 3`. */
function listed(values: readonly number[]): string {
  return `${values.slice(0, -1).join(', ')} and ${values.at(-1)}`;
}
const WIFI_LINK_TYPES_TEXT = listed(WIFI_LINK_TYPES);

/**
 * Sniffs `path` and checks that it is a pcap or pcapng file of a Wi-Fi link type; throws a
 * CaptureFileError that says what the file is otherwise.
 */
export function sniffWifiCaptureFile(path: string): CaptureFileInfo {
  const info = sniffCaptureFile(path);
  const shown = printablePath(path);
  if (info.format === 'btsnoop') {
    throw new CaptureFileError(`${shown}: ${fileDescription(info)} is not a Wi-Fi capture; footfall reads link types ${WIFI_LINK_TYPES_TEXT}`, EX_DATAERR);
  }
  if (!WIFI_LINK_TYPES.includes(info.linkType)) {
    throw new CaptureFileError(
      `${shown}: link type ${info.linkType} (${linkTypeName(info.linkType)}) is not a Wi-Fi link type; footfall reads ${WIFI_LINK_TYPES_TEXT}`,
      EX_DATAERR,
    );
  }
  return info;
}

/**
 * The link types of BLE captures footfall reads: HCI packets (H4, and H4 with the direction
 * header Linux captures have) and link-layer packets (plain, with the RF pseudo-header, and the
 * nRF Sniffer's).
 */
export const BLE_LINK_TYPES: readonly number[] = [187, 201, 251, 256, 272];
/** The btsnoop datalinks footfall reads: HCI (1001) and H4 (1002). */
export const BTSNOOP_DATALINKS: readonly number[] = [1001, 1002];
const BLE_FORMATS_TEXT = `link types ${listed(BLE_LINK_TYPES)}, and btsnoop HCI logs (datalinks ${listed(BTSNOOP_DATALINKS)})`;

/** Which kind of source reads a sniffed file; undefined for one footfall does not read. */
export function captureFileKind(info: CaptureFileInfo): SourceKind | undefined {
  if (info.format === 'btsnoop') return BTSNOOP_DATALINKS.includes(info.linkType) ? 'ble' : undefined;
  if (WIFI_LINK_TYPES.includes(info.linkType)) return 'wifi';
  if (BLE_LINK_TYPES.includes(info.linkType)) return 'ble';
  return undefined;
}

/** What a sniffed file is, in words: its link type, or its btsnoop datalink. */
function fileDescription(info: CaptureFileInfo): string {
  if (info.format === 'btsnoop') return `btsnoop Bluetooth HCI log (datalink ${info.linkType}, ${BTSNOOP_DATALINK_NAMES.get(info.linkType) ?? 'unknown'})`;
  return `link type ${info.linkType} (${linkTypeName(info.linkType)})`;
}

/** Sniffs `path` and checks that it is a BLE capture; throws a CaptureFileError that says what the file is otherwise. */
export function sniffBleCaptureFile(path: string): CaptureFileInfo {
  const info = sniffCaptureFile(path);
  if (captureFileKind(info) === 'ble') return info;
  throw new CaptureFileError(`${printablePath(path)}: ${fileDescription(info)} is not a BLE capture; footfall reads BLE ${BLE_FORMATS_TEXT}`, EX_DATAERR);
}

/**
 * Sniffs `path` and tells which kind of source reads it; throws a CaptureFileError that says what
 * the file is and everything footfall reads when it reads no kind.
 */
export function sniffReplayFile(path: string): { info: CaptureFileInfo; kind: SourceKind } {
  const info = sniffCaptureFile(path);
  const kind = captureFileKind(info);
  if (kind !== undefined) return { info, kind };
  throw new CaptureFileError(
    `${printablePath(path)}: ${fileDescription(info)} is neither a Wi-Fi nor a BLE capture; footfall reads Wi-Fi link types ${WIFI_LINK_TYPES_TEXT}, BLE ${BLE_FORMATS_TEXT}`,
    EX_DATAERR,
  );
}
