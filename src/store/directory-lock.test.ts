import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DirectoryBusyError, DirectoryLock, LOCK_FILE, lockHolderPid } from './directory-lock.js';

const role = { key: 'paths.state_dir', flag: '--state-dir' };
let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-lock-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The built module, as another footfall process loads it (tests run after `npm run build`). */
const BUILT_LOCK = new URL('../../dist/store/directory-lock.js', import.meta.url).href;

/** Another process that takes the lock, says `locked` and waits to be killed. */
function lockingChild(): Promise<{ pid: number; kill: () => Promise<void> }> {
  const script = `
    const { DirectoryLock } = await import(${JSON.stringify(BUILT_LOCK)});
    DirectoryLock.acquire(${JSON.stringify(dir)}, ${JSON.stringify(role)});
    console.log('locked');
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    child.stdout.once('data', () =>
      resolve({
        pid: child.pid!,
        kill: async () => {
          child.kill('SIGKILL');
          await exited;
        },
      }),
    );
    child.once('exit', (code) => reject(new Error(`the locking child exited with ${code}`)));
  });
}

describe('DirectoryLock', () => {
  it('lets one owner in at a time, and the next one once it released the lock', () => {
    const first = DirectoryLock.acquire(dir, role);
    expect(() => DirectoryLock.acquire(dir, role)).toThrow(DirectoryBusyError);
    first.release();
    DirectoryLock.acquire(dir, role).release();
  });

  it('names the holder, the directory and what to do, at once, with EX_TEMPFAIL', async () => {
    const holder = await lockingChild();
    try {
      const started = Date.now();
      let error: unknown;
      try {
        DirectoryLock.acquire(dir, role);
      } catch (caught) {
        error = caught;
      }
      expect(Date.now() - started).toBeLessThan(1000);
      expect(error).toBeInstanceOf(DirectoryBusyError);
      const busy = error as DirectoryBusyError;
      expect(busy.exitCode).toBe(75);
      expect(busy.holderPid).toBe(holder.pid);
      expect(busy.message).toBe(
        `${dir} (paths.state_dir) is in use by another footfall (pid ${holder.pid}); stop that one first (the daemon: systemctl stop footfall), or give this command another --state-dir`,
      );
    } finally {
      await holder.kill();
    }
  });

  it('is free again as soon as its holder is killed with -9: the kernel drops the lock', async () => {
    const holder = await lockingChild();
    expect(lockHolderPid(path.join(dir, LOCK_FILE))).toBe(holder.pid);
    await holder.kill();
    const lock = DirectoryLock.acquire(dir, role);
    expect(lockHolderPid(path.join(dir, LOCK_FILE))).toBe(process.pid);
    lock.release();
  });

  it('says what to do with a lock file that is not one', () => {
    fs.writeFileSync(path.join(dir, LOCK_FILE), 'not a database, but long enough to have a header of a hundred bytes or so: '.repeat(3));
    expect(() => DirectoryLock.acquire(dir, role)).toThrow(`${path.join(dir, LOCK_FILE)} is not footfall's lock file; remove it (footfall makes it anew)`);
  });
});
