/**
 * HCI packets between a Bluetooth host and its controller, and the LE Advertising Reports among
 * them: the legacy (subevent 0x02), directed (0x0B) and extended (0x0D) reports of the LE Meta
 * event, each report read as BlueZ and Wireshark read it (all fields of one report, then the
 * next). One Sighting per report that names an address. Pure and zero-copy.
 */
import type { Sighting } from '../sighting.js';
import { readI8, readU32BE, readU48LE } from '../wifi/bytes.js';
import { advertisingDataSignature } from './advertising-signature.js';
import { BleVerdict } from './link-layer.js';

/** H4 (UART transport) packet indicator of an HCI event. */
export const H4_EVENT = 0x04;
const LE_META_EVENT = 0x3e;
const LE_ADVERTISING_REPORT = 0x02;
const LE_DIRECTED_ADVERTISING_REPORT = 0x0b;
const LE_EXTENDED_ADVERTISING_REPORT = 0x0d;

/** Whether an LE meta event's subevent is one of the advertising reports parseHciEvent reads. */
function isAdvertisingReport(subevent: number): boolean {
  return subevent === LE_ADVERTISING_REPORT || subevent === LE_DIRECTED_ADVERTISING_REPORT || subevent === LE_EXTENDED_ADVERTISING_REPORT;
}

/** HCI's RSSI value for "not available". */
export const RSSI_UNAVAILABLE = 127;
/** Extended reports of anonymous advertisements (no address). */
const ADDRESS_TYPE_ANONYMOUS = 0xff;

/** HCI address types: 0 public, 1 random, 2 public identity, 3 random static identity (resolved); -1 otherwise. */
function addressTypeBit(hciAddressType: number): number {
  return hciAddressType <= 0x03 ? hciAddressType & 1 : -1;
}

/** Receives each report's sighting; the object is the caller's `out`, reused. */
export type EmitSighting = (sighting: Sighting) => void;

/** Fixed lengths of one report of each kind, without its advertising data. */
const LEGACY_REPORT_FIXED = 10;
const DIRECTED_REPORT_LENGTH = 16;
const EXTENDED_REPORT_FIXED = 24;

/**
 * Walks the reports of an advertising report subevent whose parameters after Num_Reports are
 * `buf[start, end)`. With `emit`, fills `out` and emits each report that has an address; without,
 * only checks the layout. Returns how many reports have an address, or -1 when the reports do not
 * fill the parameters exactly or one has an address type HCI does not define.
 */
function walkReports(subevent: number, reports: number, buf: Uint8Array, start: number, end: number, out: Sighting, emit: EmitSighting | null): number {
  let named = 0;
  let at = start;
  for (let report = 0; report < reports; report++) {
    let typeAt: number;
    let rssiAt: number;
    let dataAt = 0;
    let dataEnd = 0;
    let next: number;
    if (subevent === LE_ADVERTISING_REPORT) {
      if (end - at < LEGACY_REPORT_FIXED) return -1;
      typeAt = at + 1;
      dataAt = at + 9;
      dataEnd = dataAt + buf[at + 8]!;
      rssiAt = dataEnd;
      next = dataEnd + 1;
    } else if (subevent === LE_DIRECTED_ADVERTISING_REPORT) {
      typeAt = at + 1;
      rssiAt = at + 15;
      next = at + DIRECTED_REPORT_LENGTH;
    } else {
      if (end - at < EXTENDED_REPORT_FIXED) return -1;
      typeAt = at + 2;
      rssiAt = at + 13;
      dataAt = at + EXTENDED_REPORT_FIXED;
      dataEnd = dataAt + buf[at + 23]!;
      next = dataEnd;
    }
    if (next > end) return -1;
    const hciType = buf[typeAt]!;
    const anonymous = subevent === LE_EXTENDED_ADVERTISING_REPORT && hciType === ADDRESS_TYPE_ANONYMOUS;
    if (!anonymous) {
      const addressType = addressTypeBit(hciType);
      if (addressType < 0) return -1;
      named++;
      if (emit !== null) {
        out.address = readU48LE(buf, typeAt + 1);
        out.addressType = addressType;
        const rssi = readI8(buf, rssiAt);
        out.rssi = rssi === RSSI_UNAVAILABLE ? Number.NaN : rssi;
        out.channel = 0;
        out.sequence = -1;
        out.signature = dataEnd > dataAt ? advertisingDataSignature(buf, dataAt, dataEnd) : 0;
        out.payloadStart = dataAt;
        out.payloadEnd = dataEnd;
        emit(out);
      }
    }
    at = next;
  }
  return at === end ? named : -1;
}

/**
 * Parses the HCI event `buf[start, end)` (event code, parameter length, parameters). An LE
 * advertising report event whose reports are all well formed is Accepted, and each report that
 * names an address is emitted (in order, through `out`); one whose reports are all anonymous is
 * Ignored, as are other events. A report event that is cut short or inconsistent is Malformed,
 * and then nothing is emitted.
 */
export function parseHciEvent(buf: Uint8Array, start: number, end: number, out: Sighting, emit: EmitSighting): BleVerdict {
  if (!(start >= 0 && end <= buf.length && end - start >= 2)) return BleVerdict.Malformed;
  if (buf[start] !== LE_META_EVENT) return BleVerdict.Ignored;
  const params = start + 2;
  if (end - params < 1) return BleVerdict.Malformed;
  const subevent = buf[params]!;
  if (!isAdvertisingReport(subevent)) return BleVerdict.Ignored;
  if (params + buf[start + 1]! !== end || end - params < 2) return BleVerdict.Malformed;
  const reports = buf[params + 1]!;
  const first = params + 2;
  const named = walkReports(subevent, reports, buf, first, end, out, null);
  if (named < 0 || reports === 0) return BleVerdict.Malformed;
  if (named === 0) return BleVerdict.Ignored;
  walkReports(subevent, reports, buf, first, end, out, emit);
  return BleVerdict.Accepted;
}

/**
 * Whether the H4 packet `buf` is an LE advertising report event of a kind parseHciEvent reads (a
 * glance at its first four bytes: it may still be malformed).
 */
export function isAdvertisingReportPacket(buf: Uint8Array): boolean {
  return buf.length >= 4 && buf[0] === H4_EVENT && buf[1] === LE_META_EVENT && isAdvertisingReport(buf[3]!);
}

/** An H4 packet: its packet indicator, then the HCI packet. Only events are read. */
export function parseH4Packet(buf: Uint8Array, start: number, end: number, out: Sighting, emit: EmitSighting): BleVerdict {
  if (!(start >= 0 && end <= buf.length && end > start)) return BleVerdict.Malformed;
  if (buf[start] !== H4_EVENT) return BleVerdict.Ignored;
  return parseHciEvent(buf, start + 1, end, out, emit);
}

/** The 4-byte direction of LINKTYPE_BLUETOOTH_HCI_H4_WITH_PHDR, big-endian: 0 sent by the host, 1 received. */
export const PHDR_LENGTH = 4;
const DIRECTION_RECEIVED = 1;

/**
 * A LINKTYPE_BLUETOOTH_HCI_H4_WITH_PHDR frame (what Linux captures on bluetoothN): the direction,
 * then an H4 packet. Only what the controller sent to the host is read.
 */
export function parseH4WithPhdr(buf: Uint8Array, start: number, end: number, out: Sighting, emit: EmitSighting): BleVerdict {
  if (end - start < PHDR_LENGTH + 1) return BleVerdict.Malformed;
  if ((readU32BE(buf, start) & DIRECTION_RECEIVED) === 0) return BleVerdict.Ignored;
  return parseH4Packet(buf, start + PHDR_LENGTH, end, out, emit);
}
