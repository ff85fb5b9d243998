import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WindowReport } from '../payloads/payloads.js';
import { Store } from './store.js';

let dir: string;
let store: Store;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-outbox-'));
  store = Store.open(dir, { reserveBytes: 0 });
});
afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const report = (hour: number) => ({ id: `sensor/2026-11-22T${hour}:00:00Z`, window: { start: `2026-11-22T${hour}:00:00Z` } }) as WindowReport;
const stored = (r: WindowReport) => store.outbox.add(r.id, JSON.stringify(r), 0);
const held = (hour: number) => store.queue.hold(report(hour), JSON.stringify(report(hour)), Date.UTC(2026, 10, 22, hour), 0);
const writeHeld = () => {
  store.db.transaction(() => store.queue.writeHeld())();
  store.queue.heldWritten();
};

describe('ReportQueue', () => {
  it('gives the stored reports first, then those held in memory, in the order their windows finished', () => {
    stored(report(10));
    held(11);
    held(12);
    expect(store.queue.depth()).toBe(3);
    expect(store.queue.inMemory()).toBe(2);
    const sent: string[] = [];
    for (let entry = store.queue.oldest(); entry !== undefined; entry = store.queue.oldest()) {
      sent.push(entry.id);
      store.queue.remove(entry.seq);
    }
    expect(sent).toEqual([report(10).id, report(11).id, report(12).id]);
    expect(store.queue.inMemory()).toBe(0);
  });

  it('writes a held report that was delivered meanwhile to the history only, and one in flight is removed by its id once acknowledged', () => {
    held(11);
    held(12);
    const delivered = store.queue.oldest()!;
    store.queue.remove(delivered.seq);
    const inFlight = store.queue.oldest()!;
    writeHeld();
    expect(store.outbox.oldest()!.id).toBe(inFlight.id);
    expect(store.history.recent(5).map((r) => r.id)).toEqual([delivered.id, inFlight.id]);
    store.queue.remove(inFlight.seq);
    expect(store.queue.depth()).toBe(0);
  });
});

describe('SqliteOutbox', () => {
  it('keeps the payload a report was first stored with: every send of an id is the same bytes', () => {
    const first = JSON.stringify({ ...report(10), quality: { restarts: 0 } });
    store.outbox.add(report(10).id, first, 0);
    store.outbox.add(report(10).id, JSON.stringify({ ...report(10), quality: { restarts: 1 } }), 1);
    expect(store.outbox.depth()).toBe(1);
    expect(store.outbox.oldest()!.payload).toBe(first);
  });
});
