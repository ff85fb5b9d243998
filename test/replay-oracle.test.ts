/**
 * `footfall replay` against tshark: per window, the frames and distinct addresses footfall
 * counts equal what ../shared/tools/wifi-window-oracle (Wireshark's dissectors) counts.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { WindowReport } from '../src/publish/payloads.js';
import { expectReportsMatch } from './helpers/expect-counts.js';
import { jsonLines, runCli } from './helpers/cli.js';
import { hasSharedCaptures, hasTshark, wifiCaptures, wifiOracle } from './helpers/shared-captures.js';

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
