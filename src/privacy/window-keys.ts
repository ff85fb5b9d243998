/**
 * Window keys: one random 32-byte key per counting window. A key lives in memory and in a file
 * in the runtime directory (a tmpfs), so a daemon restarted inside its window continues to
 * produce the same tokens; it never touches persistent storage. At the window's end the key
 * is overwritten and removed, after which no one can link that window's tokens to anything.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const KEY_BYTES = 32;
/** Key files, and the files a key is written to before it is renamed into place. */
export const KEY_FILE_PATTERN = /^window-(\d{8}T\d{6}Z)\.key(\.new)?$/;

export function keyFileName(windowStartMs: number): string {
  const stamp = new Date(windowStartMs).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
  return `window-${stamp}.key`;
}

export interface WindowKey {
  key: Buffer;
  /** True when the key was found in the runtime directory (a restart inside the window). */
  continued: boolean;
}

export class WindowKeyStore {
  constructor(private readonly dir: string) {}

  /** Makes the runtime directory, readable by the daemon's user only. */
  prepare(): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  /** The key of the window that starts at `windowStartMs`: the saved one, or a new one. */
  obtain(windowStartMs: number): WindowKey {
    const file = path.join(this.dir, keyFileName(windowStartMs));
    try {
      const saved = fs.readFileSync(file);
      if (saved.length === KEY_BYTES) return { key: saved, continued: true };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const key = crypto.randomBytes(KEY_BYTES);
    const temp = `${file}.new`;
    fs.writeFileSync(temp, key, { mode: 0o600 });
    fs.renameSync(temp, file);
    return { key, continued: false };
  }

  /** Overwrites and removes the key file of a window. */
  destroy(windowStartMs: number): void {
    this.destroyFile(path.join(this.dir, keyFileName(windowStartMs)));
  }

  /**
   * Destroys every key file except the open window's: keys of windows that ended while the
   * daemon was down, or whose removal a crash interrupted. Returns how many it destroyed.
   */
  destroyAllExcept(windowStartMs: number | null): number {
    const keep = windowStartMs === null ? null : keyFileName(windowStartMs);
    let destroyed = 0;
    for (const name of fs.readdirSync(this.dir)) {
      if (name === keep || !KEY_FILE_PATTERN.test(name)) continue;
      this.destroyFile(path.join(this.dir, name));
      destroyed++;
    }
    return destroyed;
  }

  private destroyFile(file: string): void {
    let fd: number;
    try {
      fd = fs.openSync(file, 'r+');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    try {
      const size = fs.fstatSync(fd).size;
      fs.writeSync(fd, Buffer.alloc(size), 0, size, 0);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.unlinkSync(file);
  }
}
