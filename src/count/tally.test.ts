import { describe, expect, it } from 'vitest';
import type { Observation } from '../privacy/observation.js';
import { EntryColumns, TokenEntry, WindowTally, channelBit } from './tally.js';
import { slotCount } from './windows.js';

const START = Date.UTC(2026, 0, 12, 10);

function frame(timeMs: number, sequence: number, rssi: number, channel: number, token = 'tok'): Observation {
  return { source: 'wifi', timeMs: START + timeMs, token, tokenId: -1, addressKind: 'randomized', group: false, rssi, channel, sequence, signature: 'sig' };
}

/** Everything an entry holds, its slots as the list of those it was seen in. */
function contents(e: TokenEntry) {
  const { ordinal, source, token, addressKind, group, firstMs, lastMs, maxRssi, signature, frames, firstSequence, lastSequence, bursts, rssiSum, rssiCount, channels } = e;
  const slots = Array.from({ length: 8 * e.slotBitmap().length }, (_, slot) => slot).filter((slot) => e.inSlot(slot));
  return { ordinal, source, token, addressKind, group, firstMs, lastMs, maxRssi, signature, slots, frames, firstSequence, lastSequence, bursts, rssiSum, rssiCount, channels };
}

describe('a token entry', () => {
  it('keeps what the estimators need: sequence numbers, bursts, RSSI and channels', () => {
    const tally = new WindowTally({ startMs: START, endMs: START + 3_600_000 }, ['wifi']);
    tally.add(frame(0, 100, -60, 2412));
    tally.add(frame(20, 101, -50, 2437));
    tally.add(frame(2_000, 102, Number.NaN, 2462));
    tally.add(frame(2_500, 103, -70, 5180));
    const entry = tally.sources.get('wifi')!.entries.get('tok')!;
    expect(entry).toMatchObject({ frames: 4, firstSequence: 100, lastSequence: 103, bursts: 2, maxRssi: -50, rssiCount: 3 });
    expect(entry.meanRssi()).toBe(-60);
    expect(entry.channels).toBe((1 << 1) | (1 << 6) | (1 << 11) | (1 << 15));
  });

  it('maps BLE advertising channels to their own bits, and unknown channels to none', () => {
    expect([37, 38, 39].map((c) => channelBit('ble', c))).toEqual([1 << 16, 1 << 17, 1 << 18]);
    expect(channelBit('ble', 0)).toBe(0);
    expect(channelBit('wifi', 0)).toBe(0);
    expect(channelBit('wifi', 2484)).toBe(1 << 14);
  });

  it('numbers the entries in the order the window first saw them, and a continued window goes on after the last', () => {
    const span = { startMs: START, endMs: START + 3_600_000 };
    const tally = new WindowTally(span, ['wifi']);
    for (const [timeMs, token] of [[0, 'a'], [10, 'b'], [20, 'a'], [30, 'c']] as const) tally.add(frame(timeMs, 0, -60, 2412, token));
    const entries = tally.sources.get('wifi')!.entries;
    expect([...entries.values()].map((e) => [e.token, e.ordinal])).toEqual([['a', 0], ['b', 1], ['c', 2]]);

    const continued = new WindowTally(span, ['wifi']);
    continued.restore(tally.counters(), entries.values());
    continued.add(frame(40, 0, -60, 2412, 'd'));
    expect(continued.sources.get('wifi')!.entries.get('d')!.ordinal).toBe(3);
  });
});

describe("the entries' columns", () => {
  const day = { startMs: START, endMs: START + 86_400_000 };

  it('keep every entry exactly as more entries than they first had room for arrive', () => {
    const tally = new WindowTally(day, ['wifi']);
    const expected = [];
    for (let i = 0; i < 1_000; i++) {
      const token = `t${i}`;
      // Fractional times, a fractional RSSI sum, an entry with no RSSI, and slots far apart.
      tally.add(frame(i * 86.25 + 0.125, i, i === 7 ? Number.NaN : -40.5 - (i % 50), 2412, token));
      tally.add(frame(86_000_000 - i * 1000.5, i + 1, i === 7 ? Number.NaN : -90, 2437, token));
      const rssi = i === 7 ? Number.NEGATIVE_INFINITY : -40.5 - (i % 50);
      expected.push({
        ordinal: i,
        firstMs: START + i * 86.25 + 0.125,
        lastMs: START + 86_000_000 - i * 1000.5,
        maxRssi: rssi,
        rssiSum: i === 7 ? 0 : rssi - 90,
        slots: [Math.floor((i * 86.25 + 0.125) / 300_000), Math.floor((86_000_000 - i * 1000.5) / 300_000)],
      });
    }
    const entries = [...tally.sources.get('wifi')!.entries.values()];
    expect(entries.map(contents)).toMatchObject(expected);
    expect(entries[7]!.meanRssi()).toBe(Number.NEGATIVE_INFINITY);
  });

  it('take restored entries whose ordinals skip some, beyond the first room, and number new entries after them', () => {
    const saved = new EntryColumns(slotCount(day));
    const restored = [3, 700, 2_000].map((ordinal) => {
      const entry = new TokenEntry(saved, ordinal, 'wifi', `r${ordinal}`, 'global', ordinal === 700, START + ordinal + 0.5, START + 2 * ordinal, ordinal === 3 ? Number.NEGATIVE_INFINITY : -ordinal / 64, 'sig', Uint8Array.from({ length: 36 }, (_, i) => (i * 37 + ordinal) & 255));
      Object.assign(entry, { frames: ordinal, firstSequence: 1, lastSequence: 4095, bursts: 2, rssiSum: -ordinal / 3, rssiCount: 5, channels: 0b110 });
      return entry;
    });
    const before = restored.map(contents);
    const bitmaps = restored.map((e) => e.slotBitmap());

    const tally = new WindowTally(day, ['wifi']);
    tally.restore({ frames: { wifi: 3 }, malformed: {}, dropped: 0, restarts: 0, capturedMs: 0, lastTimeMs: START }, restored);
    for (let i = 0; i < 300; i++) tally.add(frame(i, 0, -60, 2412, `new${i}`));

    const entries = tally.sources.get('wifi')!.entries;
    expect(restored.map((e) => entries.get(e.token))).toEqual(restored);
    expect(restored.map(contents)).toEqual(before);
    expect(restored.map((e) => e.slotBitmap())).toEqual(bitmaps);
    expect(entries.get('new0')!.ordinal).toBe(2_001);
    expect(contents(entries.get('new299')!)).toMatchObject({ ordinal: 2_300, firstMs: START + 299, maxRssi: -60, slots: [0] });
  });

  it("hand a device's bitmap a copy of the entry's, and OR into it without touching the entry's", () => {
    const columns = new EntryColumns(12);
    const first = new TokenEntry(columns, 0, 'ble', 'a', 'public', false, 0, 0, -50, null, Uint8Array.from([0b101, 0b1000]));
    const second = new TokenEntry(columns, 1, 'ble', 'b', 'public', false, 0, 0, -50, null, Uint8Array.from([0b10, 0]));
    const device = first.slotBitmap();
    device[0] = 0xff;
    expect(first.slotBitmap()).toEqual(Uint8Array.from([0b101, 0b1000]));
    const merged = first.slotBitmap();
    second.orSlotsInto(merged);
    expect(merged).toEqual(Uint8Array.from([0b111, 0b1000]));
    expect(second.slotBitmap()).toEqual(Uint8Array.from([0b10, 0]));
    expect([first.inSlot(2), first.inSlot(11), first.inSlot(12), first.inSlot(16), first.inSlot(-1)]).toEqual([true, true, false, false, false]);
  });
});
