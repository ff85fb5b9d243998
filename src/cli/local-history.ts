/**
 * The local history of reports as the commands read it: read-only, so that `status` and
 * `history` can look while the daemon writes (WAL lets a reader and the writer work at once)
 * and never change the database, not even its schema.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { WindowReport } from '../payloads/payloads.js';
import { DATABASE_FILE } from '../store/database.js';
import { ReportHistory } from '../store/history.js';
import { EXIT, OperatorError } from './errors.js';

/** What `read` returns from the history of `stateDir`; undefined when there is no database yet. */
export function readLocalHistory<T>(stateDir: string, read: (history: ReportHistory) => T): T | undefined {
  const file = path.join(stateDir, DATABASE_FILE);
  if (!fs.existsSync(file)) return undefined;
  try {
    fs.accessSync(file, fs.constants.R_OK);
  } catch {
    throw new OperatorError(`${file} is not readable by this user: run as root, or join the footfall group`, EXIT.noPermission);
  }
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return read(new ReportHistory(db));
  } finally {
    db.close();
  }
}

/**
 * The reports of windows that started at `fromMs` or later, oldest first. The history gives its
 * newest reports, so they are read in growing batches until one starts before `fromMs` (or none
 * is left): `expected` is a first guess of how many there are.
 */
export function reportsSince(history: ReportHistory, fromMs: number, expected: number): WindowReport[] {
  for (let limit = Math.max(1, expected); ; limit *= 2) {
    const reports = history.recent(limit);
    const first = reports[0];
    if (reports.length < limit || first === undefined || Date.parse(first.window.start) < fromMs) {
      return reports.filter((report) => Date.parse(report.window.start) >= fromMs);
    }
  }
}
