/**
 * The outbox: finished reports waiting for the broker's acknowledgement. It is the source of
 * truth for what still has to be sent; the MQTT client's own queue is memory only.
 *
 * A row that cannot be read (a damaged page, found while running; at open, recovery.ts sets the
 * whole file aside) is passed over for the rest of the run, so that it never holds back the
 * reports behind it. A report the broker took but whose row cannot be deleted is not sent again
 * in this run: its deletion is tried again before each look at the outbox.
 */
import type { Db } from './database.js';
import { isDamage } from './database.js';
import { parseStoredReport } from './recovery.js';

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
  private readonly inOrderStmt;
  private readonly bySeqStmt;
  private readonly seqsStmt;
  private readonly removeStmt;
  private readonly depthStmt;
  /** Rows that cannot be read: passed over for the rest of the run. */
  private readonly unreadable = new Set<number>();
  /** Rows the broker acknowledged that could not be deleted yet. */
  private readonly delivered = new Set<number>();

  constructor(db: Db) {
    this.insertStmt = db.prepare('INSERT OR IGNORE INTO outbox (id, payload, created_ms) VALUES (?, ?, ?)');
    this.inOrderStmt = db.prepare('SELECT seq, id, payload FROM outbox ORDER BY seq');
    this.bySeqStmt = db.prepare('SELECT seq, id, payload FROM outbox WHERE seq = ?');
    // Through the index of ids, which holds every seq and none of the payloads' pages.
    this.seqsStmt = db.prepare('SELECT seq FROM outbox INDEXED BY sqlite_autoindex_outbox_1').pluck();
    this.removeStmt = db.prepare('DELETE FROM outbox WHERE seq = ?');
    this.depthStmt = db.prepare('SELECT count(*) AS n FROM outbox').pluck();
  }

  /** Adds a report; a report whose id is already waiting keeps the payload it has. */
  add(id: string, payload: string, nowMs: number): void {
    this.insertStmt.run(id, payload, nowMs);
  }

  oldest(): OutboxEntry | undefined {
    this.retryDeletions();
    try {
      for (const row of this.inOrderStmt.iterate() as IterableIterator<OutboxEntry>) {
        if (this.passedOver(row.seq)) continue;
        if (parseStoredReport(row.id, row.payload) !== undefined) return row;
        this.unreadable.add(row.seq);
      }
      return undefined;
    } catch (error) {
      if (!isDamage(error)) throw error;
      return this.oldestReadable();
    }
  }

  /** The oldest entry found one row at a time, past the damaged pages that stop a scan. */
  private oldestReadable(): OutboxEntry | undefined {
    const seqs = (this.seqsStmt.all() as number[]).sort((a, b) => a - b);
    for (const seq of seqs) {
      if (this.passedOver(seq)) continue;
      try {
        const row = this.bySeqStmt.get(seq) as OutboxEntry | undefined;
        if (row !== undefined && parseStoredReport(row.id, row.payload) !== undefined) return row;
      } catch (error) {
        if (!isDamage(error)) throw error;
      }
      this.unreadable.add(seq);
    }
    return undefined;
  }

  private passedOver(seq: number): boolean {
    return this.unreadable.has(seq) || this.delivered.has(seq);
  }

  /**
   * Removes an entry the broker acknowledged. When its row cannot be deleted now (a full disk, a
   * damaged page) it is not sent again in this run, the deletion is tried again later, and the
   * error is thrown for the caller to say.
   */
  remove(seq: number): void {
    try {
      this.removeStmt.run(seq);
    } catch (error) {
      this.delivered.add(seq);
      throw error;
    }
  }

  private retryDeletions(): void {
    for (const seq of this.delivered) {
      try {
        this.removeStmt.run(seq);
        this.delivered.delete(seq);
      } catch {
        return;
      }
    }
  }

  /** Reports waiting to be sent: the rows that can be read and were not acknowledged. */
  depth(): number {
    let rows: number;
    try {
      rows = this.depthStmt.get() as number;
    } catch (error) {
      if (!isDamage(error)) throw error;
      rows = (this.seqsStmt.all() as number[]).length;
    }
    return rows - this.unreadable.size - this.delivered.size;
  }

  /** Rows passed over because they cannot be read. */
  unreadableCount(): number {
    return this.unreadable.size;
  }
}
