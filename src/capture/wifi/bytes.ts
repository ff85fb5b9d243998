/**
 * Unsigned little- and big-endian reads for the per-frame path. Buffer's read methods validate
 * their offset argument on every call, which costs more than the read; these leave bounds to
 * the caller, which checks them once per field.
 */

export function readI8(buf: Uint8Array, offset: number): number {
  return (buf[offset]! << 24) >> 24;
}

export function readU16LE(buf: Uint8Array, offset: number): number {
  return buf[offset]! | (buf[offset + 1]! << 8);
}

export function readU32LE(buf: Uint8Array, offset: number): number {
  return (buf[offset]! | (buf[offset + 1]! << 8) | (buf[offset + 2]! << 16) | (buf[offset + 3]! << 24)) >>> 0;
}

export function readU16BE(buf: Uint8Array, offset: number): number {
  return (buf[offset]! << 8) | buf[offset + 1]!;
}

/** Six bytes as a 48-bit integer, first byte most significant. */
export function readU48BE(buf: Uint8Array, offset: number): number {
  return readU16BE(buf, offset) * 0x1_0000_0000 + readU16BE(buf, offset + 2) * 0x1_0000 + readU16BE(buf, offset + 4);
}

export function readU32BE(buf: Uint8Array, offset: number): number {
  return ((buf[offset]! << 24) | (buf[offset + 1]! << 16) | (buf[offset + 2]! << 8) | buf[offset + 3]!) >>> 0;
}

/** Six bytes as a 48-bit integer, last byte most significant (a BLE address as it is sent). */
export function readU48LE(buf: Uint8Array, offset: number): number {
  return readU16LE(buf, offset + 4) * 0x1_0000_0000 + readU16LE(buf, offset + 2) * 0x1_0000 + readU16LE(buf, offset);
}
