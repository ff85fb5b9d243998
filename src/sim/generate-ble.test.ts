import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateBleCapture, type BleCaptureOptions } from './generate-ble.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-sim-ble-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const HALF_HOUR: Omit<BleCaptureOptions, 'format' | 'linkType'> = { seed: 'gen-ble', startMs: Date.UTC(2026, 10, 23, 11, 45), hours: 0.5, windowMinutes: 15 };
let files = 0;
const generate = (options: Pick<BleCaptureOptions, 'format' | 'linkType'> & Partial<BleCaptureOptions>) =>
  generateBleCapture({ ...HALF_HOUR, ...options, path: path.join(dir, `capture-${files++}`) });
const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

describe('generateBleCapture', () => {
  it('writes byte-identical files for one seed, with truth per window', async () => {
    const a = await generate({ format: 'pcap', linkType: 256, corruptShare: 0.1 });
    const b = await generate({ format: 'pcap', linkType: 256, corruptShare: 0.1 });
    expect(sha256(a.path)).toBe(sha256(b.path));
    expect(b.truth).toEqual(a.truth);
    expect(a.truth.map((w) => new Date(w.startMs).toISOString())).toEqual(['2026-11-23T11:45:00.000Z', '2026-11-23T12:00:00.000Z']);
    const total = a.truth.reduce((n, w) => n + w.frames + w.malformed, 0);
    // Every advertisement is a frame, with a scan request before each scan response.
    expect(a.frames).toBeGreaterThan(total);
    expect(a.truth.every((w) => w.malformed > 0.05 * (w.frames + w.malformed) && w.malformed < 0.15 * (w.frames + w.malformed))).toBe(true);
    for (const w of a.truth) {
      expect(w.addressesPublic + w.addressesRandomStatic + w.addressesResolvable + w.addressesNonresolvable).toBe(w.addresses);
      expect(w.addresses - w.addressesPublic).toBe(w.addressesRandom);
      expect(w.devices).toBeLessThan(w.addresses);
    }
  });

  it('writes the same store in every format', async () => {
    const [ll, hci, snoop] = await Promise.all([
      generate({ format: 'pcapng', linkType: 251 }),
      generate({ format: 'pcap', linkType: 201 }),
      generate({ format: 'btsnoop', linkType: 1001 }),
    ]);
    const addresses = (r: typeof ll) => r.truth.map((w) => w.addresses);
    expect(addresses(hci)).toEqual(addresses(ll));
    expect(addresses(snoop)).toEqual(addresses(ll));
    expect(fs.readFileSync(snoop.path).subarray(0, 8).toString('latin1')).toBe('btsnoop\0');
  });

  it('switches a btsnoop log to extended reports halfway', async () => {
    const log = fs.readFileSync((await generate({ format: 'btsnoop', linkType: 1002 })).path);
    const subevents = new Map<number, number>();
    for (let at = 16; at + 24 <= log.length; ) {
      const length = log.readUInt32BE(at + 4);
      const packet = log.subarray(at + 24, at + 24 + length);
      if (packet[0] === 0x04 && packet[1] === 0x3e) subevents.set(packet[3]!, (subevents.get(packet[3]!) ?? 0) + 1);
      at += 24 + length;
    }
    expect(subevents.get(0x02)).toBeGreaterThan(1000);
    expect(subevents.get(0x0d)).toBeGreaterThan(1000);
  });

  it('refuses a btsnoop datalink it does not write', async () => {
    await expect(generate({ format: 'btsnoop', linkType: 256 })).rejects.toThrow(RangeError);
  });
});
