import { describe, expect, it } from 'vitest';
import { crc32, fcsMatches } from './fcs.js';
import { probeRequest, withFcs } from './synthetic-frames.fixtures.js';

describe('crc32', () => {
  it('gives the IEEE 802.3 check value for "123456789"', () => {
    expect(crc32(Buffer.from('123456789'), 0, 9)).toBe(0xcbf43926);
  });

  it('covers only the given range', () => {
    const bytes = Buffer.from('xx123456789yy');
    expect(crc32(bytes, 2, 11)).toBe(0xcbf43926);
  });

  it('is 0 for an empty range', () => {
    expect(crc32(Buffer.alloc(4), 2, 2)).toBe(0);
  });

  it('equals the bitwise definition for every length and offset up to 70 bytes', () => {
    const bytes = Buffer.from(Array.from({ length: 80 }, (_, i) => (i * 167 + 13) & 0xff));
    const bitwise = (start: number, end: number) => {
      let crc = 0xffffffff;
      for (let i = start; i < end; i++) {
        crc ^= bytes[i]!;
        for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
      }
      return (crc ^ 0xffffffff) >>> 0;
    };
    for (let start = 0; start < 10; start++) {
      for (let end = start; end <= start + 70; end++) expect(crc32(bytes, start, end), `[${start}, ${end})`).toBe(bitwise(start, end));
    }
  });
});

describe('fcsMatches', () => {
  const frame = withFcs(probeRequest({ address: 0x0200_0000_0001, sequence: 7 }));

  it('accepts a frame whose last four bytes are its CRC, least significant byte first', () => {
    expect(fcsMatches(frame, 0, frame.length)).toBe(true);
  });

  it('rejects a frame with one flipped bit anywhere', () => {
    for (let i = 0; i < frame.length; i++) {
      const damaged = Buffer.from(frame);
      damaged[i] = damaged[i]! ^ 0x08;
      expect(fcsMatches(damaged, 0, damaged.length), `byte ${i}`).toBe(false);
    }
  });

  it('finds the frame at an offset in a larger buffer', () => {
    const buf = Buffer.concat([Buffer.alloc(9, 0xaa), frame, Buffer.alloc(5, 0xbb)]);
    expect(fcsMatches(buf, 9, 9 + frame.length)).toBe(true);
  });

  it('is false for ranges too short for an FCS or outside the buffer', () => {
    expect(fcsMatches(frame, 0, 3)).toBe(false);
    expect(fcsMatches(frame, 0, frame.length + 1)).toBe(false);
  });
});
