import { describe, expect, it } from 'vitest';
import { advertisingDataSignature, advertisingSignature } from '../capture/ble/advertising-signature.js';
import { encodeAdvertisingData, PDU_TYPE } from './ble-frames.js';
import { bleAdvertisements, type BleAdvertisement } from './ble-venue.js';

const START_MS = Date.UTC(2026, 10, 23, 11);
const options = { seed: 'ble-venue', startMs: START_MS, durationMs: 2 * 3_600_000 };
const stream = [...bleAdvertisements(options)];

function byDevice(advertisements: readonly BleAdvertisement[]): Map<number, BleAdvertisement[]> {
  const devices = new Map<number, BleAdvertisement[]>();
  for (const a of advertisements) {
    const list = devices.get(a.deviceId) ?? [];
    list.push(a);
    devices.set(a.deviceId, list);
  }
  return devices;
}

/** The first `count` items, without going through the rest. */
function firstOf<T>(items: Iterable<T>, count: number): T[] {
  const taken: T[] = [];
  for (const item of items) {
    if (taken.length === count) break;
    taken.push(item);
  }
  return taken;
}

describe('bleAdvertisements', () => {
  it('is the same stream for the same seed, in time order, within the span', () => {
    // As JSON, one advertisement at a time: toEqual over the 140,000 of them took 8 s.
    const again = [...bleAdvertisements(options)];
    expect(again.length).toBe(stream.length);
    expect(again.findIndex((a, i) => JSON.stringify(a) !== JSON.stringify(stream[i])), 'the first advertisement that differs').toBe(-1);
    expect(stream.length).toBeGreaterThan(50_000);
    expect(stream.every((a, i) => i === 0 || a.timeMs >= stream[i - 1]!.timeMs)).toBe(true);
    expect(stream.every((a) => a.timeMs >= START_MS && a.timeMs < START_MS + 2 * 3_600_000 && Number.isInteger(a.timeMs * 1000))).toBe(true);
    expect(stream.slice(0, 1000)).not.toEqual(firstOf(bleAdvertisements({ ...options, seed: 'other' }), 1000));
  });

  it('has phones that come and go, with resolvable addresses rotating every 5 to 15 minutes', () => {
    const devices = byDevice(stream);
    const phones = [...devices.values()].filter((ads) => ads[0]!.kind === 'phone');
    expect(phones.length).toBeGreaterThan(20);
    expect(phones.some((ads) => ads.at(-1)!.timeMs - ads[0]!.timeMs < 3_600_000)).toBe(true);
    for (const ads of phones) {
      expect(ads.every((a) => a.random && Math.floor(a.address / 2 ** 46) === 0b01)).toBe(true);
      const spans = new Map<number, [first: number, last: number]>();
      for (const a of ads) spans.set(a.address, [spans.get(a.address)?.[0] ?? a.timeMs, a.timeMs]);
      // An address lives 5 to 15 minutes (the first one may have begun before the phone was heard).
      expect([...spans.values()].every(([first, last]) => last - first < 15 * 60_000)).toBe(true);
      const presentMinutes = (ads.at(-1)!.timeMs - ads[0]!.timeMs) / 60_000;
      expect(spans.size).toBeGreaterThanOrEqual(Math.floor(presentMinutes / 15));
      expect(spans.size).toBeLessThanOrEqual(2 + Math.ceil(presentMinutes / 5));
    }
  });

  it('has every kind of address, beacons that do not connect, scan responses and directed advertisements', () => {
    const kinds = new Map(stream.map((a) => [a.kind, a]));
    expect(kinds.get('public')!.random).toBe(false);
    expect(Math.floor(kinds.get('random_static')!.address / 2 ** 46)).toBe(0b11);
    expect(Math.floor(kinds.get('beacon')!.address / 2 ** 46)).toBe(0b00);
    expect(stream.filter((a) => a.kind === 'beacon').every((a) => a.pduType === PDU_TYPE.ADV_NONCONN_IND)).toBe(true);
    const responses = stream.filter((a) => a.pduType === PDU_TYPE.SCAN_RSP);
    expect(responses.length).toBeGreaterThan(100);
    expect(responses.every((a) => a.peerAddress !== undefined)).toBe(true);
    expect(stream.some((a) => a.pduType === PDU_TYPE.ADV_DIRECT_IND)).toBe(true);
    expect(stream.every((a) => [37, 38, 39].includes(a.channel) && a.rssi <= -25 && a.rssi >= -98)).toBe(true);
  });

  it('writes advertising data whose parsed signature is the signature of what it says, within 31 bytes', () => {
    for (const a of stream.slice(0, 5000)) {
      const data = encodeAdvertisingData(a.content, 0x06);
      expect(data.length).toBeLessThanOrEqual(31);
      expect(advertisingDataSignature(data, 0, data.length)).toBe(advertisingSignature(a.content));
    }
  });
});
