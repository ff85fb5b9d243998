import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WindowKeyStore } from './window-keys.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-keys-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const HOUR = 3_600_000;
const start = Date.UTC(2026, 10, 22, 10);

describe('WindowKeyStore', () => {
  it('makes a random key per window, saved with mode 0600, and finds it again after a restart', () => {
    const store = new WindowKeyStore(dir);
    store.prepare();
    const first = store.obtain(start);
    expect(first.continued).toBe(false);
    expect(first.key).toHaveLength(32);
    const other = store.obtain(start + HOUR);
    expect(other.key.equals(first.key)).toBe(false);

    const again = new WindowKeyStore(dir).obtain(start);
    expect(again.continued).toBe(true);
    expect(again.key.equals(first.key)).toBe(true);
    const files = fs.readdirSync(dir).sort();
    expect(files).toEqual(['window-20261122T100000Z.key', 'window-20261122T110000Z.key']);
    expect(fs.statSync(path.join(dir, files[0]!)).mode & 0o777).toBe(0o600);
  });

  it('destroys a window key so that a new one is made', () => {
    const store = new WindowKeyStore(dir);
    const { key } = store.obtain(start);
    const saved = Buffer.from(key);
    store.destroy(start);
    expect(fs.readdirSync(dir)).toEqual([]);
    expect(store.obtain(start).key.equals(saved)).toBe(false);
    store.destroy(start + 5 * HOUR);
  });

  it('destroys every key but the open window\'s', () => {
    const store = new WindowKeyStore(dir);
    for (let i = 0; i < 4; i++) store.obtain(start + i * HOUR);
    fs.writeFileSync(path.join(dir, 'unrelated.txt'), 'x');
    expect(store.destroyAllExcept(start + 2 * HOUR)).toBe(3);
    expect(fs.readdirSync(dir).sort()).toEqual(['unrelated.txt', 'window-20261122T120000Z.key']);
    expect(store.destroyAllExcept(null)).toBe(1);
  });
});
