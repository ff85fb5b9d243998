/**
 * The pseudo-headers BLE sniffers put before a link-layer packet: LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR
 * (256, Ubertooth, HackRF with ice9, ...) and LINKTYPE_NORDIC_BLE (272, the nRF Sniffer). Each
 * parser reads the header's channel, signal and CRC status, then the packet after it.
 */
import type { Sighting } from '../sighting.js';
import { readI8, readU16LE } from '../wifi/bytes.js';
import { BleVerdict, CrcStatus, parseLinkLayerPacket, PhysicalChannel } from './link-layer.js';

/** The advertising channel index of a channel index, or 0 for a data channel. */
function advertisingChannel(index: number): number {
  return index >= 37 && index <= 39 ? index : 0;
}

/** RF channels 0, 12 and 39 (2402, 2426 and 2480 MHz) are advertising channels 37, 38 and 39. */
function advertisingChannelOfRf(rfChannel: number): number {
  return rfChannel === 0 ? 37 : rfChannel === 12 ? 38 : rfChannel === 39 ? 39 : 0;
}

/** LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR: RF channel, signal, noise, AA offenses, reference AA, flags. */
const BTLE_RF_HEADER_LENGTH = 10;
const BTLE_RF_SIGNAL_VALID = 0x0002;
/** Flags bits 7-9: 0 advertising or data (unsaid which), 1 auxiliary advertising, 2-6 data and isochronous. */
const BTLE_RF_PDU_TYPE_SHIFT = 7;
const BTLE_RF_PHY_SHIFT = 14;
const PHY_CODED = 2;

/**
 * A LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR frame. The CRC is always computed: the header's "CRC
 * checked" and "CRC valid" flags are left aside, as HackRF captures through ice9 say "not
 * checked", and a frame with flipped bits would otherwise count a phantom advertiser.
 */
export function parseBtleRfFrame(buf: Uint8Array, start: number, end: number, out: Sighting): BleVerdict {
  if (end - start < BTLE_RF_HEADER_LENGTH) return BleVerdict.Malformed;
  const flags = readU16LE(buf, start + 8);
  if (((flags >> BTLE_RF_PDU_TYPE_SHIFT) & 7) !== 0) return BleVerdict.Ignored;
  out.channel = advertisingChannelOfRf(buf[start]!);
  out.rssi = flags & BTLE_RF_SIGNAL_VALID ? readI8(buf, start + 1) : Number.NaN;
  const coded = flags >> BTLE_RF_PHY_SHIFT === PHY_CODED;
  return parseLinkLayerPacket(buf, start + BTLE_RF_HEADER_LENGTH, end, PhysicalChannel.Unknown, CrcStatus.Unchecked, coded, out);
}

const NORDIC_PACKET_OFFSET = 17;
const NORDIC_LEGACY_HEADER_LENGTH = 8;
const NORDIC_V2_HEADER_LENGTH = 7;
const NORDIC_FLAGS = 8;
const NORDIC_CHANNEL = 9;
const NORDIC_RSSI = 10;
const NORDIC_CRC_OK = 0x01;
const NORDIC_PHY_SHIFT = 4;
/** Version 3 packet ids; earlier versions tell advertising packets by their access address. */
const NORDIC_EVENT_PACKET_ADVERTISING = 0x02;
const NORDIC_EVENT_PACKET_DATA = 0x06;

/** Whether the header's lengths add up to the frame `buf[start, start + length)`. */
function nordicLengthsAddUp(buf: Uint8Array, start: number, length: number, version: number): boolean {
  switch (version) {
    case 0:
      return NORDIC_LEGACY_HEADER_LENGTH + buf[start + 7]! === length;
    case 1:
      return buf[start + 1]! + 1 + buf[start + 2]! === length;
    default:
      return NORDIC_V2_HEADER_LENGTH + readU16LE(buf, start + 1) === length;
  }
}

/**
 * A LINKTYPE_NORDIC_BLE frame, as Wireshark's nordic_ble dissector reads its versions: a board id, then
 * a header of version 0 (0xBEEF, packet id, counter, 2 unused bytes, payload length), version 1
 * (header length, payload length, version, counter, packet id) or versions 2 and 3 (16-bit
 * payload length, version, counter, packet id); then the packet length, flags, channel index,
 * RSSI (its negation), event counter and a 4-byte time, and at byte 17 the link-layer packet.
 * The lengths must add up to the frame's, as Wireshark requires before it reads the packet.
 * The CRC-OK flag is taken as the sniffer's check of the CRC.
 */
export function parseNordicBleFrame(buf: Uint8Array, start: number, end: number, out: Sighting): BleVerdict {
  if (end - start < NORDIC_PACKET_OFFSET) return BleVerdict.Malformed;
  const version = buf[start] === 0xbe && buf[start + 1] === 0xef ? 0 : buf[start + 3]!;
  if (!nordicLengthsAddUp(buf, start, end - start, version)) return BleVerdict.Malformed;
  const packetId = buf[start + 6];
  let channel: PhysicalChannel = PhysicalChannel.Unknown;
  if (version >= 3 && packetId === NORDIC_EVENT_PACKET_ADVERTISING) channel = PhysicalChannel.Advertising;
  if (version >= 3 && packetId === NORDIC_EVENT_PACKET_DATA) channel = PhysicalChannel.Other;
  const flags = buf[start + NORDIC_FLAGS]!;
  out.channel = advertisingChannel(buf[start + NORDIC_CHANNEL]!);
  out.rssi = -buf[start + NORDIC_RSSI]! | 0;
  const crc = flags & NORDIC_CRC_OK ? CrcStatus.Valid : CrcStatus.Invalid;
  const coded = ((flags >> NORDIC_PHY_SHIFT) & 7) === PHY_CODED;
  return parseLinkLayerPacket(buf, start + NORDIC_PACKET_OFFSET, end, channel, crc, coded, out);
}
