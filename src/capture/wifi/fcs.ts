/**
 * The 802.11 frame check sequence: CRC-32 with the IEEE 802.3 polynomial (reflected, 0xEDB88320),
 * initial value and final XOR 0xFFFFFFFF, sent least significant byte first after the frame body.
 */

const CRC32_TABLE = buildCrc32Table();

function buildCrc32Table(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let bit = 0; bit < 8; bit++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

/** CRC-32 of `buf[start, end)`, as an unsigned 32-bit integer. */
export function crc32(buf: Uint8Array, start: number, end: number): number {
  let crc = 0xffffffff;
  for (let i = start; i < end; i++) crc = CRC32_TABLE[(crc ^ buf[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * Whether the last four bytes of `buf[start, end)` are the FCS of the bytes before them.
 * False when the range is too short to hold an FCS.
 */
export function fcsMatches(buf: Buffer, start: number, end: number): boolean {
  if (end - start < 4 || start < 0 || end > buf.length) return false;
  return crc32(buf, start, end - 4) === buf.readUInt32LE(end - 4);
}
