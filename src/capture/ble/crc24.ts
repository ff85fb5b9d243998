/**
 * The BLE link layer's CRC-24 (Core Specification, Vol 6, Part B, 3.1.1): the polynomial
 * x^24 + x^10 + x^9 + x^6 + x^4 + x^3 + x + 1 (0x00065B), its shift register preset to CRCInit
 * (0x555555 on the advertising channels), over the PDU header and payload, each byte least
 * significant bit first. The air sends the register's bits in the same order, so the three CRC
 * bytes of a captured packet, read little-endian, equal the register of the bit-reversed
 * (LSB-first) formulation computed here.
 */

/** CRCInit of every advertising physical channel PDU. */
export const ADVERTISING_CRC_INIT = 0x555555;

/** 0x00065B with its 24 bits reversed, for the LSB-first register. */
const POLYNOMIAL_REVERSED = 0xda6000;

function reverse24(value: number): number {
  let reversed = 0;
  for (let bit = 0; bit < 24; bit++) reversed |= ((value >>> bit) & 1) << (23 - bit);
  return reversed >>> 0;
}

const TABLE = buildTable();

function buildTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let bit = 0; bit < 8; bit++) c = c & 1 ? (c >>> 1) ^ POLYNOMIAL_REVERSED : c >>> 1;
    table[n] = c;
  }
  return table;
}

/** The CRC of `buf[start, end)` as the packet carries it (its three bytes read little-endian). */
export function crc24(buf: Uint8Array, start: number, end: number, crcInit: number = ADVERTISING_CRC_INIT): number {
  let crc = reverse24(crcInit);
  for (let i = start; i < end; i++) crc = TABLE[(crc ^ buf[i]!) & 0xff]! ^ (crc >>> 8);
  return crc;
}

/** Whether the three bytes after `buf[start, end)` are its CRC; false when they are not all there. */
export function crc24Matches(buf: Uint8Array, start: number, end: number, crcInit: number = ADVERTISING_CRC_INIT): boolean {
  if (start < 0 || end < start || end + 3 > buf.length) return false;
  return crc24(buf, start, end, crcInit) === (buf[end]! | (buf[end + 1]! << 8) | (buf[end + 2]! << 16));
}
