/**
 * Encoders for the 802.11 information elements a probe request carries (IEEE 802.11-2020,
 * 9.4.2). Each returns the element's bytes: id, length, body. The field layouts follow the
 * standard; the values are the kind phones and laptops send (see profiles.ts).
 */

export const ELEMENT = {
  SSID: 0,
  SUPPORTED_RATES: 1,
  DS_PARAMETER_SET: 3,
  HT_CAPABILITIES: 45,
  EXTENDED_SUPPORTED_RATES: 50,
  INTERWORKING: 107,
  EXTENDED_CAPABILITIES: 127,
  VHT_CAPABILITIES: 191,
  VENDOR_SPECIFIC: 221,
  EXTENSION: 255,
} as const;

/** Element ID Extension values (9.4.2.1, table 9-92). */
const EXTENSION_ID = { FILS_REQUEST_PARAMETERS: 2, HE_CAPABILITIES: 35 } as const;

export const OUI = {
  MICROSOFT: 0x0050f2,
  BROADCOM: 0x001018,
  EPIGRAM: 0x00904c,
  QUALCOMM: 0x00a0c6,
  APPLE: 0x0017f2,
  WIFI_ALLIANCE: 0x506f9a,
} as const;

/** The 802.11 channel number of a 2.4 or 5 GHz centre frequency (the DS Parameter Set's value). */
export function channelNumber(mhz: number): number {
  if (mhz === 2484) return 14;
  if (mhz >= 2412 && mhz < 2484) return (mhz - 2407) / 5;
  if (mhz >= 5000 && mhz < 5900) return (mhz - 5000) / 5;
  throw new RangeError(`no Wi-Fi channel at ${mhz} MHz`);
}

export function element(id: number, body: readonly number[]): number[] {
  if (body.length > 255) throw new RangeError(`element ${id} body of ${body.length} bytes exceeds 255`);
  return [id, body.length, ...body];
}

function u16le(value: number): number[] {
  return [value & 0xff, (value >>> 8) & 0xff];
}

function u32le(value: number): number[] {
  return [...u16le(value & 0xffff), ...u16le(value >>> 16)];
}

function u16be(value: number): number[] {
  return [(value >>> 8) & 0xff, value & 0xff];
}

function ouiBytes(oui: number): number[] {
  return [(oui >>> 16) & 0xff, (oui >>> 8) & 0xff, oui & 0xff];
}

/** Rates in 500 kb/s units; 0x80 marks a basic rate. */
export const RATES = {
  /** 1, 2, 5.5, 11 Mb/s as basic rates: what most phones put in Supported Rates. */
  DSSS_BASIC: [0x82, 0x84, 0x8b, 0x96],
  /** The same four without the basic bit (iOS sends them this way). */
  DSSS: [0x02, 0x04, 0x0b, 0x16],
  /** 6, 9, 12, 18, 24, 36, 48, 54 Mb/s. */
  OFDM: [0x0c, 0x12, 0x18, 0x24, 0x30, 0x48, 0x60, 0x6c],
} as const;

export function supportedRates(rates: readonly number[]): number[] {
  return element(ELEMENT.SUPPORTED_RATES, rates.slice(0, 8));
}

export function extendedSupportedRates(rates: readonly number[]): number[] {
  return element(ELEMENT.EXTENDED_SUPPORTED_RATES, [...rates]);
}

export interface HtCapabilities {
  /** HT Capability Information bits (9.4.2.55.2): LDPC 0x1, 40 MHz 0x2, SM PS off 0xc, SGI20 0x20, … */
  info: number;
  /** A-MPDU parameters: max length exponent and minimum start spacing. */
  ampdu: number;
  /** Spatial streams: each sets one byte of the Rx MCS bitmask (MCS 0–7 per stream). */
  streams: number;
}

/** HT Capabilities, 26 bytes of body (9.4.2.55). */
export function htCapabilities(caps: HtCapabilities): number[] {
  const mcs = new Array<number>(16).fill(0);
  for (let i = 0; i < caps.streams; i++) mcs[i] = 0xff;
  const body = [...u16le(caps.info), caps.ampdu, ...mcs, ...u16le(0), ...u32le(0), 0];
  return element(ELEMENT.HT_CAPABILITIES, body);
}

/** A VHT/HE MCS map with MCS 0–9 (VHT) or 0–11 (HE) on the first `streams` streams, the rest off. */
function mcsMap(streams: number, perStream: number): number {
  let map = 0;
  for (let i = 0; i < 8; i++) map |= (i < streams ? perStream : 3) << (2 * i);
  return map;
}

/** VHT Capabilities, 12 bytes of body (9.4.2.157): info, then Rx/Tx MCS maps and highest rates. */
export function vhtCapabilities(info: number, streams: number): number[] {
  const map = mcsMap(streams, 2);
  return element(ELEMENT.VHT_CAPABILITIES, [...u32le(info), ...u16le(map), ...u16le(0), ...u16le(map), ...u16le(0)]);
}

/**
 * HE Capabilities (9.4.2.248): MAC (6 bytes) and PHY (11 bytes) capability fields, then the
 * ≤80 MHz Rx/Tx HE-MCS maps. PHY byte 0 bit 1 says "40 MHz in 2.4 GHz"; no 160 MHz bits, so no
 * further maps, and the PPE Thresholds Present bit stays clear, so no thresholds follow.
 */
export function heCapabilities(mac: readonly number[], phy: readonly number[], streams: number): number[] {
  if (mac.length !== 6 || phy.length !== 11) throw new RangeError('HE MAC caps are 6 bytes, PHY caps 11');
  const map = mcsMap(streams, 2);
  return element(ELEMENT.EXTENSION, [EXTENSION_ID.HE_CAPABILITIES, ...mac, ...phy, ...u16le(map), ...u16le(map)]);
}

/**
 * FILS Request Parameters (9.4.2.262): the parameter control bitmap and the maximum channel time
 * (in TUs) the device waits for a response; Android phones send it with every probe request.
 */
export function filsRequestParameters(control: number, maxChannelTime: number): number[] {
  return element(ELEMENT.EXTENSION, [EXTENSION_ID.FILS_REQUEST_PARAMETERS, control, maxChannelTime]);
}

/** Extended Capabilities (9.4.2.26): a little-endian bit field, as many octets as given. */
export function extendedCapabilities(octets: readonly number[]): number[] {
  return element(ELEMENT.EXTENDED_CAPABILITIES, [...octets]);
}

/** Interworking (9.4.2.92): access network options, then the wildcard HESSID. */
export function interworking(accessNetworkOptions: number): number[] {
  return element(ELEMENT.INTERWORKING, [accessNetworkOptions, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
}

export function vendorSpecific(oui: number, type: number, data: readonly number[]): number[] {
  return element(ELEMENT.VENDOR_SPECIFIC, [...ouiBytes(oui), type, ...data]);
}

/**
 * Wi-Fi Alliance MBO-OCE element (type 0x16) with the Cellular Data Capabilities attribute
 * (id 3; 1 = available, 2 = not available, 3 = not capable): Android phones send it.
 */
export function mboCellularCapability(value: 1 | 2 | 3): number[] {
  return vendorSpecific(OUI.WIFI_ALLIANCE, 0x16, [0x03, 0x01, value]);
}

function wpsAttribute(type: number, value: readonly number[]): number[] {
  return [...u16be(type), ...u16be(value.length), ...value];
}

/**
 * A Wi-Fi Simple Configuration (WPS) element in a probe request (Microsoft OUI, type 4): big-endian
 * type-length-value attributes from the WSC 2.0 specification. Windows sends one with a UUID-E
 * that is fixed per machine, which makes the element a device fingerprint.
 */
export function wpsProbeRequest(uuid: readonly number[], primaryDevice: { category: number; subcategory: number }): number[] {
  if (uuid.length !== 16) throw new RangeError('UUID-E is 16 bytes');
  const attributes = [
    ...wpsAttribute(0x104a, [0x10]), // Version 1.0 (kept for legacy parsers)
    ...wpsAttribute(0x103a, [0x00]), // Request Type: enrollee, information only
    ...wpsAttribute(0x1008, u16be(0x4388)), // Config Methods
    ...wpsAttribute(0x1047, uuid), // UUID-E
    ...wpsAttribute(0x1054, [...u16be(primaryDevice.category), 0x00, 0x50, 0xf2, 0x04, ...u16be(primaryDevice.subcategory)]),
    ...wpsAttribute(0x103c, [0x03]), // RF Bands: 2.4 and 5 GHz
    ...wpsAttribute(0x1002, u16be(0)), // Association State: not associated
    ...wpsAttribute(0x1009, u16be(0)), // Configuration Error: none
    ...wpsAttribute(0x1012, u16be(0)), // Device Password ID: default PIN
    ...wpsAttribute(0x1049, [0x00, 0x37, 0x2a, 0x00, 0x01, 0x20]), // WFA vendor extension: Version2 = 2.0
  ];
  return vendorSpecific(OUI.MICROSOFT, 0x04, attributes);
}
