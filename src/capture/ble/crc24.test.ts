import { describe, expect, it } from 'vitest';
import { crc24, crc24Matches } from './crc24.js';

/** An ADV_IND as a HackRF with ice9 captured it (boston_hackrf_adv38, frame 1): access address, PDU, CRC. */
const CAPTURED = Buffer.from(
  'd6be898e40251f2b974f2a7102011a1bff4c000c0e08e73ecdb55fdb35fd3a06ee4fb4100640' + '1d9f6aca384d1d28',
  'hex',
);
const PDU_END = CAPTURED.length - 3;

describe('crc24', () => {
  it('matches the CRC a real advertising packet carries', () => {
    expect(crc24Matches(CAPTURED, 4, PDU_END)).toBe(true);
    expect(crc24(CAPTURED, 4, PDU_END)).toBe(CAPTURED.readUIntLE(PDU_END, 3));
  });

  it('detects every single flipped bit of the PDU and of the CRC', () => {
    for (let bit = 0; bit < (CAPTURED.length - 4) * 8; bit++) {
      const flipped = Buffer.from(CAPTURED);
      flipped[4 + (bit >> 3)]! ^= 1 << (bit & 7);
      expect(crc24Matches(flipped, 4, PDU_END), `bit ${bit}`).toBe(false);
    }
  });

  it('depends on the CRC init (data channels have their own)', () => {
    expect(crc24(CAPTURED, 4, PDU_END, 0x123456)).not.toBe(crc24(CAPTURED, 4, PDU_END));
  });

  it('is false when the three CRC bytes are not all there', () => {
    expect(crc24Matches(CAPTURED, 4, CAPTURED.length - 2)).toBe(false);
    expect(crc24Matches(CAPTURED, 4, 2)).toBe(false);
  });
});
