import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RuntimeDirectoryError, WindowKeyStore } from './window-keys.js';

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

  it('makes a missing runtime directory, parents too, closed to other users', () => {
    const runtime = path.join(dir, 'run', 'footfall');
    new WindowKeyStore(runtime).prepare();
    expect(fs.statSync(runtime).mode & 0o777).toBe(0o700);
  });

  it.each([
    ['a file', 'run', () => 'is a file, not a directory'],
    ['under a file', 'run/footfall', () => `does not exist and cannot be made: ${path.join(dir, 'run')} is a file, not a directory`],
  ])('refuses a runtime directory that is %s with exit 73, naming the key', (_what, name, problem) => {
    fs.writeFileSync(path.join(dir, 'run'), '');
    const runtime = path.join(dir, name);
    const message = `paths.runtime_dir: ${runtime} ${problem()}; give a directory footfall can write in, on a tmpfs`;
    const store = new WindowKeyStore(runtime);
    expect(store.inspect()).toEqual([{ message, exitCode: 73 }]);
    expect(() => store.prepare()).toThrow(new RuntimeDirectoryError(message, 73));
  });

  it('refuses a directory where a window key goes, at start and when the window opens', () => {
    const store = new WindowKeyStore(dir);
    const keyPath = path.join(dir, 'window-20261122T100000Z.key');
    fs.mkdirSync(keyPath);
    expect(store.inspect()).toEqual([{ message: `paths.runtime_dir: ${keyPath} is not a file but stands where a window key goes; remove it (rm -r ${keyPath})`, exitCode: 73 }]);
    expect(() => store.prepare()).toThrow(RuntimeDirectoryError);
    const opening = (() => {
      try {
        store.obtain(start);
      } catch (error) {
        return error;
      }
    })();
    expect(opening).toBeInstanceOf(RuntimeDirectoryError);
    expect(opening).toMatchObject({ exitCode: 73, message: `paths.runtime_dir: ${keyPath} is a directory, not a window key; remove it (rm -r ${keyPath})` });
  });
});
