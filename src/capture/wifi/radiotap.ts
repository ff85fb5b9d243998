/**
 * Radiotap (link type 127): the radio header Linux and most monitor-mode drivers put before
 * each 802.11 frame.
 *
 * Layout: version (u8, 0), pad (u8), header length (u16 LE), then one or more 32-bit "present"
 * words (bit 31: another word follows), then the fields the present bits name, in bit order,
 * each aligned to its natural size counted from the start of the header. Bit 29 in a word
 * starts a fresh radiotap namespace in the next word (multi-antenna drivers repeat the
 * antenna fields that way); bit 30 starts a vendor namespace, whose 6-byte field (OUI,
 * sub-namespace, skip length) says how many bytes of vendor data follow it.
 */
import { readI8, readU16LE, readU32LE } from './bytes.js';
import type { RadioHeader } from './radio-header.js';
import { resetRadioHeader } from './radio-header.js';

const PRESENT_EXT = 0x80000000;
const PRESENT_VENDOR_NAMESPACE = 0x40000000;
const PRESENT_RADIOTAP_NAMESPACE = 0x20000000;
/** Bits 0..28 of a present word name fields; 29..31 are the namespace and extension bits. */
const FIELD_MASK = 0x1fffffff;

const FIELD_FLAGS = 1;
const FIELD_CHANNEL = 3;
const FIELD_DBM_ANTENNA_SIGNAL = 5;
const FIELD_XCHANNEL = 18;
/** TLV fields (bit 28) fill the rest of the header with their own framing: parsing stops there. */
const FIELD_TLV = 28;

const FLAG_FCS_AT_END = 0x10;
// Flag 0x20 (data pad) pads data-frame headers to 32 bits; management headers (24 or 28 bytes)
// are already aligned, so probe requests never carry the pad.
const FLAG_FCS_BAD = 0x40;

/**
 * Alignment and size of the radiotap-namespace fields 0..27, in bit order: TSFT, Flags, Rate,
 * Channel, FHSS, dBm antenna signal, dBm antenna noise, lock quality, TX attenuation,
 * dB TX attenuation, dBm TX power, antenna, dB antenna signal, dB antenna noise, RX flags,
 * TX flags, RTS retries, data retries, XChannel, MCS, A-MPDU status, VHT, timestamp, HE,
 * HE-MU, HE-MU-other-user, 0-length-PSDU, L-SIG.
 */
const FIELD_ALIGN = Uint8Array.of(8, 1, 1, 2, 2, 1, 1, 2, 2, 2, 1, 1, 1, 1, 2, 2, 1, 1, 4, 1, 4, 2, 8, 2, 2, 2, 1, 2);
const FIELD_SIZE = Uint8Array.of(8, 1, 1, 4, 2, 1, 1, 2, 2, 2, 1, 1, 1, 1, 2, 2, 1, 1, 8, 3, 8, 12, 12, 12, 12, 6, 1, 4);

function alignUp(offset: number, align: number): number {
  return (offset + align - 1) & ~(align - 1);
}

/**
 * Reads the radiotap header at the start of `buf[start, end)` into `radio`. Returns false when
 * the header is malformed: wrong version, a length outside the captured bytes, present words or
 * a field running past the header length. A field this parser does not know ends field parsing
 * (its size is unknown) but not the frame: the 802.11 frame still starts at the header length.
 */
export function parseRadiotapHeader(buf: Buffer, start: number, end: number, radio: RadioHeader): boolean {
  resetRadioHeader(radio);
  if (end - start < 8 || buf[start] !== 0) return false;
  const headerLength = readU16LE(buf, start + 2);
  if (headerLength < 8 || headerLength > end - start) return false;

  // Offsets below count from the header's start, as radiotap's alignment rules do.
  let fieldOffset = 8;
  for (let wordOffset = 4; readU32LE(buf, start + wordOffset) & PRESENT_EXT; wordOffset += 4) {
    fieldOffset += 4;
    if (fieldOffset > headerLength) return false;
  }
  radio.length = headerLength;

  let flagsSeen = false;
  let xchannel = 0;
  let inRadiotapNamespace = true;
  // Field number of bit 0 of the current word; a word that continues a namespace without a
  // reset numbers its bits from 32, 64, ..., none of which radiotap defines.
  let fieldBase = 0;
  let cursor = fieldOffset;

  words: for (let wordOffset = 4; wordOffset < fieldOffset; wordOffset += 4) {
    const word = readU32LE(buf, start + wordOffset);
    if (inRadiotapNamespace) {
      // Visit the set field bits from the lowest up.
      for (let bits = word & FIELD_MASK; bits !== 0; bits &= bits - 1) {
        const field = fieldBase + 31 - Math.clz32(bits & -bits);
        if (field >= FIELD_TLV) break words;
        cursor = alignUp(cursor, FIELD_ALIGN[field]!);
        const fieldEnd = cursor + FIELD_SIZE[field]!;
        if (fieldEnd > headerLength) return false;
        switch (field) {
          case FIELD_FLAGS:
            if (!flagsSeen) {
              flagsSeen = true;
              const flags = buf[start + cursor]!;
              radio.fcsAtEnd = (flags & FLAG_FCS_AT_END) !== 0;
              radio.fcsFlaggedBad = (flags & FLAG_FCS_BAD) !== 0;
            }
            break;
          case FIELD_CHANNEL:
            if (radio.channel === 0) radio.channel = readU16LE(buf, start + cursor);
            break;
          case FIELD_DBM_ANTENNA_SIGNAL:
            // Multi-antenna headers repeat this per antenna; the first one is the combined signal.
            if (Number.isNaN(radio.rssi)) radio.rssi = readI8(buf, start + cursor);
            break;
          case FIELD_XCHANNEL:
            if (xchannel === 0) xchannel = readU16LE(buf, start + cursor + 4);
            break;
        }
        cursor = fieldEnd;
      }
    }
    if (word & PRESENT_VENDOR_NAMESPACE) {
      cursor = alignUp(cursor, 2);
      if (cursor + 6 > headerLength) return false;
      cursor += 6 + readU16LE(buf, start + cursor + 4);
      if (cursor > headerLength) return false;
      inRadiotapNamespace = false;
      fieldBase = 0;
    } else if (word & PRESENT_RADIOTAP_NAMESPACE) {
      inRadiotapNamespace = true;
      fieldBase = 0;
    } else {
      fieldBase += 32;
    }
  }
  if (radio.channel === 0) radio.channel = xchannel;
  return true;
}
