/**
 * Persistence of the open window: checkpoints of its counters and token entries (so a restart
 * continues it), the input cursor (how far a replay got), and the finishing transaction that
 * turns the window into a report in the outbox and deletes every token it had.
 */
import path from 'node:path';
import type { SourceKind } from '../capture/source.js';
import type { TallyCounters } from '../count/tally.js';
import { TokenEntry } from '../count/tally.js';
import { isoSeconds, type WindowSpan } from '../count/windows.js';
import type { AddressKind } from '../privacy/observation.js';
import type { WindowReport } from '../publish/payloads.js';
import { truncateWal, type Db } from './database.js';
import type { ReportHistory } from './history.js';
import type { SqliteOutbox } from './outbox.js';

export interface InputCursor {
  /** Identifies the input (a fingerprint of the replayed files; `live` for a daemon). */
  input: string;
  /** The input as an operator runs it (`footfall replay FILE...`), for messages. */
  description: string;
  /** Frames of that input already counted. */
  position: number;
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
}

export interface SavedWindow {
  span: WindowSpan;
  counters: TallyCounters;
  entries: TokenEntry[];
}

interface TokenRow {
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

export class WindowStore {
  private readonly saveWindowStmt;
  private readonly saveTokenStmt;
  private readonly saveCursorStmt;
  private readonly clearCursorStmt;
  private readonly loadWindowStmt;
  private readonly loadTokensStmt;
  private readonly loadCursorStmt;
  private readonly deleteWindowStmt;
  private readonly deleteTokensStmt;

  constructor(
    private readonly db: Db,
    private readonly outbox: SqliteOutbox,
    private readonly history: ReportHistory,
  ) {
    this.saveWindowStmt = db.prepare(
      'INSERT OR REPLACE INTO open_window (id, start_ms, end_ms, counters) VALUES (1, ?, ?, ?)',
    );
    this.saveTokenStmt = db.prepare(
      `INSERT OR REPLACE INTO open_tokens
         (source, token, kind, grp, first_ms, last_ms, max_rssi, signature, slots, frames, first_seq, last_seq, bursts, rssi_sum, rssi_count, channels)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.saveCursorStmt = db.prepare('INSERT OR REPLACE INTO input_cursor (id, input, description, position) VALUES (1, ?, ?, ?)');
    this.clearCursorStmt = db.prepare('DELETE FROM input_cursor');
    this.loadWindowStmt = db.prepare('SELECT start_ms, end_ms, counters FROM open_window WHERE id = 1');
    this.loadTokensStmt = db.prepare('SELECT * FROM open_tokens');
    this.loadCursorStmt = db.prepare('SELECT input, description, position FROM input_cursor WHERE id = 1');
    this.deleteWindowStmt = db.prepare('DELETE FROM open_window');
    this.deleteTokensStmt = db.prepare('DELETE FROM open_tokens');
  }

  /** Saves the open window's counters and changed entries, and the cursor, in one transaction. */
  checkpoint(span: WindowSpan, counters: TallyCounters, changed: readonly TokenEntry[], cursor: InputCursor): void {
    this.db.transaction(() => {
      this.saveWindowStmt.run(span.startMs, span.endMs, JSON.stringify(counters));
      for (const e of changed) {
        const rssi = Number.isFinite(e.maxRssi) ? e.maxRssi : null;
        this.saveTokenStmt.run(
          e.source, e.token, e.addressKind, e.group ? 1 : 0, e.firstMs, e.lastMs, rssi, e.signature, e.slots,
          e.frames, e.firstSequence, e.lastSequence, e.bursts, e.rssiSum, e.rssiCount, e.channels,
        );
      }
      this.saveCursor(cursor);
    })();
  }

  private saveCursor(cursor: InputCursor): void {
    this.saveCursorStmt.run(cursor.input, cursor.description, cursor.position);
  }

  /** The window a previous run left open, if any. */
  load(): SavedWindow | undefined {
    const row = this.loadWindowStmt.get() as { start_ms: number; end_ms: number; counters: string } | undefined;
    if (row === undefined) return undefined;
    const entries = (this.loadTokensStmt.all() as TokenRow[]).map((r) => {
      const entry = new TokenEntry(r.source, r.token, r.kind, r.grp === 1, r.first_ms, r.last_ms, r.max_rssi ?? Number.NEGATIVE_INFINITY, r.signature, new Uint8Array(r.slots));
      entry.frames = r.frames;
      entry.firstSequence = r.first_seq;
      entry.lastSequence = r.last_seq;
      entry.bursts = r.bursts;
      entry.rssiSum = r.rssi_sum;
      entry.rssiCount = r.rssi_count;
      entry.channels = r.channels;
      return entry;
    });
    return { span: { startMs: row.start_ms, endMs: row.end_ms }, counters: JSON.parse(row.counters) as TallyCounters, entries };
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
    return { window, position: sameInput ? cursor.position : 0 };
  }

  /**
   * Finishes the open window in one transaction: the report goes to the outbox and the
   * history, the window's tokens are deleted, and the cursor moves (or is cleared when the
   * input is done). Then the WAL is truncated so no copy of a token survives in it.
   */
  finish(report: WindowReport, windowStartMs: number, nowMs: number, cursor: InputCursor | null): void {
    const payload = JSON.stringify(report);
    this.db.transaction(() => {
      this.outbox.add(report.id, payload, nowMs);
      this.history.add(report, windowStartMs, payload);
      this.deleteTokensStmt.run();
      this.deleteWindowStmt.run();
      if (cursor === null) this.clearCursorStmt.run();
      else this.saveCursor(cursor);
    })();
    truncateWal(this.db);
  }
}
