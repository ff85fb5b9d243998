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
import type { WindowReport } from '../payloads/payloads.js';
import type { ReportHistory } from './history.js';
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
  private readonly removeByIdStmt;
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
    this.removeByIdStmt = db.prepare('DELETE FROM outbox WHERE id = ?');
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

  /** Removes the entry of report `id` (acknowledged while it was held in memory, and written since). */
  removeById(id: string): void {
    this.removeByIdStmt.run(id);
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

/** A finished report the database could not take yet. */
interface HeldReport {
  entry: OutboxEntry;
  windowStartMs: number;
  createdMs: number;
  /** The broker acknowledged it while it was held: only its history row is left to write. */
  delivered: boolean;
}

/**
 * The outbox as the publisher sees it: the database's entries, then the reports the database
 * could not take yet (a full disk), kept in memory in the order their windows finished, with
 * negative seqs, until they are written behind the others.
 */
export class ReportQueue implements Outbox {
  private held: HeldReport[] = [];
  /** Held reports written to the database while possibly in flight: their seq to their id. */
  private readonly written = new Map<number, string>();
  private nextHeldSeq = -1;

  constructor(
    readonly stored: SqliteOutbox,
    private readonly history: ReportHistory,
  ) {}

  /** Whether reports wait in memory to be written. */
  get holding(): boolean {
    return this.held.length > 0;
  }

  /** Keeps a finished report in memory, to be published and written as soon as each can be. */
  hold(report: WindowReport, payload: string, windowStartMs: number, nowMs: number): void {
    this.held.push({ entry: { seq: this.nextHeldSeq--, id: report.id, payload }, windowStartMs, createdMs: nowMs, delivered: false });
  }

  /**
   * Writes the held reports (outbox and history, or the history alone for those delivered), in
   * the caller's transaction; `heldWritten()` once it committed.
   */
  writeHeld(): void {
    for (const held of this.held) {
      const { id, payload } = held.entry;
      if (!held.delivered) this.stored.add(id, payload, held.createdMs);
      this.history.add(parseStoredReport(id, payload)!, held.windowStartMs, payload);
    }
  }

  /** The transaction that wrote the held reports committed. */
  heldWritten(): void {
    for (const held of this.held) if (!held.delivered) this.written.set(held.entry.seq, held.entry.id);
    this.held = [];
  }

  oldest(): OutboxEntry | undefined {
    return this.stored.oldest() ?? this.held.find((held) => !held.delivered)?.entry;
  }

  remove(seq: number): void {
    if (seq >= 0) return this.stored.remove(seq);
    const held = this.held.find((h) => h.entry.seq === seq);
    if (held !== undefined) {
      held.delivered = true;
      return;
    }
    const id = this.written.get(seq);
    if (id === undefined) return;
    this.written.delete(seq);
    this.stored.removeById(id);
  }

  depth(): number {
    return this.stored.depth() + this.inMemory();
  }

  /** Reports that exist only in memory and were not delivered: lost if the process ends now. */
  inMemory(): number {
    return this.held.filter((held) => !held.delivered).length;
  }
}
