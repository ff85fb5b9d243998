/**
 * Window keys: one random 32-byte key per counting window. A key lives in memory and in a file
 * in the runtime directory (a tmpfs), so a daemon restarted inside its window continues to
 * produce the same tokens; it never touches persistent storage. At the window's end the key
 * is overwritten and removed, after which no one can link that window's tokens to anything.
 *
 * The runtime directory is the daemon user's alone (0700) and each key file too (0600). Found
 * more open, they are closed with a warning; owned by another user, or writable by others (who
 * could have put keys there), they are refused: footfall never uses a key that it cannot trust.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { directoryProblem } from '../config/load.js';
import { isoSeconds } from '../count/windows.js';
import { silentLogger, type Logger } from '../log/logger.js';

export const KEY_BYTES = 32;
/** Key files, and the files a key is written to before it is renamed into place. */
export const KEY_FILE_PATTERN = /^window-(\d{8}T\d{6}Z)\.key(\.new)?$/;
const DIRECTORY_MODE = 0o700;
const KEY_MODE = 0o600;
const EX_CANTCREAT = 73;
const EX_NOPERM = 77;

const isKeyFile = (name: string) => KEY_FILE_PATTERN.test(name);
const octal = (mode: number) => (mode & 0o777).toString(8).padStart(4, '0');

export function keyFileName(windowStartMs: number): string {
  const stamp = new Date(windowStartMs).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
  return `window-${stamp}.key`;
}

/**
 * Where a window's key came from: `continued`, the one saved in the runtime directory (a restart
 * inside the window); `made`, a new one because none was saved (a new window, or a key file that
 * was removed); `replaced`, a new one because the saved file was garbled (not 32 bytes).
 */
export type WindowKeyOrigin = 'continued' | 'made' | 'replaced';

export interface WindowKey {
  key: Buffer;
  origin: WindowKeyOrigin;
}

/**
 * The runtime directory, or a key file in it, cannot be used as it is: an operator's fix, not a
 * bug. Exit 73 (EX_CANTCREAT) for what cannot be written, 77 (EX_NOPERM) for what belongs to, or
 * is open to, another user.
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
  /** Only too open to other users: footfall sets this mode itself, with a warning, instead of refusing. */
  correction?: { path: string; mode: number };
}

export interface InspectOptions {
  /**
   * Whether the directory and keys must belong to this user (default true). `config check` leaves
   * it out: whoever checks a config is often not the daemon's user.
   */
  owner?: boolean;
}

export class WindowKeyStore {
  constructor(
    private readonly dir: string,
    private readonly logger: Logger = silentLogger,
  ) {}

  /**
   * What stops footfall from keeping keys in the runtime directory, without changing anything (for
   * `config check`; `prepare` corrects or refuses): a directory it cannot write in or make, one
   * that belongs to or is open to other users, and key files that are not this user's private files.
   */
  inspect(options: InspectOptions = {}): RuntimeDirectoryFinding[] {
    const problem = directoryProblem(this.dir);
    if (problem !== undefined) return [{ message: this.unusable(problem), exitCode: EX_CANTCREAT }];
    const uid = options.owner === false ? undefined : process.getuid?.();
    const findings: RuntimeDirectoryFinding[] = [];
    const dir = fs.statSync(this.dir, { throwIfNoEntry: false });
    if (dir !== undefined) {
      const where = `paths.runtime_dir: ${this.dir}`;
      if (uid !== undefined && dir.uid !== uid) {
        findings.push({ message: `${where} belongs to uid ${dir.uid}, not to this user (uid ${uid}): run footfall as its owner, or give a directory of its own`, exitCode: EX_NOPERM });
      } else if ((dir.mode & 0o022) !== 0) {
        findings.push({ message: `${where} is writable by other users (mode ${octal(dir.mode)}), who could put keys in it: give a directory of footfall's own (mode 0700)`, exitCode: EX_NOPERM });
      } else if ((dir.mode & 0o077) !== 0) {
        findings.push({ message: `${where} is open to other users (mode ${octal(dir.mode)})`, exitCode: EX_NOPERM, correction: { path: this.dir, mode: DIRECTORY_MODE } });
      }
    }
    for (const name of this.keyFileNames()) {
      const file = path.join(this.dir, name);
      const stat = fs.lstatSync(file);
      const where = `paths.runtime_dir: ${file}`;
      if (!stat.isFile()) {
        findings.push({ message: `${where} is not a file but stands where a window key goes; remove it (rm -r ${file})`, exitCode: EX_CANTCREAT });
      } else if (uid !== undefined && stat.uid !== uid) {
        findings.push({ message: `${where} belongs to uid ${stat.uid}, not to this user (uid ${uid}): remove it unless a footfall of that user runs on this directory`, exitCode: EX_NOPERM });
      } else if ((stat.mode & 0o077) !== 0) {
        findings.push({ message: `${where} is open to other users (mode ${octal(stat.mode)})`, exitCode: EX_NOPERM, correction: { path: file, mode: KEY_MODE } });
      }
    }
    return findings;
  }

  /**
   * Makes the runtime directory (0700) and checks it and its keys: closes what is only too open,
   * with a warning, and refuses the rest with the first finding.
   */
  prepare(): void {
    let making: unknown;
    try {
      fs.mkdirSync(this.dir, { recursive: true, mode: DIRECTORY_MODE });
    } catch (error) {
      making = error;
    }
    const findings = this.inspect();
    for (const { message, correction } of findings) {
      if (correction === undefined) continue;
      fs.chmodSync(correction.path, correction.mode);
      this.logger.warn(`${message}; made it ${octal(correction.mode)}`);
    }
    const refusal = findings.find((finding) => finding.correction === undefined);
    if (refusal !== undefined) throw new RuntimeDirectoryError(refusal.message, refusal.exitCode);
    if (making !== undefined) throw making;
  }

  /**
   * The key of the window that starts at `windowStartMs`: the saved one, or a new one, saying
   * which. A garbled key file is replaced, with a warning; the caller decides what a window that
   * was to be continued does with a key that is not its own.
   */
  obtain(windowStartMs: number): WindowKey {
    const file = path.join(this.dir, keyFileName(windowStartMs));
    let saved: Buffer | undefined;
    try {
      saved = fs.readFileSync(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EISDIR') throw new RuntimeDirectoryError(`paths.runtime_dir: ${file} is a directory, not a window key; remove it (rm -r ${file})`, EX_CANTCREAT);
      if (code === 'EACCES') throw new RuntimeDirectoryError(`paths.runtime_dir: ${file} cannot be read by this user: run footfall as the user that owns it, or remove it`, EX_NOPERM);
      if (code !== 'ENOENT') throw err;
    }
    if (saved?.length === KEY_BYTES) return { key: saved, origin: 'continued' };
    if (saved !== undefined) {
      this.logger.warn('the window key file was garbled; replaced with a new key', { window: isoSeconds(windowStartMs), bytes: saved.length, expected: KEY_BYTES });
      this.destroyFile(file);
    }
    const key = crypto.randomBytes(KEY_BYTES);
    this.save(file, key);
    return { key, origin: saved === undefined ? 'made' : 'replaced' };
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
    for (const name of this.keyFileNames()) {
      if (name === keep) continue;
      this.destroyFile(path.join(this.dir, name));
      destroyed++;
    }
    return destroyed;
  }

  /**
   * Writes a key through a temporary file, so that a crash never leaves half a key. A leftover
   * temporary file is destroyed first: writing over it would keep its mode, whatever that is.
   * When the runtime directory is full the window goes on with its key in memory alone.
   */
  private save(file: string, key: Buffer): void {
    const temp = `${file}.new`;
    try {
      this.destroyFile(temp);
      fs.writeFileSync(temp, key, { mode: KEY_MODE, flag: 'wx' });
      fs.renameSync(temp, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOSPC') {
        fs.rmSync(temp, { force: true });
        this.logger.warn('the runtime directory is full: the window key is kept in memory only, so a restart inside this window cannot continue it', { dir: this.dir });
        return;
      }
      const problem = directoryProblem(this.dir);
      if (problem === undefined) throw error;
      throw new RuntimeDirectoryError(this.unusable(problem), EX_CANTCREAT);
    }
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
