import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtures, generateCapture, type CaptureOptions } from './generate.js';
import { DEFAULT_START_MS } from './venue.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-sim-generate-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const HALF_HOUR_AT_NOON = { startMs: DEFAULT_START_MS + 12 * 3_600_000, hours: 0.5 };
let files = 0;

async function generate(options: Omit<CaptureOptions, 'path'>) {
  return generateCapture({ ...options, path: path.join(dir, `capture-${files++}.pcap`) });
}

function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** The records of a classic little-endian pcap file: captured and original lengths, packet bytes. */
function records(file: string): { captured: number; original: number; packet: Buffer }[] {
  const bytes = fs.readFileSync(file);
  const out = [];
  for (let at = 24; at < bytes.length; ) {
    const captured = bytes.readUInt32LE(at + 8);
    out.push({ captured, original: bytes.readUInt32LE(at + 12), packet: bytes.subarray(at + 16, at + 16 + captured) });
    at += 16 + captured;
  }
  return out;
}

describe('generateCapture', () => {
  it('writes byte-identical files for one seed and different ones for another', async () => {
    const a = await generate({ seed: 'same', ...HALF_HOUR_AT_NOON, layout: 'mixed' });
    const b = await generate({ seed: 'same', ...HALF_HOUR_AT_NOON, layout: 'mixed' });
    const c = await generate({ seed: 'other', ...HALF_HOUR_AT_NOON, layout: 'mixed' });
    expect(a.frames).toBeGreaterThan(1000);
    expect(sha256(b.path)).toBe(sha256(a.path));
    expect(b.truth).toEqual(a.truth);
    expect(sha256(c.path)).not.toBe(sha256(a.path));
  });

  it('writes one record per frame, mixing the three radiotap layouts when asked', async () => {
    const result = await generate({ seed: 4, ...HALF_HOUR_AT_NOON, layout: 'mixed' });
    const written = records(result.path);
    expect(written).toHaveLength(result.frames);
    expect(result.truth.reduce((n, w) => n + w.frames, 0)).toBe(result.frames);
    const lengths = new Set(written.map((r) => r.packet.readUInt16LE(2)));
    expect([...lengths].sort((x, y) => x - y)).toEqual([14, 15, 56]);
  });

  it('cuts packets to the snap length and keeps their original length', async () => {
    const result = await generate({ seed: 4, ...HALF_HOUR_AT_NOON, snapLength: 64 });
    const written = records(result.path);
    expect(written.every((r) => r.captured === 64 && r.original > 64)).toBe(true);
  });

  it('stops at a frame count, and meets an address count with it', async () => {
    const counted = await generate({ seed: 4, ...HALF_HOUR_AT_NOON, frames: 500 });
    expect(counted.frames).toBe(500);
    const targeted = await generate({ seed: 4, startMs: DEFAULT_START_MS + 12 * 3_600_000, hours: 1, frames: 100_000, addresses: 12_000 });
    expect(targeted.frames).toBe(100_000);
    expect(targeted.truth).toHaveLength(1);
    expect(Math.abs(targeted.truth[0]!.addresses / 12_000 - 1)).toBeLessThan(0.1);
    await expect(generate({ seed: 4, addresses: 10 })).rejects.toThrow(/needs a frame target/);
  });
});

describe('fixtures', () => {
  it('generates a capture once and then serves it from the cache directory', async () => {
    const cache = fixtures(path.join(dir, 'cache'));
    const options = { seed: 8, ...HALF_HOUR_AT_NOON, windowMinutes: 10 };
    const first = await cache.capture(options);
    const modified = fs.statSync(first.path).mtimeMs;
    const again = await fixtures(path.join(dir, 'cache')).capture({ windowMinutes: 10, ...HALF_HOUR_AT_NOON, seed: 8 });
    expect(again).toEqual(first);
    expect(fs.statSync(again.path).mtimeMs).toBe(modified);
    expect(first.truth).toHaveLength(3);

    const other = await cache.capture({ ...options, format: 'pcapng' });
    expect(other.path).not.toBe(first.path);
    expect(other.path.endsWith('.pcapng')).toBe(true);
    expect(other.frames).toBe(first.frames);
    expect(fs.readdirSync(path.join(dir, 'cache')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
