/** The local history of finished reports (counts only), kept for `history_days`. */
import type { WindowReport } from '../payloads/payloads.js';
import type { Db } from './database.js';

export class ReportHistory {
  private readonly insertStmt;
  private readonly recentStmt;
  private readonly pruneStmt;

  constructor(db: Db) {
    this.insertStmt = db.prepare('INSERT OR REPLACE INTO history (id, window_start_ms, payload) VALUES (?, ?, ?)');
    this.recentStmt = db.prepare('SELECT payload FROM history ORDER BY window_start_ms DESC LIMIT ?').pluck();
    this.pruneStmt = db.prepare('DELETE FROM history WHERE window_start_ms < ?');
  }

  add(report: WindowReport, windowStartMs: number, payload: string): void {
    this.insertStmt.run(report.id, windowStartMs, payload);
  }

  /** The newest `limit` reports, oldest first. */
  recent(limit: number): WindowReport[] {
    const rows = this.recentStmt.all(limit) as string[];
    return rows.reverse().map((payload) => JSON.parse(payload) as WindowReport);
  }

  /** Deletes reports of windows that started more than `days` days before `nowMs`. */
  prune(days: number, nowMs: number): number {
    return this.pruneStmt.run(nowMs - days * 86_400_000).changes;
  }
}
