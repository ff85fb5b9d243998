/**
 * One captured Wi-Fi frame, whatever its link type, to a verdict and (for a probe request) a
 * filled Sighting. Allocates nothing and never throws, whatever the bytes: it runs inside the
 * libpcap callback, for every frame.
 */
import type { Sighting } from '../sighting.js';
import { parseAvsHeader } from './avs.js';
import { fcsMatches } from './fcs.js';
import { FrameVerdict, parseProbeRequest } from './ieee80211.js';
import { parsePrismHeader } from './prism.js';
import { emptyRadioHeader, resetRadioHeader } from './radio-header.js';
import { parseRadiotapHeader } from './radiotap.js';

export { FrameVerdict } from './ieee80211.js';

export const LINKTYPE_IEEE802_11 = 105;
export const LINKTYPE_IEEE802_11_PRISM = 119;
export const LINKTYPE_IEEE802_11_RADIOTAP = 127;
export const LINKTYPE_IEEE802_11_AVS = 163;

export interface WifiParseOptions {
  /** Verify the FCS when the frame carries one, and honour the driver's bad-FCS flag. */
  checkFcs: boolean;
}

const FCS_LENGTH = 4;
/** The shortest frame that can hold a management header and an FCS. */
const MIN_FRAME_WITH_FCS = 24 + FCS_LENGTH;

// One scratch header for every call: parsing is synchronous and never re-entered, and a
// per-call object would be an allocation per frame.
const radio = emptyRadioHeader();

/**
 * Parses the frame of `linkType` that starts at `buf[start]` and has `length` bytes as the
 * capture delivered it (`buf` may be a larger reused buffer). `originalLength` is the frame's
 * length on the air; when it exceeds `length` the capture cut the frame short. On Accepted, `out`
 * holds the address, addressType 0, rssi, channel, sequence and signature (the caller sets
 * source and time); on any other verdict its contents are unspecified.
 */
export function parseWifiFrame(
  linkType: number,
  buf: Buffer,
  start: number,
  length: number,
  out: Sighting,
  options: WifiParseOptions,
  originalLength: number = length,
): FrameVerdict {
  if (!(length >= 0)) return FrameVerdict.Malformed;
  const captured = Math.min(Math.floor(length), buf.length - start);
  const capturedEnd = start + captured;
  const onAir = originalLength > captured ? originalLength : captured;

  // Link types whose header cannot say whether an FCS follows; some drivers append one anyway.
  let fcsUnknown = false;
  let headerOk: boolean;
  switch (linkType) {
    case LINKTYPE_IEEE802_11_RADIOTAP:
      headerOk = parseRadiotapHeader(buf, start, capturedEnd, radio);
      break;
    case LINKTYPE_IEEE802_11:
      resetRadioHeader(radio);
      headerOk = true;
      fcsUnknown = true;
      break;
    case LINKTYPE_IEEE802_11_PRISM:
      headerOk = parsePrismHeader(buf, start, capturedEnd, radio);
      fcsUnknown = true;
      break;
    case LINKTYPE_IEEE802_11_AVS:
      headerOk = parseAvsHeader(buf, start, capturedEnd, radio);
      fcsUnknown = true;
      break;
    default:
      return FrameVerdict.Malformed;
  }
  if (!headerOk) return FrameVerdict.Malformed;

  // Offsets from here on count from `start`.
  const header = radio.length;
  const fcsCaptured = onAir <= captured;
  let frameEnd = onAir;
  if (radio.fcsAtEnd) {
    if (onAir - header < FCS_LENGTH) return FrameVerdict.Malformed;
    frameEnd = onAir - FCS_LENGTH;
    // A frame cut before its FCS cannot be checked; it still counts (see parseProbeRequest).
    if (options.checkFcs && (radio.fcsFlaggedBad || (fcsCaptured && !fcsMatches(buf, start + header, start + onAir)))) {
      return FrameVerdict.BadFcs;
    }
  } else if (options.checkFcs && radio.fcsFlaggedBad) {
    return FrameVerdict.BadFcs;
  } else if (fcsUnknown && fcsCaptured && onAir - header >= MIN_FRAME_WITH_FCS && fcsMatches(buf, start + header, start + onAir)) {
    // Four trailing bytes that are the CRC of the frame are an FCS (a false match has odds of
    // 2^-32); parsing them as an element would change the signature.
    frameEnd = onAir - FCS_LENGTH;
  }

  out.rssi = radio.rssi;
  out.channel = radio.channel;
  out.addressType = 0;
  const complete = frameEnd <= captured;
  return parseProbeRequest(buf, start + header, start + (complete ? frameEnd : captured), complete, out);
}
