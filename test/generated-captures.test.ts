/**
 * The end-to-end checks on captures the project generates itself, so they run on any machine:
 * replay equals the simulation's exact truth (and tshark, where it is installed) in every link
 * type and format, and no address of the input reaches any output.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { WindowReport } from '../src/publish/payloads.js';
import { jsonLines, runCli } from './helpers/cli.js';
import { expectReportsMatch, truthWindows } from './helpers/expect-counts.js';
import { GENERATED_CAPTURES, generatedAddresses, generatedCapture } from './helpers/generated-captures.js';
import { filesUnder, findLeaks } from './helpers/leak-scan.js';
import { MqttTestBed } from './helpers/mosquitto.js';
import { hasTshark, wifiOracle } from './helpers/shared-captures.js';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-generated-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));
const bed = new MqttTestBed();
afterEach(() => bed.cleanUp());

const cases = Object.entries(GENERATED_CAPTURES);

describe('replay of generated captures equals their truth', () => {
  it.each(cases)('%s', async (name, options) => {
    const capture = await generatedCapture(options);
    const result = await runCli(['replay', capture.path, '--log-level', 'warn']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    const reports = jsonLines<WindowReport>(result.stdout);
    expectReportsMatch(reports, truthWindows(capture.truth), name);
    expect(reports.every((r) => r.wifi!.malformed === 0)).toBe(true);
    expect(reports.at(-1)!.partial).toBe(true);
    if (hasTshark) expectReportsMatch(reports, wifiOracle(capture.path), `${name} (tshark)`);
  });
});

describe('no address of a generated capture in any output', () => {
  it.each(cases)('%s', async (name, options) => {
    const capture = await generatedCapture(options);
    const broker = await bed.broker();
    const subscriber = await bed.subscriber(broker.url);
    const state = path.join(scratch, `${name}-state`);
    const runtime = path.join(scratch, `${name}-run`);
    const result = await runCli(['replay', '--publish', capture.path, '--state-dir', state, '--runtime-dir', runtime], {
      FOOTFALL_MQTT_URL: broker.url,
      FOOTFALL_LOG_LEVEL: 'debug',
    });
    expect(result.code, result.stderr).toBe(0);
    await subscriber.waitFor((m) => m.some((x) => x.payload === '{"state":"offline"}'), 'the offline status');
    const outputs = [
      { name: 'stdout', data: result.stdout },
      { name: 'stderr', data: result.stderr },
      { name: 'mqtt', data: subscriber.messages.map((m) => `${m.topic}\n${m.payload}`).join('\n') },
      ...filesUnder(state),
      ...filesUnder(runtime),
    ];
    const addresses = generatedAddresses(options);
    expect(addresses.length).toBeGreaterThan(100);
    expect(findLeaks(addresses, outputs)).toEqual([]);
  });
});
