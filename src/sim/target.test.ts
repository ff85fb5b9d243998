import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { FLAT_CURVE } from './daily-curve.js';
import { encodeFrame, LINKTYPE, MAX_FRAME_BYTES } from './frames.js';
import { BENCHMARK_CAPTURE } from './generate.js';
import { PcapWriter } from './pcap-writer.js';
import { venueForTarget } from './target.js';
import { DEFAULT_START_MS, venueEmissions, type VenueOptions } from './venue.js';

const HOUR_MS = 3_600_000;
const crowd: VenueOptions = { seed: 3, startMs: DEFAULT_START_MS + 10 * HOUR_MS, hours: 1, curve: FLAT_CURVE };

function count(options: VenueOptions) {
  const addresses = new Set<number>();
  let frames = 0;
  let lastMs = 0;
  for (const e of venueEmissions(options)) {
    frames++;
    addresses.add(e.address);
    lastMs = e.timeMs;
  }
  return { frames, addresses: addresses.size, lastMs };
}

describe('venueForTarget', () => {
  // A crowd of about 1,300 people an hour: with a few hundred, a handful of phones send most of
  // the frames or addresses, and the address count moves by 10-20% with any change of rate.
  it('meets a frame target exactly and an address target closely, inside the span', () => {
    const result = count(venueForTarget(crowd, { frames: 150_000, addresses: 10_000 }));
    expect(result.frames).toBe(150_000);
    expect(result.addresses / 10_000).toBeGreaterThan(0.95);
    expect(result.addresses / 10_000).toBeLessThan(1.05);
    expect(result.lastMs).toBeLessThan(crowd.startMs! + HOUR_MS);
  });

  it('says which ratios of frames to addresses it can reach', () => {
    expect(() => venueForTarget(crowd, { frames: 10_000, addresses: 10_000 })).toThrow(/frames per address is outside/);
    expect(() => venueForTarget(crowd, { frames: 10.5, addresses: 1 })).toThrow(RangeError);
  });

  it('needs people to scale', () => {
    const night = { seed: 3, startMs: DEFAULT_START_MS + 2 * HOUR_MS, hours: 2, passersPerHour: 0 };
    expect(() => venueForTarget(night, { frames: 1000, addresses: 100 })).toThrow(/needs visitors/);
  });
});

describe('the benchmark option', () => {
  it('gives 1,000,000 frames from about 50,000 addresses in one hour, in bounded memory', () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const { frames: _frames, addresses: _addresses, layout: _layout, ...venue } = BENCHMARK_CAPTURE;
    const options = venueForTarget(venue, { frames: BENCHMARK_CAPTURE.frames, addresses: BENCHMARK_CAPTURE.addresses });

    // The whole generator path: emissions, frame bytes, pcap records (into a sink that counts).
    let bytes = 0;
    const writer = new PcapWriter({ write: (chunk) => void (bytes += chunk.length), close() {} }, { linkType: LINKTYPE.IEEE802_11_RADIOTAP });
    const scratch = new Uint8Array(MAX_FRAME_BYTES);
    const addresses = new Set<number>();
    gc();
    const baseline = process.memoryUsage().heapUsed;
    let peak = 0;
    let frames = 0;
    let lastMs = 0;
    for (const e of venueEmissions(options)) {
      writer.write(e.timeMs, scratch.subarray(0, encodeFrame(e, { linkType: LINKTYPE.IEEE802_11_RADIOTAP, layout: 'multi-antenna' }, scratch)));
      addresses.add(e.address);
      lastMs = e.timeMs;
      if (++frames % 100_000 === 0) {
        gc();
        peak = Math.max(peak, process.memoryUsage().heapUsed - baseline);
      }
    }
    writer.close();

    expect(frames).toBe(1_000_000);
    expect(Math.abs(addresses.size / 50_000 - 1)).toBeLessThan(0.05);
    expect(lastMs - BENCHMARK_CAPTURE.startMs).toBeLessThan(HOUR_MS);
    expect(bytes).toBeGreaterThan(100 * frames);
    // Keeping the frames would take hundreds of MB; the set of 50,000 addresses (kept here by
    // the test, and by the truth's window) and the devices present take a few.
    expect(peak).toBeLessThan(40 * 2 ** 20);
  });
});
