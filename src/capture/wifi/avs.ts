/**
 * AVS (link type 163, and some link type 119 files): a big-endian radio header.
 *
 * Layout (offsets in bytes): version (0, 0x8021100x), header length (4), mactime (8, u64),
 * hosttime (16, u64), phytype (24), channel (28), data rate (32), antenna (36), priority (40),
 * ssi_type (44), ssi_signal (48, signed), ssi_noise (52, signed), preamble (56), encoding (60).
 * Later versions append fields; the header length covers them.
 */
import type { RadioHeader } from './radio-header.js';
import { channelToMhz, isPlausibleDbm, resetRadioHeader } from './radio-header.js';

const AVS_FIXED_LENGTH = 64;
const SSI_TYPE_DBM = 2;

/** Whether the 32-bit big-endian word at the start of `buf[start, end)` is an AVS version word. */
export function startsWithAvsVersion(buf: Buffer, start: number, end: number): boolean {
  return end - start >= 4 && buf.readUInt32BE(start) >>> 4 === 0x8021100;
}

/** Reads the AVS header at the start of `buf[start, end)`; false when it is malformed. */
export function parseAvsHeader(buf: Buffer, start: number, end: number, radio: RadioHeader): boolean {
  resetRadioHeader(radio);
  if (end - start < AVS_FIXED_LENGTH || !startsWithAvsVersion(buf, start, end)) return false;
  const headerLength = buf.readUInt32BE(start + 4);
  if (headerLength < AVS_FIXED_LENGTH || headerLength > end - start) return false;
  radio.length = headerLength;
  radio.channel = channelToMhz(buf.readUInt32BE(start + 28));
  if (buf.readUInt32BE(start + 44) === SSI_TYPE_DBM) {
    const signal = buf.readInt32BE(start + 48);
    if (isPlausibleDbm(signal)) radio.rssi = signal;
  }
  return true;
}
