/**
 * What capture/ hands to privacy/: one received frame with its raw device address.
 *
 * A Sighting holds a raw address, so it never leaves capture/ and privacy/ (a test checks that
 * nothing else imports this module). Sources reuse one Sighting object for every frame to keep
 * the per-frame path free of allocation: a sink copies what it keeps and never stores the object.
 */
import type { SourceKind } from './source.js';

export interface Sighting {
  source: SourceKind;
  /** Capture time in milliseconds since the Unix epoch; fractional, so microseconds survive. */
  timeMs: number;
  /**
   * The 48-bit device address as an integer, most significant octet first as it is written
   * (`aa:bb:cc:dd:ee:ff` is 0xaabbccddeeff). Wi-Fi sends that octet first; BLE sends it last
   * (little-endian on air and in HCI).
   */
  address: number;
  /** BLE only: the address type bit from the PDU or HCI report (0 public, 1 random); Wi-Fi: 0. */
  addressType: number;
  /** Received signal strength in dBm; NaN when the capture does not carry it. */
  rssi: number;
  /** Wi-Fi: channel frequency in MHz; BLE: the advertising channel index (37, 38, 39); 0 when unknown. */
  channel: number;
  /** Wi-Fi: the 12-bit 802.11 sequence number; -1 when unknown. */
  sequence: number;
  /**
   * A 32-bit hash of what the device's frames have in common whatever address it uses; 0 when
   * there is none. Wi-Fi: its information-element signature (which elements, in what order,
   * with its capability contents; never the SSID). BLE: its advertising data's structure (which
   * AD types, the manufacturer's company id, the service UUIDs; never payload that changes).
   */
  signature: number;
  /**
   * Where the frame's information elements (Wi-Fi) or advertising data (BLE) lie in the buffer
   * the parser was given: `[payloadStart, payloadEnd)`; empty when it has none or was cut short.
   * Meaningful only while the frame is delivered: the delivery looks there for a PhoneMarker.
   */
  payloadStart: number;
  payloadEnd: number;
  /** The installer's marked phone, while a calibration looks for it (see phone-marker.ts). */
  marked: boolean;
}

export function emptySighting(source: SourceKind): Sighting {
  return {
    source,
    timeMs: 0,
    address: 0,
    addressType: 0,
    rssi: Number.NaN,
    channel: 0,
    sequence: -1,
    signature: 0,
    payloadStart: 0,
    payloadEnd: 0,
    marked: false,
  };
}

export interface SightingSink {
  /** An accepted frame. The object is reused for the next frame: copy what you keep. */
  onSighting(sighting: Sighting): void;
  /** A frame that was read but could not be used (truncated, malformed, failed its FCS). */
  onMalformed(source: SourceKind, timeMs: number): void;
}
