import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emptySighting } from '../capture/sighting.js';
import type { SourceKind } from '../capture/source.js';
import { createLogger } from '../log/logger.js';
import { IgnoreList, parseIgnoreEntry } from './ignore-list.js';
import type { Observation, ObservationSink } from './observation.js';
import { Pseudonymizer } from './pseudonymizer.js';
import { WindowKeyStore } from './window-keys.js';

describe('parseIgnoreEntry', () => {
  it.each([
    ['dc:fb:48:68:be:e4', { kind: 'address', address: 0xdcfb4868bee4 }],
    ['DC-FB-48-68-BE-E4', { kind: 'address', address: 0xdcfb4868bee4 }],
    ['  40:Ec:99:f9:34:a6 ', { kind: 'address', address: 0x40ec99f934a6 }],
    ['dc:fb:48', { kind: 'prefix', prefix: 0xdcfb48 }],
    ['00-00-0C', { kind: 'prefix', prefix: 0x00000c }],
  ])('reads %j', (text, entry) => {
    expect(parseIgnoreEntry(text)).toEqual(entry);
  });

  it.each(['', 'dc:fb', 'dc:fb:48:68', 'dc:fb:48:68:be', 'dc:fb:48:68:be:e4:00', 'dc:fb-48', 'dcfb4868bee4', 'dc.fb.48', 'dc:fb:4g', 'd:cf:b48'])(
    'refuses %j',
    (text) => {
      expect(parseIgnoreEntry(text)).toBeUndefined();
    },
  );
});

describe('IgnoreList', () => {
  const list = new IgnoreList(['dc:fb:48', '40:EC:99:F9:34:A6', '40-ec-99-8e-3f-63']);

  it('matches full addresses exactly and prefixes on the first three octets', () => {
    expect(list.size).toBe(3);
    expect(list.matches(0x40ec99f934a6)).toBe(true);
    expect(list.matches(0x40ec998e3f63)).toBe(true);
    expect(list.matches(0x40ec99f934a7)).toBe(false);
    expect(list.matches(0x40ec991f3e75)).toBe(false);
    expect(list.matches(0xdcfb4800_0000)).toBe(true);
    expect(list.matches(0xdcfb48ffffff)).toBe(true);
    expect(list.matches(0xdcfb49000000)).toBe(false);
    expect(list.matches(0x00dcfb48bee4)).toBe(false);
  });

  it('counts an entry given twice once', () => {
    expect(new IgnoreList(['dc:fb:48', 'DC-FB-48', 'aa:bb:cc:dd:ee:ff', 'aa-bb-cc-dd-ee-ff']).size).toBe(2);
  });

  it('refuses a bad entry by its position, without repeating it', () => {
    expect(() => new IgnoreList(['dc:fb:48', '12:34:56:78:9a'])).toThrow(/^capture\.ignore entry 2 is neither/);
    expect(() => new IgnoreList(['dc:fb:48', '12:34:56:78:9a'])).not.toThrow(/12:34/);
  });
});

/** Records what privacy/ hands to the counting side. */
class RecordingSink implements ObservationSink {
  readonly tokens: string[] = [];
  readonly times: number[] = [];
  advanceTo(timeMs: number): boolean {
    this.times.push(timeMs);
    return true;
  }
  onObservation(observation: Observation): void {
    this.tokens.push(`${observation.source} ${observation.token}`);
  }
  onMalformed(): void {}
}

describe('the Pseudonymizer with an ignore list', () => {
  const START = Date.UTC(2026, 10, 22, 10);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-ignore-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function pseudonymizer(ignore: IgnoreList, log: string[] = []) {
    const keys = new WindowKeyStore(dir);
    keys.prepare();
    const logger = createLogger({ level: 'debug', journald: false, write: (line) => log.push(line) });
    const privacy = new Pseudonymizer({ keys, tokenBits: 32, tokenCacheSize: 1000, ignore, logger });
    const sink = new RecordingSink();
    privacy.connect(sink);
    privacy.beginWindow(START);
    return { privacy, sink };
  }

  function feed(privacy: Pseudonymizer, frames: Array<[SourceKind, number]>) {
    frames.forEach(([source, address], i) => {
      const sighting = emptySighting(source);
      sighting.timeMs = START + i * 1000;
      sighting.address = address;
      sighting.addressType = source === 'ble' ? 1 : 0;
      privacy.onSighting(sighting);
    });
  }

  it('drops Wi-Fi and BLE frames of ignored addresses and prefixes before anything else, the clock included', () => {
    const { privacy, sink } = pseudonymizer(new IgnoreList(['dc:fb:48', 'c4:7a:91:03:5e:22']));
    feed(privacy, [
      ['wifi', 0xdcfb4868bee4],
      ['wifi', 0x40ec99f934a6],
      ['ble', 0xc47a91035e22],
      ['ble', 0xc47a91035e23],
      ['ble', 0xdcfb48000001],
      ['wifi', 0xc47a91035e22],
    ]);
    expect(sink.times).toEqual([START + 1000, START + 3000]);
    expect(sink.tokens).toHaveLength(2);
    expect(sink.tokens.map((t) => t.split(' ')[0])).toEqual(['wifi', 'ble']);
  });

  it('takes a new ignore list from the next frame on', () => {
    const { privacy, sink } = pseudonymizer(new IgnoreList([]));
    feed(privacy, [['wifi', 0xdcfb4868bee4]]);
    privacy.setIgnoreList(new IgnoreList(['dc:fb:48']));
    feed(privacy, [['wifi', 0xdcfb4868bee4], ['wifi', 0x40ec99f934a6]]);
    privacy.setIgnoreList(new IgnoreList([]));
    feed(privacy, [['wifi', 0xdcfb4868bee4]]);
    expect(sink.tokens).toHaveLength(3);
    expect(sink.tokens[0]).toBe(sink.tokens[2]);
  });

  it('says at debug how many frames it dropped in a window, and nothing of them', () => {
    const log: string[] = [];
    const { privacy } = pseudonymizer(new IgnoreList(['dc:fb:48']), log);
    feed(privacy, [
      ['wifi', 0xdcfb4868bee4],
      ['wifi', 0xdcfb488c71fc],
      ['wifi', 0x40ec99f934a6],
    ]);
    privacy.endWindow(START);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatch(/debug frames ignored \(capture\.ignore\) while the window was open window=2026-11-22T10:00:00Z frames=2\n$/);
    expect(log[0]).not.toMatch(/dc.?fb|48.?68|8c.?71/i);
  });

  it('passes every frame with an empty list, and says nothing of it', () => {
    const log: string[] = [];
    const { privacy, sink } = pseudonymizer(new IgnoreList([]), log);
    feed(privacy, [
      ['wifi', 0xdcfb4868bee4],
      ['ble', 0xc47a91035e22],
    ]);
    privacy.endWindow(START);
    expect(sink.tokens).toHaveLength(2);
    expect(log).toEqual([]);
  });
});
