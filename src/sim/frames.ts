/**
 * The bytes of one probe request (802.11-2020 9.3.3.9) and of the link-layer headers a capture
 * puts in front of it: none (linktype 105), radiotap (127), Prism (119) or AVS (163).
 *
 * The encoders write into a caller's buffer and return the length, so a capture writer can
 * build a million frames without allocating; the `…Frame` helpers allocate, for tests.
 */

import { crc32 } from '../capture/wifi/fcs.js';
import { channelNumber, ELEMENT } from './elements.js';
import { writeAvsHeader, writePrismHeader, AVS_HEADER_LENGTH, PRISM_HEADER_LENGTH } from './legacy-headers.js';
import { RADIOTAP_LAYOUTS, type RadiotapLayout } from './radiotap.js';

export const LINKTYPE = {
  IEEE802_11: 105,
  IEEE802_11_PRISM: 119,
  IEEE802_11_RADIOTAP: 127,
  IEEE802_11_AVS: 163,
} as const;

export type WifiLinkType = (typeof LINKTYPE)[keyof typeof LINKTYPE];

/** A device's elements after the SSID, with the DS Parameter Set's channel byte at `channelAt`. */
export interface ProbeElements {
  readonly bytes: Uint8Array;
  readonly channelAt: number;
}

/** What a probe request's bytes are made of: one emission of the simulation, or a test's own. */
export interface Probe {
  /** Milliseconds since the Unix epoch; microseconds in the fraction. */
  readonly timeMs: number;
  /** The 48-bit source address, first transmitted octet most significant. */
  readonly address: number;
  /** The 12-bit sequence number. */
  readonly sequence: number;
  /** Received signal strength, whole dBm. */
  readonly rssi: number;
  readonly channelMhz: number;
  /** The SSID probed for; '' is the wildcard (any network). */
  readonly ssid: string;
  readonly elements: ProbeElements;
}

export interface FrameEncoding {
  readonly linkType: WifiLinkType;
  /** Radiotap only: the header layout (default 'esp32'). */
  readonly layout?: RadiotapLayout;
}

/** Large enough for any frame these encoders produce (longest header, 32-byte SSID, elements, FCS). */
export const MAX_FRAME_BYTES = 1024;

const HEADER_LENGTH = 24;
const FRAME_CONTROL_PROBE_REQUEST = 0x0040;
const utf8 = new TextEncoder();

/** Builds a device's element bytes: those before the DS Parameter Set, the set itself, the rest. */
export function probeElements(beforeChannel: readonly number[], afterChannel: readonly number[]): ProbeElements {
  const bytes = Uint8Array.from([...beforeChannel, ELEMENT.DS_PARAMETER_SET, 1, 0, ...afterChannel]);
  return { bytes, channelAt: beforeChannel.length + 2 };
}

function writeAddress(out: Uint8Array, offset: number, address: number): void {
  const high = Math.floor(address / 0x1_0000_0000);
  const low = address >>> 0;
  out[offset] = high >>> 8;
  out[offset + 1] = high & 0xff;
  out[offset + 2] = low >>> 24;
  out[offset + 3] = (low >>> 16) & 0xff;
  out[offset + 4] = (low >>> 8) & 0xff;
  out[offset + 5] = low & 0xff;
}

/** Writes the plain 802.11 probe request (no FCS) at `offset`; returns its length. */
export function encodeProbeRequest(probe: Probe, out: Uint8Array, offset = 0): number {
  out[offset] = FRAME_CONTROL_PROBE_REQUEST & 0xff;
  out[offset + 1] = FRAME_CONTROL_PROBE_REQUEST >>> 8;
  out[offset + 2] = 0; // duration: 0 for broadcast management frames
  out[offset + 3] = 0;
  out.fill(0xff, offset + 4, offset + 10); // addr1: broadcast
  writeAddress(out, offset + 10, probe.address); // addr2: the transmitter
  out.fill(0xff, offset + 16, offset + 22); // addr3: wildcard BSSID
  const sequenceControl = (probe.sequence & 0xfff) << 4; // fragment number 0
  out[offset + 22] = sequenceControl & 0xff;
  out[offset + 23] = sequenceControl >>> 8;
  let at = offset + HEADER_LENGTH;
  out[at] = ELEMENT.SSID;
  const ssidLength = probe.ssid === '' ? 0 : utf8.encodeInto(probe.ssid, out.subarray(at + 2, at + 2 + 32)).written;
  out[at + 1] = ssidLength;
  at += 2 + ssidLength;
  const { bytes, channelAt } = probe.elements;
  out.set(bytes, at);
  out[at + channelAt] = channelNumber(probe.channelMhz);
  return at + bytes.length - offset;
}

/** Writes the frame as the link type wants it at `offset`; returns the packet's length. */
export function encodeFrame(probe: Probe, encoding: FrameEncoding, out: Uint8Array, offset = 0): number {
  switch (encoding.linkType) {
    case LINKTYPE.IEEE802_11:
      return encodeProbeRequest(probe, out, offset);
    case LINKTYPE.IEEE802_11_RADIOTAP: {
      const layout = RADIOTAP_LAYOUTS[encoding.layout ?? 'esp32'];
      const headerLength = layout.write(probe, out, offset);
      const start = offset + headerLength;
      let end = start + encodeProbeRequest(probe, out, start);
      if (layout.fcs) {
        const fcs = crc32(out, start, end);
        out[end++] = fcs & 0xff;
        out[end++] = (fcs >>> 8) & 0xff;
        out[end++] = (fcs >>> 16) & 0xff;
        out[end++] = fcs >>> 24;
      }
      return end - offset;
    }
    case LINKTYPE.IEEE802_11_PRISM: {
      const length = encodeProbeRequest(probe, out, offset + PRISM_HEADER_LENGTH);
      writePrismHeader(probe, length, out, offset);
      return PRISM_HEADER_LENGTH + length;
    }
    case LINKTYPE.IEEE802_11_AVS: {
      const length = encodeProbeRequest(probe, out, offset + AVS_HEADER_LENGTH);
      writeAvsHeader(probe, out, offset);
      return AVS_HEADER_LENGTH + length;
    }
  }
}

function allocate(probe: Probe, encoding: FrameEncoding): Uint8Array {
  const out = new Uint8Array(MAX_FRAME_BYTES);
  return out.slice(0, encodeFrame(probe, encoding, out));
}

/** The probe request alone, as linktype 105 carries it. */
export function ieee80211Frame(probe: Probe): Uint8Array {
  return allocate(probe, { linkType: LINKTYPE.IEEE802_11 });
}

export function radiotapFrame(probe: Probe, layout: RadiotapLayout = 'esp32'): Uint8Array {
  return allocate(probe, { linkType: LINKTYPE.IEEE802_11_RADIOTAP, layout });
}

export function prismFrame(probe: Probe): Uint8Array {
  return allocate(probe, { linkType: LINKTYPE.IEEE802_11_PRISM });
}

export function avsFrame(probe: Probe): Uint8Array {
  return allocate(probe, { linkType: LINKTYPE.IEEE802_11_AVS });
}
