/**
 * A seeded stream of BLE advertisements as a shop's sensor hears them: phones with resolvable
 * private addresses that rotate every few minutes, devices with public and random static
 * addresses, and non-connectable beacons with non-resolvable addresses; each advertises every
 * 100 ms to 2 s (plus the 0–10 ms random delay BLE adds), with an RSSI that follows its distance.
 */
import { Random } from '../../sim/random.js';
import type { AdvertisingReport, NobleAdvertisingData } from './fake-noble-bindings.fixtures.js';

export type BleDeviceKind = 'phone' | 'public' | 'random_static' | 'beacon';

export interface AdvertisingStreamOptions {
  seed: string;
  startMs: number;
  durationMs: number;
  phones: number;
  publicDevices: number;
  staticDevices: number;
  beacons: number;
}

export interface StreamedAddress {
  kind: BleDeviceKind;
  addressType: 'public' | 'random';
  reports: number;
  rssiSum: number;
}

export interface AdvertisingStream {
  /** In time order. */
  reports: AdvertisingReport[];
  /** Ground truth by address integer. */
  addresses: Map<number, StreamedAddress>;
}

interface DeviceModel {
  kind: BleDeviceKind;
  addressType: 'public' | 'random';
  /** The two top bits of a random address: 01 resolvable, 11 static, 00 non-resolvable. */
  topBits: number;
  connectable: boolean;
  intervalMs: [min: number, max: number];
  /** How long an address lives; Infinity: never rotates. */
  rotationMs: [min: number, max: number];
  advertisement(random: Random): NobleAdvertisingData;
}

function advertisingData(fields: Partial<NobleAdvertisingData>): NobleAdvertisingData {
  return {
    localName: undefined,
    txPowerLevel: undefined,
    manufacturerData: undefined,
    serviceData: [],
    serviceUuids: [],
    serviceSolicitationUuids: [],
    ...fields,
  };
}

function randomBytes(random: Random, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = random.int(0, 255);
  return bytes;
}

const MINUTE = 60_000;

const MODELS: Record<string, DeviceModel> = {
  iphone: {
    kind: 'phone',
    addressType: 'random',
    topBits: 0b01,
    connectable: true,
    intervalMs: [180, 1200],
    rotationMs: [3 * MINUTE, 15 * MINUTE],
    // Apple "Nearby Info": company 0x004c, payload that changes with every advertisement.
    advertisement: (random) => advertisingData({ manufacturerData: Buffer.concat([Buffer.from([0x4c, 0x00, 0x10, 0x05]), randomBytes(random, 5)]) }),
  },
  android: {
    kind: 'phone',
    addressType: 'random',
    topBits: 0b01,
    connectable: true,
    intervalMs: [250, 2000],
    rotationMs: [3 * MINUTE, 15 * MINUTE],
    // Google Fast Pair / Nearby: service data under 0xfef3.
    advertisement: (random) => advertisingData({ serviceUuids: ['fef3'], serviceData: [{ uuid: 'fef3', data: randomBytes(random, 12) }] }),
  },
  speaker: {
    kind: 'public',
    addressType: 'public',
    topBits: -1,
    connectable: true,
    intervalMs: [1000, 2000],
    rotationMs: [Infinity, Infinity],
    advertisement: () => advertisingData({ localName: 'Shop speaker', serviceUuids: ['110b'], txPowerLevel: 4 }),
  },
  band: {
    kind: 'random_static',
    addressType: 'random',
    topBits: 0b11,
    connectable: true,
    intervalMs: [500, 1500],
    rotationMs: [Infinity, Infinity],
    advertisement: (random) => advertisingData({ manufacturerData: Buffer.concat([Buffer.from([0x57, 0x01]), randomBytes(random, 8)]), serviceUuids: ['fee0'] }),
  },
  beacon: {
    kind: 'beacon',
    addressType: 'random',
    topBits: 0b00,
    connectable: false,
    intervalMs: [100, 300],
    rotationMs: [10 * MINUTE, 15 * MINUTE],
    advertisement: (random) => advertisingData({ manufacturerData: Buffer.concat([Buffer.from([0x59, 0x00, 0x02, 0x15]), randomBytes(random, 21)]), txPowerLevel: -8 }),
  },
};

/** `aa:bb:cc:dd:ee:ff` for the 48-bit integer 0xaabbccddeeff. */
export function formatAddress(address: number): string {
  return address.toString(16).padStart(12, '0').replace(/(..)(?!$)/g, '$1:');
}

function newAddress(model: DeviceModel, random: Random): number {
  const low = random.int(0, 0xffffff);
  if (model.topBits < 0) return 0x001a7d * 2 ** 24 + low; // a vendor's OUI
  const first = (model.topBits << 6) | random.int(0, 63);
  return (first * 2 ** 16 + random.int(0, 0xffff)) * 2 ** 24 + low;
}

/** RSSI by the log-distance path-loss model (-59 dBm at 1 m, exponent 2.2) with 4 dB of fading. */
function rssiAt(distanceM: number, random: Random): number {
  return Math.max(-105, Math.min(-25, Math.round(-59 - 22 * Math.log10(distanceM) + random.normal(0, 4))));
}

export function generateAdvertisingStream(options: AdvertisingStreamOptions): AdvertisingStream {
  const { seed, startMs, durationMs } = options;
  const endMs = startMs + durationMs;
  const fleet: DeviceModel[] = [];
  for (let i = 0; i < options.phones; i++) fleet.push(i % 2 === 0 ? MODELS.iphone! : MODELS.android!);
  for (let i = 0; i < options.publicDevices; i++) fleet.push(MODELS.speaker!);
  for (let i = 0; i < options.staticDevices; i++) fleet.push(MODELS.band!);
  for (let i = 0; i < options.beacons; i++) fleet.push(MODELS.beacon!);

  const reports: AdvertisingReport[] = [];
  const addresses = new Map<number, StreamedAddress>();
  fleet.forEach((model, index) => {
    const random = new Random(seed, index);
    const intervalMs = random.uniform(...model.intervalMs);
    // Phones walk about; the other devices stay where they are.
    let distanceM = random.uniform(1, 25);
    let address = newAddress(model, random);
    let rotateAtMs = Number.isFinite(model.rotationMs[0]) ? startMs + random.uniform(0, model.rotationMs[1]) : Infinity;
    for (let t = startMs + random.uniform(0, intervalMs); t < endMs; t += intervalMs + random.uniform(0, 10)) {
      if (t >= rotateAtMs) {
        address = newAddress(model, random);
        rotateAtMs = t + random.uniform(...model.rotationMs);
      }
      if (model.kind === 'phone') distanceM = Math.max(0.5, Math.min(40, distanceM + random.normal(0, 0.05)));
      const rssi = rssiAt(distanceM, random);
      reports.push({
        timeMs: Math.round(t),
        address: formatAddress(address),
        addressType: model.addressType,
        connectable: model.connectable,
        rssi,
        advertisement: model.advertisement(random),
      });
      const truth = addresses.get(address) ?? { kind: model.kind, addressType: model.addressType, reports: 0, rssiSum: 0 };
      truth.reports++;
      truth.rssiSum += rssi;
      addresses.set(address, truth);
    }
  });
  reports.sort((a, b) => a.timeMs - b.timeMs);
  return { reports, addresses };
}
