/**
 * BLE link-layer packets as radio sniffers capture them (access address, PDU header, payload,
 * CRC), and the advertising PDUs that name their advertiser. Pure and zero-copy: the packet is
 * read where it lies, and nothing is allocated but the advertising data's signature fields.
 */
import type { Sighting } from '../sighting.js';
import { readU32LE, readU48LE } from '../wifi/bytes.js';
import { advertisingDataSignature } from './advertising-signature.js';
import { crc24Matches } from './crc24.js';

export const BleVerdict = {
  /** An advertising PDU or report that names its advertiser; the sighting was filled. */
  Accepted: 0,
  /** Well-formed, but names no advertiser: other PDUs, data channel packets, other HCI packets. */
  Ignored: 1,
  /** Truncated or inconsistent. */
  Malformed: 2,
  /** The CRC is wrong, or the sniffer says so: its bits cannot be trusted. */
  BadCrc: 3,
} as const;
export type BleVerdict = (typeof BleVerdict)[keyof typeof BleVerdict];

/** The access address of every advertising physical channel packet. */
export const ADVERTISING_ACCESS_ADDRESS = 0x8e89bed6;

/** What the capture's own header says about the physical channel a packet was sent on. */
export const PhysicalChannel = {
  /** Unsaid: the access address tells (advertising packets all use ADVERTISING_ACCESS_ADDRESS). */
  Unknown: 0,
  Advertising: 1,
  /** Data, isochronous or secondary advertising channel: no legacy advertising PDU is sent there. */
  Other: 2,
} as const;
export type PhysicalChannel = (typeof PhysicalChannel)[keyof typeof PhysicalChannel];

/** Whether the CRC is to be computed, or what the sniffer found when it checked it. */
export const CrcStatus = {
  Unchecked: 0,
  Valid: 1,
  Invalid: 2,
} as const;
export type CrcStatus = (typeof CrcStatus)[keyof typeof CrcStatus];

/** Advertising PDU types (Core Specification, Vol 6, Part B, 2.3) whose payload begins with AdvA. */
const ADV_IND = 0x0;
const ADV_DIRECT_IND = 0x1;
const ADV_NONCONN_IND = 0x2;
const SCAN_RSP = 0x4;
const ADV_SCAN_IND = 0x6;

const ACCESS_ADDRESS_LENGTH = 4;
/** The LE Coded PHY's coding indicator, between the access address and the PDU. */
const CODING_INDICATOR_LENGTH = 1;
const PDU_HEADER_LENGTH = 2;
const CRC_LENGTH = 3;
const ADDRESS_LENGTH = 6;
/** Header bit 6: the advertiser's address is random (1) or public (0). */
const TX_ADD = 0x40;

/**
 * Parses the link-layer packet `buf[start, end)`: access address, (on the Coded PHY, the coding
 * indicator), PDU header, payload and CRC, which must end exactly at `end`. ADV_IND,
 * ADV_DIRECT_IND, ADV_NONCONN_IND, SCAN_RSP and ADV_SCAN_IND are Accepted with `out.address`
 * (AdvA, written most significant octet first), `out.addressType` (TxAdd) and `out.signature`
 * (of the advertising data) filled; the caller fills the rest. Other PDUs and packets of other
 * channels are Ignored; a wrong CRC is BadCrc (checked before the PDU type, which it covers).
 */
export function parseLinkLayerPacket(
  buf: Uint8Array,
  start: number,
  end: number,
  channel: PhysicalChannel,
  crc: CrcStatus,
  codedPhy: boolean,
  out: Sighting,
): BleVerdict {
  if (!(start >= 0 && end <= buf.length && end - start >= ACCESS_ADDRESS_LENGTH)) return BleVerdict.Malformed;
  const advertising = channel === PhysicalChannel.Advertising || (channel === PhysicalChannel.Unknown && readU32LE(buf, start) === ADVERTISING_ACCESS_ADDRESS);
  if (!advertising) return BleVerdict.Ignored;
  const header = start + ACCESS_ADDRESS_LENGTH + (codedPhy ? CODING_INDICATOR_LENGTH : 0);
  if (end - header < PDU_HEADER_LENGTH + CRC_LENGTH) return BleVerdict.Malformed;
  const payload = header + PDU_HEADER_LENGTH;
  const payloadEnd = payload + buf[header + 1]!;
  if (payloadEnd + CRC_LENGTH !== end) return BleVerdict.Malformed;
  if (crc === CrcStatus.Invalid || (crc === CrcStatus.Unchecked && !crc24Matches(buf, header, payloadEnd))) return BleVerdict.BadCrc;

  const pduHeader = buf[header]!;
  switch (pduHeader & 0x0f) {
    case ADV_IND:
    case ADV_NONCONN_IND:
    case ADV_SCAN_IND:
    case SCAN_RSP:
      if (payloadEnd - payload < ADDRESS_LENGTH) return BleVerdict.Malformed;
      out.signature = advertisingDataSignature(buf, payload + ADDRESS_LENGTH, payloadEnd);
      out.payloadStart = payload + ADDRESS_LENGTH;
      out.payloadEnd = payloadEnd;
      break;
    case ADV_DIRECT_IND:
      // AdvA and TargetA, no advertising data.
      if (payloadEnd - payload < 2 * ADDRESS_LENGTH) return BleVerdict.Malformed;
      out.signature = 0;
      out.payloadStart = out.payloadEnd = payload;
      break;
    default:
      return BleVerdict.Ignored;
  }
  out.address = readU48LE(buf, payload);
  out.addressType = pduHeader & TX_ADD ? 1 : 0;
  return BleVerdict.Accepted;
}
