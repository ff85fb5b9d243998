import { describe, expect, it } from 'vitest';
import { advertisingSignature, parseAdvertisingData, type AdvertisingFields } from './advertising-signature.js';

const none: AdvertisingFields = { serviceUuids: [], serviceData: [] };

function ad(...structures: number[][]): Uint8Array {
  return Uint8Array.from(structures.flatMap((s) => [s.length, ...s]));
}

describe('advertisingSignature', () => {
  it('is 0 for advertising data without any of its features', () => {
    expect(advertisingSignature(none)).toBe(0);
    expect(advertisingSignature({ ...none, manufacturerData: Uint8Array.of(0x4c) })).toBe(0);
  });

  it('depends on the company id, not on the manufacturer payload that follows it', () => {
    const apple = advertisingSignature({ ...none, manufacturerData: Uint8Array.of(0x4c, 0x00, 0x10, 0x05, 0x01) });
    expect(advertisingSignature({ ...none, manufacturerData: Uint8Array.of(0x4c, 0x00, 0x10, 0x07, 0x3f, 0x99) })).toBe(apple);
    expect(advertisingSignature({ ...none, manufacturerData: Uint8Array.of(0x06, 0x00, 0x10, 0x05, 0x01) })).not.toBe(apple);
    expect(apple).not.toBe(0);
  });

  it('depends on the name and TX power being there, not on their values', () => {
    const named = advertisingSignature({ ...none, localName: 'Anna’s phone' });
    expect(advertisingSignature({ ...none, localName: 'Ben’s phone' })).toBe(named);
    expect(advertisingSignature({ ...none, txPowerLevel: 4 })).toBe(advertisingSignature({ ...none, txPowerLevel: -8 }));
    expect(advertisingSignature({ ...none, txPowerLevel: 4 })).not.toBe(named);
  });

  it('ignores the order of UUIDs, their case and noble dropping leading zeros, and tells services from service data', () => {
    const a = advertisingSignature({ ...none, serviceUuids: ['0fe9', 'FEF3'] });
    expect(advertisingSignature({ ...none, serviceUuids: ['fef3', 'fe9'] })).toBe(a);
    expect(advertisingSignature({ ...none, serviceUuids: ['fef3'] })).not.toBe(a);
    expect(advertisingSignature({ ...none, serviceData: [{ uuid: 'fef3' }] })).not.toBe(advertisingSignature({ ...none, serviceUuids: ['fef3'] }));
    const long = '6e400001b5a3f393e0a9e50e24dcca9e';
    expect(advertisingSignature({ ...none, serviceUuids: ['6E400001-B5A3-F393-E0A9-E50E24DCCA9E'] })).toBe(advertisingSignature({ ...none, serviceUuids: [long] }));
  });
});

describe('parseAdvertisingData', () => {
  it('reads flags, UUID lists of every width, service data, name, TX power and manufacturer data', () => {
    const data = ad(
      [0x01, 0x06],
      [0x03, 0xf3, 0xfe, 0x0f, 0x18],
      [0x05, 0x78, 0x56, 0x34, 0x12],
      [0x07, ...Array.from({ length: 16 }, (_, i) => i)],
      [0x16, 0xf3, 0xfe, 0xaa, 0xbb],
      [0x09, ...Buffer.from('Shop speaker')],
      [0x0a, 0xf8],
      [0xff, 0x4c, 0x00, 0x10, 0x05],
    );
    const fields = parseAdvertisingData(data, 0, data.length);
    expect(fields.serviceUuids).toEqual(['fef3', '180f', '12345678', '0f0e0d0c0b0a09080706050403020100']);
    expect(fields.serviceData).toEqual([{ uuid: 'fef3' }]);
    expect(fields.localName).toBe('');
    expect(fields.txPowerLevel).toBe(-8);
    expect([...fields.manufacturerData!]).toEqual([0x4c, 0x00, 0x10, 0x05]);
  });

  it('gives the signature noble’s parse of the same advertisement gives', () => {
    const data = ad([0x01, 0x1a], [0x03, 0xe9, 0x0f], [0x16, 0xf3, 0xfe, 0x01], [0x0a, 0x04], [0xff, 0x4c, 0x00, 0x02, 0x15]);
    // As gap.js turns it into an advertisement object.
    const noble: AdvertisingFields = {
      localName: undefined,
      txPowerLevel: 4,
      manufacturerData: Buffer.from([0x4c, 0x00, 0x02, 0x15]),
      serviceUuids: ['fe9'],
      serviceData: [{ uuid: 'fef3' }],
    };
    expect(advertisingSignature(parseAdvertisingData(data, 0, data.length))).toBe(advertisingSignature(noble));
  });

  it('keeps what came before a structure that runs past the end, and stops at a zero length', () => {
    const data = ad([0xff, 0x4c, 0x00]);
    const cut = Uint8Array.from([...data, 0x05, 0x03, 0xf3]);
    expect(parseAdvertisingData(cut, 0, cut.length).manufacturerData).toBeDefined();
    expect(parseAdvertisingData(cut, 0, cut.length).serviceUuids).toEqual([]);
    const padded = Uint8Array.from([...data, 0x00, 0x03, 0x03, 0xf3, 0xfe]);
    expect(parseAdvertisingData(padded, 0, padded.length).serviceUuids).toEqual([]);
  });

  it('reads only inside [offset, end)', () => {
    const inner = ad([0xff, 0x4c, 0x00]);
    const framed = Uint8Array.from([0xee, 0xee, ...inner, 0x03, 0x03, 0xf3, 0xfe]);
    const fields = parseAdvertisingData(framed, 2, 2 + inner.length);
    expect(fields.serviceUuids).toEqual([]);
    expect([...fields.manufacturerData!]).toEqual([0x4c, 0x00]);
  });
});
