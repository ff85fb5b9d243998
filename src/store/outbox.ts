/**
 * The outbox: finished reports waiting for the broker's acknowledgement. It is the source of
 * truth for what still has to be sent; the MQTT client's own queue is memory only.
 */
import type { Db } from './database.js';

export interface OutboxEntry {
  /** Insertion order; the publisher sends the lowest first. */
  seq: number;
  /** The report id (`<sensor>/<window start>`). */
  id: string;
  /** The report as JSON, exactly as it is published. */
  payload: string;
}

export interface Outbox {
  /** The oldest entry, or undefined when nothing waits. */
  oldest(): OutboxEntry | undefined;
  /** Removes an entry once the broker has acknowledged it. */
  remove(seq: number): void;
  depth(): number;
}

export class SqliteOutbox implements Outbox {
  private readonly insertStmt;
  private readonly oldestStmt;
  private readonly removeStmt;
  private readonly depthStmt;

  constructor(db: Db) {
    this.insertStmt = db.prepare('INSERT OR IGNORE INTO outbox (id, payload, created_ms) VALUES (?, ?, ?)');
    this.oldestStmt = db.prepare('SELECT seq, id, payload FROM outbox ORDER BY seq LIMIT 1');
    this.removeStmt = db.prepare('DELETE FROM outbox WHERE seq = ?');
    this.depthStmt = db.prepare('SELECT count(*) AS n FROM outbox').pluck();
  }

  /** Adds a report; a report whose id is already waiting is not added twice. */
  add(id: string, payload: string, nowMs: number): void {
    this.insertStmt.run(id, payload, nowMs);
  }

  oldest(): OutboxEntry | undefined {
    return this.oldestStmt.get() as OutboxEntry | undefined;
  }

  remove(seq: number): void {
    this.removeStmt.run(seq);
  }

  depth(): number {
    return this.depthStmt.get() as number;
  }
}
