import { describe, expect, it } from 'vitest';
import {
  encodeAdvertisingData,
  h4WithPhdr,
  hciCommand,
  hciEvent,
  leAdvertisingReport,
  leDirectedAdvertisingReport,
  leExtendedAdvertisingReport,
  type AdvertisingContent,
} from '../../sim/ble-frames.js';
import { emptySighting } from '../sighting.js';
import { heardFields, type HeardFields } from '../sighting.fixtures.js';
import { advertisingSignature } from './advertising-signature.js';
import { BleVerdict, LINKTYPE_BLUETOOTH_HCI_H4, LINKTYPE_BLUETOOTH_HCI_H4_WITH_PHDR, parseBleFrame } from './ble-frame.js';

const CONTENT: AdvertisingContent = {
  localName: 'sensor',
  txPowerLevel: 4,
  manufacturerData: undefined,
  serviceData: [],
  serviceUuids: ['180f'],
  serviceSolicitationUuids: [],
};
const DATA = encodeAdvertisingData(CONTENT, 0x06);
const A = 0x00_1a_7d_01_02_03;
const B = 0x7b_00_00_00_00_02;
const C = 0xf0_00_00_00_00_03;

function parse(linkType: number, frame: Uint8Array): { verdict: BleVerdict; sightings: HeardFields[] } {
  const sightings: HeardFields[] = [];
  const verdict = parseBleFrame(linkType, Buffer.from(frame), 0, frame.length, emptySighting('ble'), (s) => sightings.push(heardFields(s)));
  return { verdict, sightings };
}
const received = (h4: Uint8Array) => parse(LINKTYPE_BLUETOOTH_HCI_H4_WITH_PHDR, h4WithPhdr(true, h4));

describe('LE Advertising Reports', () => {
  it('emits one sighting per legacy report, in order, with the address type and RSSI', () => {
    const event = leAdvertisingReport([
      { eventType: 0, addressType: 0, address: A, rssi: -60, data: DATA },
      { eventType: 3, addressType: 1, address: B, rssi: -80 },
      { eventType: 4, addressType: 3, address: C, rssi: 127, data: DATA },
    ]);
    const { verdict, sightings } = received(event);
    expect(verdict).toBe(BleVerdict.Accepted);
    const signature = advertisingSignature(CONTENT);
    expect(sightings).toEqual([
      { source: 'ble', timeMs: 0, address: A, addressType: 0, rssi: -60, channel: 0, sequence: -1, signature },
      { source: 'ble', timeMs: 0, address: B, addressType: 1, rssi: -80, channel: 0, sequence: -1, signature: 0 },
      { source: 'ble', timeMs: 0, address: C, addressType: 1, rssi: Number.NaN, channel: 0, sequence: -1, signature },
    ]);
  });

  it('reads directed reports (the advertiser, not the direct address) and public identity addresses', () => {
    const event = leDirectedAdvertisingReport([{ eventType: 1, addressType: 2, address: A, rssi: -55, directAddressType: 1, directAddress: B }]);
    expect(received(event).sightings).toEqual([expect.objectContaining({ address: A, addressType: 0, rssi: -55, signature: 0 })]);
  });

  it('reads extended reports and passes over anonymous ones', () => {
    const event = leExtendedAdvertisingReport([
      { eventType: 0x13, addressType: 1, address: B, rssi: -70, data: DATA },
      { eventType: 0x00, addressType: 0xff, address: 0, rssi: -72, data: DATA },
    ]);
    expect(received(event)).toEqual({ verdict: BleVerdict.Accepted, sightings: [expect.objectContaining({ address: B, addressType: 1, rssi: -70, signature: advertisingSignature(CONTENT) })] });
    const anonymous = leExtendedAdvertisingReport([{ eventType: 0, addressType: 0xff, address: 0, rssi: -72 }]);
    expect(received(anonymous)).toEqual({ verdict: BleVerdict.Ignored, sightings: [] });
  });

  it('calls an event whose reports do not fill it exactly Malformed, and emits nothing of it', () => {
    for (const event of [
      leAdvertisingReport([{ eventType: 0, addressType: 0, address: A, rssi: -60, data: DATA }, { eventType: 0, addressType: 1, address: B, rssi: -61 }]),
      leDirectedAdvertisingReport([{ eventType: 1, addressType: 1, address: A, rssi: -55 }]),
      leExtendedAdvertisingReport([{ eventType: 0x13, addressType: 1, address: B, rssi: -70, data: DATA }]),
    ]) {
      for (let cut = 5; cut < event.length; cut++) {
        const short = Buffer.from(event.subarray(0, cut));
        short[2] = cut - 3; // a parameter length that agrees with what is left
        expect(received(short), `${cut} bytes`).toEqual({ verdict: BleVerdict.Malformed, sightings: [] });
        expect(received(event.subarray(0, cut)).verdict).toBe(BleVerdict.Malformed);
      }
      const more = Buffer.from(event);
      more[4]! += 1; // one more report than there is
      expect(received(more)).toEqual({ verdict: BleVerdict.Malformed, sightings: [] });
    }
  });

  it('calls an address type HCI does not define, and zero reports, Malformed', () => {
    expect(received(leAdvertisingReport([{ eventType: 0, addressType: 7, address: A, rssi: -60 }])).verdict).toBe(BleVerdict.Malformed);
    expect(received(leAdvertisingReport([])).verdict).toBe(BleVerdict.Malformed);
  });
});

describe('HCI packets that are no advertising reports', () => {
  it('ignores commands, data, other events and other LE subevents', () => {
    const scanEnable = hciCommand(0x200c, Buffer.from([1, 0]));
    const commandComplete = hciEvent(0x0e, Buffer.from([1, 0x0c, 0x20, 0]));
    const connectionComplete = hciEvent(0x3e, Buffer.from([0x01, 0, 0x40, 0, 0, 0, ...Buffer.alloc(12)]));
    const acl = Buffer.from([0x02, 0x40, 0x00, 0x01, 0x00, 0xff]);
    for (const h4 of [scanEnable, commandComplete, connectionComplete, acl]) {
      expect(received(h4)).toEqual({ verdict: BleVerdict.Ignored, sightings: [] });
    }
  });

  it('reads only what the controller sent to the host', () => {
    const event = leAdvertisingReport([{ eventType: 0, addressType: 0, address: A, rssi: -60 }]);
    expect(parse(LINKTYPE_BLUETOOTH_HCI_H4_WITH_PHDR, h4WithPhdr(false, event)).verdict).toBe(BleVerdict.Ignored);
    expect(parse(LINKTYPE_BLUETOOTH_HCI_H4, event).sightings).toEqual([expect.objectContaining({ address: A })]);
  });

  it('calls frames too short for their headers Malformed', () => {
    expect(parse(LINKTYPE_BLUETOOTH_HCI_H4_WITH_PHDR, Buffer.from([0, 0, 0, 1])).verdict).toBe(BleVerdict.Malformed);
    expect(parse(LINKTYPE_BLUETOOTH_HCI_H4, Buffer.alloc(0)).verdict).toBe(BleVerdict.Malformed);
    expect(received(Buffer.from([0x04, 0x3e])).verdict).toBe(BleVerdict.Malformed);
    expect(received(Buffer.from([0x04, 0x3e, 0x00])).verdict).toBe(BleVerdict.Malformed);
  });
});
