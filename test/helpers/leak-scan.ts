/**
 * The privacy check: looks for device addresses in everything the sensor wrote or sent, in every
 * textual and binary form an address takes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { runCli, type CliResult } from './cli.js';
import type { MqttTestBed, Subscriber } from './mosquitto.js';

/**
 * The forms of `aa:bb:cc:dd:ee:ff` a leak could take; the raw bytes in both orders, as BLE sends
 * an address least significant byte first.
 */
export function addressForms(address: string): { text: string[]; bytes: Buffer; reversedBytes: Buffer } {
  const hex = address.toLowerCase().replace(/[^0-9a-f]/g, '');
  const octets = hex.match(/../g)!;
  const text = [
    octets.join(':'),
    octets.join('-'),
    octets.join('.'),
    hex,
    `${hex.slice(0, 4)}.${hex.slice(4, 8)}.${hex.slice(8)}`,
  ];
  const bytes = Buffer.from(hex, 'hex');
  return { text: [...text, ...text.map((t) => t.toUpperCase())], bytes, reversedBytes: Buffer.from(bytes).reverse() };
}

export interface Leak {
  address: string;
  where: string;
  form: string;
}

/**
 * Every file under `dir`, recursively, as named buffers. A file of zeros alone (the database's
 * space reserve) holds no address, and is given as one zero byte: searching megabytes of it for
 * every form of thousands of addresses would take minutes.
 */
export function filesUnder(dir: string): Array<{ name: string; data: Buffer }> {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => {
      const file = path.join(entry.parentPath, entry.name);
      const data = fs.readFileSync(file);
      return { name: file, data: data.length > 0 && data.every((byte) => byte === 0) ? Buffer.alloc(1) : data };
    });
}

/**
 * Searches each output for each address in each form; text forms also in the bytes as ASCII.
 * Every form of every address goes into one table, keyed by its bytes, and each output is read
 * once, looking up the bytes at each offset in each form's length: a search of the outputs per
 * form took seconds for a few thousand addresses.
 */
export function findLeaks(addresses: readonly string[], outputs: ReadonlyArray<{ name: string; data: Buffer | string }>): Leak[] {
  // Keys are bytes as latin1 text, one character per byte.
  const forms = new Map<string, Array<{ address: string; form: string }>>();
  const add = (key: string, address: string, form: string) => forms.set(key, [...(forms.get(key) ?? []), { address, form }]);
  for (const address of addresses) {
    const { text, bytes, reversedBytes } = addressForms(address);
    add(bytes.toString('latin1'), address, 'raw bytes');
    add(reversedBytes.toString('latin1'), address, 'raw bytes, least significant first');
    for (const form of new Set(text)) add(form, address, form);
  }
  const lengths = [...new Set([...forms.keys()].map((key) => key.length))];
  const leaks = new Map<string, Leak>();
  for (const output of outputs) {
    const data = (Buffer.isBuffer(output.data) ? output.data : Buffer.from(output.data)).toString('latin1');
    for (const length of lengths) {
      for (let offset = 0; offset + length <= data.length; offset++) {
        for (const { address, form } of forms.get(data.slice(offset, offset + length)) ?? []) {
          leaks.set(`${address} ${form} ${output.name}`, { address, where: output.name, form });
        }
      }
    }
  }
  return [...leaks.values()];
}

/**
 * Replays `file` to its end with publishing and debug logging on, to a broker of `bed`, in state
 * and runtime directories under `scratch`; returns everything the sensor wrote or sent.
 */
export async function replayedOutputs(bed: MqttTestBed, scratch: string, name: string, file: string, env: Record<string, string> = {}) {
  const broker = await bed.broker();
  const subscriber = await bed.subscriber(broker.url);
  const state = path.join(scratch, `${name}-state`);
  const runtime = path.join(scratch, `${name}-run`);
  const result = await runCli(['replay', '--publish', file, '--state-dir', state, '--runtime-dir', runtime], { FOOTFALL_MQTT_URL: broker.url, FOOTFALL_LOG_LEVEL: 'debug', ...env });
  expect(result.code, result.stderr).toBe(0);
  expect(result.stderr).toContain('debug');
  // With no report to send (no probe request in the file) replay has no reason to connect.
  if (result.stdout !== '') await subscriber.waitFor((m) => m.some((x) => x.payload === '{"state":"offline"}'), 'the offline status');
  return outputsOf(result, subscriber, [state, runtime]);
}

/** stdout, stderr, every MQTT message and the files under `dirs`. */
export function outputsOf(result: Pick<CliResult, 'stdout' | 'stderr'>, subscriber: Subscriber, dirs: string[]) {
  return [
    { name: 'stdout', data: result.stdout },
    { name: 'stderr', data: result.stderr },
    { name: 'mqtt', data: subscriber.messages.map((m) => `${m.topic}\n${m.payload}`).join('\n') },
    ...dirs.flatMap((dir) => filesUnder(dir)),
  ];
}
