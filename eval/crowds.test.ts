import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureFileError } from '../src/capture/capture-file.js';
import { generateCapture } from '../src/sim/generate.js';
import { CROWD_HOUR_MS, MEMBER_MS, crowdFrames, drawCrowd, loadCrowdDevices, readCapture, writeCrowd, type CrowdDevice } from './crowds.js';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-eval-crowds-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** A quiet venue's capture: a few hundred frames over `hours`. */
async function smallCapture(file: string, seed: string, hours: number, linkType: 105 | 127 = 127): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await generateCapture({ path: file, seed, startMs: Date.UTC(2026, 2, 3, 9), hours, arrivalsPerHour: 4, passersPerHour: 0, staffDevices: 1, linkType });
}

const crowdsDir = path.join(scratch, 'crowds');
let devices: CrowdDevice[];

beforeAll(async () => {
  // Two devices of two sessions each (DIR/<device>/*.pcap) and one of a single capture (DIR/*.pcap).
  await smallCapture(path.join(crowdsDir, 'phone-a', 'monday.pcap'), 'a1', 2);
  await smallCapture(path.join(crowdsDir, 'phone-a', 'tuesday.pcap'), 'a2', 1);
  await smallCapture(path.join(crowdsDir, 'phone-b', 'monday.pcap'), 'b1', 3);
  await smallCapture(path.join(crowdsDir, 'phone-b', 'tuesday.pcap'), 'b2', 0.25);
  await smallCapture(path.join(crowdsDir, 'phone-c.pcap'), 'c', 1.5);
  devices = loadCrowdDevices(crowdsDir);
});

describe('the crowd builder', () => {
  it('finds devices as subfolders of sessions and as single captures', () => {
    expect(devices.map((d) => [d.name, d.sessions.map((s) => s.label)])).toEqual([
      ['phone-a', ['phone-a/monday.pcap', 'phone-a/tuesday.pcap']],
      ['phone-b', ['phone-b/monday.pcap', 'phone-b/tuesday.pcap']],
      ['phone-c', ['phone-c.pcap']],
    ]);
    expect(devices.every((d) => d.sessions.every((s) => s.frames.length > 20))).toBe(true);
  });

  it('draws the same crowd for the same seed, k and index, and others otherwise', () => {
    expect(drawCrowd(devices, 7, 'seed', 0)).toEqual(drawCrowd(devices, 7, 'seed', 0));
    expect(drawCrowd(devices, 7, 'seed', 0)).not.toEqual(drawCrowd(devices, 7, 'seed', 1));
    expect(drawCrowd(devices, 7, 'seed', 0)).not.toEqual(drawCrowd(devices, 7, 'other seed', 0));
  });

  it('has k members, the truth, and takes a device drawn twice from its other session', () => {
    for (const k of [3, 10, 40]) {
      const crowd = drawCrowd(devices, k, 'seed', 2);
      expect(crowd.k).toBe(k);
      expect(crowd.members).toHaveLength(k);
      for (const name of ['phone-a', 'phone-b']) {
        const sessions = crowd.members.filter((m) => m.device === name).map((m) => m.session);
        // the first two draws of a device of two sessions take both
        expect(new Set(sessions.slice(0, 2)).size).toBe(Math.min(2, sessions.length));
      }
    }
  });

  it('cuts each member to at most 25 minutes that hold frames, all in the first half hour plus 25 minutes of one UTC hour', () => {
    for (let index = 0; index < 5; index++) {
      const crowd = drawCrowd(devices, 12, 'seed', index);
      for (const member of crowd.members) {
        const own = crowdFrames(devices, { k: 1, members: [member] });
        expect(own.length).toBe(member.frames);
        expect(member.frames).toBeGreaterThan(0);
        expect(own.at(-1)!.timeMs - own[0]!.timeMs).toBeLessThanOrEqual(MEMBER_MS);
        expect(member.cutStartMs + member.shiftMs).toBeGreaterThanOrEqual(CROWD_HOUR_MS);
        expect(member.cutStartMs + member.shiftMs).toBeLessThan(CROWD_HOUR_MS + 30 * 60_000);
        expect(own[0]!.timeMs).toBeGreaterThanOrEqual(CROWD_HOUR_MS);
        expect(own.at(-1)!.timeMs).toBeLessThan(CROWD_HOUR_MS + 55 * 60_000);
      }
    }
  });

  it('writes the members merged in time order into one capture of their link type', () => {
    const crowd = drawCrowd(devices, 9, 'seed', 3);
    const file = path.join(scratch, 'crowd.pcap');
    writeCrowd(file, devices, crowd);
    const written = readCapture(file);
    expect(written.linkType).toBe(127);
    expect(written.frames.length).toBe(crowd.members.reduce((sum, m) => sum + m.frames, 0));
    const times = written.frames.map((f) => f.timeMs);
    expect(times.every((t, i) => i === 0 || t >= times[i - 1]!)).toBe(true);
    expect(written.frames.map((f) => f.bytes)).toEqual(crowdFrames(devices, crowd).map((f) => f.bytes));
  });

  it('gives two members drawn from one capture their own addresses, each consistent within its member', async () => {
    const { WifiFileSource } = await import('../src/capture/wifi/wifi-file-source.js');
    const { silentLogger } = await import('../src/log/logger.js');
    const crowd = drawCrowd(devices, 2, 'seed', 0);
    const twice = { k: 2, members: [crowd.members[0]!, { ...crowd.members[0]!, addressMask: [1, 2, 3, 4, 5] }] };
    const addressesOf = async (members: typeof twice.members) => {
      const file = path.join(scratch, `member-${members.length}.pcap`);
      writeCrowd(file, devices, { k: members.length, members });
      const seen = new Set<number>();
      await new WifiFileSource({ paths: [file], checkFcs: false, logger: silentLogger }).run({
        onSighting: (s) => seen.add(s.address),
        onMalformed: () => {},
      });
      return seen;
    };
    const one = await addressesOf(twice.members.slice(0, 1));
    const both = await addressesOf(twice.members);
    expect(both.size).toBe(2 * one.size);
    // The first octet, with the locally-administered and group bits, is kept.
    const firstOctets = (addresses: Set<number>) => new Set([...addresses].map((a) => Math.floor(a / 2 ** 40)));
    expect(firstOctets(both)).toEqual(firstOctets(one));
  });

  it('refuses a folder of mixed link types, and one without captures', async () => {
    const mixed = path.join(scratch, 'mixed');
    await smallCapture(path.join(mixed, 'radiotap.pcap'), 'r', 0.5);
    await smallCapture(path.join(mixed, 'plain.pcap'), 'p', 0.5, 105);
    expect(() => loadCrowdDevices(mixed)).toThrow(/link type 105 and radiotap.pcap 127: crowds are merged into one capture/);
    const empty = path.join(scratch, 'empty');
    fs.mkdirSync(empty);
    expect(() => loadCrowdDevices(empty)).toThrow(CaptureFileError);
  });
});
