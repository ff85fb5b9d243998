/**
 * A store's BLE population as its sensor hears it, streamed in time order: visitors' phones that
 * come and go (resolvable private addresses rotating every 5–15 minutes), staff phones, devices
 * with public and random static addresses, and non-connectable beacons with non-resolvable
 * addresses. Each advertises every few hundred milliseconds to a few seconds (plus the 0–10 ms
 * random delay BLE adds) with an RSSI that follows its distance; the sensor hears an
 * advertising event on one of the three channels, or misses it. A phone sometimes answers a
 * nearby scanner with a scan response, and the speaker sometimes advertises directed at the
 * shop's tablet.
 *
 * Like the Wi-Fi venue, devices are created when they arrive and dropped when they leave, and a
 * min-heap orders their next events, so memory does not grow with the length of the stream.
 */

import { ArrivalStream, EventQueue } from './arrivals.js';
import { advertisingContent, PDU_TYPE, type AdvertisingContent } from './ble-frames.js';
import { STORE_CURVE, type DailyCurve } from './daily-curve.js';
import { Random, type Seed } from './random.js';

export type BleDeviceKind = 'phone' | 'public' | 'random_static' | 'beacon';

export interface BleVenueOptions {
  seed: Seed;
  startMs: number;
  durationMs: number;
  /** Phones there from the start to the end (staff); default 3. */
  phones?: number;
  /** Visitors' phones arriving per hour at the daily curve's peak (default 40); each stays about `stayMinutes` (default 12). */
  visitorsPerHour?: number;
  stayMinutes?: number;
  /** How the visitors' arrivals follow the (UTC) day; default a store's. */
  curve?: DailyCurve;
  /** Devices there all along: with public addresses (default 1), random static ones (3), beacons (2). */
  publicDevices?: number;
  staticDevices?: number;
  beacons?: number;
  /** Share of advertising events the sensor receives when the signal is strong enough; default 0.85. */
  reception?: number;
}

/** One advertising PDU the sensor received, with who sent it (the ground truth). */
export interface BleAdvertisement {
  /** Milliseconds since the epoch, whole microseconds. */
  timeMs: number;
  /** The simulation's id of the device (not an address). */
  deviceId: number;
  kind: BleDeviceKind;
  /** AdvA, most significant octet first. */
  address: number;
  /** TxAdd: the address is random. */
  random: boolean;
  /** ADV_IND, ADV_DIRECT_IND, ADV_NONCONN_IND, ADV_SCAN_IND or SCAN_RSP. */
  pduType: number;
  /** ADV_DIRECT_IND: whom it is directed at; SCAN_RSP: the scanner that asked (a random address). */
  peerAddress?: number;
  rssi: number;
  /** Advertising channel 37, 38 or 39. */
  channel: number;
  content: AdvertisingContent;
}

interface DeviceModel {
  kind: BleDeviceKind;
  /** The two top bits of a random address: 01 resolvable, 11 static, 00 non-resolvable; -1 public. */
  topBits: number;
  pduType: number;
  intervalMs: readonly [min: number, max: number];
  /** How long an address lives; Infinity: never rotates. */
  rotationMs: readonly [min: number, max: number];
  /** Share of advertising events a nearby scanner asks for a scan response. */
  scanResponseShare: number;
  /** Share of advertising events directed at the shop's tablet. */
  directedShare: number;
  /** Moves about (a phone) or stays (the rest). */
  walks: boolean;
  advertisement(random: Random): AdvertisingContent;
}

function randomBytes(random: Random, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = random.int(0, 255);
  return bytes;
}

const MINUTE = 60_000;
const NEVER = [Infinity, Infinity] as const;

const MODELS = {
  iphone: {
    kind: 'phone',
    topBits: 0b01,
    pduType: PDU_TYPE.ADV_IND,
    intervalMs: [180, 1200],
    rotationMs: [5 * MINUTE, 15 * MINUTE],
    scanResponseShare: 0.04,
    directedShare: 0,
    walks: true,
    // Apple "Nearby Info": company 0x004c, payload that changes with every advertisement.
    advertisement: (random) => advertisingContent({ manufacturerData: Buffer.concat([Buffer.from([0x4c, 0x00, 0x10, 0x05]), randomBytes(random, 5)]) }),
  },
  android: {
    kind: 'phone',
    topBits: 0b01,
    pduType: PDU_TYPE.ADV_SCAN_IND,
    intervalMs: [250, 2000],
    rotationMs: [5 * MINUTE, 15 * MINUTE],
    scanResponseShare: 0.04,
    directedShare: 0,
    walks: true,
    // Google Fast Pair / Nearby: service data under 0xfef3.
    advertisement: (random) => advertisingContent({ serviceUuids: ['fef3'], serviceData: [{ uuid: 'fef3', data: randomBytes(random, 12) }] }),
  },
  speaker: {
    kind: 'public',
    topBits: -1,
    pduType: PDU_TYPE.ADV_IND,
    intervalMs: [1000, 2000],
    rotationMs: NEVER,
    scanResponseShare: 0.02,
    directedShare: 0.1,
    walks: false,
    advertisement: () => advertisingContent({ localName: 'Shop speaker', serviceUuids: ['110b'], txPowerLevel: 4 }),
  },
  band: {
    kind: 'random_static',
    topBits: 0b11,
    pduType: PDU_TYPE.ADV_IND,
    intervalMs: [500, 1500],
    rotationMs: NEVER,
    scanResponseShare: 0,
    directedShare: 0,
    walks: false,
    advertisement: (random) => advertisingContent({ manufacturerData: Buffer.concat([Buffer.from([0x57, 0x01]), randomBytes(random, 8)]), serviceUuids: ['fee0'] }),
  },
  beacon: {
    kind: 'beacon',
    topBits: 0b00,
    pduType: PDU_TYPE.ADV_NONCONN_IND,
    intervalMs: [300, 900],
    rotationMs: [10 * MINUTE, 15 * MINUTE],
    scanResponseShare: 0,
    directedShare: 0,
    walks: false,
    // An iBeacon-style frame under Nordic's company id: the most a legacy advertisement holds beside its flags.
    advertisement: (random) => advertisingContent({ manufacturerData: Buffer.concat([Buffer.from([0x59, 0x00, 0x02, 0x15]), randomBytes(random, 21)]) }),
  },
} as const satisfies Record<string, DeviceModel>;

/** A random address with the given two top bits; a public one (a vendor's OUI) for -1. */
function newAddress(topBits: number, random: Random): number {
  const low = random.int(0, 0xffffff);
  if (topBits < 0) return 0x001a7d * 2 ** 24 + low;
  const first = (topBits << 6) | random.int(0, 63);
  return (first * 2 ** 16 + random.int(0, 0xffff)) * 2 ** 24 + low;
}

/** `aa:bb:cc:dd:ee:ff` for the 48-bit integer 0xaabbccddeeff. */
export function formatAddress(address: number): string {
  return address.toString(16).padStart(12, '0').replace(/(..)(?!$)/g, '$1:');
}

/** RSSI by the log-distance path-loss model (-59 dBm at 1 m, exponent 2.2) with 4 dB of fading. */
function rssiAt(distanceM: number, random: Random): number {
  return Math.max(-105, Math.min(-25, Math.round(-59 - 22 * Math.log10(distanceM) + random.normal(0, 4))));
}

/** Below this the sensor's receiver hears nothing. */
const SENSITIVITY_DBM = -98;
const ADVERTISING_CHANNELS = [37, 38, 39] as const;
/** A scan response follows its scan request by about 150 µs, the request the advertisement as much. */
const SCAN_RESPONSE_DELAY_US = 300;
/** The shop's tablet, which the speaker's directed advertisements look for. */
const TABLET_ADDRESS = 0x5b_8d_31_07_42_9e;

const STREAM = { ARRIVALS: 1, DEVICE: 2 } as const;

class BleSimDevice {
  /** When the next advertising event (or a pending scan response) is due, whole microseconds. */
  eventUs: number;
  private address: number;
  private rotateAtUs: number;
  private distanceM: number;
  private readonly intervalUs: number;
  /** The next advertising event, when a scan response comes first. */
  private followingUs = 0;
  private pending: BleAdvertisement | undefined;

  constructor(
    readonly id: number,
    private readonly model: DeviceModel,
    private readonly random: Random,
    fromUs: number,
    readonly leaveUs: number,
  ) {
    this.intervalUs = Math.round(random.uniform(...model.intervalMs) * 1000);
    this.distanceM = random.uniform(1, 25);
    this.address = newAddress(model.topBits, random);
    this.rotateAtUs = Number.isFinite(model.rotationMs[0]) ? fromUs + Math.round(random.uniform(0, model.rotationMs[1]) * 1000) : Infinity;
    this.eventUs = fromUs + Math.round(random.uniform(0, this.intervalUs));
  }

  /** The advertisement due at `eventUs` if the sensor hears it; moves on to the next event. */
  advertise(reception: number): BleAdvertisement | undefined {
    if (this.pending !== undefined) {
      const response = this.pending;
      this.pending = undefined;
      this.eventUs = this.followingUs;
      return response;
    }
    const { model, random } = this;
    const atUs = this.eventUs;
    if (atUs >= this.rotateAtUs) {
      this.address = newAddress(model.topBits, random);
      this.rotateAtUs = atUs + Math.round(random.uniform(...model.rotationMs) * 1000);
    }
    if (model.walks) this.distanceM = Math.max(0.5, Math.min(40, this.distanceM + random.normal(0, 0.05)));
    const rssi = rssiAt(this.distanceM, random);
    const channel = random.pick(ADVERTISING_CHANNELS);
    const directed = random.chance(model.directedShare);
    const heard = rssi >= SENSITIVITY_DBM && random.chance(reception);
    this.followingUs = atUs + this.intervalUs + random.int(0, 10_000);
    this.eventUs = this.followingUs;
    const base = { deviceId: this.id, kind: model.kind, address: this.address, random: model.topBits >= 0, rssi, channel };
    if (!heard) return undefined;
    if (!directed && random.chance(model.scanResponseShare)) {
      const scanner = newAddress(0b00, random);
      this.pending = { ...base, timeMs: (atUs + SCAN_RESPONSE_DELAY_US) / 1000, pduType: PDU_TYPE.SCAN_RSP, peerAddress: scanner, content: advertisingContent({ localName: 'scan response' }) };
      this.eventUs = atUs + SCAN_RESPONSE_DELAY_US;
    }
    if (directed) return { ...base, timeMs: atUs / 1000, pduType: PDU_TYPE.ADV_DIRECT_IND, peerAddress: TABLET_ADDRESS, content: advertisingContent() };
    return { ...base, timeMs: atUs / 1000, pduType: model.pduType, content: model.advertisement(random) };
  }
}

function fleet(options: BleVenueOptions): DeviceModel[] {
  const models: DeviceModel[] = [];
  for (let i = 0; i < (options.phones ?? 3); i++) models.push(i % 2 === 0 ? MODELS.iphone : MODELS.android);
  for (let i = 0; i < (options.publicDevices ?? 1); i++) models.push(MODELS.speaker);
  for (let i = 0; i < (options.staticDevices ?? 3); i++) models.push(MODELS.band);
  for (let i = 0; i < (options.beacons ?? 2); i++) models.push(MODELS.beacon);
  return models;
}

/** The advertisements the sensor receives, in time order (ties by device id). */
export function* bleAdvertisements(options: BleVenueOptions): Generator<BleAdvertisement, void, undefined> {
  const startUs = Math.round(options.startMs * 1000);
  const endUs = startUs + Math.round(options.durationMs * 1000);
  const reception = options.reception ?? 0.85;
  const queue = new EventQueue<BleSimDevice>();
  let nextId = 0;
  const add = (model: DeviceModel, fromUs: number, leaveUs: number) => {
    const id = nextId++;
    queue.push(new BleSimDevice(id, model, new Random(options.seed, STREAM.DEVICE, id), fromUs, leaveUs));
  };
  for (const model of fleet(options)) add(model, startUs, endUs);
  const people = new Random(options.seed, STREAM.ARRIVALS);
  const arrivals = new ArrivalStream(people, options.visitorsPerHour ?? 40, options.curve ?? STORE_CURVE, 0, startUs, endUs);
  const stayMinutes = options.stayMinutes ?? 12;

  for (;;) {
    const device = queue.peek();
    const arrivalUs = arrivals.nextUs;
    if (arrivalUs < Math.min(device?.eventUs ?? Infinity, endUs)) {
      arrivals.take();
      const stayUs = Math.round(people.logNormal(stayMinutes * 60, 0.6) * 1_000_000);
      add(people.chance(0.5) ? MODELS.iphone : MODELS.android, arrivalUs, Math.min(endUs, arrivalUs + stayUs));
      continue;
    }
    if (device === undefined || device.eventUs >= endUs) return;
    if (device.eventUs >= device.leaveUs) {
      queue.pop();
      continue;
    }
    const advertisement = device.advertise(reception);
    queue.updateTop();
    if (advertisement !== undefined) yield advertisement;
  }
}
