/**
 * The sensor's SQLite database: one file under the state directory, in WAL mode with
 * `secure_delete` (deleted tokens are overwritten, not left in free pages).
 *
 * Durability: commits run with `synchronous=NORMAL` (no fsync per commit, so frequent small
 * checkpoints stay cheap; a power loss may cost the last checkpoints, never the database), and
 * finishing a window ends with a WAL checkpoint, which syncs the WAL and then the database
 * file: a finished report is on disk when the finishing call returns.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export type Db = Database.Database;

export const DATABASE_FILE = 'footfall.db';

/** Schema migrations; the database's user_version says how many have been applied. */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE open_window (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     start_ms INTEGER NOT NULL,
     end_ms INTEGER NOT NULL,
     counters TEXT NOT NULL
   );
   CREATE TABLE open_tokens (
     source TEXT NOT NULL,
     token TEXT NOT NULL,
     kind TEXT NOT NULL,
     grp INTEGER NOT NULL,
     first_ms REAL NOT NULL,
     last_ms REAL NOT NULL,
     max_rssi REAL,
     signature TEXT,
     slots BLOB NOT NULL,
     PRIMARY KEY (source, token)
   ) WITHOUT ROWID;
   CREATE TABLE input_cursor (
     id INTEGER PRIMARY KEY CHECK (id = 1),
     input TEXT NOT NULL,
     position INTEGER NOT NULL
   );
   CREATE TABLE outbox (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     id TEXT NOT NULL UNIQUE,
     payload TEXT NOT NULL,
     created_ms INTEGER NOT NULL
   );
   CREATE TABLE history (
     id TEXT PRIMARY KEY,
     window_start_ms INTEGER NOT NULL,
     payload TEXT NOT NULL
   );
   CREATE INDEX history_by_start ON history (window_start_ms);`,
  // What the device estimators keep per token (see TokenEntry); rows of older checkpoints get the defaults.
  `ALTER TABLE open_tokens ADD COLUMN frames INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE open_tokens ADD COLUMN first_seq INTEGER NOT NULL DEFAULT -1;
   ALTER TABLE open_tokens ADD COLUMN last_seq INTEGER NOT NULL DEFAULT -1;
   ALTER TABLE open_tokens ADD COLUMN bursts INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE open_tokens ADD COLUMN rssi_sum REAL NOT NULL DEFAULT 0;
   ALTER TABLE open_tokens ADD COLUMN rssi_count INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE open_tokens ADD COLUMN channels INTEGER NOT NULL DEFAULT 0;`,
  // The input as an operator would run it again, to say whose window is left unfinished.
  `ALTER TABLE input_cursor ADD COLUMN description TEXT NOT NULL DEFAULT '';`,
  // The check value of the key the window's tokens were made with (never the key itself).
  `ALTER TABLE open_window ADD COLUMN key_check TEXT;`,
  // Where the input's last finished window ended, so that a restart between two windows
  // continues as an uninterrupted run would (the next one captured from its start).
  `ALTER TABLE input_cursor ADD COLUMN previous_end_ms INTEGER;`,
  // Rows keyed by the entry's ordinal in its window instead of by its token: a checkpoint
  // rewrites the entries seen lately, which are mostly the window's newest, so its pages are
  // few and at the table's end. Keyed by (random) token, they were on every page of the table.
  `CREATE TABLE open_tokens_by_ordinal (
     ordinal INTEGER PRIMARY KEY,
     source TEXT NOT NULL,
     token TEXT NOT NULL,
     kind TEXT NOT NULL,
     grp INTEGER NOT NULL,
     first_ms REAL NOT NULL,
     last_ms REAL NOT NULL,
     max_rssi REAL,
     signature TEXT,
     slots BLOB NOT NULL,
     frames INTEGER NOT NULL DEFAULT 0,
     first_seq INTEGER NOT NULL DEFAULT -1,
     last_seq INTEGER NOT NULL DEFAULT -1,
     bursts INTEGER NOT NULL DEFAULT 0,
     rssi_sum REAL NOT NULL DEFAULT 0,
     rssi_count INTEGER NOT NULL DEFAULT 0,
     channels INTEGER NOT NULL DEFAULT 0
   );
   INSERT INTO open_tokens_by_ordinal
     SELECT row_number() OVER (ORDER BY first_ms) - 1, source, token, kind, grp, first_ms, last_ms, max_rssi, signature, slots, frames, first_seq, last_seq, bursts, rssi_sum, rssi_count, channels
     FROM open_tokens;
   DROP TABLE open_tokens;
   ALTER TABLE open_tokens_by_ordinal RENAME TO open_tokens;`,
];

/** A database this footfall cannot use as it is (EX_DATAERR by default): the operator decides what to do. */
export class DatabaseError extends Error {
  override readonly name = 'DatabaseError';
  constructor(
    message: string,
    readonly exitCode = 65,
  ) {
    super(message);
  }
}

/** SQLite found the database file damaged: it is set aside and a fresh one made (see recovery.ts). */
export class DamagedDatabaseError extends Error {
  override readonly name = 'DamagedDatabaseError';
}

/** Errors by which SQLite says a file is damaged or not a database at all. */
export function isDamage(error: unknown): boolean {
  return /^SQLITE_(CORRUPT|NOTADB)/.test((error as { code?: string } | null)?.code ?? '');
}

/** Makes the state directory, readable by the daemon's group (operators running `footfall status`). */
export function makeStateDirectory(stateDir: string): void {
  fs.mkdirSync(stateDir, { recursive: true, mode: 0o750 });
}

/** What SQLite's quick_check finds wrong with the open database; empty when nothing. */
export function quickCheck(db: Db): string[] {
  const findings = db.pragma('quick_check') as Array<{ quick_check: string }>;
  return findings.map((row) => row.quick_check).filter((finding) => finding !== 'ok');
}

/**
 * Opens (creating and migrating as needed) the database in `stateDir`, after a quick_check.
 * Throws DamagedDatabaseError when it is damaged, DatabaseError when something else is in its
 * place or a newer footfall wrote it.
 */
export function openDatabase(stateDir: string): Db {
  makeStateDirectory(stateDir);
  const file = path.join(stateDir, DATABASE_FILE);
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  if (stat !== undefined && !stat.isFile()) {
    throw new DatabaseError(`${file} is ${stat.isDirectory() ? 'a directory' : 'not a regular file'}, where footfall keeps its database; move it away`, 73);
  }
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('secure_delete = ON');
    db.pragma('foreign_keys = ON');
    const findings = quickCheck(db);
    if (findings.length > 0) throw new DamagedDatabaseError(findings[0]);
    migrate(db, file);
    return db;
  } catch (error) {
    if (db.open) db.close();
    if (isDamage(error)) throw new DamagedDatabaseError((error as Error).message);
    throw error;
  }
}

function migrate(db: Db, file: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) {
    db.close();
    throw new DatabaseError(
      `${file} was written by a newer footfall (schema ${version}, this one knows ${MIGRATIONS.length}); upgrade footfall or move the file away`,
    );
  }
  for (let next = version; next < MIGRATIONS.length; next++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[next]!);
      db.pragma(`user_version = ${next + 1}`);
    })();
  }
}

/**
 * Moves the WAL into the main file (syncing both) and truncates it: what was committed is on
 * disk, and deleted rows leave no copy behind in the WAL.
 */
export function truncateWal(db: Db): void {
  db.pragma('wal_checkpoint(TRUNCATE)');
}
