/**
 * Device models: which information elements each sends, how it picks its source address and
 * sequence numbers, and how it scans.
 *
 * Where the numbers come from: the eleven labelled phones of
 * ../shared/captures/wifi/baccichet_labelled_la/ (one phone per file, three sniffers on
 * channels 1, 6 and 11; a frame that two sniffers heard counted once, at its strongest). A
 * "scan" there is a cluster of frames less than 1 s apart; a "burst" the frames of one scan on
 * one channel (or, for iPhones on iOS 16, of one address). The deciles below are those files':
 * - iPhone 11 and 12 on iOS 16 (iphone11-b, -c, -f, -m, iphone12-m: 212 scans, 1,457 addresses):
 *   a new address for every burst of 1-2 frames (1.65 on average) 10-30 ms apart, bursts 17-90 ms
 *   apart, 6.6 bursts a scan (median 4, p90 13: long scans go round the channels again); 77% of
 *   scans reach all three channels. The sequence number of each address starts anywhere (9 of
 *   464 within 64 of the previous address's last, about chance) and steps by 1 or 2;
 * - iphone12pro-c: the same elements, but one address for the whole 2 h file: 7-8 frames a scan,
 *   two or three per channel, a scan every 79-185 s;
 * - iPhone XR (iphonexr-a, -l: 46 scans) and iPhone 7 on iOS 15 (iphone7-f: 21 scans): one
 *   address per scan, 2 to 52 frames (XR) and 4 to 27 (iPhone 7), 20-27 ms apart; the XR's
 *   sequence number restarts with each address, the iPhone 7's runs on (34 of 34 addresses
 *   start within 64 of the last one, the median step is 1);
 * - Galaxy S21 Ultra on Android 13 (s21ultra-m: 25 scans): one address per scan, two frames per
 *   channel, channels about 200 ms apart, the sequence number steps by 1-2 within a channel and
 *   by 16-18 between channels (probes on 5 GHz between), and restarts with each address
 *   (0 of 27 within 256), against what is often said of Android;
 * - Oppo Find X3 Neo (oppofindx3neo-a: 15 scans): one address per scan and 27-120 frames in it
 *   (most naming a saved network) within about a second, restarting the sequence number; each scan sends
 *   one of two element sets (10 and 5 of 15 scans: with and without HE Capabilities, in another
 *   order);
 * - the gaps between scans are drawn from each phone's measured deciles (below). Phones of a
 *   model send identical elements with identical contents (iphone11-b, -c, -f; iphonexr-a, -l),
 *   so every phone of a profile shares one set here.
 * The Pixel, the legacy Android phone, the laptop and the terminal are not in the labelled files:
 * the Pixel scans as the S21 does; the others keep the earlier model's rates. 21–35 of 450–980
 * addresses per hour in the lab capture (fryza) are global (not locally administered): a few
 * devices (older Android, Windows laptops, fixed terminals) probe with their vendor address.
 * The byte values are plausible for each class of device, not copied from any one device.
 */

import {
  extendedCapabilities,
  extendedSupportedRates,
  filsRequestParameters,
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
import type { Deciles, Random } from './random.js';

export type MacPolicy =
  /** A new random locally-administered address for every burst of a scan. */
  | { readonly kind: 'per-burst' }
  /** A new random locally-administered address for every scan. */
  | { readonly kind: 'per-scan' }
  /** A new random locally-administered address every so often (log-normal around the median). */
  | { readonly kind: 'timed'; readonly medianMinutes: number }
  /** The burned-in vendor address: one of these OUIs and 24 device bits. */
  | { readonly kind: 'global'; readonly ouis: readonly number[] };

export interface DeviceProfile {
  readonly name: string;
  readonly macPolicy: MacPolicy;
  /** With a new address: 'reset' starts a new random sequence number, 'continue' keeps counting. */
  readonly sequence: 'reset' | 'continue';
  /** Sequence-number step from one frame of a burst to the next, uniform in [min, max]. */
  readonly sequenceStep: readonly [number, number];
  /** Sequence numbers spent between two bursts (probes on 5 GHz channels), uniform in [min, max]. */
  readonly sequenceGapPerBurst: readonly [number, number];
  /** Bursts in a scan (rounded); burst i probes channel 1, 6, 11, 1, ... in turn. */
  readonly burstsPerScan: Deciles;
  /** Frames in a burst (rounded, at least one). */
  readonly framesPerBurst: Deciles;
  /** Milliseconds between frames of a burst, and between bursts, uniform in [min, max]. */
  readonly frameGapMs: readonly [number, number];
  readonly burstGapMs: readonly [number, number];
  /** Seconds from the last frame of a scan to the first of the next. */
  readonly scanGapSeconds: Deciles;
  /** Share of devices of this model that also probe for a hidden network by name. */
  readonly hiddenNetwork: number;
  /** The device's elements; the generator sees a per-device stream for per-device fields. */
  elements(rng: Random): ProbeElements;
  /** Another element set that this share of scans sends instead. */
  readonly otherScanElements?: { readonly share: number; readonly elements: ProbeElements };
}

// HT Capability Information bits (802.11-2020 9.4.2.55.2).
const HT = { LDPC: 0x0001, WIDTH_40: 0x0002, SM_PS_OFF: 0x000c, SGI_20: 0x0020, SGI_40: 0x0040, RX_STBC_1: 0x0100, INTOLERANT_40: 0x4000 };

const IPHONE_HT = htCapabilities({ info: HT.LDPC | HT.SM_PS_OFF | HT.SGI_20 | HT.INTOLERANT_40, ampdu: 0x1b, streams: 2 });
const IPHONE_EXT_CAPS = extendedCapabilities([0x00, 0x00, 0x08, 0x04, 0x00, 0x00, 0x00, 0x40]);
const ANDROID_HT = htCapabilities({ info: HT.LDPC | HT.WIDTH_40 | HT.SM_PS_OFF | HT.SGI_20 | HT.SGI_40 | HT.RX_STBC_1, ampdu: 0x17, streams: 2 });
const ANDROID_EXT_CAPS = extendedCapabilities([0x04, 0x00, 0x4a, 0x02, 0x01, 0x40, 0x40, 0x00, 0x40, 0x21]);
const PHONE_VHT = vhtCapabilities(0x0f8259b2, 2);
const HE_PHY_24 = [0x02, 0x20, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00];
/** What the S21 and the Oppo send: no extra parameters, wait at most 20 TUs for an answer. */
const ANDROID_FILS = filsRequestParameters(0x00, 0x14);
/** A Microsoft vendor element of type 8 (Android phones send one; its meaning is not public). */
const MICROSOFT_TYPE_8 = vendorSpecific(OUI.MICROSOFT, 0x08, [0x00, 0x00, 0x00]);

const DSSS_OFDM = [...supportedRates(RATES.DSSS), ...extendedSupportedRates(RATES.OFDM)];
const DSSS_BASIC_OFDM = [...supportedRates(RATES.DSSS_BASIC), ...extendedSupportedRates(RATES.OFDM)];

function fixed(beforeChannel: number[], afterChannel: number[]): (rng: Random) => ProbeElements {
  const shared = probeElements(beforeChannel, afterChannel);
  return () => shared;
}

/** A quantity that is always `n`, as deciles. */
function always(n: number): Deciles {
  return [n, n, n, n, n, n, n, n, n, n, n];
}

/** One burst on each of channels 1, 6 and 11; one scan in twenty (measured: 6 of 107) stops early. */
const THREE_CHANNELS: Deciles = [1, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3];

/**
 * iPhones that keep an address for a scan: one burst a channel, frames 20-27 ms apart, the next
 * channel as soon, no probes between (iphone7-f, iphonexr-*, iphone12pro-c).
 */
const IPHONE_SCANS = { burstsPerScan: THREE_CHANNELS, sequenceGapPerBurst: [0, 0], frameGapMs: [19, 27], burstGapMs: [20, 45] } as const;

const IPHONE_HE_ELEMENTS = fixed(DSSS_BASIC_OFDM, [
  ...IPHONE_HT,
  ...IPHONE_EXT_CAPS,
  ...heCapabilities([0x01, 0x00, 0x08, 0x12, 0x00, 0x10], HE_PHY_24, 2),
]);

/** iPhone 11 and later on iOS 16: a new address and sequence number for every burst. */
export const IPHONE_IOS_16: DeviceProfile = {
  name: 'iphone-ios-16',
  macPolicy: { kind: 'per-burst' },
  sequence: 'reset',
  sequenceStep: [1, 2],
  sequenceGapPerBurst: [0, 0],
  burstsPerScan: [1, 2, 3, 3, 3, 4, 4, 11, 13, 13, 22],
  framesPerBurst: [1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 4],
  frameGapMs: [10, 30],
  burstGapMs: [17, 45],
  scanGapSeconds: [1.1, 2.3, 5.2, 14.2, 22.5, 36.1, 48.5, 59.8, 78.1, 99.6, 195.7],
  hiddenNetwork: 0.05,
  elements: IPHONE_HE_ELEMENTS,
};

/** The same phones and elements keeping one random address for hours (iphone12pro-c). */
export const IPHONE_FIXED_ADDRESS: DeviceProfile = {
  name: 'iphone-fixed-address',
  macPolicy: { kind: 'timed', medianMinutes: 240 },
  sequence: 'continue',
  sequenceStep: [1, 1],
  framesPerBurst: [2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3],
  ...IPHONE_SCANS,
  scanGapSeconds: [79.3, 85.8, 88.4, 92.3, 102.9, 111.8, 130.8, 138.6, 156.7, 161.1, 184.5],
  hiddenNetwork: 0.05,
  elements: IPHONE_HE_ELEMENTS,
};

/** iPhone XR (no HE): one address and a new sequence number per scan, long scans. */
export const IPHONE_XR: DeviceProfile = {
  name: 'iphone-xr',
  macPolicy: { kind: 'per-scan' },
  sequence: 'reset',
  sequenceStep: [1, 2],
  framesPerBurst: [1, 1, 4, 8, 8, 8, 15, 16, 16, 16, 17],
  ...IPHONE_SCANS,
  scanGapSeconds: [1.2, 2.7, 7.1, 8.5, 24.6, 31.3, 53.6, 57.6, 58.6, 135.0, 269.7],
  hiddenNetwork: 0.05,
  elements: fixed(DSSS_OFDM, [...htCapabilities({ info: HT.LDPC | HT.SM_PS_OFF | HT.SGI_20, ampdu: 0x17, streams: 2 }), ...IPHONE_EXT_CAPS]),
};

/** iPhone 7 on iOS 15: one address per scan, the sequence number running on across them. */
export const IPHONE_IOS_15: DeviceProfile = {
  name: 'iphone-ios-15',
  macPolicy: { kind: 'per-scan' },
  sequence: 'continue',
  sequenceStep: [1, 1],
  framesPerBurst: [1, 2, 2, 8, 9, 9, 9, 9, 9, 9, 9],
  ...IPHONE_SCANS,
  scanGapSeconds: [3.8, 3.9, 3.9, 4.0, 19.8, 40.6, 43.8, 62.4, 85.7, 134.9, 269.9],
  hiddenNetwork: 0.1,
  elements: fixed(DSSS_OFDM, [
    ...htCapabilities({ info: HT.LDPC | HT.SM_PS_OFF | HT.SGI_20, ampdu: 0x17, streams: 1 }),
    ...extendedCapabilities([0x00, 0x00, 0x08, 0x84, 0x00, 0x00, 0x00, 0x40]),
    ...interworking(0x0f),
  ]),
};

/** How the S21 scans: two frames a channel, channels 200 ms apart with 5 GHz probes between. */
const S21_SCANNING = {
  macPolicy: { kind: 'per-scan' },
  sequence: 'reset',
  sequenceStep: [1, 2],
  sequenceGapPerBurst: [14, 18],
  burstsPerScan: THREE_CHANNELS,
  framesPerBurst: [1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 4],
  frameGapMs: [0, 45],
  burstGapMs: [170, 240],
  scanGapSeconds: [1.1, 3.7, 7.9, 12.2, 25.6, 41.1, 55.3, 77.9, 81.9, 117.9, 119.5],
} as const;

export const SAMSUNG_ANDROID_13: DeviceProfile = {
  name: 'samsung-android-13',
  ...S21_SCANNING,
  hiddenNetwork: 0.05,
  elements: fixed(DSSS_BASIC_OFDM, [
    ...ANDROID_HT,
    ...ANDROID_EXT_CAPS,
    ...ANDROID_FILS,
    ...heCapabilities([0x03, 0x08, 0x08, 0x12, 0x00, 0x10], HE_PHY_24, 2),
    ...vendorSpecific(OUI.EPIGRAM, 0x04, [0x08, 0xbf, 0x0c, 0xb2, 0x59, 0x82, 0x0f, 0xea, 0xff, 0x00, 0x00, 0xea, 0xff, 0x00, 0x00]),
    ...MICROSOFT_TYPE_8,
    ...vendorSpecific(OUI.BROADCOM, 0x02, [0x00, 0x00, 0x10, 0x00, 0x00]),
    ...mboCellularCapability(3),
  ]),
};

/** Not in the labelled files: scans as the S21 does, with its own elements. */
export const PIXEL_ANDROID_14: DeviceProfile = {
  name: 'pixel-android-14',
  ...S21_SCANNING,
  hiddenNetwork: 0.05,
  elements: fixed(DSSS_BASIC_OFDM, [
    ...ANDROID_HT,
    ...ANDROID_EXT_CAPS,
    ...PHONE_VHT,
    ...heCapabilities([0x01, 0x08, 0x08, 0x1a, 0x00, 0x10], HE_PHY_24, 2),
    ...mboCellularCapability(1),
  ]),
};

const OPPO_HT = htCapabilities({ info: 0x01ef, ampdu: 0x13, streams: 2 });
const OPPO_EXT_CAPS = extendedCapabilities([0x00, 0x00, 0x0a, 0x82, 0x00, 0x40, 0x00, 0x00, 0x01, 0x20, 0x40]);

/** The Oppo: long scans of one address, two element sets (see above). */
export const OPPO_ANDROID_13: DeviceProfile = {
  name: 'oppo-android-13',
  macPolicy: { kind: 'per-scan' },
  sequence: 'reset',
  sequenceStep: [1, 1],
  sequenceGapPerBurst: [1, 2],
  burstsPerScan: THREE_CHANNELS,
  framesPerBurst: [1, 9, 14, 24, 30, 31, 32, 35, 36, 37, 40],
  // Probes for each saved network follow 2 ms apart, a wildcard one 20 ms after: median 2.1 ms.
  frameGapMs: [1, 20],
  burstGapMs: [20, 45],
  scanGapSeconds: [3.9, 6.4, 12.0, 16.3, 19.4, 19.4, 39.0, 42.0, 42.7, 59.4, 59.4],
  hiddenNetwork: 0.3,
  elements: fixed(DSSS_OFDM, [
    ...OPPO_HT,
    ...OPPO_EXT_CAPS,
    ...PHONE_VHT,
    ...MICROSOFT_TYPE_8,
    ...heCapabilities([0x01, 0x08, 0x08, 0x1a, 0x00, 0x10], HE_PHY_24, 2),
    ...ANDROID_FILS,
    ...mboCellularCapability(1),
  ]),
  otherScanElements: {
    share: 1 / 3,
    elements: probeElements(DSSS_OFDM, [
      ...OPPO_HT,
      ...PHONE_VHT,
      ...MICROSOFT_TYPE_8,
      ...OPPO_EXT_CAPS,
      ...ANDROID_FILS,
      ...mboCellularCapability(1),
      ...vendorSpecific(OUI.QUALCOMM, 0x01, [0x01, 0x00]),
    ]),
  },
};

/** Scans of devices not in the labelled files: one to four frames a channel, 1, 6 and 11. */
const UNMEASURED_BURSTS = { burstsPerScan: always(3), sequenceStep: [1, 1], sequenceGapPerBurst: [0, 0] } as const;

/** An older Android phone or tablet without scan randomisation. */
export const ANDROID_LEGACY: DeviceProfile = {
  name: 'android-legacy',
  macPolicy: { kind: 'global', ouis: [0x001632, 0x000ce7] },
  sequence: 'continue',
  ...UNMEASURED_BURSTS,
  framesPerBurst: [1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 4],
  frameGapMs: [2, 40],
  burstGapMs: [180, 260],
  scanGapSeconds: [20, 30, 45, 60, 120, 150, 180, 210, 240, 270, 300],
  hiddenNetwork: 0.1,
  elements: fixed(DSSS_BASIC_OFDM, [...htCapabilities({ info: HT.SM_PS_OFF | HT.SGI_20, ampdu: 0x03, streams: 1 })]),
};

/** A Windows laptop: scans about once a minute, probes with its Intel address and a WPS element. */
export const WINDOWS_LAPTOP: DeviceProfile = {
  name: 'windows-laptop',
  macPolicy: { kind: 'global', ouis: [0x001b21] },
  sequence: 'continue',
  ...UNMEASURED_BURSTS,
  framesPerBurst: [1, 1, 1, 1, 1, 2, 2, 2, 2, 3, 4],
  frameGapMs: [1, 5],
  burstGapMs: [30, 60],
  scanGapSeconds: [55, 57, 59, 61, 63, 65, 67, 69, 71, 73, 75],
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

/** A fixed payment or stock terminal: a scan every few minutes. */
export const POS_TERMINAL: DeviceProfile = {
  name: 'pos-terminal',
  macPolicy: { kind: 'global', ouis: [0x000ce7] },
  sequence: 'continue',
  ...UNMEASURED_BURSTS,
  framesPerBurst: [1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 3],
  frameGapMs: [5, 15],
  burstGapMs: [60, 120],
  scanGapSeconds: [120, 138, 156, 174, 192, 210, 228, 246, 264, 282, 300],
  hiddenNetwork: 0,
  elements: fixed(DSSS_BASIC_OFDM, [...htCapabilities({ info: HT.SM_PS_OFF, ampdu: 0x03, streams: 1 })]),
};

export interface WeightedProfile {
  readonly profile: DeviceProfile;
  readonly weight: number;
}

/**
 * Phones people carry. About half iPhones (most of them iPhone 11 or later, one in eight of those
 * keeping its address as iphone12pro-c does), the rest Android; 3% without scan randomisation,
 * which with the laptops makes about 5% of devices probe with a global address.
 */
export const PHONES: readonly WeightedProfile[] = [
  { profile: IPHONE_IOS_16, weight: 35 },
  { profile: IPHONE_FIXED_ADDRESS, weight: 5 },
  { profile: IPHONE_XR, weight: 6 },
  { profile: IPHONE_IOS_15, weight: 4 },
  { profile: SAMSUNG_ANDROID_13, weight: 22 },
  { profile: PIXEL_ANDROID_14, weight: 10 },
  { profile: OPPO_ANDROID_13, weight: 15 },
  { profile: ANDROID_LEGACY, weight: 3 },
];

/** A second device some visitors carry: a laptop, or an iPad. */
export const SECOND_DEVICES: readonly WeightedProfile[] = [
  { profile: WINDOWS_LAPTOP, weight: 30 },
  { profile: IPHONE_IOS_16, weight: 70 },
];

/** Staff and fixed devices, assigned in turn: present all day, global addresses. */
export const STAFF_DEVICES: readonly DeviceProfile[] = [POS_TERMINAL, WINDOWS_LAPTOP, ANDROID_LEGACY, POS_TERMINAL];

/** True when the profile keeps one address across scans (a global one, or a timed random one). */
export function keepsAddressAcrossScans(profile: DeviceProfile): boolean {
  return profile.macPolicy.kind === 'timed' || profile.macPolicy.kind === 'global';
}

/** Every model above. */
export const PROFILES: readonly DeviceProfile[] = [
  IPHONE_IOS_16,
  IPHONE_FIXED_ADDRESS,
  IPHONE_XR,
  IPHONE_IOS_15,
  SAMSUNG_ANDROID_13,
  PIXEL_ANDROID_14,
  OPPO_ANDROID_13,
  ANDROID_LEGACY,
  WINDOWS_LAPTOP,
  POS_TERMINAL,
];
