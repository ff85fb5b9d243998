/**
 * The sensor's database and its tables, opened together (a damaged database set aside on the
 * way), with the condition of its storage and the space kept back for a full disk.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { silentLogger, type Logger } from '../log/logger.js';
import type { StoreHealth } from '../payloads/payloads.js';
import { DATABASE_FILE, DamagedDatabaseError, DatabaseError, openDatabase, type Db } from './database.js';
import { ReportHistory } from './history.js';
import { ReportQueue, SqliteOutbox } from './outbox.js';
import { salvage, setAside, type DatabaseRecovery } from './recovery.js';
import { RESERVE_BYTES, SpaceReserve, StorageCondition } from './storage-condition.js';
import { WindowStore } from './window-store.js';

export interface StoreOptions {
  /** Where the store says what happens to it (a damaged file, a full disk). */
  logger?: Logger;
  /** The space kept back for a window's end on a full disk (default RESERVE_BYTES). */
  reserveBytes?: number;
}

export class Store {
  readonly outbox: SqliteOutbox;
  /** What the publisher sends: the outbox, then the reports held in memory. */
  readonly queue: ReportQueue;
  readonly history: ReportHistory;
  readonly windows: WindowStore;
  readonly condition: StorageCondition;
  /** Set when the database was found damaged at open and a new one made in its place. */
  recovery: DatabaseRecovery | undefined;

  private constructor(
    readonly db: Db,
    stateDir: string,
    logger: Logger,
    reserveBytes: number,
  ) {
    this.outbox = new SqliteOutbox(db);
    this.history = new ReportHistory(db);
    this.queue = new ReportQueue(this.outbox, this.history);
    this.condition = new StorageCondition(logger);
    const reserve = new SpaceReserve(stateDir, reserveBytes);
    this.windows = new WindowStore(db, this.queue, this.history, this.condition, reserve);
    if (!reserve.ensure()) this.condition.failed("keeping space for a window's end", reserve.lastError);
  }

  /**
   * Has SQLite copy the write-ahead log into the database file whenever it holds `pages` pages
   * (its default is 1,000). The copy happens inside the commit that crosses the mark, with two
   * fsyncs: 1,000 pages held the daemon's event loop 20-35 ms here, every few seconds under a busy
   * venue's checkpoints; 100 pages, under 15 ms.
   */
  copyLogEvery(pages: number): void {
    this.db.pragma(`wal_autocheckpoint = ${pages}`);
  }

  /**
   * Opens (creating and migrating as needed) the database in `stateDir`. A damaged one is set
   * aside, a new one made with what could be read of its outbox and history, and that is said
   * in one error line: counting goes on.
   */
  static open(stateDir: string, options: StoreOptions = {}): Store {
    const logger = options.logger ?? silentLogger;
    const reserveBytes = options.reserveBytes ?? RESERVE_BYTES;
    try {
      return new Store(openDatabase(stateDir), stateDir, logger, reserveBytes);
    } catch (error) {
      if (!(error instanceof DamagedDatabaseError)) throw error;
      return Store.replaceDamaged(stateDir, error.message, logger, reserveBytes);
    }
  }

  private static replaceDamaged(stateDir: string, problem: string, logger: Logger, reserveBytes: number): Store {
    const file = path.join(stateDir, DATABASE_FILE);
    let damagedFile: string;
    try {
      damagedFile = setAside(file, Date.now());
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      throw new DatabaseError(`${file} is damaged (${problem}) and cannot be moved aside (${code}); move it away, and footfall starts a new one`, 73);
    }
    const store = new Store(openDatabase(stateDir), stateDir, logger, reserveBytes);
    let carried = { reportsCarried: 0, reportsUnreadable: 0, historyCarried: 0 };
    try {
      const damaged = new Database(damagedFile, { readonly: true });
      try {
        carried = store.db.transaction(() => salvage(damaged, store.outbox, store.history))();
      } finally {
        damaged.close();
      }
    } catch {
      // A copy that does not even open has nothing to carry over.
    }
    store.recovery = { damagedFile, problem, ...carried };
    logger.error('the database was damaged: set aside, and a new one started with what could be read of its waiting reports (footfall doctor says what to do)', {
      problem,
      damaged_file: damagedFile,
      reports_carried: carried.reportsCarried,
      reports_unreadable: carried.reportsUnreadable,
      history_carried: carried.historyCarried,
    });
    return store;
  }

  /** The storage's condition for the health topic and `footfall status`. */
  health(): StoreHealth {
    return { ...this.condition.status(), reports_in_memory: this.queue.inMemory(), unreadable_reports: this.outbox.unreadableCount() };
  }

  sqliteVersion(): string {
    return this.db.prepare('SELECT sqlite_version()').pluck().get() as string;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
