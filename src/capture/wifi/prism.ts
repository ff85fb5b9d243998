/**
 * Prism / wlan-ng (link type 119): the radio header of old Prism II and Atheros (madwifi)
 * drivers, in the capturing host's byte order.
 *
 * Layout: msgcode (u32), msglen (u32, the header length), devname (16 bytes), then 12-byte items
 * (did u32, status u16 (0 = supplied), len u16, data u32): hosttime, mactime, channel, rssi, sq,
 * signal, noise, rate, istx, frmlen. Drivers number the items two ways (0x000N0044 and
 * 0x0000N041), and some leave an item's did at 0, so items are found by did, not by position.
 * Files of this link type sometimes hold AVS headers instead; they are recognised by their
 * version word.
 */
import { parseAvsHeader, startsWithAvsVersion } from './avs.js';
import type { RadioHeader } from './radio-header.js';
import { channelToMhz, isPlausibleDbm, resetRadioHeader } from './radio-header.js';

const PRISM_ITEMS_OFFSET = 24;
const PRISM_ITEM_SIZE = 12;
const ITEM_CHANNEL = 3;
const ITEM_RSSI = 4;
const ITEM_SIGNAL = 6;

/** The item number (1 hosttime ... 10 frmlen) a did names, or 0 for an unknown did. */
function prismItem(did: number): number {
  if ((did & 0xffff) === 0x0044) return did >>> 16;
  if ((did & 0xffff0fff) === 0x0041) return (did >>> 12) & 0xf;
  return 0;
}

/** Reads the Prism (or AVS) header at the start of `buf[start, end)`; false when it is malformed. */
export function parsePrismHeader(buf: Buffer, start: number, end: number, radio: RadioHeader): boolean {
  if (startsWithAvsVersion(buf, start, end)) return parseAvsHeader(buf, start, end, radio);
  resetRadioHeader(radio);
  if (end - start < PRISM_ITEMS_OFFSET) return false;
  // msgcode is a small number (0x41 or 0x44): whichever byte order reads it small is the host's.
  const littleEndian = buf.readUInt32LE(start) <= 0xffff;
  const read32 = littleEndian ? buf.readUInt32LE : buf.readUInt32BE;
  const readInt32 = littleEndian ? buf.readInt32LE : buf.readInt32BE;
  const read16 = littleEndian ? buf.readUInt16LE : buf.readUInt16BE;
  const headerLength = read32.call(buf, start + 4);
  if (headerLength < PRISM_ITEMS_OFFSET || headerLength > end - start) return false;
  radio.length = headerLength;

  let signal = Number.NaN;
  let rssi = Number.NaN;
  for (let item = start + PRISM_ITEMS_OFFSET; item + PRISM_ITEM_SIZE <= start + headerLength; item += PRISM_ITEM_SIZE) {
    if (read16.call(buf, item + 4) !== 0) continue;
    const value = readInt32.call(buf, item + 8);
    switch (prismItem(read32.call(buf, item))) {
      case ITEM_CHANNEL:
        radio.channel = channelToMhz(value);
        break;
      case ITEM_RSSI:
        rssi = value;
        break;
      case ITEM_SIGNAL:
        signal = value;
        break;
    }
  }
  // Some drivers put dBm in `signal`, others in `rssi`, others a scaled value in both.
  if (isPlausibleDbm(signal)) radio.rssi = signal;
  else if (isPlausibleDbm(rssi)) radio.rssi = rssi;
  return true;
}
