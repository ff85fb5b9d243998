/**
 * `footfall replay` against tshark: per window, the frames and distinct addresses footfall
 * counts equal what ../shared/tools/wifi-window-oracle and ble-window-oracle (Wireshark's
 * dissectors) count.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { WindowReport } from '../src/payloads/payloads.js';
import { addressKinds, expectBleReportsMatch, expectReportsMatch } from './helpers/expect-counts.js';
import { jsonLines, runCli } from './helpers/cli.js';
import { bleAddressKinds, bleCaptures, bleOracle, hasSharedCaptures, hasTshark, wifiCaptures, wifiOracle } from './helpers/shared-captures.js';

const needs = 'needs ../shared/captures and tshark';

describe.skipIf(!hasSharedCaptures || !hasTshark)(`replay equals the tshark oracle on the real captures (${needs})`, () => {
  // The labelled set was anonymised without recomputing the FCS: every frame fails it.
  const env = (file: string): Record<string, string> => (file.includes('baccichet') ? { FOOTFALL_CAPTURE_WIFI_CHECK_FCS: 'false' } : {});

  it.each(wifiCaptures().map((file) => [path.basename(file), file]))('%s', async (_name, file) => {
    const result = await runCli(['replay', file, '--log-level', 'warn'], env(file));
    expect(result.stderr).not.toMatch(/error|Error/);
    expect(result.code).toBe(0);
    expectReportsMatch(jsonLines<WindowReport>(result.stdout), wifiOracle(file), path.basename(file));
  });

  it('does the same with 15-minute windows and 16-bit tokens (collision correction)', async () => {
    const file = wifiCaptures().find((f) => f.includes('fryza'))!;
    const result = await runCli(['replay', file], { FOOTFALL_PRIVACY_WINDOW_MINUTES: '15', FOOTFALL_PRIVACY_TOKEN_BITS: '16', FOOTFALL_LOG_LEVEL: 'warn' });
    expect(result.code).toBe(0);
    expectReportsMatch(jsonLines<WindowReport>(result.stdout), wifiOracle(file, 15), 'fryza 15 min', 16);
  });
});

/** The advertisers per file after CRC filtering (captures README, section 3). */
const BLE_FIGURES: Record<string, { addresses: number; random: number }> = {
  'boston_hackrf_adv38_linktype256.pcap': { addresses: 21, random: 21 },
  'boston_hackrf_all_adv_linktype256.pcapng': { addresses: 18, random: 18 },
  'csacca_horizon74_btsnoop_hci.log': { addresses: 36, random: 23 },
};

describe.skipIf(!hasSharedCaptures || !hasTshark)(`replay equals the BLE tshark oracle on the real BLE captures (${needs})`, () => {
  it.each(bleCaptures().map((file) => [path.basename(file), file]))('%s: reports, advertisers, random ones and address kinds', async (name, file) => {
    const result = await runCli(['replay', file, '--log-level', 'warn']);
    expect(result.stderr).not.toMatch(/error|Error/);
    expect(result.code).toBe(0);
    const reports = jsonLines<WindowReport>(result.stdout);
    expectBleReportsMatch(reports, bleOracle(file), name);
    const kinds = bleAddressKinds(file);
    expect(reports.map((r) => addressKinds(r.ble!))).toEqual(reports.map((r) => kinds[r.window.start]));
    const { addresses, random } = BLE_FIGURES[name]!;
    expect(reports.map((r) => [r.ble!.addresses, r.ble!.addresses - r.ble!.addresses_public])).toEqual([[addresses, random]]);
  });

  it('does the same in 1-minute windows', async () => {
    const file = bleCaptures().find((f) => f.includes('adv38'))!;
    const result = await runCli(['replay', file], { FOOTFALL_PRIVACY_WINDOW_MINUTES: '1', FOOTFALL_LOG_LEVEL: 'warn' });
    expect(result.code).toBe(0);
    const reports = jsonLines<WindowReport>(result.stdout);
    expect(reports.length).toBeGreaterThan(3);
    expectBleReportsMatch(reports, bleOracle(file, 1), 'boston adv38, 1 min');
  });
});
