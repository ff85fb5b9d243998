/**
 * The bytes of BLE advertising as captures hold them: advertising data, advertising PDUs,
 * link-layer packets (with their CRC-24), the sniffer headers of link types 256 and 272, and HCI
 * packets (LE Advertising Report events, the commands of a scan) for link types 187 and 201 and
 * btsnoop logs. They allocate: a BLE capture is small beside a Wi-Fi benchmark.
 */

import { crc24 } from '../capture/ble/crc24.js';
import type { BleAdvertisement } from './ble-venue.js';

export const BLE_LINKTYPE = {
  BLUETOOTH_HCI_H4: 187,
  BLUETOOTH_HCI_H4_WITH_PHDR: 201,
  BLUETOOTH_LE_LL: 251,
  BLUETOOTH_LE_LL_WITH_PHDR: 256,
  NORDIC_BLE: 272,
} as const;

export const ADVERTISING_ACCESS_ADDRESS = 0x8e89bed6;

/** Advertising PDU types (Core Specification, Vol 6, Part B, 2.3). */
export const PDU_TYPE = {
  ADV_IND: 0x0,
  ADV_DIRECT_IND: 0x1,
  ADV_NONCONN_IND: 0x2,
  SCAN_REQ: 0x3,
  SCAN_RSP: 0x4,
  CONNECT_IND: 0x5,
  ADV_SCAN_IND: 0x6,
  ADV_EXT_IND: 0x7,
} as const;

/** What an advertisement says, in the shape noble parses it into (gap.js). */
export interface AdvertisingContent {
  localName: string | undefined;
  txPowerLevel: number | undefined;
  manufacturerData: Buffer | undefined;
  serviceData: { uuid: string; data: Buffer }[];
  serviceUuids: string[];
  serviceSolicitationUuids: string[];
}

/** What an advertisement says, with nothing in it; `fields` fill it. */
export function advertisingContent(fields: Partial<AdvertisingContent> = {}): AdvertisingContent {
  return {
    localName: undefined,
    txPowerLevel: undefined,
    manufacturerData: undefined,
    serviceData: [],
    serviceUuids: [],
    serviceSolicitationUuids: [],
    ...fields,
  };
}

/** A UUID written big-endian in hex, as little-endian bytes of its width. */
function uuidBytes(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, '');
  const width = hex.length <= 4 ? 2 : hex.length <= 8 ? 4 : 16;
  return Buffer.from(hex.padStart(width * 2, '0'), 'hex').reverse();
}

function structure(type: number, data: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([data.length + 1, type]), data]);
}

/** The AD structures of `content` (flags first), as an advertising PDU or an HCI report carries them. */
export function encodeAdvertisingData(content: AdvertisingContent, flags?: number): Buffer {
  const parts: Buffer[] = [];
  if (flags !== undefined) parts.push(structure(0x01, Buffer.from([flags])));
  const byWidth = new Map<number, Buffer[]>();
  for (const uuid of content.serviceUuids) {
    const bytes = uuidBytes(uuid);
    byWidth.set(bytes.length, [...(byWidth.get(bytes.length) ?? []), bytes]);
  }
  const completeListType: Record<number, number> = { 2: 0x03, 4: 0x05, 16: 0x07 };
  for (const [width, uuids] of byWidth) parts.push(structure(completeListType[width]!, Buffer.concat(uuids)));
  const serviceDataType: Record<number, number> = { 2: 0x16, 4: 0x20, 16: 0x21 };
  for (const { uuid, data } of content.serviceData) {
    const bytes = uuidBytes(uuid);
    parts.push(structure(serviceDataType[bytes.length]!, Buffer.concat([bytes, data])));
  }
  if (content.localName !== undefined) parts.push(structure(0x09, Buffer.from(content.localName, 'utf8')));
  if (content.txPowerLevel !== undefined) parts.push(structure(0x0a, Buffer.from([content.txPowerLevel & 0xff])));
  if (content.manufacturerData !== undefined) parts.push(structure(0xff, content.manufacturerData));
  return Buffer.concat(parts);
}

/** A 48-bit address (written most significant octet first) as the six bytes BLE sends, least significant first. */
export function addressBytes(address: number): Buffer {
  const bytes = Buffer.alloc(6);
  bytes.writeUIntLE(address, 0, 6);
  return bytes;
}

export interface AdvertisingPdu {
  type: number;
  /** TxAdd: the first address is random. */
  txRandom: boolean;
  /** RxAdd: the second address (TargetA, AdvA of a SCAN_REQ) is random. */
  rxRandom?: boolean;
  /** AdvA, or ScanA of a SCAN_REQ, InitA of a CONNECT_IND. */
  address: number;
  /** TargetA of an ADV_DIRECT_IND, AdvA of a SCAN_REQ or CONNECT_IND. */
  secondAddress?: number;
  /** Advertising or scan response data; CONNECT_IND's LLData. */
  data?: Uint8Array;
}

/** PDU header and payload of an advertising physical channel PDU. */
export function advertisingPdu(pdu: AdvertisingPdu): Buffer {
  const payload = Buffer.concat([
    addressBytes(pdu.address),
    ...(pdu.secondAddress === undefined ? [] : [addressBytes(pdu.secondAddress)]),
    pdu.data ?? Buffer.alloc(0),
  ]);
  const header = pdu.type | (pdu.txRandom ? 0x40 : 0) | (pdu.rxRandom ? 0x80 : 0);
  return Buffer.concat([Buffer.from([header, payload.length]), payload]);
}

/** Access address, the PDU (header and payload) and its CRC-24: LINKTYPE_BLUETOOTH_LE_LL. */
export function linkLayerPacket(pdu: Uint8Array, accessAddress = ADVERTISING_ACCESS_ADDRESS, crcInit = 0x555555): Buffer {
  const packet = Buffer.alloc(4 + pdu.length + 3);
  packet.writeUInt32LE(accessAddress >>> 0, 0);
  packet.set(pdu, 4);
  packet.writeUIntLE(crc24(pdu, 0, pdu.length, crcInit), 4 + pdu.length, 3);
  return packet;
}

export interface BtleRfHeader {
  /** RF channel 0..39 (advertising channels 37, 38, 39 are RF 0, 12, 39). */
  rfChannel: number;
  /** Signal in dBm, or undefined for "not valid". */
  signalDbm?: number;
  /** The sniffer checked the CRC: whether it was valid. Undefined: not checked (ice9). */
  crcValid?: boolean;
}

const RF_CHANNEL_OF: Record<number, number> = { 37: 0, 38: 12, 39: 39 };

/** The RF channel of an advertising channel index. */
export function rfChannel(advertisingChannel: number): number {
  return RF_CHANNEL_OF[advertisingChannel] ?? 0;
}

/** LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR: the 10-byte header, then the link-layer packet. */
export function btleRfFrame(header: BtleRfHeader, packet: Uint8Array): Buffer {
  const out = Buffer.alloc(10 + packet.length);
  out[0] = header.rfChannel;
  let flags = 0x0001; // dewhitened
  if (header.signalDbm !== undefined) {
    out.writeInt8(Math.max(-128, Math.min(127, header.signalDbm)), 1);
    flags |= 0x0002;
  }
  if (header.crcValid !== undefined) flags |= 0x0400 | (header.crcValid ? 0x0800 : 0);
  out.writeUInt16LE(flags, 8);
  out.set(packet, 10);
  return out;
}

export interface NordicHeader {
  /** Advertising channel index 37..39 (or a data channel). */
  channel: number;
  rssi: number;
  crcOk: boolean;
  /** Protocol version 1, 2 or 3 (default 3). */
  version?: number;
  /** Version 3 packet id: 0x02 advertising, 0x06 data (default advertising). */
  packetId?: number;
  counter?: number;
}

/** LINKTYPE_NORDIC_BLE: board id, UART header, the 10-byte event packet header, the link-layer packet. */
export function nordicBleFrame(header: NordicHeader, packet: Uint8Array): Buffer {
  const version = header.version ?? 3;
  const out = Buffer.alloc(17 + packet.length);
  out[0] = 0; // board id
  if (version === 1) {
    out[1] = 6; // header length, without the board id
    out[2] = 10 + packet.length;
  } else {
    out.writeUInt16LE(10 + packet.length, 1);
  }
  out[3] = version;
  out.writeUInt16LE((header.counter ?? 0) & 0xffff, 4);
  out[6] = header.packetId ?? 0x02;
  out[7] = 10; // event packet header length
  out[8] = header.crcOk ? 0x01 : 0x00;
  out[9] = header.channel;
  out[10] = Math.max(0, Math.min(255, -header.rssi));
  out.set(packet, 17);
  return out;
}

export const H4 = { COMMAND: 0x01, ACL_DATA: 0x02, EVENT: 0x04 } as const;

/** An HCI command packet with its H4 indicator. */
export function hciCommand(opcode: number, parameters: Uint8Array = Buffer.alloc(0)): Buffer {
  return Buffer.concat([Buffer.from([H4.COMMAND, opcode & 0xff, opcode >> 8, parameters.length]), parameters]);
}

/** An HCI event packet with its H4 indicator. */
export function hciEvent(code: number, parameters: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([H4.EVENT, code, parameters.length]), parameters]);
}

/** HCI address types: 0 public, 1 random, 2 public identity, 3 random static identity, 0xff anonymous. */
export interface HciReport {
  /** Legacy: ADV_IND 0, ADV_DIRECT_IND 1, ADV_SCAN_IND 2, ADV_NONCONN_IND 3, SCAN_RSP 4. Extended: the 16-bit event type. */
  eventType: number;
  addressType: number;
  address: number;
  /** dBm; 127 for "not available". */
  rssi: number;
  data?: Uint8Array;
  /** Directed and extended reports: the address the advertisement was directed to. */
  directAddressType?: number;
  directAddress?: number;
}

const LE_META_EVENT = 0x3e;

function leMetaEvent(subevent: number, reports: readonly HciReport[], encodeReport: (report: HciReport) => Buffer): Buffer {
  return hciEvent(LE_META_EVENT, Buffer.concat([Buffer.from([subevent, reports.length]), ...reports.map(encodeReport)]));
}

function rssiByte(rssi: number): number {
  return rssi & 0xff;
}

/** LE Advertising Report (subevent 0x02), each report's fields together. */
export function leAdvertisingReport(reports: readonly HciReport[]): Buffer {
  return leMetaEvent(0x02, reports, (r) => {
    const data = r.data ?? Buffer.alloc(0);
    return Buffer.concat([Buffer.from([r.eventType, r.addressType]), addressBytes(r.address), Buffer.from([data.length]), data, Buffer.from([rssiByte(r.rssi)])]);
  });
}

/** LE Directed Advertising Report (subevent 0x0b). */
export function leDirectedAdvertisingReport(reports: readonly HciReport[]): Buffer {
  return leMetaEvent(0x0b, reports, (r) =>
    Buffer.concat([
      Buffer.from([r.eventType, r.addressType]),
      addressBytes(r.address),
      Buffer.from([r.directAddressType ?? 1]),
      addressBytes(r.directAddress ?? 0),
      Buffer.from([rssiByte(r.rssi)]),
    ]),
  );
}

/** LE Extended Advertising Report (subevent 0x0d): 1M primary PHY, no secondary, no periodic advertising. */
export function leExtendedAdvertisingReport(reports: readonly HciReport[]): Buffer {
  return leMetaEvent(0x0d, reports, (r) => {
    const data = r.data ?? Buffer.alloc(0);
    const fixed = Buffer.alloc(24);
    fixed.writeUInt16LE(r.eventType, 0);
    fixed[2] = r.addressType;
    addressBytes(r.addressType === 0xff ? 0 : r.address).copy(fixed, 3);
    fixed[9] = 0x01; // primary PHY: LE 1M
    fixed[10] = 0x00; // no secondary PHY
    fixed[11] = 0xff; // no advertising set id
    fixed[12] = 0x7f; // TX power not available
    fixed[13] = rssiByte(r.rssi);
    fixed[16] = r.directAddressType ?? 0;
    addressBytes(r.directAddress ?? 0).copy(fixed, 17);
    fixed[23] = data.length;
    return Buffer.concat([fixed, data]);
  });
}

/** LINKTYPE_BLUETOOTH_HCI_H4_WITH_PHDR: the direction (1: controller to host), then the H4 packet. */
export function h4WithPhdr(received: boolean, h4Packet: Uint8Array): Buffer {
  const out = Buffer.alloc(4 + h4Packet.length);
  out.writeUInt32BE(received ? 1 : 0, 0);
  out.set(h4Packet, 4);
  return out;
}

/** The AD flags of a discoverable LE-only device. */
const LE_GENERAL_DISCOVERABLE = 0x06;

/** The advertising data a simulated advertisement carries: none when directed, no flags in a scan response. */
export function advertisingDataOf(advertisement: BleAdvertisement): Buffer {
  if (advertisement.pduType === PDU_TYPE.ADV_DIRECT_IND) return Buffer.alloc(0);
  const flags = advertisement.pduType === PDU_TYPE.SCAN_RSP ? undefined : LE_GENERAL_DISCOVERABLE;
  return encodeAdvertisingData(advertisement.content, flags);
}

const LEGACY_EVENT_TYPE: Record<number, number> = {
  [PDU_TYPE.ADV_IND]: 0x00,
  [PDU_TYPE.ADV_DIRECT_IND]: 0x01,
  [PDU_TYPE.ADV_SCAN_IND]: 0x02,
  [PDU_TYPE.ADV_NONCONN_IND]: 0x03,
  [PDU_TYPE.SCAN_RSP]: 0x04,
};
/** Extended report event types of legacy PDUs: bit 0 connectable, 1 scannable, 2 directed, 3 scan response, 4 legacy. */
const EXTENDED_EVENT_TYPE: Record<number, number> = {
  [PDU_TYPE.ADV_IND]: 0x13,
  [PDU_TYPE.ADV_DIRECT_IND]: 0x15,
  [PDU_TYPE.ADV_SCAN_IND]: 0x12,
  [PDU_TYPE.ADV_NONCONN_IND]: 0x10,
  [PDU_TYPE.SCAN_RSP]: 0x1b,
};

/** The HCI report a controller gives for a received advertisement: legacy, or extended as after LE Set Extended Scan Enable. */
export function hciReportOf(advertisement: BleAdvertisement, extended: boolean): HciReport {
  const direct = advertisement.pduType === PDU_TYPE.ADV_DIRECT_IND;
  return {
    eventType: (extended ? EXTENDED_EVENT_TYPE : LEGACY_EVENT_TYPE)[advertisement.pduType]!,
    addressType: advertisement.random ? 1 : 0,
    address: advertisement.address,
    rssi: advertisement.rssi,
    data: advertisingDataOf(advertisement),
    ...(direct && extended ? { directAddressType: 1, directAddress: advertisement.peerAddress! } : {}),
  };
}
