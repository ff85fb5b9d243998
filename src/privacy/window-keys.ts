/**
 * Window keys: one random 32-byte key per counting window. A key lives in memory and in a file
 * in the runtime directory (a tmpfs), so a daemon restarted inside its window continues to
 * produce the same tokens; it never touches persistent storage. At the window's end the key
 * is overwritten and removed, after which no one can link that window's tokens to anything.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { directoryProblem } from '../config/load.js';

export const KEY_BYTES = 32;
const FILE_PATTERN = /^window-(\d{8}T\d{6}Z)\.key$/;

/** Key files, and the temporary files they are written through. */
const isKeyFile = (name: string) => FILE_PATTERN.test(name) || name.endsWith('.key.new');

function fileName(windowStartMs: number): string {
  const stamp = new Date(windowStartMs).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
  return `window-${stamp}.key`;
}

export interface WindowKey {
  key: Buffer;
  /** True when the key was found in the runtime directory (a restart inside the window). */
  continued: boolean;
}

/**
 * The runtime directory, or a key file in it, cannot be used as it is: an operator's fix, not a
 * bug. Exit 73 (EX_CANTCREAT) for what cannot be written.
 */
export class RuntimeDirectoryError extends Error {
  override readonly name = 'RuntimeDirectoryError';
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** Something in the runtime directory that stops footfall from using it; the message says what to do. */
export interface RuntimeDirectoryFinding {
  message: string;
  exitCode: number;
}

export class WindowKeyStore {
  constructor(private readonly dir: string) {}

  /**
   * What stops footfall from keeping keys in the runtime directory, without changing anything (for
   * `config check`; `prepare` refuses with the first): a directory it cannot write in or make, and
   * key files that are not files.
   */
  inspect(): RuntimeDirectoryFinding[] {
    const problem = directoryProblem(this.dir);
    if (problem !== undefined) {
      return [{ message: this.unusable(problem), exitCode: 73 }];
    }
    const findings: RuntimeDirectoryFinding[] = [];
    for (const name of this.keyFileNames()) {
      const file = path.join(this.dir, name);
      if (!fs.lstatSync(file).isFile()) {
        findings.push({ message: `paths.runtime_dir: ${file} is not a file but stands where a window key goes; remove it (rm -r ${file})`, exitCode: 73 });
      }
    }
    return findings;
  }

  /** Makes the runtime directory, readable by the daemon's user only; refuses one it cannot use. */
  prepare(): void {
    let making: unknown;
    try {
      fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    } catch (error) {
      making = error;
    }
    const [first] = this.inspect();
    if (first !== undefined) throw new RuntimeDirectoryError(first.message, first.exitCode);
    if (making !== undefined) throw making;
  }

  /** The key of the window that starts at `windowStartMs`: the saved one, or a new one. */
  obtain(windowStartMs: number): WindowKey {
    const file = path.join(this.dir, fileName(windowStartMs));
    try {
      const saved = fs.readFileSync(file);
      if (saved.length === KEY_BYTES) return { key: saved, continued: true };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EISDIR') throw new RuntimeDirectoryError(`paths.runtime_dir: ${file} is a directory, not a window key; remove it (rm -r ${file})`, 73);
      if (code !== 'ENOENT') throw err;
    }
    const key = crypto.randomBytes(KEY_BYTES);
    const temp = `${file}.new`;
    try {
      fs.writeFileSync(temp, key, { mode: 0o600 });
      fs.renameSync(temp, file);
    } catch (error) {
      const problem = directoryProblem(this.dir);
      if (problem === undefined) throw error;
      throw new RuntimeDirectoryError(this.unusable(problem), 73);
    }
    return { key, continued: false };
  }

  /** Overwrites and removes the key file of a window. */
  destroy(windowStartMs: number): void {
    this.destroyFile(path.join(this.dir, fileName(windowStartMs)));
  }

  /**
   * Destroys every key file except the open window's: keys of windows that ended while the
   * daemon was down, or whose removal a crash interrupted. Returns how many it destroyed.
   */
  destroyAllExcept(windowStartMs: number | null): number {
    const keep = windowStartMs === null ? null : fileName(windowStartMs);
    let destroyed = 0;
    for (const name of this.keyFileNames()) {
      if (name === keep) continue;
      this.destroyFile(path.join(this.dir, name));
      destroyed++;
    }
    return destroyed;
  }

  private unusable(problem: string): string {
    return `paths.runtime_dir: ${this.dir} ${problem}; give a directory footfall can write in, on a tmpfs`;
  }

  /** Names of the key files in the runtime directory; none when it does not exist yet. */
  private keyFileNames(): string[] {
    try {
      return fs.readdirSync(this.dir).filter(isKeyFile);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
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
