/**
 * A damaged database, as found at open: the file is moved aside under a time-stamped name (with
 * its WAL, so that it can still be examined), and what can be read of its outbox and history is
 * carried over into a fresh database, so that counting goes on and no report that can be read
 * is lost.
 *
 * A damaged page hides the rows on it from a scan of the table and stops the scan there, so
 * rows are looked for through the table and through each of its indexes, as far as each reads,
 * and then read one by one: one bad page costs the rows on it, not those after it.
 */
import fs from 'node:fs';
import type { WindowReport } from '../payloads/payloads.js';
import type { Db } from './database.js';
import type { ReportHistory } from './history.js';
import type { SqliteOutbox } from './outbox.js';

/** What became of a damaged database. */
export interface DatabaseRecovery {
  /** Where the damaged file was moved. */
  damagedFile: string;
  /** What SQLite found wrong with it (the first of quick_check's findings, or its error). */
  problem: string;
  /** Reports waiting for the broker that were carried over into the new database. */
  reportsCarried: number;
  /** Rows of its outbox that were found but could not be read. */
  reportsUnreadable: number;
  /** Reports of the local history carried over. */
  historyCarried: number;
}

/** The suffix of a damaged database's name, followed by the time it was set aside. */
export const DAMAGED_SUFFIX = '.damaged-';

/** `20261122T100000Z`: a time stamp that sorts and fits in a file name. */
function compactStamp(timeMs: number): string {
  return new Date(timeMs).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Moves `file` aside as `<file>.damaged-<time>` (with `-2`, `-3`... after it when that is taken),
 * its WAL beside it under the same name, so the copy opens with it; its shared-memory index,
 * which SQLite rebuilds, is removed. Returns the new name.
 */
export function setAside(file: string, nowMs: number): string {
  const stamped = `${file}${DAMAGED_SUFFIX}${compactStamp(nowMs)}`;
  // A second damaged file in the same second must not replace the first.
  let damaged = stamped;
  for (let copy = 2; fs.existsSync(damaged); copy++) damaged = `${stamped}-${copy}`;
  fs.renameSync(file, damaged);
  if (fs.existsSync(`${file}-wal`)) fs.renameSync(`${file}-wal`, `${damaged}-wal`);
  fs.rmSync(`${file}-shm`, { force: true });
  return damaged;
}

/** Every rowid of `table` that the table or one of its indexes still leads to, in order. */
function findRowids(db: Db, table: string): number[] {
  const found = new Set<number>();
  const indexes = readAsFarAsPossible(() => db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?").pluck().iterate(table)) as string[];
  const scans = [`SELECT rowid FROM ${table}`, ...indexes.map((index) => `SELECT rowid FROM ${table} INDEXED BY "${index}"`)];
  for (const sql of scans) {
    for (const rowid of readAsFarAsPossible(() => db.prepare(sql).pluck().iterate()) as number[]) found.add(rowid);
  }
  return [...found].sort((a, b) => a - b);
}

/** The rows an iteration yields before it meets an error (a damaged page), or none if it cannot start. */
function readAsFarAsPossible(iterate: () => Iterable<unknown>): unknown[] {
  const rows: unknown[] = [];
  try {
    for (const row of iterate()) rows.push(row);
  } catch {
    // What was read before the damage is all there is.
  }
  return rows;
}

/** The rows of `table` that can be read, one by one by rowid, in rowid order; and how many could not. */
function readableRows<T>(db: Db, table: string, columns: string, valid: (row: T) => boolean): { rows: T[]; unreadable: number } {
  const rows: T[] = [];
  let unreadable = 0;
  let byRowid;
  try {
    byRowid = db.prepare(`SELECT ${columns} FROM ${table} WHERE rowid = ?`);
  } catch {
    return { rows, unreadable: 0 };
  }
  for (const rowid of findRowids(db, table)) {
    try {
      const row = byRowid.get(rowid) as T | undefined;
      if (row !== undefined && valid(row)) rows.push(row);
      else unreadable++;
    } catch {
      unreadable++;
    }
  }
  return { rows, unreadable };
}

/**
 * A report as stored: JSON whose id is the row's. A damaged page can also hold bytes that SQLite
 * reads without complaint; those must not reach the broker.
 */
export function parseStoredReport(id: string, payload: string): WindowReport | undefined {
  try {
    const report = JSON.parse(payload) as WindowReport;
    return report !== null && typeof report === 'object' && report.id === id ? report : undefined;
  } catch {
    return undefined;
  }
}

interface OutboxRow {
  id: string;
  payload: string;
  created_ms: number;
}

interface HistoryRow {
  id: string;
  window_start_ms: number;
  payload: string;
}

/**
 * Carries what can be read of the damaged database's outbox (oldest first, keeping their order)
 * and history into the fresh one's.
 */
export function salvage(damaged: Db, outbox: SqliteOutbox, history: ReportHistory): Omit<DatabaseRecovery, 'damagedFile' | 'problem'> {
  const waiting = readableRows<OutboxRow>(damaged, 'outbox', 'id, payload, created_ms', (r) => parseStoredReport(r.id, r.payload) !== undefined);
  const kept = readableRows<HistoryRow>(damaged, 'history', 'id, window_start_ms, payload', (r) => parseStoredReport(r.id, r.payload) !== undefined);
  for (const row of waiting.rows) outbox.add(row.id, row.payload, row.created_ms);
  for (const row of kept.rows) history.add(parseStoredReport(row.id, row.payload)!, row.window_start_ms, row.payload);
  return { reportsCarried: waiting.rows.length, reportsUnreadable: waiting.unreadable, historyCarried: kept.rows.length };
}
