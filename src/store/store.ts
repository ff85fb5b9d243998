/** The sensor's database and its tables, opened together. */
import { openDatabase, type Db } from './database.js';
import { ReportHistory } from './history.js';
import { SqliteOutbox } from './outbox.js';
import { WindowStore } from './window-store.js';

export class Store {
  readonly outbox: SqliteOutbox;
  readonly history: ReportHistory;
  readonly windows: WindowStore;

  private constructor(readonly db: Db) {
    this.outbox = new SqliteOutbox(db);
    this.history = new ReportHistory(db);
    this.windows = new WindowStore(db, this.outbox, this.history);
  }

  /** Opens (creating and migrating as needed) the database in `stateDir`. */
  static open(stateDir: string): Store {
    return new Store(openDatabase(stateDir));
  }

  sqliteVersion(): string {
    return this.db.prepare('SELECT sqlite_version()').pluck().get() as string;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
