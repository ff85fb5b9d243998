import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { EntryColumns, TokenEntry } from '../count/tally.js';
import { slotCount } from '../count/windows.js';
import { DATABASE_FILE, MIGRATIONS } from './database.js';
import { Store } from './store.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-window-store-'));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** What a checkpoint saves of an entry, `dirty` aside. */
function saved(e: TokenEntry) {
  const { ordinal, source, token, addressKind, group, firstMs, lastMs, maxRssi, signature, frames, firstSequence, lastSequence, bursts, rssiSum, rssiCount, channels } = e;
  return { ordinal, source, token, addressKind, group, firstMs, lastMs, maxRssi, signature, slots: e.slotBitmap(), frames, firstSequence, lastSequence, bursts, rssiSum, rssiCount, channels };
}

describe('the open window in the store', () => {
  it('continues a window with every entry as it was checkpointed, the estimators’ state included', () => {
    const span = { startMs: Date.UTC(2026, 0, 12, 10), endMs: Date.UTC(2026, 0, 12, 11) };
    const entry = new TokenEntry(new EntryColumns(slotCount(span)), 0, 'wifi', 'tok', 'randomized', false, span.startMs + 5, span.startMs + 9_000, -48, 'sig', Uint8Array.from([3, 0]));
    Object.assign(entry, { frames: 12, firstSequence: 4090, lastSequence: 6, bursts: 3, rssiSum: -600, rssiCount: 12, channels: 0b100001000010 });
    const counters = { frames: { wifi: 12 }, malformed: { wifi: 0 }, listened: ['wifi' as const], dropped: 0, restarts: 0, capturedMs: 9_000, lastTimeMs: span.startMs + 9_000 };
    const store = Store.open(dir);
    store.windows.checkpoint({ span, counters, changed: [entry], keyCheck: '0123456789abcdef', replacesEntries: false }, { input: 'test', description: 'footfall replay test.pcap', position: 12, previousEndMs: null });
    store.close();

    const reopened = Store.open(dir);
    const restored = reopened.windows.load()!;
    reopened.close();
    expect(restored.span).toEqual(span);
    expect(restored.keyCheck).toBe('0123456789abcdef');
    expect(restored.entries).toHaveLength(1);
    expect(saved(restored.entries[0]!)).toEqual(saved(entry));
  });
});

describe('upgrading a database whose window is open', () => {
  it('keeps the entries of the table keyed by token, in the order the window first saw them, and goes on numbering after them', () => {
    fs.mkdirSync(dir, { recursive: true });
    const span = { startMs: Date.UTC(2026, 0, 12, 10), endMs: Date.UTC(2026, 0, 12, 11) };
    const before = MIGRATIONS.length - 1;
    const old = new Database(path.join(dir, DATABASE_FILE));
    for (const migration of MIGRATIONS.slice(0, before)) old.exec(migration);
    old.pragma(`user_version = ${before}`);
    old.prepare('INSERT INTO open_window (id, start_ms, end_ms, counters, key_check) VALUES (1, ?, ?, ?, ?)').run(span.startMs, span.endMs, JSON.stringify({ frames: { wifi: 5 }, malformed: {}, dropped: 0, restarts: 0, capturedMs: 1, lastTimeMs: span.startMs + 1 }), 'check');
    const insert = old.prepare("INSERT INTO open_tokens (source, token, kind, grp, first_ms, last_ms, slots, frames) VALUES ('wifi', ?, 'randomized', 0, ?, ?, x'01', ?)");
    insert.run('later', span.startMs + 700, span.startMs + 900, 2);
    insert.run('earlier', span.startMs + 100, span.startMs + 800, 3);
    old.close();

    const store = Store.open(dir);
    const saved = store.windows.load()!;
    expect(saved.entries.map((e) => [e.token, e.ordinal, e.frames])).toEqual([
      ['earlier', 0, 3],
      ['later', 1, 2],
    ]);
    const newcomer = new TokenEntry(new EntryColumns(slotCount(span)), 2, 'ble', 'newcomer', 'resolvable', false, span.startMs + 950, span.startMs + 950, -70, null, Uint8Array.from([1]));
    store.windows.checkpoint({ span, counters: saved.counters, changed: [newcomer, saved.entries[1]!], keyCheck: 'check', replacesEntries: false }, { input: 'test', description: 'test', position: 6, previousEndMs: null });
    expect(store.windows.load()!.entries.map((e) => e.token)).toEqual(['earlier', 'later', 'newcomer']);
    store.close();
  });
});

describe("the write-ahead log's copies into the database", () => {
  /** The largest the log grew over 120 checkpoints of 250 new entries each. */
  function largestLog(copyLogEvery: number | undefined): number {
    const span = { startMs: Date.UTC(2026, 0, 12, 10), endMs: Date.UTC(2026, 0, 12, 11) };
    const columns = new EntryColumns(slotCount(span));
    const counters = { frames: { wifi: 1 }, malformed: { wifi: 0 }, listened: ['wifi' as const], dropped: 0, restarts: 0, capturedMs: 1_000, lastTimeMs: span.startMs + 1_000 };
    const store = Store.open(dir);
    if (copyLogEvery !== undefined) store.copyLogEvery(copyLogEvery);
    let largest = 0;
    for (let round = 0; round < 120; round++) {
      const changed = Array.from({ length: 250 }, (_, i) => {
        const ordinal = round * 250 + i;
        return new TokenEntry(columns, ordinal, 'wifi', `token-${ordinal.toString(16).padStart(12, '0')}`, 'randomized', false, span.startMs, span.startMs + 1_000, -60, 'signature', Uint8Array.from([1, 0]));
      });
      store.windows.checkpoint({ span, counters, changed, keyCheck: '0123456789abcdef', replacesEntries: false }, { input: 'test', description: 'footfall run', position: 0, previousEndMs: null });
      largest = Math.max(largest, fs.statSync(path.join(dir, `${DATABASE_FILE}-wal`)).size);
    }
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
    return largest;
  }

  it('copies the log every 100 pages when asked (the daemon), so that no commit copies a thousand', () => {
    const pageBytes = 4096;
    // A commit's pages go in before the copy that follows it: 100 pages and one checkpoint's.
    expect(largestLog(100)).toBeLessThan(200 * pageBytes);
    expect(largestLog(undefined)).toBeGreaterThan(800 * pageBytes);
  });
});
