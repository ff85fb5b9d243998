/**
 * The 802.11 part of a captured frame: the management header of a probe request and the
 * signature of its information elements.
 */
import { finish32, mixWord } from '../hash32.js';
import type { Sighting } from '../sighting.js';
import { readU16LE, readU48BE } from './bytes.js';

/** What became of one frame. Numbers, so that the per-frame path allocates nothing. */
export const FrameVerdict = {
  /** A probe request; the sighting was filled. */
  Accepted: 0,
  /** A well-formed frame that is not a probe request. */
  Ignored: 1,
  /** Truncated or inconsistent. */
  Malformed: 2,
  /** The frame check sequence is wrong, or the driver says so. */
  BadFcs: 3,
} as const;
export type FrameVerdict = (typeof FrameVerdict)[keyof typeof FrameVerdict];

/** Frame control byte 0 of a probe request: protocol version 0, type 0 (management), subtype 4. */
const PROBE_REQUEST_FC0 = 0x40;
/** Frame control byte 1, Order bit: a management frame then carries a 4-byte HT Control field. */
const FC1_ORDER = 0x80;
const MANAGEMENT_HEADER_LENGTH = 24;
const HT_CONTROL_LENGTH = 4;
const ADDR2_OFFSET = 10;
const SEQUENCE_CONTROL_OFFSET = 22;

/**
 * Parses the 802.11 frame in `buf[start, end)` and, for a probe request, fills `out.address`
 * (addr2, the transmitter), `out.sequence`, `out.signature` and where its elements lie. `complete` is false when the
 * capture cut the frame short (snap length): such a frame counts when its header is whole, with
 * signature 0, since a partial element list would give a partial signature.
 */
export function parseProbeRequest(buf: Buffer, start: number, end: number, complete: boolean, out: Sighting): FrameVerdict {
  if (end - start < 2) return FrameVerdict.Malformed;
  const fc0 = buf[start]!;
  if ((fc0 & 0x03) !== 0) return FrameVerdict.Malformed;
  if (fc0 !== PROBE_REQUEST_FC0) return FrameVerdict.Ignored;
  const headerLength = buf[start + 1]! & FC1_ORDER ? MANAGEMENT_HEADER_LENGTH + HT_CONTROL_LENGTH : MANAGEMENT_HEADER_LENGTH;
  if (end - start < headerLength) return FrameVerdict.Malformed;

  out.address = readU48BE(buf, start + ADDR2_OFFSET);
  out.sequence = readU16LE(buf, start + SEQUENCE_CONTROL_OFFSET) >>> 4;
  out.payloadStart = start + headerLength;
  out.payloadEnd = complete ? end : out.payloadStart;
  if (!complete) {
    out.signature = 0;
    return FrameVerdict.Accepted;
  }
  const signature = informationElementSignature(buf, start + headerLength, end);
  if (signature < 0) return FrameVerdict.Malformed;
  out.signature = signature;
  return FrameVerdict.Accepted;
}

const IE_SUPPORTED_RATES = 1;
const IE_HT_CAPABILITIES = 45;
const IE_EXTENDED_SUPPORTED_RATES = 50;
const IE_SUPPORTED_OPERATING_CLASSES = 59;
const IE_RM_ENABLED_CAPABILITIES = 70;
const IE_EXTENDED_CAPABILITIES = 127;
const IE_VHT_CAPABILITIES = 191;
const IE_VENDOR_SPECIFIC = 221;
const IE_EXTENSION = 255;
const IE_EXT_HE_CAPABILITIES = 35;

/*
 * The signature's hash is fed four bytes at a time: a chain of one multiply per word rather than
 * per byte (as FNV-1a would be), which matters because every frame is hashed. Single values (an
 * element id, a length) go in as words of their own.
 */
const SEED = 0x811c9dc5;

/** `buf[start, end)` four bytes at a time, then the last 0-3 bytes with their count in the top byte. */
function mixRange(hash: number, buf: Buffer, start: number, end: number): number {
  let i = start;
  for (; i + 4 <= end; i += 4) hash = mixWord(hash, buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24));
  const count = end - i;
  let tail = count << 24;
  for (let shift = 0; i < end; i++, shift += 8) tail |= buf[i]! << shift;
  return mixWord(hash, tail);
}

/**
 * A 32-bit hash of what a device's probe requests have in common whatever address it
 * uses: the ordered list of element ids, plus the contents (length first) of the capability
 * elements a chipset and driver fix (Supported Rates, Extended Supported Rates, HT, VHT and HE
 * Capabilities, Extended Capabilities, RM Enabled Capabilities, Supported Operating Classes
 * without its first octet), the extension id of element-ID-extension elements, and the OUI and
 * OUI type of vendor-specific elements.
 *
 * Left out because they vary between frames of one device or single it out: the SSID, the DS
 * Parameter channel, the current operating class (first octet of Supported Operating Classes,
 * which follows the band being scanned), vendor element bodies (WPS carries a per-device UUID)
 * and every other element's contents.
 *
 * Returns -1 when an element runs past `end` (a broken list), otherwise a hash in 1..2^32-1
 * (0 is reserved for "no signature").
 */
export function informationElementSignature(buf: Buffer, start: number, end: number): number {
  let hash = SEED;
  let offset = start;
  while (offset < end) {
    if (offset + 2 > end) return -1;
    const id = buf[offset]!;
    const length = buf[offset + 1]!;
    const body = offset + 2;
    const bodyEnd = body + length;
    if (bodyEnd > end) return -1;
    hash = mixWord(hash, id);
    switch (id) {
      case IE_SUPPORTED_RATES:
      case IE_EXTENDED_SUPPORTED_RATES:
      case IE_HT_CAPABILITIES:
      case IE_EXTENDED_CAPABILITIES:
      case IE_VHT_CAPABILITIES:
      case IE_RM_ENABLED_CAPABILITIES:
        hash = mixRange(mixWord(hash, length), buf, body, bodyEnd);
        break;
      case IE_SUPPORTED_OPERATING_CLASSES:
        if (length > 0) hash = mixRange(mixWord(hash, length - 1), buf, body + 1, bodyEnd);
        break;
      case IE_EXTENSION:
        if (length > 0) {
          const extensionId = buf[body]!;
          hash = mixWord(hash, extensionId);
          if (extensionId === IE_EXT_HE_CAPABILITIES) hash = mixRange(mixWord(hash, length - 1), buf, body + 1, bodyEnd);
        }
        break;
      case IE_VENDOR_SPECIFIC:
        // OUI (3 bytes) and OUI type; shorter vendor elements (seen in real captures) add what they have.
        hash = mixRange(hash, buf, body, Math.min(body + 4, bodyEnd));
        break;
    }
    offset = bodyEnd;
  }
  hash = finish32(hash);
  return hash === 0 ? 1 : hash;
}
