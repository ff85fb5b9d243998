import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkDatabase } from '../doctor/checks.js';
import { createLogger } from '../log/logger.js';
import { loadConfig } from '../config/load.js';
import { DATABASE_FILE, DatabaseError, quickCheck } from './database.js';
import { SqliteOutbox } from './outbox.js';
import { Store } from './store.js';
import { setAside } from './recovery.js';

let dir: string;
let file: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-recovery-'));
  file = path.join(dir, DATABASE_FILE);
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const PAGE = 4096;
const ids = (count: number) => Array.from({ length: count }, (_, i) => `sensor/2026-11-22T${String(i).padStart(2, '0')}:00:00Z`);

/**
 * A database whose outbox holds `count` reports, each big enough for a page of its own, so
 * that one damaged page takes exactly one report with it; and `count` reports in the history.
 */
function databaseWithReports(count: number): string[] {
  const store = Store.open(dir);
  for (const [i, id] of ids(count).entries()) {
    const payload = JSON.stringify({ id, marker: `report-${i}-here`, filler: 'x'.repeat(2500) });
    store.db.transaction(() => {
      store.outbox.add(id, payload, 1000 + i);
      store.history.add(JSON.parse(payload), 1000 + i, payload);
    })();
  }
  store.close();
  return ids(count);
}

/** Overwrites the page that holds the outbox row of report `index` with garbage. */
function damageOutboxRow(index: number): void {
  const db = new Database(file, { readonly: true });
  const leaves = db.prepare("SELECT pageno FROM dbstat WHERE name = 'outbox' AND pagetype = 'leaf'").pluck().all() as number[];
  db.close();
  const bytes = fs.readFileSync(file);
  // dbstat numbers pages from 1.
  const page = leaves.find((n) => bytes.subarray((n - 1) * PAGE, n * PAGE).includes(`report-${index}-here`));
  expect(page).toBeDefined();
  const fd = fs.openSync(file, 'r+');
  fs.writeSync(fd, Buffer.alloc(PAGE, 0xa5), 0, PAGE, (page! - 1) * PAGE);
  fs.closeSync(fd);
}

function capturingLogger() {
  const lines: string[] = [];
  return { lines, logger: createLogger({ level: 'debug', write: (line) => lines.push(line), journald: false }) };
}

/**
 * Every report the outbox gives, oldest first, removing each as the publisher does (which says
 * a removal that fails, and goes on).
 */
function drain(outbox: SqliteOutbox): string[] {
  const sent: string[] = [];
  for (let entry = outbox.oldest(); entry !== undefined; entry = outbox.oldest()) {
    sent.push(entry.id);
    try {
      outbox.remove(entry.seq);
    } catch {
      // Said by the publisher; the row is not sent again.
    }
  }
  return sent;
}

const config = (stateDir: string) => loadConfig({ file: '/nonexistent', fileExplicit: false, env: {}, flags: { 'paths.state_dir': stateDir } });

describe('a damaged database at open', () => {
  it('is set aside with a time stamp, its readable reports carried over in order, said in one error line; the doctor fails until it is dealt with', async () => {
    const reports = databaseWithReports(6);
    damageOutboxRow(2);
    expect((await checkDatabase(config(dir))).status).toBe('fail');

    const { lines, logger } = capturingLogger();
    const store = Store.open(dir, { logger });
    const recovery = store.recovery!;
    expect(path.dirname(recovery.damagedFile)).toBe(dir);
    expect(path.basename(recovery.damagedFile)).toMatch(/^footfall\.db\.damaged-\d{8}T\d{6}Z$/);
    expect(fs.existsSync(recovery.damagedFile)).toBe(true);
    expect(recovery).toMatchObject({ reportsCarried: 5, reportsUnreadable: 1, historyCarried: 6 });
    expect(recovery.problem).not.toBe('');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/ error the database was damaged: set aside, and a new one started .* reports_carried=5 reports_unreadable=1 history_carried=6\n$/);
    expect(lines[0]).toContain(`damaged_file=${recovery.damagedFile}`);

    expect(quickCheck(store.db)).toEqual([]);
    expect(drain(store.outbox)).toEqual(reports.filter((_, i) => i !== 2));
    expect(store.history.recent(10).map((r) => r.id)).toEqual(reports);
    store.close();

    const doctor = await checkDatabase(config(dir));
    expect(doctor).toMatchObject({ check: 'database', status: 'fail' });
    expect(doctor.message).toBe(`footfall found its database damaged and set it aside as ${recovery.damagedFile}; what could be read of its waiting reports went on in a new one`);
    expect(doctor.fix).toBe(`check the storage (dmesg; an SD card that damages files is failing: replace it), then remove the damaged copies: rm ${file}.damaged-*`);
    fs.rmSync(recovery.damagedFile);
    expect(await checkDatabase(config(dir))).toEqual({ check: 'database', status: 'pass', message: `${file} is intact (quick_check)` });
  });

  it('takes a truncated file, and a file that is not a database at all, the same way', () => {
    databaseWithReports(4);
    fs.truncateSync(file, 3 * PAGE);
    const truncated = Store.open(dir);
    expect(truncated.recovery).toBeDefined();
    expect(quickCheck(truncated.db)).toEqual([]);
    truncated.close();

    fs.writeFileSync(file, Buffer.alloc(8 * PAGE, 0x5a));
    const garbage = Store.open(dir);
    expect(garbage.recovery).toMatchObject({ problem: 'file is not a database', reportsCarried: 0 });
    expect(garbage.outbox.depth()).toBe(0);
    garbage.close();
    expect(fs.readdirSync(dir).filter((name) => name.includes('.damaged-') && !/-(wal|shm)$/.test(name))).toHaveLength(2);
  });

  it('keeps every damaged copy, also two set aside in the same second', () => {
    const nowMs = Date.UTC(2026, 10, 22, 10);
    const names = ['first', 'second', 'third'].map((content) => {
      fs.writeFileSync(file, content);
      fs.writeFileSync(`${file}-wal`, `${content} wal`);
      return setAside(file, nowMs);
    });
    expect(names.map((name) => path.basename(name))).toEqual(['footfall.db.damaged-20261122T100000Z', 'footfall.db.damaged-20261122T100000Z-2', 'footfall.db.damaged-20261122T100000Z-3']);
    expect(names.map((name) => fs.readFileSync(name, 'utf8'))).toEqual(['first', 'second', 'third']);
    expect(names.map((name) => fs.readFileSync(`${name}-wal`, 'utf8'))).toEqual(['first wal', 'second wal', 'third wal']);
  });

  it('a directory where the database should be: named, with what to do (exit 73)', async () => {
    fs.mkdirSync(file);
    let error: unknown;
    try {
      Store.open(dir);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DatabaseError);
    expect(error).toMatchObject({ exitCode: 73, message: `${file} is a directory, where footfall keeps its database; move it away` });
    expect(await checkDatabase(config(dir))).toMatchObject({ status: 'fail', message: `${file} is a directory, where footfall keeps its database` });
  });
});

describe('the outbox with a row that cannot be read', () => {
  it('passes over it and sends every other report, oldest first', () => {
    const reports = databaseWithReports(6);
    damageOutboxRow(0);
    damageOutboxRow(3);
    // Opened as a running daemon has it: the damage came after the check at open.
    const db = new Database(file);
    const outbox = new SqliteOutbox(db);
    expect(drain(outbox)).toEqual(reports.filter((_, i) => i !== 0 && i !== 3));
    expect(outbox.depth()).toBe(0);
    expect(outbox.unreadableCount()).toBe(2);
    db.close();
  });

  it('does not send again, in this run, a report the broker took whose row cannot be deleted', () => {
    databaseWithReports(2);
    const db = new Database(file);
    const outbox = new SqliteOutbox(db);
    const first = outbox.oldest()!;
    db.pragma('query_only = ON');
    expect(() => outbox.remove(first.seq)).toThrow();
    expect(outbox.oldest()!.id).not.toBe(first.id);
    expect(outbox.depth()).toBe(1);
    db.pragma('query_only = OFF');
    outbox.oldest();
    expect(db.prepare('SELECT count(*) FROM outbox').pluck().get()).toBe(1);
    db.close();
  });
});
