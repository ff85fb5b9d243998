/**
 * The 802.11 frame check sequence: CRC-32 with the IEEE 802.3 polynomial (reflected, 0xEDB88320),
 * initial value and final XOR 0xFFFFFFFF, sent least significant byte first after the frame body.
 */

/**
 * Slicing-by-8 tables: table k (entries 256k..256k+255) is the CRC of a byte followed by k zero
 * bytes, so eight bytes are folded in with eight independent lookups instead of a chain of eight
 * dependent ones: a third of the time on probe requests, most of which carry an FCS.
 */
const CRC32_TABLES = buildCrc32Tables();

function buildCrc32Tables(): Int32Array {
  const tables = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let bit = 0; bit < 8; bit++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    tables[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    for (let k = 1; k < 8; k++) {
      const previous = tables[(k - 1) * 256 + n]!;
      tables[k * 256 + n] = tables[previous & 0xff]! ^ (previous >>> 8);
    }
  }
  return tables;
}

/** CRC-32 of `buf[start, end)`, as an unsigned 32-bit integer. */
export function crc32(buf: Uint8Array, start: number, end: number): number {
  const t = CRC32_TABLES;
  let crc = ~0;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    const low = crc ^ (buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24));
    const high = buf[i + 4]! | (buf[i + 5]! << 8) | (buf[i + 6]! << 16) | (buf[i + 7]! << 24);
    crc =
      t[0x700 + (low & 0xff)]! ^
      t[0x600 + ((low >>> 8) & 0xff)]! ^
      t[0x500 + ((low >>> 16) & 0xff)]! ^
      t[0x400 + (low >>> 24)]! ^
      t[0x300 + (high & 0xff)]! ^
      t[0x200 + ((high >>> 8) & 0xff)]! ^
      t[0x100 + ((high >>> 16) & 0xff)]! ^
      t[high >>> 24]!;
  }
  for (; i < end; i++) crc = t[(crc ^ buf[i]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}

/**
 * Whether the last four bytes of `buf[start, end)` are the FCS of the bytes before them.
 * False when the range is too short to hold an FCS.
 */
export function fcsMatches(buf: Buffer, start: number, end: number): boolean {
  if (end - start < 4 || start < 0 || end > buf.length) return false;
  return crc32(buf, start, end - 4) === buf.readUInt32LE(end - 4);
}
