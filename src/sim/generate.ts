/**
 * Capture files from the venue simulation, with their ground truth, and a cache of them for
 * tests and benchmarks (generate once per options and simulator version).
 */

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FLAT_CURVE } from './daily-curve.js';
import { generateBleCapture, type BleCaptureOptions, type BleCaptureResult } from './generate-ble.js';
import { encodeFrame, LINKTYPE, MAX_FRAME_BYTES, type FrameEncoding, type WifiLinkType } from './frames.js';
import { openCaptureWriter } from './pcap-writer.js';
import { RADIOTAP_LAYOUT_NAMES, type RadiotapLayout } from './radiotap.js';
import { Random } from './random.js';
import { venueForTarget } from './target.js';
import type { WindowTruth } from './truth.js';
import { venueEmissions, type VenueOptions } from './venue.js';

export interface CaptureOptions extends Omit<VenueOptions, 'maxFrames'> {
  /** The file to write (created or replaced). */
  path: string;
  /** Default 127 (radiotap). */
  linkType?: WifiLinkType;
  /** Radiotap layout, or 'mixed' for a seeded choice per frame; default 'esp32'. */
  layout?: RadiotapLayout | 'mixed';
  /** Default 'pcap'. */
  format?: 'pcap' | 'pcapng';
  /** Stop after this many frames. With `addresses`, tune the crowd to meet both (see target.ts). */
  frames?: number;
  /** Distinct addresses wanted over the span; needs `frames`. */
  addresses?: number;
  /** Longer packets are truncated in the file (their original length is kept); default 65535. */
  snapLength?: number;
}

export interface CaptureResult {
  path: string;
  /** Frames written. */
  frames: number;
  /** Ground truth per UTC window of `windowMinutes`. */
  truth: WindowTruth[];
}

/**
 * The benchmark capture of the design's targets: 1,000,000 radiotap frames from 50,000 distinct
 * addresses in one hour of a crowded venue (a constant crowd, so the hour is uniformly busy).
 */
export const BENCHMARK_CAPTURE = {
  seed: 'footfall-benchmark',
  startMs: Date.UTC(2026, 10, 23, 10),
  hours: 1,
  frames: 1_000_000,
  addresses: 50_000,
  layout: 'mixed',
  curve: FLAT_CURVE,
  streetCurve: FLAT_CURVE,
} as const satisfies Omit<CaptureOptions, 'path'>;

/**
 * The benchmark's realistic capture: 1,000,000 radiotap frames over four hours in four windows,
 * from 128,000 addresses, 7.8 frames per address as in the lab's real captures (252,878 probe
 * requests from 32,585 addresses over its twelve days): phones that take a new address for every
 * burst, so most work is an address's first frame in a window.
 */
export const REALISTIC_BENCHMARK_CAPTURE = {
  seed: 'footfall-benchmark-realistic',
  startMs: Date.UTC(2026, 10, 23, 8),
  hours: 4,
  frames: 1_000_000,
  addresses: 128_000,
  layout: 'mixed',
  curve: FLAT_CURVE,
  streetCurve: FLAT_CURVE,
} as const satisfies Omit<CaptureOptions, 'path'>;

const LAYOUT_STREAM = 7;

function venueOptions(options: CaptureOptions): VenueOptions {
  // Everything but the file's own options describes the venue.
  const { path: _file, linkType: _link, layout: _layout, format: _format, snapLength: _snap, frames, addresses, ...venue } = options;
  if (addresses === undefined) return { ...venue, maxFrames: frames };
  if (frames === undefined) throw new RangeError('an address target needs a frame target too');
  return venueForTarget(venue, { frames, addresses });
}

/** Simulates the venue and writes its probe requests to `options.path`. */
export async function generateCapture(options: CaptureOptions): Promise<CaptureResult> {
  const linkType = options.linkType ?? LINKTYPE.IEEE802_11_RADIOTAP;
  const layout = options.layout ?? 'esp32';
  const venue = venueOptions(options);
  const layoutRng = new Random(options.seed, LAYOUT_STREAM);
  const truth: WindowTruth[] = [];
  const scratch = new Uint8Array(MAX_FRAME_BYTES);
  const { write, close } = openCaptureWriter(options.path, options.format ?? 'pcap', linkType, options.snapLength);
  let frames = 0;
  try {
    for (const emission of venueEmissions(venue, (window) => truth.push(window))) {
      const encoding: FrameEncoding = { linkType, layout: layout === 'mixed' ? layoutRng.pick(RADIOTAP_LAYOUT_NAMES) : layout };
      write(emission.timeMs, scratch.subarray(0, encodeFrame(emission, encoding, scratch)));
      frames++;
    }
  } finally {
    close();
  }
  return { path: options.path, frames, truth };
}

export interface FixtureCache {
  /** The capture for these options: generated on first use, then read from the cache. */
  capture(options: Omit<CaptureOptions, 'path'>): Promise<CaptureResult>;
  /** The same for a BLE capture. */
  bleCapture(options: BleCaptureOptions): Promise<BleCaptureResult>;
}

/** JSON with object keys sorted, so equal options give equal keys. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A hash of the simulator's own source, so a changed model never serves a stale fixture. */
function simulatorVersion(): string {
  const dir = path.dirname(fileURLToPath(import.meta.url));
  const hash = createHash('sha256');
  const sources = fs.readdirSync(dir).filter((f) => /\.(ts|js)$/.test(f) && !/\.test\.|\.d\.ts$/.test(f));
  for (const file of sources.sort()) hash.update(file).update(fs.readFileSync(path.join(dir, file)));
  return hash.digest('hex');
}

/**
 * Generated captures cached in `dir` (created if needed) under a hash of the options and the
 * simulator's source, each with its truth in a JSON file beside it. Files appear atomically, so
 * parallel test workers may share the directory.
 */
export function fixtures(dir: string): FixtureCache {
  let version: string | undefined;
  /** The file `generate` writes for `options` (a hash of `kind`, the options and the simulator), from the cache if it is there. */
  const cached = async <R extends { path: string; frames: number; truth: unknown }>(
    kind: string,
    options: object,
    extension: string,
    generate: (path: string) => Promise<R>,
  ): Promise<R> => {
    version ??= simulatorVersion();
    const key = createHash('sha256').update(version).update(kind).update(canonical(options)).digest('hex').slice(0, 24);
    const file = path.join(dir, `${key}.${extension}`);
    const truthFile = path.join(dir, `${key}.truth.json`);
    if (fs.existsSync(file) && fs.existsSync(truthFile)) {
      const saved = JSON.parse(fs.readFileSync(truthFile, 'utf8')) as Omit<R, 'path'>;
      return { ...saved, path: file } as R;
    }
    fs.mkdirSync(dir, { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    const result = await generate(temporary);
    fs.writeFileSync(`${truthFile}.${process.pid}.tmp`, JSON.stringify({ ...result, path: undefined }));
    fs.renameSync(temporary, file);
    fs.renameSync(`${truthFile}.${process.pid}.tmp`, truthFile);
    return { ...result, path: file };
  };
  return {
    capture: (options) => cached('', options, options.format ?? 'pcap', (file) => generateCapture({ ...options, path: file })),
    bleCapture: (options) => cached('ble', options, options.format, (file) => generateBleCapture({ ...options, path: file })),
  };
}

/** Every distinct device address a capture of these options holds, e.g. for a leak scan. */
export function captureAddresses(options: Omit<CaptureOptions, 'path'>): Set<number> {
  const addresses = new Set<number>();
  for (const emission of venueEmissions(venueOptions({ ...options, path: '' }))) addresses.add(emission.address);
  return addresses;
}
