/**
 * Small tmpfs mounts, for tests of a full disk: mounting one needs root, so tests that use it
 * are skipped, saying why, elsewhere.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Why tmpfs cannot be mounted here, or undefined when it can. */
export function tmpfsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root';
  const probe = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-tmpfs-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'mount -t tmpfs is not allowed here';
  } finally {
    fs.rmSync(probe, { recursive: true, force: true });
  }
}

/** A tmpfs of `bytes` at `dir` (made if missing), with more mount `options` (`ro,mode=0700`); returns what unmounts it. */
export function mountTmpfs(dir: string, bytes: number, options?: string): () => void {
  fs.mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', options === undefined ? `size=${bytes}` : `${options},size=${bytes}`, 'tmpfs', dir]);
  return () => execFileSync('umount', ['--lazy', dir]);
}

/** Fills the file system of `dir` to the last byte with the file `name`; returns its path. */
export function fillUp(dir: string, name = 'filler'): string {
  const file = path.join(dir, name);
  const fd = fs.openSync(file, 'w');
  const chunk = Buffer.alloc(64 * 1024, 0x5a);
  try {
    for (let size = chunk.length; size > 0; ) {
      try {
        fs.writeSync(fd, chunk, 0, size);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
        // The last blocks, smaller than a chunk.
        size >>= 1;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return file;
}
