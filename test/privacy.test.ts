/**
 * The privacy a sensor shows: the notice for the door and the retained `privacy` manifest follow
 * the config (window length, contact, min_count, radios, zones, ignored entries); `min_count`
 * suppresses small counts in what is published and stored and says which; and the addresses of
 * the input, the ignored ones included, appear nowhere, at debug level.
 */
import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { PrivacyPayload, WindowReport } from '../src/payloads/payloads.js';
import { jsonLines, runCli } from './helpers/cli.js';
import { GENERATED_CAPTURES, generatedAddresses, generatedCapture } from './helpers/generated-captures.js';
import { filesUnder, findLeaks } from './helpers/leak-scan.js';
import { MqttTestBed } from './helpers/mosquitto.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-privacy-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const bed = new MqttTestBed();
afterEach(() => bed.cleanUp());

const SENSOR = 'privacy-test';
const CAPTURE = GENERATED_CAPTURES['radiotap with FCS, pcapng, 2 h']!;

function writeConfig(name: string, lines: string[]): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, [`sensor:`, `  id: ${SENSOR}`, ...lines, ''].join('\n'));
  return file;
}

/** Every leaf of a payload as a dotted path, arrays whole (`occupancy`). */
function leafPaths(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [prefix];
  return Object.entries(value).flatMap(([key, inner]) => leafPaths(inner, prefix === '' ? key : `${prefix}.${key}`));
}

describe('footfall privacy notice', () => {
  it('says what this sensor does, from its config, on one screen, in text, Markdown and HTML', async () => {
    const config = writeConfig('notice.yaml', [
      'privacy:',
      '  window_minutes: 30',
      '  min_count: 3',
      '  contact: "privacy@corner-shop.example <Ms Ada>"',
      'capture:',
      '  ble:',
      '    enabled: false',
      'zones:',
      '  wifi: { inside: -65 }',
    ]);
    const text = await runCli(['privacy', 'notice', '--config', config]);
    expect(text.code).toBe(0);
    expect(text.stderr).toBe('');
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines.length).toBeLessThanOrEqual(24);
    expect(Math.max(...lines.map((line) => line.length))).toBeLessThanOrEqual(80);
    const words = text.stdout.replace(/\s+/g, ' ');
    expect(words).toContain('from the Wi-Fi signals');
    expect(words).not.toContain('Bluetooth');
    expect(words).toContain('destroyed after at most 30 minutes');
    expect(words).toContain('how many phones were heard in each 30 minutes, how many of them were inside');
    expect(words).toContain('Counts below 3 are published as 0');
    expect(words).toContain('ask privacy@corner-shop.example <Ms Ada>, with its Wi-Fi address');
    expect(words).toContain(`sensor ${SENSOR}`);

    const markdown = await runCli(['privacy', 'notice', '--config', config, '--format', 'markdown']);
    expect(markdown.stdout).toMatch(/^# Counting visitors, privately\n/);
    expect(markdown.stdout.match(/^- /gm)).toHaveLength(5);

    const html = await runCli(['privacy', 'notice', '--config', config, '--format', 'html']);
    expect(html.stdout).toMatch(/^<!doctype html>/);
    expect(html.stdout).toContain('privacy@corner-shop.example &lt;Ms Ada&gt;');
    expect(html.stdout).not.toContain('<Ms Ada>');
  });

  it('says so when no contact is set, and refuses an unknown format in one line', async () => {
    const defaults = await runCli(['privacy', 'notice', '--config', writeConfig('defaults.yaml', [])]);
    expect(defaults.code).toBe(0);
    expect(defaults.stdout.replace(/\s+/g, ' ')).toContain('destroyed after at most 1 hour');
    expect(defaults.stdout).toContain('Questions: the staff at the counter.');
    expect(defaults.stderr).toMatch(/^footfall: privacy\.contact is not set/);
    const bad = await runCli(['privacy', 'notice', '--format', 'pdf']);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toBe('footfall: --format "pdf": give one of text, markdown, html\n');
  });
});

describe('the privacy manifest and privacy.min_count, through a replay with publishing', () => {
  it('publishes the manifest retained, suppresses small counts and names them, and leaks no address', async () => {
    const capture = await generatedCapture(CAPTURE);
    const addresses = generatedAddresses(CAPTURE);
    const ignored = addresses.slice(0, 2);
    const config = writeConfig('replay.yaml', [
      'privacy:',
      '  window_minutes: 15',
      '  min_count: 3',
      '  contact: privacy@corner-shop.example',
      'zones:',
      '  wifi: { inside: -60, nearby: -75 }',
      'capture:',
      `  ignore: [${ignored.join(', ')}]`,
    ]);
    const broker = await bed.broker();
    const subscriber = await bed.subscriber(broker.url);
    const state = path.join(dir, 'state');
    const run = path.join(dir, 'run');
    const result = await runCli(['replay', '--publish', capture.path, '--config', config, '--state-dir', state, '--runtime-dir', run, '--log-level', 'debug'], {
      FOOTFALL_MQTT_URL: broker.url,
    });
    expect(result.code).toBe(0);
    const reports = jsonLines<WindowReport>(result.stdout);
    expect(reports.length).toBeGreaterThan(4);
    await subscriber.waitFor((messages) => messages.filter((m) => m.topic === `footfall/${SENSOR}/report`).length === reports.length, 'every report');

    const late = await bed.subscriber(broker.url);
    await late.waitFor((messages) => messages.some((m) => m.topic === `footfall/${SENSOR}/privacy`), 'the retained manifest');
    const [retained] = late.on(`footfall/${SENSOR}/privacy`);
    expect(retained!.retain).toBe(true);
    const manifest = JSON.parse(retained!.payload) as PrivacyPayload;
    expect(manifest).toMatchObject({
      schema: 'footfall.privacy/1',
      sensor: SENSOR,
      window_minutes: 15,
      token_bits: 32,
      key_storage: { medium: 'tmpfs', destroyed: 'at the end of each window' },
      ignored_entries: 2,
      min_count: 3,
      contact: 'privacy@corner-shop.example',
    });
    // The manifest lists every field the reports carry.
    for (const report of reports) for (const field of leafPaths(report)) expect(manifest.published.report).toContain(field.replace(/^(schema|partial)$/, 'id'));

    // Counts of devices from 1 to 2 are 0, and each report names the ones it hid.
    const deviceCounts = (report: WindowReport) => [
      ...['addresses', 'addresses_global', 'addresses_randomized', 'devices'].map((field) => [`wifi.${field}`, report.wifi![field as 'devices']] as const),
      ...Object.entries(report.wifi!.zones).map(([zone, count]) => [`wifi.zones.${zone}`, count] as const),
      ...Object.entries(report.wifi!.dwell_minutes).map(([bucket, count]) => [`wifi.dwell_minutes.${bucket}`, count!] as const),
      ...report.occupancy.map((count, slot) => [`occupancy[${slot}]`, count] as const),
    ];
    for (const report of reports) for (const [field, count] of deviceCounts(report)) expect([field, count === 1 || count === 2]).toEqual([field, false]);
    const suppressed = reports.flatMap((report) => report.suppressed ?? []);
    expect(suppressed.length).toBeGreaterThan(0);
    for (const report of reports) for (const field of report.suppressed ?? []) expect(deviceCounts(report).find(([name]) => name === field)?.[1]).toBe(0);
    // What is stored is what was published.
    const db = new Database(path.join(state, 'footfall.db'), { readonly: true });
    const stored = db.prepare('SELECT payload FROM history ORDER BY window_start_ms').all() as Array<{ payload: string }>;
    db.close();
    expect(stored.map((row) => JSON.parse(row.payload) as WindowReport)).toEqual(reports);

    const leaks = findLeaks(addresses, [
      { name: 'stdout', data: result.stdout },
      { name: 'stderr', data: result.stderr },
      ...subscriber.messages.map((message) => ({ name: message.topic, data: message.payload })),
      ...late.messages.map((message) => ({ name: message.topic, data: message.payload })),
      ...filesUnder(state),
      ...filesUnder(run),
    ]);
    expect(leaks).toEqual([]);
    expect(result.stderr).toContain('frames ignored (capture.ignore)');
  });
});
