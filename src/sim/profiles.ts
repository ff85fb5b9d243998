/**
 * Device models: which information elements each sends, how it picks its source address and
 * sequence numbers, and how often it scans.
 *
 * Where the numbers come from (see ../shared/captures/README.md):
 * - element sets per model follow the labelled captures (baccichet): iPhones on iOS 16 send
 *   SSID, rates, DS, HT, Extended Capabilities and, from the iPhone 11 on, HE Capabilities; iOS 15
 *   adds Interworking; a Galaxy S21 adds Broadcom and MBO vendor elements; an Oppo adds VHT;
 * - iPhones and the S21 change address at nearly every scan; iPhones restart the sequence number
 *   with each address, the S21 keeps counting (its numbers jump between channels because it
 *   probes 5 GHz channels in between); the Oppo keeps one address across many scans;
 * - a scan probes channels 1, 6 and 11 with one to four frames each, a few tens of milliseconds
 *   apart, and channels a few hundred milliseconds apart;
 * - the labelled captures show 85–650 addresses an hour from one phone (the S21 at the low end,
 *   iPhone 11s at the high end); the lab capture (fryza) 30–37 per person per hour in its busy
 *   hours, through a sniffer that hops over ten channels and hears perhaps half of the scans:
 *   the intervals below give phones 70–110 scans an hour, screen on one minute in six;
 * - 21–35 of 450–980 addresses per hour there are global (not locally administered): a few
 *   devices (older Android, Windows laptops, fixed terminals) probe with their vendor address.
 * The byte values are plausible for each class of device, not copied from any one device.
 */

import {
  extendedCapabilities,
  extendedSupportedRates,
  heCapabilities,
  htCapabilities,
  interworking,
  mboCellularCapability,
  OUI,
  RATES,
  supportedRates,
  vendorSpecific,
  vhtCapabilities,
  wpsProbeRequest,
} from './elements.js';
import { probeElements, type ProbeElements } from './frames.js';
import type { Random } from './random.js';

export type MacPolicy =
  /** A new random locally-administered address for every scan. */
  | { readonly kind: 'per-scan' }
  /** A new random locally-administered address every few minutes (log-normal around the median). */
  | { readonly kind: 'timed'; readonly medianMinutes: number }
  /** The burned-in vendor address: one of these OUIs and 24 device bits. */
  | { readonly kind: 'global'; readonly ouis: readonly number[] };

export interface DeviceProfile {
  readonly name: string;
  readonly macPolicy: MacPolicy;
  /** With a new address: 'reset' starts a new random sequence number, 'continue' keeps counting. */
  readonly sequence: 'reset' | 'continue';
  /** Sequence numbers spent between two 2.4 GHz channels of a scan (probes on 5 GHz channels). */
  readonly sequenceGapPerChannel: number;
  /** Seconds between scans, uniform in [min, max], with the screen on and off. */
  readonly scanSeconds: { readonly screenOn: readonly [number, number]; readonly screenOff: readonly [number, number] };
  /** Share of scans that cover channels 1, 6 and 11; the others probe one of them. */
  readonly allChannels: number;
  /** Frames per channel are 1 + Poisson(this), at most 4. */
  readonly extraFramesPerChannel: number;
  readonly frameGapMs: readonly [number, number];
  readonly channelGapMs: readonly [number, number];
  /** Share of devices of this model that also probe for a hidden network by name. */
  readonly hiddenNetwork: number;
  /** The device's elements; the generator sees a per-device stream for per-device fields. */
  elements(rng: Random): ProbeElements;
}

// HT Capability Information bits (802.11-2020 9.4.2.55.2).
const HT = { LDPC: 0x0001, WIDTH_40: 0x0002, SM_PS_OFF: 0x000c, SGI_20: 0x0020, SGI_40: 0x0040, RX_STBC_1: 0x0100, INTOLERANT_40: 0x4000 };

const IPHONE_HT = htCapabilities({ info: HT.LDPC | HT.SM_PS_OFF | HT.SGI_20 | HT.INTOLERANT_40, ampdu: 0x1b, streams: 2 });
const IPHONE_EXT_CAPS = extendedCapabilities([0x00, 0x00, 0x08, 0x04, 0x00, 0x00, 0x00, 0x40]);
const ANDROID_HT = htCapabilities({ info: HT.LDPC | HT.WIDTH_40 | HT.SM_PS_OFF | HT.SGI_20 | HT.SGI_40 | HT.RX_STBC_1, ampdu: 0x17, streams: 2 });
const ANDROID_EXT_CAPS = extendedCapabilities([0x04, 0x00, 0x4a, 0x02, 0x01, 0x40, 0x40, 0x00, 0x40, 0x21]);
const PHONE_VHT = vhtCapabilities(0x0f8259b2, 2);
const HE_PHY_24 = [0x02, 0x20, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00];

const DSSS_OFDM = [...supportedRates(RATES.DSSS), ...extendedSupportedRates(RATES.OFDM)];
const DSSS_BASIC_OFDM = [...supportedRates(RATES.DSSS_BASIC), ...extendedSupportedRates(RATES.OFDM)];

function fixed(beforeChannel: number[], afterChannel: number[]): (rng: Random) => ProbeElements {
  const shared = probeElements(beforeChannel, afterChannel);
  return () => shared;
}

/** How iPhones scan: a new address and a new sequence number every scan. */
const IOS_SCANNING = {
  macPolicy: { kind: 'per-scan' },
  sequence: 'reset',
  sequenceGapPerChannel: 0,
  scanSeconds: { screenOn: [8, 20], screenOff: [30, 60] },
  allChannels: 0.7,
  extraFramesPerChannel: 0.6,
  frameGapMs: [15, 25],
  channelGapMs: [40, 120],
} as const;

/** How Android phones scan: the sequence counter runs on across addresses and 5 GHz probes. */
const ANDROID_SCANNING = {
  sequence: 'continue',
  sequenceGapPerChannel: 18,
  scanSeconds: { screenOn: [10, 25], screenOff: [35, 75] },
  allChannels: 0.95,
  extraFramesPerChannel: 1,
  frameGapMs: [2, 40],
  channelGapMs: [180, 260],
} as const;

export const IOS_17: DeviceProfile = {
  name: 'ios-17',
  ...IOS_SCANNING,
  hiddenNetwork: 0.05,
  elements: fixed(DSSS_OFDM, [
    ...IPHONE_HT,
    ...IPHONE_EXT_CAPS,
    ...heCapabilities([0x01, 0x00, 0x08, 0x12, 0x00, 0x10], HE_PHY_24, 2),
  ]),
};

export const IOS_16: DeviceProfile = {
  name: 'ios-16',
  ...IOS_SCANNING,
  hiddenNetwork: 0.05,
  elements: fixed(DSSS_OFDM, [
    ...htCapabilities({ info: HT.LDPC | HT.SM_PS_OFF | HT.SGI_20, ampdu: 0x17, streams: 1 }),
    ...IPHONE_EXT_CAPS,
  ]),
};

export const IOS_15: DeviceProfile = {
  name: 'ios-15',
  ...IOS_SCANNING,
  hiddenNetwork: 0.1,
  elements: fixed(DSSS_OFDM, [
    ...htCapabilities({ info: HT.LDPC | HT.SM_PS_OFF | HT.SGI_20, ampdu: 0x17, streams: 1 }),
    ...extendedCapabilities([0x00, 0x00, 0x08, 0x84, 0x00, 0x00, 0x00, 0x40]),
    ...interworking(0x0f),
    ...vendorSpecific(OUI.APPLE, 0x0a, [0x00, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00]),
  ]),
};

export const SAMSUNG_ANDROID_13: DeviceProfile = {
  name: 'samsung-android-13',
  macPolicy: { kind: 'per-scan' },
  ...ANDROID_SCANNING,
  hiddenNetwork: 0.05,
  elements: fixed(DSSS_BASIC_OFDM, [
    ...ANDROID_HT,
    ...ANDROID_EXT_CAPS,
    ...heCapabilities([0x03, 0x08, 0x08, 0x12, 0x00, 0x10], HE_PHY_24, 2),
    ...vendorSpecific(OUI.BROADCOM, 0x02, [0x00, 0x00, 0x10, 0x00, 0x00]),
    ...mboCellularCapability(3),
  ]),
};

export const PIXEL_ANDROID_14: DeviceProfile = {
  name: 'pixel-android-14',
  macPolicy: { kind: 'per-scan' },
  ...ANDROID_SCANNING,
  scanSeconds: { screenOn: [15, 30], screenOff: [45, 90] },
  extraFramesPerChannel: 0.8,
  hiddenNetwork: 0.05,
  elements: fixed(DSSS_BASIC_OFDM, [
    ...ANDROID_HT,
    ...ANDROID_EXT_CAPS,
    ...PHONE_VHT,
    ...heCapabilities([0x01, 0x08, 0x08, 0x1a, 0x00, 0x10], HE_PHY_24, 2),
    ...mboCellularCapability(1),
  ]),
};

/** The Oppo-like pattern: one random address kept for minutes, frequent scans with several frames. */
export const XIAOMI_ANDROID_12: DeviceProfile = {
  name: 'xiaomi-android-12',
  macPolicy: { kind: 'timed', medianMinutes: 4 },
  ...ANDROID_SCANNING,
  scanSeconds: { screenOn: [10, 30], screenOff: [40, 90] },
  extraFramesPerChannel: 1.5,
  hiddenNetwork: 0.05,
  elements: fixed(DSSS_OFDM, [
    ...htCapabilities({ info: 0x01ef, ampdu: 0x13, streams: 2 }),
    ...extendedCapabilities([0x00, 0x00, 0x0a, 0x82, 0x00, 0x40, 0x00, 0x00, 0x01, 0x20]),
    ...PHONE_VHT,
    ...mboCellularCapability(1),
  ]),
};

/** An older Android phone or tablet without scan randomisation. */
export const ANDROID_LEGACY: DeviceProfile = {
  name: 'android-legacy',
  macPolicy: { kind: 'global', ouis: [0x001632, 0x000ce7] },
  ...ANDROID_SCANNING,
  sequenceGapPerChannel: 0,
  scanSeconds: { screenOn: [20, 60], screenOff: [120, 300] },
  extraFramesPerChannel: 0.8,
  hiddenNetwork: 0.1,
  elements: fixed(DSSS_BASIC_OFDM, [...htCapabilities({ info: HT.SM_PS_OFF | HT.SGI_20, ampdu: 0x03, streams: 1 })]),
};

/** Devices without screen habits (laptops, terminals): one schedule, every scan on 1, 6 and 11. */
function steady(seconds: readonly [number, number]) {
  return { sequence: 'continue', sequenceGapPerChannel: 0, allChannels: 1, scanSeconds: { screenOn: seconds, screenOff: seconds } } as const;
}

/** A Windows laptop: scans about once a minute, probes with its Intel address and a WPS element. */
export const WINDOWS_LAPTOP: DeviceProfile = {
  name: 'windows-laptop',
  macPolicy: { kind: 'global', ouis: [0x001b21] },
  ...steady([55, 75]),
  extraFramesPerChannel: 0.5,
  frameGapMs: [1, 5],
  channelGapMs: [30, 60],
  hiddenNetwork: 0.3,
  elements(rng) {
    const uuid = Array.from({ length: 16 }, () => rng.int(0, 255));
    return probeElements(
      [...supportedRates([0x02, 0x04, 0x0b, 0x16, 0x0c, 0x12, 0x18, 0x24]), ...extendedSupportedRates([0x30, 0x48, 0x60, 0x6c])],
      [
        ...htCapabilities({ info: HT.LDPC | HT.WIDTH_40 | HT.SM_PS_OFF | HT.SGI_20 | HT.SGI_40, ampdu: 0x17, streams: 2 }),
        ...extendedCapabilities([0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40]),
        ...PHONE_VHT,
        ...wpsProbeRequest(uuid, { category: 1, subcategory: 1 }),
      ],
    );
  },
};

/** A fixed payment or stock terminal: no screen habits, a scan every few minutes. */
export const POS_TERMINAL: DeviceProfile = {
  name: 'pos-terminal',
  macPolicy: { kind: 'global', ouis: [0x000ce7] },
  ...steady([120, 300]),
  extraFramesPerChannel: 0.3,
  frameGapMs: [5, 15],
  channelGapMs: [60, 120],
  hiddenNetwork: 0,
  elements: fixed(DSSS_BASIC_OFDM, [...htCapabilities({ info: HT.SM_PS_OFF, ampdu: 0x03, streams: 1 })]),
};

export interface WeightedProfile {
  readonly profile: DeviceProfile;
  readonly weight: number;
}

/**
 * Phones people carry. About half iPhones (recent models on recent iOS), the rest Android;
 * 3% without scan randomisation, which with the laptops makes about 5% of devices probe with a
 * global address.
 */
export const PHONES: readonly WeightedProfile[] = [
  { profile: IOS_17, weight: 30 },
  { profile: IOS_16, weight: 14 },
  { profile: IOS_15, weight: 6 },
  { profile: SAMSUNG_ANDROID_13, weight: 22 },
  { profile: PIXEL_ANDROID_14, weight: 10 },
  { profile: XIAOMI_ANDROID_12, weight: 15 },
  { profile: ANDROID_LEGACY, weight: 3 },
];

/** A second device some visitors carry: a laptop, or an iPad. */
export const SECOND_DEVICES: readonly WeightedProfile[] = [
  { profile: WINDOWS_LAPTOP, weight: 30 },
  { profile: IOS_16, weight: 70 },
];

/** Staff and fixed devices, assigned in turn: present all day, global addresses. */
export const STAFF_DEVICES: readonly DeviceProfile[] = [POS_TERMINAL, WINDOWS_LAPTOP, ANDROID_LEGACY, POS_TERMINAL];

/** True when the profile keeps one address across scans (a global one, or a timed random one). */
export function keepsAddressAcrossScans(profile: DeviceProfile): boolean {
  return profile.macPolicy.kind !== 'per-scan';
}

/** Every model above. */
export const PROFILES: readonly DeviceProfile[] = [
  IOS_17,
  IOS_16,
  IOS_15,
  SAMSUNG_ANDROID_13,
  PIXEL_ANDROID_14,
  XIAOMI_ANDROID_12,
  ANDROID_LEGACY,
  WINDOWS_LAPTOP,
  POS_TERMINAL,
];
