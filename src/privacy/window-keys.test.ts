import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, type Logger } from '../log/logger.js';
import { RuntimeDirectoryError, WindowKeyStore } from './window-keys.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-keys-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const HOUR = 3_600_000;
const start = Date.UTC(2026, 10, 22, 10);
const KEY_NAME = 'window-20261122T100000Z.key';
const asRoot = process.getuid?.() === 0;

function recordingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: createLogger({ level: 'debug', write: (line) => lines.push(line.trimEnd()), journald: false, now: () => new Date(0) }), lines };
}

const modeOf = (file: string) => fs.statSync(file).mode & 0o777;

function refusal(act: () => unknown): unknown {
  try {
    act();
  } catch (error) {
    return error;
  }
  throw new Error('expected a refusal');
}

describe('WindowKeyStore', () => {
  it('makes a random key per window, saved with mode 0600, and finds it again after a restart', () => {
    const store = new WindowKeyStore(dir);
    store.prepare();
    const first = store.obtain(start);
    expect(first.origin).toBe('made');
    expect(first.key).toHaveLength(32);
    const other = store.obtain(start + HOUR);
    expect(other.key.equals(first.key)).toBe(false);

    const again = new WindowKeyStore(dir).obtain(start);
    expect(again.origin).toBe('continued');
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

describe('where a window key came from', () => {
  it('is continued, made when none was saved, or replaced, with a warning, when the file was garbled', () => {
    const { logger, lines } = recordingLogger();
    const store = new WindowKeyStore(dir, logger);
    expect(store.obtain(start).origin).toBe('made');
    expect(store.obtain(start).origin).toBe('continued');
    expect(lines).toEqual([]);

    const file = path.join(dir, KEY_NAME);
    for (const garbled of [Buffer.alloc(0), Buffer.alloc(31, 7), Buffer.alloc(64, 7)]) {
      fs.writeFileSync(file, garbled);
      const replaced = store.obtain(start);
      expect(replaced.origin).toBe('replaced');
      expect(fs.readFileSync(file).equals(replaced.key)).toBe(true);
      expect(lines.pop()).toBe(`1970-01-01T00:00:00.000Z warn  the window key file was garbled; replaced with a new key window=2026-11-22T10:00:00Z bytes=${garbled.length} expected=32`);
    }
    fs.rmSync(file);
    expect(store.obtain(start).origin).toBe('made');
    expect(lines).toEqual([]);
  });

  it('writes a new key 0600 even over a leftover temporary file that was open to others', () => {
    const leftover = path.join(dir, `${KEY_NAME}.new`);
    fs.writeFileSync(leftover, 'left over');
    fs.chmodSync(leftover, 0o644);
    new WindowKeyStore(dir).obtain(start);
    expect(fs.readdirSync(dir)).toEqual([KEY_NAME]);
    expect(modeOf(path.join(dir, KEY_NAME))).toBe(0o600);
  });
});

describe('a runtime directory and key files open to other users', () => {
  it('closes a directory and keys that others may read, saying so', () => {
    const { logger, lines } = recordingLogger();
    fs.chmodSync(dir, 0o755);
    const key = path.join(dir, KEY_NAME);
    fs.writeFileSync(key, Buffer.alloc(32, 1));
    fs.chmodSync(key, 0o644);
    const store = new WindowKeyStore(dir, logger);
    expect(store.inspect()).toEqual([
      { message: `paths.runtime_dir: ${dir} is open to other users (mode 0755)`, exitCode: 77, correction: { path: dir, mode: 0o700 } },
      { message: `paths.runtime_dir: ${key} is open to other users (mode 0644)`, exitCode: 77, correction: { path: key, mode: 0o600 } },
    ]);
    store.prepare();
    expect(modeOf(dir)).toBe(0o700);
    expect(modeOf(key)).toBe(0o600);
    expect(lines).toEqual([
      `1970-01-01T00:00:00.000Z warn  paths.runtime_dir: ${dir} is open to other users (mode 0755); made it 0700`,
      `1970-01-01T00:00:00.000Z warn  paths.runtime_dir: ${key} is open to other users (mode 0644); made it 0600`,
    ]);
    expect(store.inspect()).toEqual([]);
    expect(store.obtain(start).origin).toBe('continued');
  });

  it.each([0o777, 0o1777, 0o770])('refuses a directory that others may write in (mode %s), changing nothing', (mode) => {
    fs.chmodSync(dir, mode);
    const error = refusal(() => new WindowKeyStore(dir).prepare());
    expect(error).toBeInstanceOf(RuntimeDirectoryError);
    expect(error).toMatchObject({
      exitCode: 77,
      message: `paths.runtime_dir: ${dir} is writable by other users (mode ${(mode & 0o777).toString(8).padStart(4, '0')}), who could put keys in it: give a directory of footfall's own (mode 0700)`,
    });
    expect(fs.statSync(dir).mode & 0o7777).toBe(mode);
  });

  it('refuses a symbolic link where a key goes', () => {
    fs.symlinkSync('/dev/zero', path.join(dir, KEY_NAME));
    expect(refusal(() => new WindowKeyStore(dir).prepare())).toMatchObject({ exitCode: 73 });
  });

  it.skipIf(!asRoot)(`refuses a directory or key that belongs to another user with exit 77, unless asked to leave owners out${asRoot ? '' : ' (skipped: needs root to give files away)'}`, () => {
    const key = path.join(dir, KEY_NAME);
    fs.writeFileSync(key, Buffer.alloc(32, 1), { mode: 0o600 });
    fs.chownSync(key, 65534, 65534);
    const store = new WindowKeyStore(dir);
    expect(refusal(() => store.prepare())).toMatchObject({
      exitCode: 77,
      message: `paths.runtime_dir: ${key} belongs to uid 65534, not to this user (uid 0): remove it unless a footfall of that user runs on this directory`,
    });
    fs.chownSync(dir, 65534, 65534);
    expect(refusal(() => store.prepare())).toMatchObject({
      exitCode: 77,
      message: `paths.runtime_dir: ${dir} belongs to uid 65534, not to this user (uid 0): run footfall as its owner, or give a directory of its own`,
    });
    expect(store.inspect({ owner: false })).toEqual([]);
  });
});

describe('a full runtime directory', () => {
  let mounted: string | undefined;
  afterEach(() => {
    if (mounted !== undefined) execFileSync('umount', [mounted]);
    mounted = undefined;
  });

  it.skipIf(!asRoot)(`keeps the window key in memory, saying so${asRoot ? '' : ' (skipped: needs root to mount a tmpfs)'}`, () => {
    mounted = dir;
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4k,mode=0700', 'tmpfs', dir]);
    fs.writeFileSync(path.join(dir, 'filler'), Buffer.alloc(4096));
    const { logger, lines } = recordingLogger();
    const { key, origin } = new WindowKeyStore(dir, logger).obtain(start);
    expect(origin).toBe('made');
    expect(key).toHaveLength(32);
    expect(fs.readdirSync(dir)).toEqual(['filler']);
    expect(lines).toEqual([
      `1970-01-01T00:00:00.000Z warn  the runtime directory is full: the window key is kept in memory only, so a restart inside this window cannot continue it dir=${dir}`,
    ]);
  });
});
