import { describe, expect, it } from 'vitest';
import { readI8, readU16BE, readU16LE, readU32BE, readU32LE, readU48BE, readU48LE } from './bytes.js';

describe('byte readers', () => {
  const buf = Buffer.from([0xff, 0x80, 0x7f, 0x01, 0xfe, 0xdc, 0xba, 0x98]);

  it('read the same values as Buffer', () => {
    for (let offset = 0; offset + 4 <= buf.length; offset++) {
      expect(readU16LE(buf, offset)).toBe(buf.readUInt16LE(offset));
      expect(readU16BE(buf, offset)).toBe(buf.readUInt16BE(offset));
      expect(readU32LE(buf, offset)).toBe(buf.readUInt32LE(offset));
      expect(readU32BE(buf, offset)).toBe(buf.readUInt32BE(offset));
      expect(readI8(buf, offset)).toBe(buf.readInt8(offset));
    }
    expect(readU48BE(buf, 2)).toBe(buf.readUIntBE(2, 6));
    expect(readU48LE(buf, 2)).toBe(buf.readUIntLE(2, 6));
  });

  it('give an unsigned 32-bit value when the top bit is set', () => {
    expect(readU32LE(Buffer.from([0, 0, 0, 0x80]), 0)).toBe(0x80000000);
    expect(readU32BE(Buffer.from([0x80, 0, 0, 0]), 0)).toBe(0x80000000);
  });

  it('read a 48-bit address with the first byte most significant', () => {
    expect(readU48BE(Buffer.from([0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54]), 0)).toBe(0xfe_dc_ba_98_76_54);
  });

  it('read a BLE address as it is sent, last byte most significant', () => {
    expect(readU48LE(Buffer.from([0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe]), 0)).toBe(0xfe_dc_ba_98_76_54);
  });
});
