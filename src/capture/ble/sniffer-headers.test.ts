import { describe, expect, it } from 'vitest';
import { advertisingPdu, btleRfFrame, linkLayerPacket, nordicBleFrame, PDU_TYPE } from '../../sim/ble-frames.js';
import { emptySighting, type Sighting } from '../sighting.js';
import { BleVerdict, LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR, LINKTYPE_NORDIC_BLE, parseBleFrame } from './ble-frame.js';

const ADDRESS = 0xc1_02_03_04_05_06;
const packet = linkLayerPacket(advertisingPdu({ type: PDU_TYPE.ADV_NONCONN_IND, txRandom: true, address: ADDRESS, data: Buffer.from([2, 0x0a, 0xf8]) }));

function parse(linkType: number, frame: Uint8Array): { verdict: BleVerdict; sightings: Sighting[] } {
  const sightings: Sighting[] = [];
  const verdict = parseBleFrame(linkType, Buffer.from(frame), 0, frame.length, emptySighting('ble'), (s) => sightings.push({ ...s }));
  return { verdict, sightings };
}

describe('LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR (256)', () => {
  it('reads the advertising channel from the RF channel and the signal when it is valid', () => {
    for (const [rf, channel] of [[0, 37], [12, 38], [39, 39], [11, 0]] as const) {
      const { verdict, sightings } = parse(LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR, btleRfFrame({ rfChannel: rf, signalDbm: -67 }, packet));
      expect(verdict).toBe(BleVerdict.Accepted);
      expect(sightings).toEqual([expect.objectContaining({ address: ADDRESS, addressType: 1, channel, rssi: -67, sequence: -1 })]);
    }
    expect(parse(LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR, btleRfFrame({ rfChannel: 12 }, packet)).sightings[0]!.rssi).toBeNaN();
  });

  it('computes the CRC even when the header says it was checked and valid', () => {
    const bad = Buffer.from(packet);
    bad[8]! ^= 0x04;
    expect(parse(LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR, btleRfFrame({ rfChannel: 12, crcValid: true }, bad)).verdict).toBe(BleVerdict.BadCrc);
    expect(parse(LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR, btleRfFrame({ rfChannel: 12, crcValid: false }, packet)).verdict).toBe(BleVerdict.Accepted);
  });

  it('ignores what the header says are auxiliary advertising, data or isochronous PDUs', () => {
    for (const pduType of [1, 2, 3, 4, 5, 6]) {
      const frame = btleRfFrame({ rfChannel: 12 }, packet);
      frame.writeUInt16LE(frame.readUInt16LE(8) | (pduType << 7), 8);
      expect(parse(LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR, frame).verdict).toBe(BleVerdict.Ignored);
    }
  });

  it('skips the coding indicator on the LE Coded PHY', () => {
    const coded = Buffer.concat([packet.subarray(0, 4), Buffer.from([1]), packet.subarray(4)]);
    const frame = btleRfFrame({ rfChannel: 39 }, coded);
    frame.writeUInt16LE(frame.readUInt16LE(8) | (2 << 14), 8);
    expect(parse(LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR, frame).sightings).toEqual([expect.objectContaining({ address: ADDRESS, channel: 39 })]);
  });

  it('calls a frame shorter than its header Malformed', () => {
    expect(parse(LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR, Buffer.alloc(9)).verdict).toBe(BleVerdict.Malformed);
  });
});

/** A legacy (0.9.7) nRF Sniffer frame: 0xBEEF, packet id, counter, 2 unused bytes, payload length, then the event packet. */
function legacyNordicFrame(crcOk: boolean, channel: number, rssi: number): Buffer {
  const frame = Buffer.alloc(17 + packet.length);
  frame.writeUInt16BE(0xbeef, 0);
  frame[2] = 0x06;
  frame[7] = 9 + packet.length;
  frame[8] = crcOk ? 1 : 0;
  frame[9] = channel;
  frame[10] = -rssi;
  packet.copy(frame, 17);
  return frame;
}

describe('LINKTYPE_NORDIC_BLE (272)', () => {
  it.each([1, 2, 3])('reads version %i: channel index, RSSI and the CRC-OK flag', (version) => {
    const { verdict, sightings } = parse(LINKTYPE_NORDIC_BLE, nordicBleFrame({ version, channel: 38, rssi: -71, crcOk: true }, packet));
    expect(verdict).toBe(BleVerdict.Accepted);
    expect(sightings).toEqual([expect.objectContaining({ address: ADDRESS, channel: 38, rssi: -71 })]);
    expect(parse(LINKTYPE_NORDIC_BLE, nordicBleFrame({ version, channel: 38, rssi: -71, crcOk: false }, packet)).verdict).toBe(BleVerdict.BadCrc);
  });

  it('reads the legacy header that starts with 0xBEEF', () => {
    expect(parse(LINKTYPE_NORDIC_BLE, legacyNordicFrame(true, 37, -50)).sightings).toEqual([expect.objectContaining({ address: ADDRESS, channel: 37, rssi: -50 })]);
    expect(parse(LINKTYPE_NORDIC_BLE, legacyNordicFrame(false, 37, -50)).verdict).toBe(BleVerdict.BadCrc);
  });

  it('takes the flag for the CRC, as the sniffer checked it', () => {
    const bad = Buffer.from(packet);
    bad[bad.length - 1]! ^= 1;
    expect(parse(LINKTYPE_NORDIC_BLE, nordicBleFrame({ channel: 39, rssi: -60, crcOk: true }, bad)).verdict).toBe(BleVerdict.Accepted);
  });

  it('ignores version 3 data packets, and earlier versions tell them by the access address', () => {
    expect(parse(LINKTYPE_NORDIC_BLE, nordicBleFrame({ channel: 39, rssi: -60, crcOk: true, packetId: 0x06 }, packet)).verdict).toBe(BleVerdict.Ignored);
    const data = linkLayerPacket(Buffer.from([0x01, 0x00]), 0x50654c2b, 0x1234);
    expect(parse(LINKTYPE_NORDIC_BLE, nordicBleFrame({ version: 2, channel: 5, rssi: -60, crcOk: true }, data)).verdict).toBe(BleVerdict.Ignored);
  });

  it('calls a frame whose lengths do not add up Malformed, as Wireshark then reads no packet', () => {
    for (const version of [1, 2, 3]) {
      const frame = nordicBleFrame({ version, channel: 38, rssi: -71, crcOk: true }, packet);
      expect(parse(LINKTYPE_NORDIC_BLE, frame.subarray(0, frame.length - 1)).verdict).toBe(BleVerdict.Malformed);
      expect(parse(LINKTYPE_NORDIC_BLE, Buffer.concat([frame, Buffer.alloc(1)])).verdict).toBe(BleVerdict.Malformed);
    }
    expect(parse(LINKTYPE_NORDIC_BLE, Buffer.alloc(16)).verdict).toBe(BleVerdict.Malformed);
  });
});
