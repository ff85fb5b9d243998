import { describe, expect, it } from 'vitest';
import { ADVERTISING_ACCESS_ADDRESS, advertisingPdu, encodeAdvertisingData, linkLayerPacket, PDU_TYPE, type AdvertisingContent } from '../../sim/ble-frames.js';
import { emptySighting } from '../sighting.js';
import { heardFields, type HeardFields } from '../sighting.fixtures.js';
import { advertisingSignature } from './advertising-signature.js';
import { BleVerdict, LINKTYPE_BLUETOOTH_LE_LL, parseBleFrame } from './ble-frame.js';
import { CrcStatus, parseLinkLayerPacket, PhysicalChannel } from './link-layer.js';

const APPLE: AdvertisingContent = {
  localName: undefined,
  txPowerLevel: undefined,
  manufacturerData: Buffer.from([0x4c, 0x00, 0x10, 0x05, 1, 2, 3, 4, 5]),
  serviceData: [],
  serviceUuids: [],
  serviceSolicitationUuids: [],
};
const ADDRESS = 0x5a_11_22_33_44_55;
const TARGET = 0x4b_66_77_88_99_aa;

/** Parses a LINKTYPE_BLUETOOTH_LE_LL frame; returns the verdict and the sightings emitted. */
function parse(frame: Uint8Array): { verdict: BleVerdict; sightings: HeardFields[] } {
  const sightings: HeardFields[] = [];
  const verdict = parseBleFrame(LINKTYPE_BLUETOOTH_LE_LL, Buffer.from(frame), 0, frame.length, emptySighting('ble'), (s) => sightings.push(heardFields(s)));
  return { verdict, sightings };
}

describe('parseLinkLayerPacket through link type 251', () => {
  it.each([
    ['ADV_IND', PDU_TYPE.ADV_IND],
    ['ADV_NONCONN_IND', PDU_TYPE.ADV_NONCONN_IND],
    ['ADV_SCAN_IND', PDU_TYPE.ADV_SCAN_IND],
    ['SCAN_RSP', PDU_TYPE.SCAN_RSP],
  ])('accepts %s: AdvA as written, TxAdd, the signature of its advertising data', (_name, type) => {
    const data = encodeAdvertisingData(APPLE, 0x1a);
    const { verdict, sightings } = parse(linkLayerPacket(advertisingPdu({ type, txRandom: true, address: ADDRESS, data })));
    expect(verdict).toBe(BleVerdict.Accepted);
    expect(sightings).toEqual([
      { source: 'ble', timeMs: 0, address: ADDRESS, addressType: 1, rssi: Number.NaN, channel: 0, sequence: -1, signature: advertisingSignature(APPLE) },
    ]);
  });

  it('accepts ADV_DIRECT_IND with its advertiser, not its target, and a public TxAdd', () => {
    const { verdict, sightings } = parse(linkLayerPacket(advertisingPdu({ type: PDU_TYPE.ADV_DIRECT_IND, txRandom: false, rxRandom: true, address: ADDRESS, secondAddress: TARGET })));
    expect(verdict).toBe(BleVerdict.Accepted);
    expect(sightings).toEqual([expect.objectContaining({ address: ADDRESS, addressType: 0, signature: 0 })]);
  });

  it('ignores SCAN_REQ, CONNECT_IND and extended advertising PDUs, and data channel packets', () => {
    const scanReq = advertisingPdu({ type: PDU_TYPE.SCAN_REQ, txRandom: true, address: TARGET, secondAddress: ADDRESS });
    const connect = advertisingPdu({ type: PDU_TYPE.CONNECT_IND, txRandom: true, address: TARGET, secondAddress: ADDRESS, data: Buffer.alloc(22) });
    const extended = advertisingPdu({ type: PDU_TYPE.ADV_EXT_IND, txRandom: false, address: ADDRESS });
    const ind = advertisingPdu({ type: PDU_TYPE.ADV_IND, txRandom: true, address: ADDRESS });
    for (const packet of [linkLayerPacket(scanReq), linkLayerPacket(connect), linkLayerPacket(extended), linkLayerPacket(ind, 0x50654c2b, 0x1234)]) {
      expect(parse(packet)).toEqual({ verdict: BleVerdict.Ignored, sightings: [] });
    }
  });

  it('calls a packet with a wrong CRC BadCrc, whatever its type says', () => {
    for (const type of [PDU_TYPE.ADV_IND, PDU_TYPE.SCAN_REQ]) {
      const packet = linkLayerPacket(advertisingPdu({ type, txRandom: true, address: ADDRESS, secondAddress: TARGET }));
      packet[packet.length - 1]! ^= 0x10;
      expect(parse(packet)).toEqual({ verdict: BleVerdict.BadCrc, sightings: [] });
    }
  });

  it('calls truncated and inconsistent packets Malformed', () => {
    const good = linkLayerPacket(advertisingPdu({ type: PDU_TYPE.ADV_IND, txRandom: true, address: ADDRESS, data: encodeAdvertisingData(APPLE) }));
    for (let length = 0; length < good.length; length++) expect(parse(good.subarray(0, length)).verdict, `${length} bytes`).toBe(BleVerdict.Malformed);
    expect(parse(Buffer.concat([good, Buffer.from([0])])).verdict).toBe(BleVerdict.Malformed);
    // An ADV_IND too short for AdvA, with a good CRC.
    expect(parse(linkLayerPacket(Buffer.from([0x40, 3, 1, 2, 3]))).verdict).toBe(BleVerdict.Malformed);
    expect(parse(linkLayerPacket(advertisingPdu({ type: PDU_TYPE.ADV_DIRECT_IND, txRandom: true, address: ADDRESS }))).verdict).toBe(BleVerdict.Malformed);
  });

  it('reads what the header says about the channel, the CRC and the Coded PHY', () => {
    const out = emptySighting('ble');
    const pdu = advertisingPdu({ type: PDU_TYPE.ADV_NONCONN_IND, txRandom: false, address: ADDRESS });
    const packet = linkLayerPacket(pdu, 0x12345678);
    expect(parseLinkLayerPacket(packet, 0, packet.length, PhysicalChannel.Advertising, CrcStatus.Valid, false, out)).toBe(BleVerdict.Accepted);
    expect(out.address).toBe(ADDRESS);
    expect(parseLinkLayerPacket(packet, 0, packet.length, PhysicalChannel.Other, CrcStatus.Valid, false, out)).toBe(BleVerdict.Ignored);
    const advertising = linkLayerPacket(pdu);
    expect(parseLinkLayerPacket(advertising, 0, advertising.length, PhysicalChannel.Unknown, CrcStatus.Invalid, false, out)).toBe(BleVerdict.BadCrc);
    const coded = Buffer.concat([advertising.subarray(0, 4), Buffer.from([0x00]), advertising.subarray(4)]);
    expect(parseLinkLayerPacket(coded, 0, coded.length, PhysicalChannel.Unknown, CrcStatus.Unchecked, true, out)).toBe(BleVerdict.Accepted);
    expect(out.address).toBe(ADDRESS);
    expect(ADVERTISING_ACCESS_ADDRESS).toBe(0x8e89bed6);
  });

  it('reads only within its range and its buffer', () => {
    const packet = linkLayerPacket(advertisingPdu({ type: PDU_TYPE.ADV_IND, txRandom: true, address: ADDRESS }));
    const out = emptySighting('ble');
    expect(parseLinkLayerPacket(packet, 0, packet.length + 5, PhysicalChannel.Unknown, CrcStatus.Unchecked, false, out)).toBe(BleVerdict.Malformed);
    expect(parseLinkLayerPacket(packet, -1, packet.length, PhysicalChannel.Unknown, CrcStatus.Unchecked, false, out)).toBe(BleVerdict.Malformed);
    expect(parseBleFrame(9999, packet, 0, packet.length, out, () => {})).toBe(BleVerdict.Malformed);
  });
});
