import { describe, expect, it } from 'vitest';
import { RATES, supportedRates } from '../sim/elements.js';
import { advertisingContent, advertisingPdu, btleRfFrame, encodeAdvertisingData, linkLayerPacket, PDU_TYPE, rfChannel } from '../sim/ble-frames.js';
import { probeElements, radiotapFrame } from '../sim/frames.js';
import { BleFrameDelivery } from './ble/frame-delivery.js';
import { LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR } from './ble/ble-frame.js';
import { PhoneMarker, PhoneMarkerError } from './phone-marker.js';
import type { Sighting, SightingSink } from './sighting.js';
import { LINKTYPE_IEEE802_11_RADIOTAP } from './wifi/frame.js';
import { WifiFrameDelivery } from './wifi/frame-delivery.js';

const UUID = '8e2f5a1c-3b7d-4f60-9a41-5c0d2e6b7f18';
const elements = probeElements(supportedRates(RATES.DSSS_BASIC), []);

function collect(): { sink: SightingSink; marked: boolean[] } {
  const marked: boolean[] = [];
  return { marked, sink: { onSighting: (s: Sighting) => marked.push(s.marked), onMalformed: () => {} } };
}

function deliverProbes(marker: PhoneMarker | null, ssids: string[]): boolean[] {
  const delivery = new WifiFrameDelivery({ checkFcs: true });
  delivery.marker = marker;
  const { sink, marked } = collect();
  for (const ssid of ssids) {
    const frame = Buffer.from(radiotapFrame({ timeMs: 0, address: 0x02_11_22_33_44_55, sequence: 1, rssi: -50, channelMhz: 2437, ssid, elements }, 'fcs'));
    delivery.deliver(LINKTYPE_IEEE802_11_RADIOTAP, frame, 0, frame.length, frame.length, 0, sink);
  }
  return marked;
}

function deliverAdvertisements(marker: PhoneMarker | null, datas: Buffer[]): boolean[] {
  const delivery = new BleFrameDelivery();
  delivery.marker = marker;
  const { sink, marked } = collect();
  for (const data of datas) {
    const pdu = advertisingPdu({ type: PDU_TYPE.ADV_IND, txRandom: true, address: 0x7a_11_22_33_44_55, data });
    const frame = btleRfFrame({ rfChannel: rfChannel(37), signalDbm: -60, crcValid: true }, linkLayerPacket(pdu));
    delivery.deliver(LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR, frame, 0, frame.length, frame.length, 0, sink);
  }
  return marked;
}

const ibeacon = (uuid: string) => Buffer.concat([Buffer.from([0x4c, 0x00, 0x02, 0x15]), Buffer.from(uuid.replace(/-/g, ''), 'hex'), Buffer.from([0, 1, 0, 2, 0xc5])]);

describe('PhoneMarker on Wi-Fi probe requests', () => {
  it('marks the probe requests for the calibration network, and only those', () => {
    const marker = new PhoneMarker({ ssid: 'footfall-cal-4821' });
    expect(deliverProbes(marker, ['footfall-cal-4821', '', 'footfall-cal-48210', 'footfall-cal-482', 'Footfall-cal-4821'])).toEqual([true, false, false, false, false]);
  });

  it('marks nothing when no calibration runs, or when it marks BLE only', () => {
    expect(deliverProbes(null, ['footfall-cal-4821'])).toEqual([false]);
    expect(deliverProbes(new PhoneMarker({ bleName: 'footfall-cal-4821' }), ['footfall-cal-4821'])).toEqual([false]);
  });

  it('resets the mark between frames of the one reused sighting', () => {
    const marker = new PhoneMarker({ ssid: 'cal' });
    expect(deliverProbes(marker, ['cal', 'other', 'cal'])).toEqual([true, false, true]);
  });

  it('reads only within the elements: a truncated element list is not a match', () => {
    const marker = new PhoneMarker({ ssid: 'cal' });
    const body = Buffer.from([0, 3, 0x63, 0x61, 0x6c]);
    expect(marker.matchesProbeElements(body, 0, body.length)).toBe(true);
    expect(marker.matchesProbeElements(body, 0, body.length - 1)).toBe(false);
  });
});

describe('PhoneMarker on BLE advertisements', () => {
  it('marks a local name, a 128-bit service UUID and an iBeacon proximity UUID', () => {
    const marker = new PhoneMarker({ bleName: 'ffcal4821', bleUuid: UUID });
    const datas = [
      encodeAdvertisingData(advertisingContent({ localName: 'ffcal4821' }), 0x06),
      encodeAdvertisingData(advertisingContent({ serviceUuids: [UUID.replace(/-/g, '')] }), 0x06),
      encodeAdvertisingData(advertisingContent({ manufacturerData: ibeacon(UUID) }), 0x06),
      encodeAdvertisingData(advertisingContent({ localName: 'ffcal48210' }), 0x06),
      encodeAdvertisingData(advertisingContent({ serviceUuids: ['fe9f'], manufacturerData: ibeacon('00000000-3b7d-4f60-9a41-5c0d2e6b7f18') }), 0x06),
    ];
    expect(deliverAdvertisements(marker, datas)).toEqual([true, true, true, false, false]);
  });

  it('marks what noble parsed the same way', () => {
    const marker = new PhoneMarker({ bleName: 'ffcal4821', bleUuid: UUID });
    expect(marker.matchesAdvertisement({ localName: 'ffcal4821' })).toBe(true);
    expect(marker.matchesAdvertisement({ serviceUuids: [UUID.replace(/-/g, '').toUpperCase()] })).toBe(true);
    expect(marker.matchesAdvertisement({ manufacturerData: ibeacon(UUID) })).toBe(true);
    expect(marker.matchesAdvertisement({ localName: 'someone', serviceUuids: ['fe9f'] })).toBe(false);
    expect(new PhoneMarker({ ssid: 'ffcal4821' }).matchesAdvertisement({ localName: 'ffcal4821' })).toBe(false);
  });
});

describe('PhoneMarker specs', () => {
  it('says what marks the phone, in the installer words', () => {
    expect(new PhoneMarker({ ssid: 'cal-1', bleName: 'b' }).describe()).toBe('Wi-Fi network "cal-1", BLE name "b"');
  });

  it.each([
    [{}, /--ssid NAME/],
    [{ ssid: '' }, /1 to 32 bytes/],
    [{ ssid: 'x'.repeat(33) }, /1 to 32 bytes/],
    [{ bleName: 'x'.repeat(30) }, /1 to 29 bytes/],
    [{ bleUuid: 'fe9f' }, /128 bits/],
  ])('refuses %j', (spec, message) => {
    expect(() => new PhoneMarker(spec)).toThrow(PhoneMarkerError);
    expect(() => new PhoneMarker(spec)).toThrow(message);
  });
});
