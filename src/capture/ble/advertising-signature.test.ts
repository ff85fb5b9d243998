import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../frame-mutations.fixtures.js';
import { advertisingDataSignature, advertisingSignature, type AdvertisingFields } from './advertising-signature.js';

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

/**
 * The fields of AD structures as noble's gap.js reads them (a switch over the type, Buffer
 * reads, 16-bit UUIDs without leading zeros), with the 32-bit UUID lists it skips written out
 * in full: the reference the signature read off the bytes must agree with.
 */
function nobleFields(eir: Buffer): AdvertisingFields {
  const serviceUuids: string[] = [];
  const serviceData: { uuid: string }[] = [];
  const fields: AdvertisingFields = { serviceUuids, serviceData };
  const uuid128 = (bytes: Buffer) => Buffer.from(bytes).reverse().toString('hex');
  let i = 0;
  while (i + 1 < eir.length) {
    const length = eir.readUInt8(i);
    if (length < 1 || i + length + 1 > eir.length) break;
    const bytes = eir.subarray(i + 2, i + 1 + length);
    switch (eir.readUInt8(i + 1)) {
      case 0x02:
      case 0x03:
        for (let j = 0; j + 2 <= bytes.length; j += 2) serviceUuids.push(bytes.readUInt16LE(j).toString(16));
        break;
      case 0x04:
      case 0x05:
        for (let j = 0; j + 4 <= bytes.length; j += 4) serviceUuids.push(bytes.readUInt32LE(j).toString(16).padStart(8, '0'));
        break;
      case 0x06:
      case 0x07:
        for (let j = 0; j + 16 <= bytes.length; j += 16) serviceUuids.push(uuid128(bytes.subarray(j, j + 16)));
        break;
      case 0x08:
      case 0x09:
        fields.localName = bytes.toString('utf8');
        break;
      case 0x0a:
        if (bytes.length >= 1) fields.txPowerLevel = bytes.readInt8(0);
        break;
      case 0x16:
        if (bytes.length >= 2) serviceData.push({ uuid: bytes.readUInt16LE(0).toString(16) });
        break;
      case 0x20:
        if (bytes.length >= 4) serviceData.push({ uuid: bytes.readUInt32LE(0).toString(16).padStart(8, '0') });
        break;
      case 0x21:
        if (bytes.length >= 16) serviceData.push({ uuid: uuid128(bytes.subarray(0, 16)) });
        break;
      case 0xff:
        fields.manufacturerData = bytes;
        break;
    }
    i += length + 1;
  }
  return fields;
}

describe('advertisingDataSignature', () => {
  const signatureOf = (data: Uint8Array) => advertisingDataSignature(data, 0, data.length);

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
    expect(signatureOf(data)).toBe(
      advertisingSignature({
        serviceUuids: ['fef3', '180f', '12345678', '0f0e0d0c0b0a09080706050403020100'],
        serviceData: [{ uuid: 'fef3' }],
        localName: 'Shop speaker',
        txPowerLevel: -8,
        manufacturerData: Uint8Array.of(0x4c, 0x00, 0x10, 0x05),
      }),
    );
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
    expect(signatureOf(data)).toBe(advertisingSignature(noble));
  });

  it('keeps what came before a structure that runs past the end, and stops at a zero length', () => {
    const data = ad([0xff, 0x4c, 0x00]);
    const apple = advertisingSignature({ ...none, manufacturerData: Uint8Array.of(0x4c, 0x00) });
    expect(signatureOf(Uint8Array.from([...data, 0x05, 0x03, 0xf3]))).toBe(apple);
    expect(signatureOf(Uint8Array.from([...data, 0x00, 0x03, 0x03, 0xf3, 0xfe]))).toBe(apple);
  });

  it('reads only inside [offset, end)', () => {
    const inner = ad([0xff, 0x4c, 0x00]);
    const framed = Uint8Array.from([0xee, 0xee, ...inner, 0x03, 0x03, 0xf3, 0xfe]);
    expect(advertisingDataSignature(framed, 2, 2 + inner.length)).toBe(advertisingSignature({ ...none, manufacturerData: Uint8Array.of(0x4c, 0x00) }));
  });

  it('agrees with the signature of the fields noble reads, on 20,000 random advertising data', () => {
    const random = mulberry32(0xad5);
    const types = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x16, 0x20, 0x21, 0xff, 0x19, 0x00];
    for (let n = 0; n < 20_000; n++) {
      const bytes: number[] = [];
      const structures = Math.floor(random() * 5);
      for (let k = 0; k < structures; k++) {
        const body = Array.from({ length: Math.floor(random() * 20) }, () => Math.floor(random() * 256));
        // Now and then a length that is zero or runs past the end.
        const length = random() < 0.05 ? Math.floor(random() * 40) : body.length + 1;
        bytes.push(length, types[Math.floor(random() * types.length)]!, ...body);
      }
      const eir = Buffer.from(bytes.slice(0, 31 + Math.floor(random() * 220)));
      expect(signatureOf(eir), eir.toString('hex')).toBe(advertisingSignature(nobleFields(eir)));
    }
  });
});
