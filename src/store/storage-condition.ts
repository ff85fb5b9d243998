/**
 * Whether the database takes writes. A full disk (or a failing one) must not stop a sensor:
 * counting goes on in memory and publishing from the outbox and from memory, and the database
 * is written again as soon as it can be. This module tells such failures from bugs, keeps the
 * state that `health` and `footfall doctor` show, and says each change of it once in the log.
 *
 * A reserve file of a few megabytes is kept beside the database. When the disk is full it is
 * given up so that a window's end can still be written: its report into the outbox and the
 * deletion of its tokens (which, with secure_delete in WAL mode, writes the pages it clears).
 */
import fs from 'node:fs';
import path from 'node:path';
import { isoSeconds } from '../count/windows.js';
import type { Logger } from '../log/logger.js';
import type { StoreHealth } from '../payloads/payloads.js';

/** Errors that say the file system has no room left. */
export function isOutOfSpace(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT';
}

/**
 * Errors of the storage itself (no room, I/O errors, a damaged or read-only file), which a
 * sensor survives; anything else (a constraint, a bad statement) is a bug and is thrown on.
 */
export function isStorageFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  return isOutOfSpace(error) || /^SQLITE_(IOERR|CORRUPT|NOTADB|READONLY|CANTOPEN)/.test(code) || ['EIO', 'EROFS'].includes(code);
}

export const RESERVE_FILE = 'footfall.reserve';
/** Room for a window's end: the WAL frames of about 80,000 token rows' pages, cleared, and its report. */
export const RESERVE_BYTES = 8 * 1024 * 1024;
const RESERVE_CHUNK = Buffer.alloc(64 * 1024);

/** Disk space kept back for a window's end when the disk fills up. */
export class SpaceReserve {
  private readonly file: string;
  /** Why the reserve could not be made whole the last time. */
  lastError: unknown;
  /** The reserve was given up, and not yet made whole again. */
  released = false;

  constructor(
    private readonly stateDir: string,
    private readonly bytes = RESERVE_BYTES,
  ) {
    this.file = path.join(stateDir, RESERVE_FILE);
  }

  /**
   * After a full disk: whether there is room again, the reserve whole and as much again free
   * beside it. Until then the sensor writes only a window's end, so as not to fill the disk
   * again before it.
   */
  roomAgain(): boolean {
    const stats = fs.statfsSync(this.stateDir);
    const missing = Math.max(0, this.bytes - this.size());
    // Looked at first, so that a full disk is not written to and emptied again at every try.
    return stats.bavail * stats.bsize >= missing + this.bytes && this.ensure();
  }

  private size(): number {
    return fs.statSync(this.file, { throwIfNoEntry: false })?.size ?? 0;
  }

  /**
   * Makes the reserve whole (written, not sparse, so that its blocks are really taken). Returns
   * false, leaving no partial reserve, when there is no room for it.
   */
  ensure(): boolean {
    const size = this.size();
    if (size >= this.bytes) {
      this.released = false;
      return true;
    }
    let fd: number | undefined;
    try {
      fd = fs.openSync(this.file, 'a', 0o640);
      for (let written = size; written < this.bytes; written += RESERVE_CHUNK.length) {
        fs.writeSync(fd, RESERVE_CHUNK, 0, Math.min(RESERVE_CHUNK.length, this.bytes - written));
      }
      fs.fsyncSync(fd);
      this.released = false;
      return true;
    } catch (error) {
      if (!isStorageFailure(error)) throw error;
      this.lastError = error;
      this.release();
      return false;
    } finally {
      if (fd !== undefined) fs.closeSync(fd);
    }
  }

  /** Gives the reserve's space back to the file system; false when there was none to give. */
  release(): boolean {
    try {
      fs.unlinkSync(this.file);
      this.released = true;
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }
}

/** The database's condition, as health and doctor show it; each change said once in the log. */
export class StorageCondition {
  private health: Omit<StoreHealth, 'reports_in_memory' | 'unreadable_reports'> = { state: 'ok', error: null, since: null };

  constructor(private readonly logger: Logger) {}

  get ok(): boolean {
    return this.health.state === 'ok';
  }

  get diskFull(): boolean {
    return this.health.state === 'disk_full';
  }

  /** A write failed: said once when the condition changes, not at every attempt. */
  failed(what: string, error: unknown, nowMs = Date.now()): void {
    const state = isOutOfSpace(error) ? 'disk_full' : 'failing';
    const text = (error as Error).message;
    if (this.health.state === state && this.health.error === text) return;
    this.health = { state, error: text, since: this.health.state === 'ok' ? isoSeconds(nowMs) : this.health.since };
    this.logger.error(
      state === 'disk_full'
        ? `the disk is full: ${what} failed; counting and publishing go on from memory, and the database is written again as soon as there is room`
        : `the database cannot be written: ${what} failed; counting and publishing go on from memory, and writing is tried again`,
      { error: text },
    );
  }

  /** Writes succeed again. */
  recovered(): void {
    if (this.ok) return;
    this.logger.info('the database is written again', { since: this.health.since });
    this.health = { state: 'ok', error: null, since: null };
  }

  status(): Omit<StoreHealth, 'reports_in_memory' | 'unreadable_reports'> {
    return { ...this.health };
  }
}
