/**
 * A BLE device's advertising signature: a 32-bit hash of what its advertisements have in common
 * whichever address it uses, so that the device estimate can chain a phone's rotating private
 * addresses. It covers the advertising data's structure only: the manufacturer's company id,
 * the service UUIDs and service-data UUIDs, and whether a local name and a TX power are given.
 * Never payload that changes from one advertisement to the next, and never the name itself.
 *
 * The fields have the shape noble gives them (lib/hci-socket/gap.js); `advertisingDataSignature`
 * reads the same signature from the raw AD structures of a captured PDU or HCI report. UUIDs are
 * compared as numbers of their width, so noble's unpadded 16-bit strings ("fe9" for 0x0fe9)
 * match the padded ones.
 */
import { finish32 } from '../hash32.js';

export interface AdvertisingFields {
  localName?: string | undefined;
  txPowerLevel?: number | undefined;
  manufacturerData?: Uint8Array | undefined;
  serviceUuids: readonly string[];
  serviceData: readonly { uuid: string }[];
}

const enum Feature {
  Company = 1,
  ServiceUuid = 2,
  ServiceDataUuid = 3,
  LocalName = 4,
  TxPower = 5,
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function fnv(h: number, byte: number): number {
  return Math.imul(h ^ byte, FNV_PRIME);
}

/** A UUID written in hex (any case, dashes allowed) as a feature hash; 0 for what is not one. */
function uuidFeature(feature: Feature, text: string): number {
  const hex = text.replace(/-/g, '');
  if (hex.length === 0 || hex.length > 32 || !/^[0-9a-f]+$/i.test(hex)) return 0;
  // The UUID's width: 16, 32 or 128 bits, whatever leading zeros the text left out.
  const digits = hex.length <= 4 ? 4 : hex.length <= 8 ? 8 : 32;
  const padded = hex.toLowerCase().padStart(digits, '0');
  let h = fnv(FNV_OFFSET, feature);
  for (let i = 0; i < padded.length; i++) h = fnv(h, padded.charCodeAt(i));
  return finish32(h);
}

function valueFeature(feature: Feature, value: number): number {
  return finish32(fnv(fnv(fnv(FNV_OFFSET, feature), value & 0xff), value >>> 8));
}

/**
 * The signature of a device's advertising data; 0 when it carries none of the features. The
 * features are summed, so their order (and which AD structure carried them) does not matter.
 */
export function advertisingSignature(fields: AdvertisingFields): number {
  let sum = 0;
  const manufacturer = fields.manufacturerData;
  if (manufacturer !== undefined && manufacturer.length >= 2) sum += valueFeature(Feature.Company, manufacturer[0]! | (manufacturer[1]! << 8));
  for (const uuid of fields.serviceUuids) sum += uuidFeature(Feature.ServiceUuid, uuid);
  for (const { uuid } of fields.serviceData) sum += uuidFeature(Feature.ServiceDataUuid, uuid);
  if (fields.localName !== undefined) sum += valueFeature(Feature.LocalName, 1);
  if (fields.txPowerLevel !== undefined) sum += valueFeature(Feature.TxPower, 1);
  return signatureOfSum(sum);
}

function signatureOfSum(sum: number): number {
  return sum === 0 ? 0 : finish32(sum >>> 0) || 1;
}

/** AD types (Bluetooth Assigned Numbers, "Common Data Types"). */
const AD_UUIDS_16 = [0x02, 0x03];
const AD_UUIDS_32 = [0x04, 0x05];
const AD_UUIDS_128 = [0x06, 0x07];
const AD_SHORT_NAME = 0x08;
const AD_COMPLETE_NAME = 0x09;
const AD_TX_POWER = 0x0a;
const AD_SERVICE_DATA_16 = 0x16;
const AD_SERVICE_DATA_32 = 0x20;
const AD_SERVICE_DATA_128 = 0x21;
const AD_MANUFACTURER = 0xff;

/**
 * Visits the AD structures in `data[offset, end)` in order: their type and where their data lies,
 * `[start, next)`. A structure that runs past the end ends the walk (what came before it stands),
 * as does a visit that returns true; returns whether one did.
 */
export function walkAdStructures(data: Uint8Array, offset: number, end: number, visit: (type: number, start: number, next: number) => boolean | void): boolean {
  let i = offset;
  while (i + 1 < end) {
    const length = data[i]!;
    if (length === 0) break;
    const next = i + 1 + length;
    if (next > end) break;
    if (visit(data[i + 1]!, i + 2, next) === true) return true;
    i = next;
  }
  return false;
}

/** Lower-case hex digits as character codes: a UUID's bytes hash as noble writes them. */
const HEX_DIGITS = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

/** The feature of the little-endian UUID of `width` bytes at `start`: uuidFeature of its hex, from the bytes. */
function uuidBytesFeature(feature: Feature, data: Uint8Array, start: number, width: number): number {
  let h = fnv(FNV_OFFSET, feature);
  for (let i = start + width - 1; i >= start; i--) {
    const byte = data[i]!;
    h = fnv(fnv(h, HEX_DIGITS[byte >> 4]!), HEX_DIGITS[byte & 0x0f]!);
  }
  return finish32(h);
}

/**
 * The signature of the AD structures in `data[offset, end)`: what advertisingSignature gives for
 * the fields noble would read from them, read straight off the bytes, without the strings and
 * arrays of those fields (a busy venue's sensor reads thousands of advertisements a second). A
 * structure that runs past the end ends the read (what came before it stands).
 */
export function advertisingDataSignature(data: Uint8Array, offset: number, end: number): number {
  let sum = 0;
  let named = false;
  let txPower = false;
  let manufacturerStart = -1;
  let manufacturerNext = -1;
  walkAdStructures(data, offset, end, (type, start, next) => {
    const size = next - start;
    const uuidWidth = AD_UUIDS_16.includes(type) ? 2 : AD_UUIDS_32.includes(type) ? 4 : AD_UUIDS_128.includes(type) ? 16 : 0;
    if (uuidWidth > 0) {
      for (let j = start; j + uuidWidth <= next; j += uuidWidth) sum += uuidBytesFeature(Feature.ServiceUuid, data, j, uuidWidth);
    } else if (type === AD_SERVICE_DATA_16 || type === AD_SERVICE_DATA_32 || type === AD_SERVICE_DATA_128) {
      const width = type === AD_SERVICE_DATA_16 ? 2 : type === AD_SERVICE_DATA_32 ? 4 : 16;
      if (size >= width) sum += uuidBytesFeature(Feature.ServiceDataUuid, data, start, width);
    } else if (type === AD_SHORT_NAME || type === AD_COMPLETE_NAME) {
      named = true;
    } else if (type === AD_TX_POWER && size >= 1) {
      txPower = true;
    } else if (type === AD_MANUFACTURER) {
      // The last manufacturer structure stands, as in noble's parse.
      manufacturerStart = start;
      manufacturerNext = next;
    }
  });
  if (manufacturerNext - manufacturerStart >= 2) sum += valueFeature(Feature.Company, data[manufacturerStart]! | (data[manufacturerStart + 1]! << 8));
  if (named) sum += valueFeature(Feature.LocalName, 1);
  if (txPower) sum += valueFeature(Feature.TxPower, 1);
  return signatureOfSum(sum);
}
