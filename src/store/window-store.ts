/**
 * Persistence of the open window: checkpoints of its counters and token entries (so a restart
 * continues it), the input cursor (how far a replay got), and the finishing transaction that
 * turns the window into a report in the outbox and deletes every token it had.
 *
 * When the disk is full, none of this stops the sensor: a checkpoint that cannot be written is
 * skipped (the window goes on in memory), and a window's end gives up the space reserve to be
 * written; failing that, its report is held in memory (ReportQueue) and its token rows are
 * deleted on their own, or before the next checkpoint writes any other window's.
 */
import path from 'node:path';
import type { SourceKind } from '../capture/source.js';
import type { TallyCounters } from '../count/tally.js';
import { EntryColumns, TokenEntry } from '../count/tally.js';
import { isoSeconds, slotCount, type WindowSpan } from '../count/windows.js';
import type { AddressKind } from '../privacy/observation.js';
import type { WindowReport } from '../payloads/payloads.js';
import { truncateWal, type Db } from './database.js';
import type { ReportHistory } from './history.js';
import type { ReportQueue } from './outbox.js';
import { isStorageFailure, type SpaceReserve, type StorageCondition } from './storage-condition.js';

export interface InputCursor {
  /** Identifies the input (a fingerprint of the replayed files; `live` for a daemon). */
  input: string;
  /** The input as an operator runs it (`footfall replay FILE...`), for messages. */
  description: string;
  /** Frames of that input already counted. */
  position: number;
  /** The end of the last window of that input that was finished; null before the first. */
  previousEndMs: number | null;
}

/**
 * The state directory holds another input's unfinished window (EX_TEMPFAIL): only that input
 * may finish it, or its counts would be reported under this one's name.
 */
export class UnfinishedWindowError extends Error {
  override readonly name = 'UnfinishedWindowError';
  readonly exitCode = 75;
}

/** What a new run of an input continues: its open window, if any, and the frames it counted. */
export interface Resumption {
  window: SavedWindow | undefined;
  /** Frames of the input already counted (0 for an input this directory has not seen last). */
  position: number;
  /** The end of its last finished window, or null. */
  previousEndMs: number | null;
}

export interface SavedWindow {
  span: WindowSpan;
  counters: TallyCounters;
  entries: TokenEntry[];
  /** The check value of the key the entries' tokens were made with; null in checkpoints of older versions. */
  keyCheck: string | null;
}

/** The open window as a checkpoint saves it. */
export interface WindowCheckpoint {
  span: WindowSpan;
  counters: TallyCounters;
  /** Entries changed since the last checkpoint. */
  changed: readonly TokenEntry[];
  /** The check value of the key the tokens are made with (never the key). */
  keyCheck: string;
  /** The saved entries are another key's, started afresh: delete them all before saving these. */
  replacesEntries: boolean;
}

interface TokenRow {
  ordinal: number;
  source: SourceKind;
  token: string;
  kind: AddressKind;
  grp: number;
  first_ms: number;
  last_ms: number;
  max_rssi: number | null;
  signature: string | null;
  slots: Buffer;
  frames: number;
  first_seq: number;
  last_seq: number;
  bursts: number;
  rssi_sum: number;
  rssi_count: number;
  channels: number;
}

/** What became of a finished window's report. */
export interface FinishOutcome {
  /** `outbox`: written with the window's end; `memory`: held until the database takes it. */
  storedIn: 'outbox' | 'memory';
  /** Reports of the history past `history_days`, removed. */
  pruned: number;
}

export class WindowStore {
  /** A finished window's rows could not be deleted (a full disk): they go before anything else is saved. */
  private finishedRowsLeft = false;

  private readonly saveWindowStmt;
  private readonly saveTokenStmt;
  private readonly saveCursorStmt;
  private readonly clearCursorStmt;
  private readonly loadWindowStmt;
  private readonly loadTokensStmt;
  private readonly loadCursorStmt;
  private readonly deleteWindowStmt;
  private readonly deleteTokensStmt;
  private readonly deleteSomeTokensStmt;
  private readonly countTokensStmt;

  constructor(
    private readonly db: Db,
    private readonly queue: ReportQueue,
    private readonly history: ReportHistory,
    private readonly condition: StorageCondition,
    private readonly reserve: SpaceReserve,
  ) {
    this.saveWindowStmt = db.prepare(
      'INSERT OR REPLACE INTO open_window (id, start_ms, end_ms, counters, key_check) VALUES (1, ?, ?, ?, ?)',
    );
    this.saveTokenStmt = db.prepare(
      `INSERT OR REPLACE INTO open_tokens
         (ordinal, source, token, kind, grp, first_ms, last_ms, max_rssi, signature, slots, frames, first_seq, last_seq, bursts, rssi_sum, rssi_count, channels)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.saveCursorStmt = db.prepare('INSERT OR REPLACE INTO input_cursor (id, input, description, position, previous_end_ms) VALUES (1, ?, ?, ?, ?)');
    this.clearCursorStmt = db.prepare('DELETE FROM input_cursor');
    this.loadWindowStmt = db.prepare('SELECT start_ms, end_ms, counters, key_check FROM open_window WHERE id = 1');
    this.loadTokensStmt = db.prepare('SELECT * FROM open_tokens');
    this.loadCursorStmt = db.prepare('SELECT input, description, position, previous_end_ms AS previousEndMs FROM input_cursor WHERE id = 1');
    this.deleteWindowStmt = db.prepare('DELETE FROM open_window');
    this.deleteTokensStmt = db.prepare('DELETE FROM open_tokens');
    this.deleteSomeTokensStmt = db.prepare('DELETE FROM open_tokens WHERE ordinal IN (SELECT ordinal FROM open_tokens ORDER BY ordinal LIMIT ?)');
    this.countTokensStmt = db.prepare('SELECT count(*) FROM open_tokens').pluck();
  }

  /**
   * Saves the open window's counters and changed entries, and the cursor, in one transaction
   * (after the reports held in memory, and the rows of a finished window left behind, if any).
   * Returns false when it could not: the entries are to be saved by the next checkpoint. While
   * the disk is full, nothing is tried until the space reserve is whole again.
   */
  checkpoint({ span, counters, changed, keyCheck, replacesEntries }: WindowCheckpoint, cursor: InputCursor): boolean {
    if (!this.roomToWrite()) return false;
    return this.write('saving the open window', () => {
      if (replacesEntries) this.deleteTokensStmt.run();
      this.saveWindowStmt.run(span.startMs, span.endMs, JSON.stringify(counters), keyCheck);
      for (const e of changed) {
        const rssi = Number.isFinite(e.maxRssi) ? e.maxRssi : null;
        this.saveTokenStmt.run(
          e.ordinal, e.source, e.token, e.addressKind, e.group ? 1 : 0, e.firstMs, e.lastMs, rssi, e.signature, e.slotBitmap(),
          e.frames, e.firstSequence, e.lastSequence, e.bursts, e.rssiSum, e.rssiCount, e.channels,
        );
      }
      this.saveCursor(cursor);
    });
  }

  /** Writes the reports held in memory, when there are any and the disk has room again. */
  writeHeld(): boolean {
    if (!this.queue.holding && !this.finishedRowsLeft) return true;
    if (!this.roomToWrite()) return false;
    return this.write('writing the reports held in memory', () => {});
  }

  /** False while the disk is full and has no room again: only a window's end is written then. */
  private roomToWrite(): boolean {
    return !this.condition.diskFull || this.reserve.roomAgain();
  }

  /**
   * One transaction: what is left behind first (the reports held in memory, a finished window's
   * rows, unless told not to), then `body`. A storage failure rolls it back and is said; a bug
   * is thrown. Success ends a bad condition, except a full disk's when it wrote in the reserve.
   */
  private write(what: string, body: () => void, leftBehind: { heldReports: boolean; finishedRows: boolean } = { heldReports: true, finishedRows: true }): boolean {
    const clearing = leftBehind.finishedRows && this.finishedRowsLeft;
    const held = leftBehind.heldReports && this.queue.holding;
    try {
      this.db.transaction(() => {
        if (held) this.queue.writeHeld();
        if (clearing) this.deleteOpenRows();
        body();
      })();
    } catch (error) {
      if (!isStorageFailure(error)) throw error;
      this.condition.failed(what, error);
      return false;
    }
    if (held) this.queue.heldWritten();
    if (clearing) {
      this.finishedRowsLeft = false;
      this.truncateWal();
    }
    if (!this.reserve.released) this.condition.recovered();
    return true;
  }

  private deleteOpenRows(): void {
    this.deleteTokensStmt.run();
    this.deleteWindowStmt.run();
  }

  /** Truncates the WAL; when the disk is too full for its checkpoint, the next window's end does it. */
  private truncateWal(): void {
    try {
      truncateWal(this.db);
    } catch (error) {
      if (!isStorageFailure(error)) throw error;
      this.condition.failed('truncating the WAL', error);
    }
  }

  private saveCursor(cursor: InputCursor): void {
    this.saveCursorStmt.run(cursor.input, cursor.description, cursor.position, cursor.previousEndMs);
  }

  /** The window a previous run left open, if any. */
  load(): SavedWindow | undefined {
    const row = this.loadWindowStmt.get() as { start_ms: number; end_ms: number; counters: string; key_check: string | null } | undefined;
    if (row === undefined) return undefined;
    const span = { startMs: row.start_ms, endMs: row.end_ms };
    const columns = new EntryColumns(slotCount(span));
    const entries = (this.loadTokensStmt.all() as TokenRow[]).map((r) => {
      const entry = new TokenEntry(columns, r.ordinal, r.source, r.token, r.kind, r.grp === 1, r.first_ms, r.last_ms, r.max_rssi ?? Number.NEGATIVE_INFINITY, r.signature, r.slots);
      entry.frames = r.frames;
      entry.firstSequence = r.first_seq;
      entry.lastSequence = r.last_seq;
      entry.bursts = r.bursts;
      entry.rssiSum = r.rssi_sum;
      entry.rssiCount = r.rssi_count;
      entry.channels = r.channels;
      return entry;
    });
    return { span, counters: JSON.parse(row.counters) as TallyCounters, entries, keyCheck: row.key_check };
  }

  cursor(): InputCursor | undefined {
    return this.loadCursorStmt.get() as InputCursor | undefined;
  }

  /**
   * What `input` continues here. A window left open by another input is never handed over:
   * that throws UnfinishedWindowError, saying whose it is and how to finish it. A cursor of
   * another input without an open window is only history: this input starts from its beginning.
   */
  resume(input: string): Resumption {
    this.deleteTokensOfNoWindow();
    const cursor = this.cursor();
    const sameInput = cursor?.input === input;
    const window = this.load();
    if (window !== undefined && !sameInput) {
      const owner = cursor === undefined || cursor.description === '' ? 'another input' : `\`${cursor.description}\``;
      const stateDir = path.dirname(this.db.name);
      throw new UnfinishedWindowError(
        `${stateDir} holds the unfinished window ${isoSeconds(window.span.startMs)} of ${owner}; finish it by running that again on this state directory, or give this command another one (--state-dir or paths.state_dir)`,
      );
    }
    return sameInput ? { window, position: cursor.position, previousEndMs: cursor.previousEndMs } : { window, position: 0, previousEndMs: null };
  }

  /**
   * Token rows without an open window are a finished window's whose deletion in slices was cut
   * short (the process ended): they go before anything else is done.
   */
  private deleteTokensOfNoWindow(): void {
    if (this.loadWindowStmt.get() !== undefined || this.countTokensStmt.get() === 0) return;
    this.finishedRowsLeft = true;
    this.writeHeld();
  }

  /**
   * Finishes the open window in one transaction: the report goes to the outbox and the
   * history (as `payload`, its one serialization), old reports leave the history, the window's
   * tokens are deleted, and the cursor moves (or is cleared when the input is done). Then the
   * WAL is truncated so no copy of a token survives in it.
   *
   * With `tokens` 'in slices', the transaction deletes the open window's row but leaves its
   * token rows, for deleteFinishedTokens() to delete a slice at a time: deleting 100,000 rows
   * with secure_delete takes some 100 ms. Until they are gone, anything else written deletes
   * the rest first, as does the next start after a crash.
   *
   * On a full disk the space reserve is given up for it. If even that is not enough, the report
   * is held in memory and the window's rows are deleted on their own; if that fails too, they
   * are deleted before anything else is written.
   */
  finish(
    report: WindowReport,
    payload: string,
    span: WindowSpan,
    nowMs: number,
    cursor: InputCursor | null,
    historyDays: number,
    tokens: 'at once' | 'in slices' = 'at once',
  ): FinishOutcome {
    let pruned = 0;
    const finishing = () => {
      this.queue.stored.add(report.id, payload, nowMs);
      this.history.add(report, span.startMs, payload);
      // By the window's time, not the wall clock's: a replay of old captures keeps its history.
      pruned = this.history.prune(historyDays, span.endMs);
      if (tokens === 'at once') this.deleteOpenRows();
      else this.deleteWindowStmt.run();
      this.moveCursor(cursor);
    };
    if (this.writeOrMakeRoom(finishing)) {
      if (tokens === 'at once') this.truncateWal();
      else this.finishedRowsLeft = true;
      return { storedIn: 'outbox', pruned };
    }
    this.queue.hold(report, payload, span.startMs, nowMs);
    this.finishedRowsLeft = true;
    this.write("deleting a finished window's tokens", () => this.moveCursor(cursor), { heldReports: false, finishedRows: true });
    return { storedIn: 'memory', pruned: 0 };
  }

  /**
   * Deletes up to `limit` of the token rows that finish() left to be deleted in slices, in one
   * transaction, and truncates the WAL after the last. True when no slice is left to do: the
   * rows are gone, or the database took no writes, and then they go before anything else is
   * written.
   */
  deleteFinishedTokens(limit: number): boolean {
    if (!this.finishedRowsLeft) return true;
    let deleted = 0;
    if (!this.write("deleting a finished window's tokens", () => (deleted = this.deleteSomeTokensStmt.run(limit).changes), { heldReports: false, finishedRows: false })) return true;
    if (deleted === limit) return false;
    this.finishedRowsLeft = false;
    this.truncateWal();
    return true;
  }

  private moveCursor(cursor: InputCursor | null): void {
    if (cursor === null) this.clearCursorStmt.run();
    else this.saveCursor(cursor);
  }

  /** Writes `body`; when the disk is full, gives up the space reserve and tries once more. */
  private writeOrMakeRoom(body: () => void): boolean {
    if (this.write("finishing a window", body)) return true;
    return this.condition.diskFull && this.reserve.release() && this.write('finishing a window in the space reserve', body);
  }
}
