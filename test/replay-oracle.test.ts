/**
 * `footfall replay` against tshark: per window, the frames and distinct addresses footfall
 * counts equal what ../shared/tools/wifi-window-oracle (Wireshark's dissectors) counts.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { WindowReport } from '../src/publish/payloads.js';
import { jsonLines, runCli } from './helpers/cli.js';
import { hasSharedCaptures, hasTshark, wifiCaptures, wifiOracle } from './helpers/shared-captures.js';

/**
 * Addresses within 0.5% or 1. With short tokens the collision correction is right on average
 * but each window keeps a random error of about sqrt(n²/2m) addresses (m = 2^bits): allow 5 of those.
 */
function expectClose(actual: number, expected: number, what: string, tokenBits: number) {
  const randomError = Math.sqrt((expected * expected) / 2 ** (tokenBits + 1));
  const tolerance = Math.max(1, expected * 0.005, 5 * randomError);
  expect(Math.abs(actual - expected), `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(tolerance);
}

export function expectReportsMatchOracle(reports: WindowReport[], oracle: ReturnType<typeof wifiOracle>, label: string, tokenBits = 32) {
  expect(reports.map((r) => r.window.start), `${label}: windows`).toEqual(oracle.map((o) => o.start));
  for (const [i, window] of oracle.entries()) {
    const wifi = reports[i]!.wifi!;
    const at = `${label} ${window.start}`;
    expect(wifi.frames, `${at} frames`).toBe(window.frames);
    expectClose(wifi.addresses, window.addresses, `${at} addresses`, tokenBits);
    expectClose(wifi.addresses_global, window.addresses_global, `${at} global`, tokenBits);
    expectClose(wifi.addresses_randomized, window.addresses_randomized, `${at} randomized`, tokenBits);
  }
}

const needs = 'needs ../shared/captures and tshark';

describe.skipIf(!hasSharedCaptures || !hasTshark)(`replay equals the tshark oracle on the real captures (${needs})`, () => {
  // The labelled set was anonymised without recomputing the FCS: every frame fails it.
  const env = (file: string): Record<string, string> => (file.includes('baccichet') ? { FOOTFALL_CAPTURE_WIFI_CHECK_FCS: 'false' } : {});

  it.each(wifiCaptures().map((file) => [path.basename(file), file]))('%s', async (_name, file) => {
    const result = await runCli(['replay', file, '--log-level', 'warn'], env(file));
    expect(result.stderr).not.toMatch(/error|Error/);
    expect(result.code).toBe(0);
    expectReportsMatchOracle(jsonLines<WindowReport>(result.stdout), wifiOracle(file), path.basename(file));
  });

  it('does the same with 15-minute windows and 16-bit tokens (collision correction)', async () => {
    const file = wifiCaptures().find((f) => f.includes('fryza'))!;
    const result = await runCli(['replay', file], { FOOTFALL_PRIVACY_WINDOW_MINUTES: '15', FOOTFALL_PRIVACY_TOKEN_BITS: '16', FOOTFALL_LOG_LEVEL: 'warn' });
    expect(result.code).toBe(0);
    expectReportsMatchOracle(jsonLines<WindowReport>(result.stdout), wifiOracle(file, 15), 'fryza 15 min', 16);
  });
});
