/**
 * One owner per directory: a process that writes a state or runtime directory (the daemon, a
 * replay, the demo) holds a lock on it for its whole life, so that a second one cannot destroy
 * the first one's window key or finish its window. Readers (`status`, `doctor`) take no lock.
 *
 * The lock is SQLite's own: a small database `footfall.lock`, opened in exclusive locking mode
 * and written once, keeps its POSIX lock until the connection closes, and the kernel drops it
 * when the process dies, however it dies: no stale lock after kill -9 or a power loss. The
 * holder writes its pid into the database header's user_version (bytes 60-63, which SQLite
 * keeps for applications), where a process that finds the lock taken reads it without SQLite.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export const LOCK_FILE = 'footfall.lock';

/** The header's user_version: a big-endian 32-bit integer at this offset. */
const USER_VERSION_OFFSET = 60;

/** The directory is another footfall's (EX_TEMPFAIL): try again once that one has stopped. */
export class DirectoryBusyError extends Error {
  override readonly name = 'DirectoryBusyError';
  readonly exitCode = 75;
  constructor(
    message: string,
    /** The holder's pid, when its lock file says. */
    readonly holderPid: number | undefined,
  ) {
    super(message);
  }
}

/** Something else where the lock file should be (EX_DATAERR). */
export class DirectoryLockFileError extends Error {
  override readonly name = 'DirectoryLockFileError';
  readonly exitCode = 65;
}

/** How the operator names the directory: its config key and its command-line flag. */
export interface DirectoryRole {
  key: string;
  flag: string;
}

const isBusy = (error: unknown) => /^SQLITE_(BUSY|LOCKED)/.test((error as { code?: string }).code ?? '');

/** The pid a lock file's holder wrote into it, if it is there. */
export function lockHolderPid(file: string): number | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const bytes = Buffer.alloc(4);
    const read = fs.readSync(fd, bytes, 0, 4, USER_VERSION_OFFSET);
    const pid = read === 4 ? bytes.readUInt32BE(0) : 0;
    return pid > 0 ? pid : undefined;
  } finally {
    fs.closeSync(fd);
  }
}

export class DirectoryLock {
  private constructor(
    readonly dir: string,
    private readonly db: Database.Database,
  ) {}

  /**
   * Takes the lock of `dir` (which must exist) for this process, or throws DirectoryBusyError
   * at once, naming the holder, when another process has it.
   */
  static acquire(dir: string, role: DirectoryRole): DirectoryLock {
    const file = path.join(dir, LOCK_FILE);
    // No busy timeout: a second writer must fail at once, not after waiting for the first.
    const db = new Database(file, { timeout: 0 });
    try {
      db.pragma('locking_mode = EXCLUSIVE');
      // The lock file holds nothing worth a journal.
      db.pragma('journal_mode = MEMORY');
      db.pragma('synchronous = OFF');
      // The first write takes the exclusive lock, and locking_mode keeps it until close.
      db.pragma(`user_version = ${process.pid}`);
    } catch (error) {
      db.close();
      const code = (error as { code?: string }).code;
      if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
        throw new DirectoryLockFileError(`${file} is not footfall's lock file; remove it (footfall makes it anew)`);
      }
      if (!isBusy(error)) throw error;
      const pid = lockHolderPid(file);
      const holder = pid === undefined ? 'another footfall' : `another footfall (pid ${pid})`;
      throw new DirectoryBusyError(
        `${dir} (${role.key}) is in use by ${holder}; stop that one first (the daemon: systemctl stop footfall), or give this command another ${role.flag}`,
        pid,
      );
    }
    return new DirectoryLock(dir, db);
  }

  /** Gives the directory up (the kernel does the same when the process ends). */
  release(): void {
    if (this.db.open) this.db.close();
  }
}
