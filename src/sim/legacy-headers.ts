/**
 * The two monitor-mode headers that came before radiotap, for parser tests.
 *
 * Prism (linktype 119), from linux-wlan-ng's p80211 "lnxind_wlansniffrm" message: message code
 * 0x44, message length 144, a 16-byte device name, then ten items of {did u32, status u16,
 * length u16, data u32}, all in the sniffer's byte order (little-endian here). Status 0 means
 * "supplied". The dids are 0x44 | item << 16: host time, MAC time, channel, RSSI, signal
 * quality, signal, noise, rate (500 kb/s units), is-TX, frame length.
 *
 * AVS (linktype 163), from linux-wlan-ng's capturefrm.txt v2.1.1: big-endian; version
 * 0x80211002, header length 80, mactime and hosttime (µs, u64), PHY type, frequency (MHz
 * when ≥ 256), data rate (100 kb/s units), antenna, priority, SSI type (2 = dBm), signal and
 * noise (s32), preamble, encoding, sequence, drops, receiver address, 2 bytes padding.
 * Neither header here is followed by an FCS.
 */

import { channelNumber } from './elements.js';
import type { Probe } from './frames.js';

export const PRISM_HEADER_LENGTH = 144;
export const AVS_HEADER_LENGTH = 80;

const PRISM_MESSAGE_CODE = 0x44;
const PRISM_DEVICE_NAME = 'wlan0';
const NOISE_DBM = -95;

function putLe32(out: Uint8Array, at: number, value: number): void {
  out[at] = value & 0xff;
  out[at + 1] = (value >>> 8) & 0xff;
  out[at + 2] = (value >>> 16) & 0xff;
  out[at + 3] = (value >>> 24) & 0xff;
}

function putBe32(out: Uint8Array, at: number, value: number): void {
  out[at] = (value >>> 24) & 0xff;
  out[at + 1] = (value >>> 16) & 0xff;
  out[at + 2] = (value >>> 8) & 0xff;
  out[at + 3] = value & 0xff;
}

function putBe64(out: Uint8Array, at: number, value: number): void {
  putBe32(out, at, Math.floor(value / 0x1_0000_0000));
  putBe32(out, at + 4, value % 0x1_0000_0000);
}

/** Writes the Prism header for a frame of `frameLength` bytes at `at`. */
export function writePrismHeader(probe: Probe, frameLength: number, out: Uint8Array, at: number): void {
  const micros = Math.round(probe.timeMs * 1000);
  putLe32(out, at, PRISM_MESSAGE_CODE);
  putLe32(out, at + 4, PRISM_HEADER_LENGTH);
  out.fill(0, at + 8, at + 24);
  for (let i = 0; i < PRISM_DEVICE_NAME.length; i++) out[at + 8 + i] = PRISM_DEVICE_NAME.charCodeAt(i);
  const items = [
    Math.floor(micros / 10_000) % 0x1_0000_0000, // host time in jiffies (100 Hz)
    micros % 0x1_0000_0000, // MAC time, lower 32 bits
    channelNumber(probe.channelMhz),
    probe.rssi, // RSSI: this driver reports dBm
    0, // signal quality
    probe.rssi, // signal, dBm
    NOISE_DBM,
    2, // rate: 1 Mb/s
    0, // received, not transmitted
    frameLength,
  ];
  items.forEach((value, i) => {
    const item = at + 24 + 12 * i;
    putLe32(out, item, PRISM_MESSAGE_CODE | ((i + 1) << 16));
    out[item + 4] = 0; // status: supplied
    out[item + 5] = 0;
    out[item + 6] = 4; // data length
    out[item + 7] = 0;
    putLe32(out, item + 8, value >>> 0);
  });
}

const AVS_VERSION_2 = 0x80211002;
const AVS_PHY_DSSS_11B = 4;
const AVS_SSI_DBM = 2;
const AVS_PREAMBLE_LONG = 2;
const AVS_ENCODING_CCK = 1;

/** Writes the AVS v2 header at `at`. */
export function writeAvsHeader(probe: Probe, out: Uint8Array, at: number): void {
  const micros = Math.round(probe.timeMs * 1000);
  putBe32(out, at, AVS_VERSION_2);
  putBe32(out, at + 4, AVS_HEADER_LENGTH);
  putBe64(out, at + 8, micros); // mactime
  putBe64(out, at + 16, micros); // hosttime
  putBe32(out, at + 24, AVS_PHY_DSSS_11B);
  putBe32(out, at + 28, probe.channelMhz);
  putBe32(out, at + 32, 10); // 1 Mb/s in 100 kb/s units
  putBe32(out, at + 36, 0); // antenna
  putBe32(out, at + 40, 0); // priority: contention period
  putBe32(out, at + 44, AVS_SSI_DBM);
  putBe32(out, at + 48, probe.rssi >>> 0);
  putBe32(out, at + 52, NOISE_DBM >>> 0);
  putBe32(out, at + 56, AVS_PREAMBLE_LONG);
  putBe32(out, at + 60, AVS_ENCODING_CCK);
  putBe32(out, at + 64, probe.sequence); // the sniffer's receive counter; any increasing number
  putBe32(out, at + 68, 0); // drops
  out.fill(0, at + 72, at + 80); // receiver address unknown, padding
}
