/**
 * Radiotap headers (radiotap.org): version 0, pad, little-endian length, one or more present
 * words (bit 31 chains another), then the fields in bit order, each aligned to its natural size
 * counted from the start of the header. Three layouts that parsers meet in practice:
 *
 * - 'esp32': 14 bytes, present 0x00000828 (channel, dBm signal, antenna), no Flags, so no FCS:
 *   what the ESP32 sniffer of the lab capture writes;
 * - 'fcs': 15 bytes, present 0x0000002e (Flags 0x10 = FCS at end, rate, channel, dBm signal),
 *   the frame followed by its CRC-32: the layout of the labelled captures;
 * - 'multi-antenna': 56 bytes, four present words, as two-antenna PCIe cards write them: TSFT
 *   (8-byte aligned), then per-antenna signal and antenna index in two further radiotap
 *   namespaces, then a vendor namespace whose data a parser must skip by its skip_length.
 */

import type { Probe } from './frames.js';

export type RadiotapLayout = 'esp32' | 'fcs' | 'multi-antenna';

export const RADIOTAP_LAYOUT_NAMES: readonly RadiotapLayout[] = ['esp32', 'fcs', 'multi-antenna'];

const BIT = {
  TSFT: 1 << 0,
  FLAGS: 1 << 1,
  RATE: 1 << 2,
  CHANNEL: 1 << 3,
  DBM_ANTSIGNAL: 1 << 5,
  ANTENNA: 1 << 11,
  RX_FLAGS: 1 << 14,
  RADIOTAP_NAMESPACE: 1 << 29,
  VENDOR_NAMESPACE: 1 << 30,
  EXT: 2 ** 31,
} as const;

const FLAGS_FCS_AT_END = 0x10;
const CHANNEL_CCK = 0x0020;
const CHANNEL_2GHZ = 0x0080;
/** 1 Mb/s in 500 kb/s units: probe requests go out at the lowest rate. */
const RATE_1MBPS = 0x02;
/** A made-up vendor OUI: parsers cannot know it and have to skip its data by skip_length. */
const VENDOR_OUI = [0x0a, 0xf0, 0x07] as const;
const VENDOR_DATA_LENGTH = 4;

function put16(out: Uint8Array, at: number, value: number): void {
  out[at] = value & 0xff;
  out[at + 1] = (value >>> 8) & 0xff;
}

function put32(out: Uint8Array, at: number, value: number): void {
  put16(out, at, value & 0xffff);
  put16(out, at + 2, value >>> 16);
}

function putHeader(out: Uint8Array, at: number, length: number, present: readonly number[]): void {
  out[at] = 0;
  out[at + 1] = 0;
  put16(out, at + 2, length);
  present.forEach((word, i) => put32(out, at + 4 + 4 * i, word));
}

function dbm(value: number): number {
  return Math.max(-128, Math.min(127, Math.round(value))) & 0xff;
}

function channelFlags(probe: Probe, cck: boolean): number {
  return probe.channelMhz < 3000 ? CHANNEL_2GHZ | (cck ? CHANNEL_CCK : 0) : 0x0100; // 0x0100: 5 GHz
}

interface LayoutWriter {
  /** Whether the layout says (Flags 0x10) that the frame ends with its FCS. */
  readonly fcs: boolean;
  /** Writes the header at `at`, returns its length. */
  write(probe: Probe, out: Uint8Array, at: number): number;
}

const ESP32_PRESENT = [BIT.CHANNEL | BIT.DBM_ANTSIGNAL | BIT.ANTENNA];
const FCS_PRESENT = [BIT.FLAGS | BIT.RATE | BIT.CHANNEL | BIT.DBM_ANTSIGNAL];
const MULTI_ANTENNA_PRESENT = [
  (BIT.TSFT | BIT.FLAGS | BIT.RATE | BIT.CHANNEL | BIT.DBM_ANTSIGNAL | BIT.RX_FLAGS | BIT.RADIOTAP_NAMESPACE | BIT.EXT) >>> 0,
  (BIT.DBM_ANTSIGNAL | BIT.ANTENNA | BIT.RADIOTAP_NAMESPACE | BIT.EXT) >>> 0,
  (BIT.DBM_ANTSIGNAL | BIT.ANTENNA | BIT.VENDOR_NAMESPACE | BIT.EXT) >>> 0,
  0x00000001, // the vendor namespace's own present word: one vendor-defined field, no chaining
];

export const RADIOTAP_LAYOUTS: Readonly<Record<RadiotapLayout, LayoutWriter>> = {
  esp32: {
    fcs: false,
    write(probe, out, at) {
      putHeader(out, at, 14, ESP32_PRESENT);
      put16(out, at + 8, probe.channelMhz);
      put16(out, at + 10, channelFlags(probe, false));
      out[at + 12] = dbm(probe.rssi);
      out[at + 13] = 0; // antenna index
      return 14;
    },
  },
  fcs: {
    fcs: true,
    write(probe, out, at) {
      putHeader(out, at, 15, FCS_PRESENT);
      out[at + 8] = FLAGS_FCS_AT_END;
      out[at + 9] = RATE_1MBPS;
      put16(out, at + 10, probe.channelMhz);
      put16(out, at + 12, channelFlags(probe, true));
      out[at + 14] = dbm(probe.rssi);
      return 15;
    },
  },
  'multi-antenna': {
    fcs: false,
    write(probe, out, at) {
      putHeader(out, at, 56, MULTI_ANTENNA_PRESENT);
      put32(out, at + 20, 0); // padding: TSFT is 8-byte aligned, so it starts at 24, not 20
      const micros = Math.round(probe.timeMs * 1000);
      put32(out, at + 24, micros % 0x1_0000_0000);
      put32(out, at + 28, Math.floor(micros / 0x1_0000_0000));
      out[at + 32] = 0; // Flags: no FCS
      out[at + 33] = RATE_1MBPS;
      put16(out, at + 34, probe.channelMhz);
      put16(out, at + 36, channelFlags(probe, true));
      out[at + 38] = dbm(probe.rssi); // combined signal
      out[at + 39] = 0; // padding: RX flags are 2-byte aligned
      put16(out, at + 40, 0); // RX flags
      // Second and third namespaces: each antenna's signal, a little below the combined one.
      out[at + 42] = dbm(probe.rssi - (probe.sequence & 1));
      out[at + 43] = 0;
      out[at + 44] = dbm(probe.rssi - 2 - ((probe.sequence >>> 1) & 3));
      out[at + 45] = 1;
      // Vendor namespace field (2-byte aligned): OUI, sub-namespace, skip_length; then its data.
      out.set(VENDOR_OUI, at + 46);
      out[at + 49] = 0;
      put16(out, at + 50, VENDOR_DATA_LENGTH);
      put32(out, at + 52, probe.sequence);
      return 52 + VENDOR_DATA_LENGTH;
    },
  },
};
