/**
 * Captures the project generates itself (seeded, with exact ground truth), cached under
 * .cache/fixtures, so the end-to-end checks run without ../shared/captures too.
 */
import { fileURLToPath } from 'node:url';
import { formatAddress } from '../../src/sim/ble-venue.js';
import type { BleCaptureOptions, BleCaptureResult } from '../../src/sim/generate-ble.js';
import { captureAddresses, fixtures, type CaptureOptions, type CaptureResult } from '../../src/sim/generate.js';

const cache = fixtures(fileURLToPath(new URL('../../.cache/fixtures/', import.meta.url)));

export type GeneratedCapture = Omit<CaptureOptions, 'path'>;

const DAY_START = Date.UTC(2026, 10, 23, 7);

/** A store's morning, in every link type and file format footfall reads. */
export const GENERATED_CAPTURES: Record<string, GeneratedCapture> = {
  'radiotap, mixed layouts, 6 h': { seed: 'e2e-radiotap', startMs: DAY_START, hours: 6, layout: 'mixed' },
  'radiotap with FCS, pcapng, 2 h': { seed: 'e2e-fcs', startMs: DAY_START + 3 * 3_600_000, hours: 2, layout: 'fcs', format: 'pcapng' },
  'radiotap cut to a 96-byte snap length, 1 h': { seed: 'e2e-snap', startMs: DAY_START + 4 * 3_600_000, hours: 1, layout: 'multi-antenna', snapLength: 96 },
  'plain 802.11 (105), 2 h': { seed: 'e2e-105', startMs: DAY_START + 3 * 3_600_000, hours: 2, linkType: 105 },
  'Prism (119), 2 h': { seed: 'e2e-119', startMs: DAY_START + 3 * 3_600_000, hours: 2, linkType: 119 },
  'AVS (163), 2 h': { seed: 'e2e-163', startMs: DAY_START + 3 * 3_600_000, hours: 2, linkType: 163 },
};

export function generatedCapture(options: GeneratedCapture): Promise<CaptureResult> {
  return cache.capture(options);
}

/** The addresses in a generated capture, as `aa:bb:cc:dd:ee:ff`. */
export function generatedAddresses(options: GeneratedCapture): string[] {
  return [...captureAddresses(options)].map(formatAddress);
}

/** The store's BLE advertisers from 10:00 UTC, as every BLE link type and format footfall reads. */
const BLE_START = DAY_START + 3 * 3_600_000;
export const GENERATED_BLE_CAPTURES: Record<string, BleCaptureOptions> = {
  'BLE link layer with RF header (256), 8% corrupted, 3 h': { seed: 'e2e-ble-256', startMs: BLE_START, hours: 3, format: 'pcap', linkType: 256, corruptShare: 0.08 },
  'BLE link layer (251), pcapng, 1.5 h': { seed: 'e2e-ble-251', startMs: BLE_START, hours: 1.5, format: 'pcapng', linkType: 251 },
  'nRF Sniffer (272), 3% flagged bad, 1.5 h': { seed: 'e2e-ble-272', startMs: BLE_START, hours: 1.5, format: 'pcap', linkType: 272, corruptShare: 0.03 },
  'HCI H4 with direction header (201), 1.5 h': { seed: 'e2e-ble-201', startMs: BLE_START, hours: 1.5, format: 'pcap', linkType: 201 },
  'btsnoop H4 (1002), legacy then extended reports, 2 h': { seed: 'e2e-ble-h4', startMs: BLE_START, hours: 2, format: 'btsnoop', linkType: 1002 },
  'btsnoop HCI (1001), 1 h': { seed: 'e2e-ble-hci', startMs: BLE_START, hours: 1, format: 'btsnoop', linkType: 1001 },
};

export function generatedBleCapture(options: BleCaptureOptions): Promise<BleCaptureResult> {
  return cache.bleCapture(options);
}
