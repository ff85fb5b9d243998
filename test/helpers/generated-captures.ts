/**
 * Captures the project generates itself (seeded, with exact ground truth), cached under
 * .cache/fixtures, so the end-to-end checks run without ../shared/captures too.
 */
import { fileURLToPath } from 'node:url';
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
  return [...captureAddresses(options)].map((a) => a.toString(16).padStart(12, '0').replace(/(..)(?!$)/g, '$1:'));
}
