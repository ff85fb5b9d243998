import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isLocallyAdministered } from './device.js';
import { LINKTYPE, type WifiLinkType } from './frames.js';
import { generateCapture, type CaptureOptions } from './generate.js';
import { DEFAULT_START_MS, venueEmissions } from './venue.js';

const hasTshark = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-sim-tshark-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const NOON = DEFAULT_START_MS + 12 * 3_600_000;

/**
 * tshark's fields for every probe request, one array per frame: custom columns of the fields' raw
 * values, which are what -T fields prints, in a quarter of the time (-T fields has tshark build
 * each frame's whole tree, every element of every probe request).
 */
function tshark(file: string, fields: string[]): string[][] {
  const columns = fields.map((field, i) => `"${i}","%Cus:${field}:0:U"`).join(',');
  const args = ['-n', '-r', file, '-Y', 'wlan.fc.type_subtype == 4', '-T', 'tabs', '-o', `gui.column.format:${columns}`];
  const out = execFileSync('tshark', args, { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] });
  return out.split('\n').filter((line) => line !== '').map((line) => line.split('\t'));
}

/** How many frames of `file` tshark finds for `filter`. */
function framesMatching(file: string, filter: string, options: string[] = []): number {
  const out = execFileSync('tshark', [...options, '-n', '-r', file, '-Y', filter], { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] });
  return out.split('\n').filter((line) => line !== '').length;
}

function epochMicros(epoch: string): number {
  const [seconds, fraction = ''] = epoch.split('.');
  return Number(seconds) * 1_000_000 + Number(fraction.padEnd(6, '0').slice(0, 6));
}

/** The first row where two tables differ, or -1: compares without printing any address. */
function firstDifference(read: readonly (readonly unknown[])[], expected: readonly (readonly unknown[])[]): number {
  const length = Math.max(read.length, expected.length);
  for (let i = 0; i < length; i++) if (read[i]?.join() !== expected[i]?.join()) return i;
  return -1;
}

/** tshark writes addresses as aa:bb:cc:dd:ee:ff. */
function addressNumber(text: string): number {
  return parseInt(text.replaceAll(':', ''), 16);
}

async function capture(name: string, options: Omit<CaptureOptions, 'path'>) {
  return generateCapture({ ...options, path: path.join(dir, name) });
}

describe.skipIf(!hasTshark)(`cross-check with tshark${hasTshark ? '' : ' (skipped: tshark is not on PATH)'}`, () => {
  it('reads exactly the truth frames and addresses per window from a mixed-layout radiotap capture', async () => {
    const windowMinutes = 15;
    const result = await capture('mixed.pcap', { seed: 21, startMs: NOON - 3_600_000, hours: 2, layout: 'mixed', windowMinutes });
    expect(framesMatching(result.path, '_ws.malformed')).toBe(0);

    const rows = tshark(result.path, ['frame.time_epoch', 'wlan.sa']);
    expect(rows).toHaveLength(result.frames);
    const windows = new Map<number, Set<number>>();
    const frames = new Map<number, number>();
    for (const [epoch, sa] of rows) {
      const index = Math.floor(epochMicros(epoch!) / (windowMinutes * 60_000_000));
      if (!windows.has(index)) windows.set(index, new Set());
      windows.get(index)!.add(addressNumber(sa!));
      frames.set(index, (frames.get(index) ?? 0) + 1);
    }
    const seen = [...windows.keys()].sort((a, b) => a - b).map((index) => {
      const addresses = [...windows.get(index)!];
      return {
        startMs: index * windowMinutes * 60_000,
        frames: frames.get(index),
        addresses: addresses.length,
        addressesGlobal: addresses.filter((a) => !isLocallyAdministered(a)).length,
      };
    });
    expect(seen).toEqual(result.truth.map((w) => ({ startMs: w.startMs, frames: w.frames, addresses: w.addresses, addressesGlobal: w.addressesGlobal })));
  });

  it('reads every radiotap layout as the emissions were: address, sequence, channel, signal', async () => {
    const options = { seed: 22, startMs: NOON, hours: 0.25, layout: 'mixed' } as const;
    const result = await capture('fields.pcap', options);
    // The first dBm signal is the combined one; the multi-antenna layout adds one per antenna.
    const rows = tshark(result.path, ['wlan.sa', 'wlan.seq', 'wlan_radio.frequency', 'radiotap.dbm_antsignal']);
    const expected = [...venueEmissions(options)].map((e) => [e.address, e.sequence, e.channelMhz, e.rssi]);
    const read = rows.map(([sa, seq, mhz, dbm]) => [addressNumber(sa!), Number(seq), Number(mhz), Number(dbm!.split(',')[0])]);
    expect(read.length).toBe(expected.length);
    expect(firstDifference(read, expected)).toBe(-1);
  });

  it('finds a correct FCS on every frame of the FCS layout', async () => {
    const result = await capture('fcs.pcap', { seed: 23, startMs: NOON, hours: 0.5, layout: 'fcs' });
    expect(framesMatching(result.path, 'wlan.fc.type_subtype == 4 && wlan.fcs.status == 1', ['-o', 'wlan.check_checksum:TRUE'])).toBe(result.frames);
    expect(framesMatching(result.path, '_ws.malformed')).toBe(0);
  });

  it.each([
    ['802.11', LINKTYPE.IEEE802_11],
    ['Prism', LINKTYPE.IEEE802_11_PRISM],
    ['AVS', LINKTYPE.IEEE802_11_AVS],
  ])('reads the %s link type: every frame, with its address and sequence number', async (_name, linkType: WifiLinkType) => {
    const options = { seed: 24, startMs: NOON, hours: 0.25, linkType };
    const result = await capture(`linktype-${linkType}.pcap`, options);
    expect(framesMatching(result.path, '_ws.malformed')).toBe(0);
    const rows = tshark(result.path, ['frame.time_epoch', 'wlan.sa', 'wlan.seq']);
    const expected = [...venueEmissions(options)].map((e) => [Math.round(e.timeMs * 1000), e.address, e.sequence]);
    const read = rows.map(([epoch, sa, seq]) => [epochMicros(epoch!), addressNumber(sa!), Number(seq)]);
    expect(read.length).toBe(expected.length);
    expect(firstDifference(read, expected)).toBe(-1);
  });

  it('reads the pcapng output like the pcap one', async () => {
    const options = { seed: 25, startMs: NOON, hours: 0.25, layout: 'multi-antenna' } as const;
    const pcap = await capture('same.pcap', options);
    const pcapng = await capture('same.pcapng', { ...options, format: 'pcapng' });
    const fields = ['frame.time_epoch', 'wlan.sa', 'wlan.seq', 'radiotap.dbm_antsignal'];
    const fromPcapng = tshark(pcapng.path, fields);
    expect(fromPcapng.length).toBe(pcap.frames);
    expect(firstDifference(fromPcapng, tshark(pcap.path, fields))).toBe(-1);
    expect(pcapng.frames).toBe(pcap.frames);
  });
});
