/** The sensor's database and its tables, opened together; a damaged database set aside on the way. */
import path from 'node:path';
import Database from 'better-sqlite3';
import { silentLogger, type Logger } from '../log/logger.js';
import { DATABASE_FILE, DamagedDatabaseError, DatabaseError, openDatabase, type Db } from './database.js';
import { ReportHistory } from './history.js';
import { SqliteOutbox } from './outbox.js';
import { salvage, setAside, type DatabaseRecovery } from './recovery.js';
import { WindowStore } from './window-store.js';

export class Store {
  readonly outbox: SqliteOutbox;
  readonly history: ReportHistory;
  readonly windows: WindowStore;
  /** Set when the database was found damaged at open and a new one made in its place. */
  recovery: DatabaseRecovery | undefined;

  private constructor(readonly db: Db) {
    this.outbox = new SqliteOutbox(db);
    this.history = new ReportHistory(db);
    this.windows = new WindowStore(db, this.outbox, this.history);
  }

  /**
   * Opens (creating and migrating as needed) the database in `stateDir`. A damaged one is set
   * aside, a new one made with what could be read of its outbox and history, and that is said
   * in one error line: counting goes on.
   */
  static open(stateDir: string, logger: Logger = silentLogger): Store {
    try {
      return new Store(openDatabase(stateDir));
    } catch (error) {
      if (!(error instanceof DamagedDatabaseError)) throw error;
      return Store.replaceDamaged(stateDir, error.message, logger);
    }
  }

  private static replaceDamaged(stateDir: string, problem: string, logger: Logger): Store {
    const file = path.join(stateDir, DATABASE_FILE);
    let damagedFile: string;
    try {
      damagedFile = setAside(file, Date.now());
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      throw new DatabaseError(`${file} is damaged (${problem}) and cannot be moved aside (${code}); move it away, and footfall starts a new one`, 73);
    }
    const store = new Store(openDatabase(stateDir));
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

  sqliteVersion(): string {
    return this.db.prepare('SELECT sqlite_version()').pluck().get() as string;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
