import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TokenEntry } from '../count/tally.js';
import { Store } from './store.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-window-store-'));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('the open window in the store', () => {
  it('continues a window with every entry as it was checkpointed, the estimators’ state included', () => {
    const span = { startMs: Date.UTC(2026, 0, 12, 10), endMs: Date.UTC(2026, 0, 12, 11) };
    const entry = new TokenEntry('wifi', 'tok', 'randomized', false, span.startMs + 5, span.startMs + 9_000, -48, 'sig', Uint8Array.from([3, 0]));
    Object.assign(entry, { frames: 12, firstSequence: 4090, lastSequence: 6, bursts: 3, rssiSum: -600, rssiCount: 12, channels: 0b100001000010 });
    const counters = { frames: { wifi: 12 }, malformed: { wifi: 0 }, listened: ['wifi' as const], dropped: 0, restarts: 0, capturedMs: 9_000, lastTimeMs: span.startMs + 9_000 };
    const store = Store.open(dir);
    store.windows.checkpoint({ span, counters, changed: [entry], keyCheck: '0123456789abcdef', replacesEntries: false }, { input: 'test', description: 'footfall replay test.pcap', position: 12, previousEndMs: null });
    store.close();

    const reopened = Store.open(dir);
    const saved = reopened.windows.load()!;
    reopened.close();
    expect(saved.span).toEqual(span);
    expect(saved.keyCheck).toBe('0123456789abcdef');
    expect(saved.entries).toHaveLength(1);
    const { dirty: _dirty, ...restored } = saved.entries[0]!;
    const { dirty: _original, ...original } = entry;
    expect(restored).toEqual(original);
  });
});
