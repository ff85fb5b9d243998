/**
 * The installer's phone during `footfall calibrate`, recognised by what it says rather than by
 * its address, which footfall never reads out: on Wi-Fi, the probe requests for a hidden network
 * the installer added under a calibration name (phones look for hidden networks by name, in the
 * SSID element); on BLE, a beacon app's advertisements that carry a calibration local name or a
 * 128-bit UUID (as a service UUID, or as an iBeacon's proximity UUID).
 *
 * Matching runs in capture/, on the frame's bytes (or noble's parsed advertisement), and only
 * sets `Sighting.marked`: what leaves capture/ and privacy/ of a marked frame is its RSSI and
 * time (privacy/marked-phone-tap.ts).
 */
import { walkAdStructures } from './ble/advertising-signature.js';

/** What the installer gave to mark the phone; at least one of them. */
export interface PhoneMarkerSpec {
  /** The hidden network's name: the SSID element must be exactly these bytes (UTF-8). */
  ssid?: string | undefined;
  /** A BLE local name (complete or shortened AD structure), exactly. */
  bleName?: string | undefined;
  /** A 128-bit UUID, in hex with or without dashes. */
  bleUuid?: string | undefined;
}

/** Why a marker cannot be made from what was given: a message for the operator. */
export class PhoneMarkerError extends Error {
  override readonly name = 'PhoneMarkerError';
}

const SSID_ELEMENT = 0;
const MAX_SSID_BYTES = 32;
/** A legacy advertisement carries 31 bytes of AD structures: 29 for a name after its length and type. */
const MAX_BLE_NAME_BYTES = 29;
const AD_UUIDS_128 = [0x06, 0x07];
const AD_SERVICE_DATA_128 = 0x21;
const AD_SHORT_NAME = 0x08;
const AD_COMPLETE_NAME = 0x09;
const AD_MANUFACTURER = 0xff;
/** Apple's company id, little-endian, then the iBeacon type and length: the proximity UUID follows, big-endian. */
const IBEACON_PREFIX = [0x4c, 0x00, 0x02, 0x15];

function bytesEqual(a: Uint8Array, aStart: number, b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (a[aStart + i] !== b[i]) return false;
  return true;
}

/** A parsed advertisement as noble gives it (lib/hci-socket/gap.js): the fields a marker reads. */
export interface MarkableAdvertisement {
  localName?: string | undefined;
  serviceUuids?: readonly string[] | undefined;
  serviceData?: readonly { uuid: string }[] | undefined;
  manufacturerData?: Uint8Array | undefined;
}

export class PhoneMarker {
  private readonly ssid: Buffer | null;
  private readonly bleName: Buffer | null;
  /** The UUID's 16 bytes as written (big-endian), and reversed as AD structures carry it. */
  private readonly uuidBigEndian: Buffer | null;
  private readonly uuidLittleEndian: Buffer | null;
  private readonly uuidHex: string | null;

  constructor(spec: PhoneMarkerSpec) {
    this.ssid = spec.ssid === undefined ? null : Buffer.from(spec.ssid, 'utf8');
    if (this.ssid !== null && (this.ssid.length === 0 || this.ssid.length > MAX_SSID_BYTES)) {
      throw new PhoneMarkerError(`the calibration network's name must be 1 to ${MAX_SSID_BYTES} bytes, e.g. footfall-cal-4821`);
    }
    this.bleName = spec.bleName === undefined ? null : Buffer.from(spec.bleName, 'utf8');
    if (this.bleName !== null && (this.bleName.length === 0 || this.bleName.length > MAX_BLE_NAME_BYTES)) {
      throw new PhoneMarkerError(`the beacon's local name must be 1 to ${MAX_BLE_NAME_BYTES} bytes, e.g. ffcal4821`);
    }
    if (spec.bleUuid === undefined) {
      this.uuidHex = this.uuidBigEndian = this.uuidLittleEndian = null;
    } else {
      const hex = spec.bleUuid.replace(/-/g, '').toLowerCase();
      if (!/^[0-9a-f]{32}$/.test(hex)) {
        throw new PhoneMarkerError('the beacon UUID must be 128 bits in hex, e.g. 8e2f5a1c-3b7d-4f60-9a41-5c0d2e6b7f18');
      }
      this.uuidHex = hex;
      this.uuidBigEndian = Buffer.from(hex, 'hex');
      this.uuidLittleEndian = Buffer.from(this.uuidBigEndian).reverse();
    }
    if (this.ssid === null && this.bleName === null && this.uuidHex === null) {
      throw new PhoneMarkerError('mark the phone with --ssid NAME (Wi-Fi), --ble-name NAME or --ble-uuid UUID (BLE)');
    }
  }

  /** Whether Wi-Fi frames can be marked. */
  get marksWifi(): boolean {
    return this.ssid !== null;
  }

  /** Whether BLE advertisements can be marked. */
  get marksBle(): boolean {
    return this.bleName !== null || this.uuidHex !== null;
  }

  /** What marks the phone, for messages: the names the installer chose, never an address. */
  describe(): string {
    const parts = [
      this.ssid === null ? null : `Wi-Fi network "${this.ssid.toString('utf8')}"`,
      this.bleName === null ? null : `BLE name "${this.bleName.toString('utf8')}"`,
      this.uuidHex === null ? null : `BLE UUID ${this.uuidHex}`,
    ];
    return parts.filter((part) => part !== null).join(', ');
  }

  /** Whether the information elements `buf[start, end)` of a probe request ask for the calibration network. */
  matchesProbeElements(buf: Uint8Array, start: number, end: number): boolean {
    const ssid = this.ssid;
    if (ssid === null) return false;
    let offset = start;
    // The SSID element comes first in every probe request seen; the walk allows any position.
    while (offset + 2 <= end) {
      const length = buf[offset + 1]!;
      const body = offset + 2;
      if (body + length > end) return false;
      if (buf[offset] === SSID_ELEMENT) return length === ssid.length && bytesEqual(buf, body, ssid);
      offset = body + length;
    }
    return false;
  }

  /** Whether the AD structures `buf[start, end)` carry the calibration name or UUID. */
  matchesAdvertisingData(buf: Uint8Array, start: number, end: number): boolean {
    return this.marksBle && walkAdStructures(buf, start, end, (type, body, next) => this.structureMatches(type, buf, body, next));
  }

  private structureMatches(type: number, buf: Uint8Array, body: number, next: number): boolean {
    const name = this.bleName;
    if ((type === AD_SHORT_NAME || type === AD_COMPLETE_NAME) && name !== null) {
      return next - body === name.length && bytesEqual(buf, body, name);
    }
    const uuid = this.uuidLittleEndian;
    if (uuid === null) return false;
    if (AD_UUIDS_128.includes(type)) {
      for (let j = body; j + 16 <= next; j += 16) if (bytesEqual(buf, j, uuid)) return true;
      return false;
    }
    if (type === AD_SERVICE_DATA_128) return next - body >= 16 && bytesEqual(buf, body, uuid);
    if (type === AD_MANUFACTURER) return this.isMarkedIbeacon(buf, body, next);
    return false;
  }

  private isMarkedIbeacon(buf: Uint8Array, start: number, end: number): boolean {
    const uuid = this.uuidBigEndian;
    if (uuid === null || end - start < IBEACON_PREFIX.length + 16) return false;
    for (let i = 0; i < IBEACON_PREFIX.length; i++) if (buf[start + i] !== IBEACON_PREFIX[i]) return false;
    return bytesEqual(buf, start + IBEACON_PREFIX.length, uuid);
  }

  /** The same test on an advertisement noble has parsed (its UUIDs are big-endian hex strings). */
  matchesAdvertisement(advertisement: MarkableAdvertisement): boolean {
    if (!this.marksBle) return false;
    if (this.bleName !== null && advertisement.localName !== undefined && advertisement.localName === this.bleName.toString('utf8')) return true;
    const uuid = this.uuidHex;
    if (uuid === null) return false;
    const same = (text: string) => text.replace(/-/g, '').toLowerCase() === uuid;
    if (advertisement.serviceUuids?.some(same) || advertisement.serviceData?.some((data) => same(data.uuid))) return true;
    const manufacturer = advertisement.manufacturerData;
    return manufacturer !== undefined && this.isMarkedIbeacon(manufacturer, 0, manufacturer.length);
  }
}
