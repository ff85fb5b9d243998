/**
 * `capture.ignore` end to end: a replay with some devices ignored (by full address and by OUI
 * prefix, written in the forms an operator may use) counts exactly what tshark counts in the same
 * capture with those devices' frames removed, says at debug how many frames it dropped, and none
 * of the ignored addresses reaches any output in any form the leak scan knows.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { WindowReport } from '../src/payloads/payloads.js';
import { jsonLines } from './helpers/cli.js';
import { expectBleReportsMatch, expectReportsMatch } from './helpers/expect-counts.js';
import { GENERATED_BLE_CAPTURES, GENERATED_CAPTURES, generatedBleCapture, generatedCapture } from './helpers/generated-captures.js';
import { findLeaks, replayedOutputs } from './helpers/leak-scan.js';
import { MqttTestBed } from './helpers/mosquitto.js';
import { BLE_ADVERTISING_FILTER, bleAddresses, bleOracle, capture, hasSharedCaptures, hasTshark, wifiAddresses, wifiOracle } from './helpers/shared-captures.js';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-ignore-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));
const bed = new MqttTestBed();
afterEach(() => bed.cleanUp());

/** The lab's all-in-one PCs (captures README, section 5), which probe all day and are not people. */
const LAB_PC_PREFIX = 'dc:fb:48';
const LAB_PCS_OF_OTHER_MAKES = ['40:ec:99:f9:34:a6', '40:ec:99:8e:3f:63', '40:ec:99:1f:3e:75'];
const FRYZA = capture('wifi/fryza_sc6-61_2024-04-18_pos1.pcap');
const hasFryza = hasSharedCaptures && fs.existsSync(FRYZA);

interface Ignored {
  /** `capture.ignore` as the operator writes it. */
  entries: string[];
  prefixes: string[];
  addresses: string[];
}

/** A tshark display filter true for frames whose `field` is an ignored address. */
function matchFilter(field: string, { prefixes, addresses }: Ignored): string {
  return [...prefixes.map((p) => `${field}[0:3] == ${p}`), ...addresses.map((a) => `${field} == ${a}`)].join(' || ');
}

/** `file` without the frames whose `field` is ignored, written by tshark into the scratch directory. */
function withoutIgnored(file: string, field: string, ignored: Ignored): string {
  const out = path.join(scratch, `filtered-${path.basename(file)}`);
  execFileSync('tshark', ['-n', '-r', file, '-Y', `!(${matchFilter(field, ignored)})`, '-w', out], { stdio: 'ignore' });
  return out;
}

/** How many frames of `filter` tshark finds in `file`. */
function framesMatching(file: string, filter: string): number {
  return execFileSync('tshark', ['-n', '-r', file, '-Y', filter, '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
    .split('\n')
    .filter((line) => line !== '').length;
}

/** Every address in `all` that the ignore list covers. */
function coveredAddresses(all: readonly string[], { prefixes, addresses }: Ignored): string[] {
  return all.filter((a) => addresses.includes(a) || prefixes.some((p) => a.startsWith(`${p}:`)));
}

/** The most frequent value of `field` in `file`'s frames of `filter`. */
function mostFrequent(file: string, filter: string, field: string): string {
  const counts = new Map<string, number>();
  const values = execFileSync('tshark', ['-n', '-r', file, '-Y', filter, '-T', 'fields', '-E', 'occurrence=f', '-e', field], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  for (const value of values.split('\n').filter((v) => v !== '')) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]![0];
}

/** The sum of `frames=` over the debug lines that say how many frames the ignore list dropped. */
function ignoredFramesLogged(stderr: string): number {
  const counts = [...stderr.matchAll(/frames ignored \(capture\.ignore\) while the window was open window=\S+ frames=(\d+)/g)];
  expect(counts.length).toBeGreaterThan(0);
  return counts.reduce((sum, match) => sum + Number(match[1]), 0);
}

const PROBE_REQUEST = 'wlan.fc.type_subtype == 4';

/**
 * The lab capture with its PCs ignored, where it is there; else the generated store, with the
 * OUI of its busiest vendor-assigned prober and the two busiest other vendor-assigned probers.
 */
async function wifiCase(): Promise<{ file: string; ignored: Ignored }> {
  if (hasFryza) {
    const ignored = { prefixes: [LAB_PC_PREFIX], addresses: LAB_PCS_OF_OTHER_MAKES };
    // One PC also by its full address (already covered by the prefix), written with "-" in capitals.
    const entries = [LAB_PC_PREFIX, 'DC-FB-48-68-BE-E4', LAB_PCS_OF_OTHER_MAKES[0]!.toUpperCase(), LAB_PCS_OF_OTHER_MAKES[1]!.replace(/:/g, '-'), LAB_PCS_OF_OTHER_MAKES[2]!];
    return { file: FRYZA, ignored: { ...ignored, entries } };
  }
  const { path: file } = await generatedCapture(GENERATED_CAPTURES['radiotap, mixed layouts, 6 h']!);
  const global = `${PROBE_REQUEST} && !(wlan.sa[0:1] & 02)`;
  const prefix = mostFrequent(file, global, 'wlan.sa').slice(0, 8);
  const first = mostFrequent(file, `${global} && !(wlan.sa[0:3] == ${prefix})`, 'wlan.sa');
  const second = mostFrequent(file, `${global} && !(wlan.sa[0:3] == ${prefix}) && !(wlan.sa == ${first})`, 'wlan.sa');
  return { file, ignored: { prefixes: [prefix], addresses: [first, second], entries: [prefix.toUpperCase(), first.replace(/:/g, '-'), second] } };
}

describe.skipIf(!hasTshark)('capture.ignore end to end (needs tshark)', () => {
  it(`Wi-Fi: ${hasFryza ? 'the lab capture with its PCs' : 'a generated store with some of its devices'} ignored counts what tshark counts without them, and leaks none of them`, async () => {
    const { file, ignored } = await wifiCase();
    const ignoredFrames = framesMatching(file, `${PROBE_REQUEST} && (${matchFilter('wlan.sa', ignored)})`);
    expect(ignoredFrames).toBeGreaterThan(1000);

    const outputs = await replayedOutputs(bed, scratch, 'wifi-ignore', file, { FOOTFALL_CAPTURE_IGNORE: ignored.entries.join(',') });
    const stdout = String(outputs.find((o) => o.name === 'stdout')!.data);
    const stderr = String(outputs.find((o) => o.name === 'stderr')!.data);
    const reports = jsonLines<WindowReport>(stdout);
    expectReportsMatch(reports, wifiOracle(withoutIgnored(file, 'wlan.sa', ignored)), 'without the ignored devices');
    const allFrames = wifiOracle(file).reduce((sum, w) => sum + w.frames, 0);
    expect(reports.reduce((sum, r) => sum + r.wifi!.frames, 0)).toBe(allFrames - ignoredFrames);
    expect(ignoredFramesLogged(stderr)).toBe(ignoredFrames);

    const leakTargets = coveredAddresses(wifiAddresses(file), ignored);
    expect(leakTargets.length).toBeGreaterThanOrEqual(ignored.addresses.length + ignored.prefixes.length);
    expect(findLeaks(leakTargets, outputs)).toEqual([]);
  });

  it('BLE: a generated capture with the public devices (by OUI) and the busiest random advertiser ignored counts what tshark counts without them', async () => {
    const options = GENERATED_BLE_CAPTURES['BLE link layer (251), pcapng, 1.5 h']!;
    const { path: file } = await generatedBleCapture(options);
    const advertising = `(${BLE_ADVERTISING_FILTER})`;
    const publicPrefix = mostFrequent(file, `${advertising} && btle.advertising_header.randomized_tx == 0`, 'btle.advertising_address').slice(0, 8);
    const busiestRandom = mostFrequent(file, `${advertising} && btle.advertising_header.randomized_tx == 1`, 'btle.advertising_address');
    const ignored = { prefixes: [publicPrefix], addresses: [busiestRandom], entries: [publicPrefix, busiestRandom.toUpperCase().replace(/:/g, '-')] };
    const ignoredFrames = framesMatching(file, `${advertising} && (${matchFilter('btle.advertising_address', ignored)})`);
    expect(ignoredFrames).toBeGreaterThan(1000);

    const outputs = await replayedOutputs(bed, scratch, 'ble-ignore', file, { FOOTFALL_CAPTURE_IGNORE: ignored.entries.join(',') });
    const reports = jsonLines<WindowReport>(String(outputs.find((o) => o.name === 'stdout')!.data));
    expectBleReportsMatch(reports, bleOracle(withoutIgnored(file, 'btle.advertising_address', ignored)), 'without the ignored advertisers');
    expect(reports.every((r) => r.ble!.addresses_public === 0)).toBe(true);
    const allReports = bleOracle(file).reduce((sum, w) => sum + w.reports, 0);
    expect(reports.reduce((sum, r) => sum + r.ble!.frames, 0)).toBe(allReports - ignoredFrames);
    expect(ignoredFramesLogged(String(outputs.find((o) => o.name === 'stderr')!.data))).toBe(ignoredFrames);

    const leakTargets = coveredAddresses(bleAddresses(file), ignored);
    expect(leakTargets.length).toBeGreaterThanOrEqual(2);
    expect(findLeaks(leakTargets, outputs)).toEqual([]);
  });
});
