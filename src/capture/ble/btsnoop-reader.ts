/**
 * btsnoop HCI logs (what Android's "Bluetooth HCI snoop log" and BlueZ's btmon write), which
 * libpcap cannot read. A 16-byte file header ("btsnoop\0", version 1, datalink), then records
 * of 24 bytes (original length, included length, flags, cumulative drops, a 64-bit time in
 * microseconds since 0000-01-01) and the packet, all big-endian.
 *
 * Each record is handed over as a LINKTYPE_BLUETOOTH_HCI_H4_WITH_PHDR frame (the direction from
 * the record's flags, then an H4 packet), whatever the log's datalink: H4 logs (1002) hold the
 * H4 packet already, HCI logs (1001) say in the flags whether a packet is a command, an event
 * or data, which becomes its H4 packet indicator. The file is read in 1 MiB chunks, so a record
 * costs no system call of its own; the rest of the file is one batch, walked record by record.
 */
import fs from 'node:fs';
import { SNAP_LENGTH, type PacketBatch, type PacketReader } from '../packet-reader.js';
import { H4_EVENT, PHDR_LENGTH } from './hci-event.js';

export const BTSNOOP_DATALINK_HCI = 1001;
export const BTSNOOP_DATALINK_H4 = 1002;

const FILE_HEADER_LENGTH = 16;
const RECORD_HEADER_LENGTH = 24;
const CHUNK_BYTES = 1 << 20;
/** Record flags: bit 0 the direction (1: controller to host), bit 1 a command or event (1) or data (0). */
const FLAG_RECEIVED = 0x01;
const FLAG_COMMAND_OR_EVENT = 0x02;
const H4_COMMAND = 0x01;
const H4_ACL_DATA = 0x02;
/** 0000-01-01T00:00:00Z to the Unix epoch in microseconds (0x00dcddb30f2f8000), in two 32-bit halves. */
const EPOCH_HIGH = 0x00dcddb3;
const EPOCH_LOW = 0x0f2f8000;

/** The file header is not one this reader reads; the message says why. */
export class BtsnoopFormatError extends Error {
  override readonly name = 'BtsnoopFormatError';
}

export class BtsnoopReader implements PacketReader, PacketBatch {
  /** The current record as a LINKTYPE_BLUETOOTH_HCI_H4_WITH_PHDR frame, from its start. */
  readonly bytes = Buffer.alloc(SNAP_LENGTH);
  readonly start = 0;
  capturedLength = 0;
  originalLength = 0;
  timeMs = 0;
  private readonly chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  private readonly fd: number;
  private readonly datalink: number;
  /** Bytes of `chunk` in use, and where the next record starts in it. */
  private chunkLength = 0;
  private at = 0;
  /** Where the file's next unread byte is. */
  private filePosition = FILE_HEADER_LENGTH;
  private open = true;

  /**
   * Opens `path` (a sniffed btsnoop file); throws the file system's error, or a
   * BtsnoopFormatError for a version or datalink this reader does not read. `onWarning` hears
   * where the log breaks off, if it does.
   */
  constructor(
    path: string,
    private readonly onWarning: (text: string) => void,
  ) {
    this.fd = fs.openSync(path, 'r');
    try {
      const header = Buffer.alloc(FILE_HEADER_LENGTH);
      fs.readSync(this.fd, header, 0, FILE_HEADER_LENGTH, 0);
      const version = header.readUInt32BE(8);
      this.datalink = header.readUInt32BE(12);
      if (version !== 1) throw new BtsnoopFormatError(`btsnoop version ${version} (footfall reads version 1)`);
      if (this.datalink !== BTSNOOP_DATALINK_HCI && this.datalink !== BTSNOOP_DATALINK_H4) {
        throw new BtsnoopFormatError(`btsnoop datalink ${this.datalink} (footfall reads ${BTSNOOP_DATALINK_HCI}, HCI, and ${BTSNOOP_DATALINK_H4}, H4)`);
      }
    } catch (error) {
      fs.closeSync(this.fd);
      throw error;
    }
  }

  /** The rest of the log, to walk with next(); null once it has been walked to its end. */
  read(): PacketBatch | null {
    return this.open ? this : null;
  }

  /** Moves to the next record; false (and the file closed) at the end of the log or where it breaks off. */
  next(): boolean {
    if (!this.open) return false;
    if (this.nextRecord()) return true;
    this.close();
    return false;
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    fs.closeSync(this.fd);
  }

  /** Makes `length` bytes from `at` available in the chunk; false at the end of the file. */
  private fill(length: number): boolean {
    if (this.chunkLength - this.at >= length) return true;
    this.chunk.copy(this.chunk, 0, this.at, this.chunkLength);
    this.chunkLength -= this.at;
    this.at = 0;
    while (this.chunkLength < length) {
      const read = fs.readSync(this.fd, this.chunk, this.chunkLength, CHUNK_BYTES - this.chunkLength, this.filePosition);
      if (read === 0) return false;
      this.chunkLength += read;
      this.filePosition += read;
    }
    return true;
  }

  /** Reads the next record into `bytes`; false at the end of the log or where it breaks off. */
  private nextRecord(): boolean {
    if (!this.fill(RECORD_HEADER_LENGTH)) return this.endsWith(this.chunkLength - this.at);
    const { chunk } = this;
    const record = this.at;
    const original = chunk.readUInt32BE(record);
    const included = chunk.readUInt32BE(record + 4);
    const flags = chunk.readUInt32BE(record + 8);
    if (included > CHUNK_BYTES - RECORD_HEADER_LENGTH) {
      this.onWarning(`the log breaks off at byte ${this.filePosition - this.chunkLength + record}: a record of ${included} bytes`);
      return false;
    }
    if (!this.fill(RECORD_HEADER_LENGTH + included)) return this.endsWith(this.chunkLength - this.at);
    const high = chunk.readUInt32BE(this.at + 16);
    const low = chunk.readUInt32BE(this.at + 20);
    const data = this.at + RECORD_HEADER_LENGTH;
    this.at = data + included;

    const packet = this.bytes;
    packet.writeUInt32BE(flags & FLAG_RECEIVED, 0);
    let prefix = PHDR_LENGTH;
    if (this.datalink === BTSNOOP_DATALINK_HCI) {
      packet[prefix++] = flags & FLAG_COMMAND_OR_EVENT ? (flags & FLAG_RECEIVED ? H4_EVENT : H4_COMMAND) : H4_ACL_DATA;
    }
    const kept = Math.min(included, SNAP_LENGTH - prefix);
    chunk.copy(packet, prefix, data, data + kept);
    this.capturedLength = prefix + kept;
    this.originalLength = prefix + Math.max(original, included);
    this.timeMs = ((high - EPOCH_HIGH) * 0x1_0000_0000 + (low - EPOCH_LOW)) / 1000;
    return true;
  }

  /** The end of the log: warns when `leftover` bytes there are a record cut short. */
  private endsWith(leftover: number): boolean {
    if (leftover > 0) this.onWarning(`the log ends inside a record (${leftover} bytes of it): the records before it were read`);
    return false;
  }
}
