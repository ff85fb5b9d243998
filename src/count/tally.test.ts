import { describe, expect, it } from 'vitest';
import type { Observation } from '../privacy/observation.js';
import { WindowTally, channelBit } from './tally.js';

const START = Date.UTC(2026, 0, 12, 10);

function frame(timeMs: number, sequence: number, rssi: number, channel: number, token = 'tok'): Observation {
  return { source: 'wifi', timeMs: START + timeMs, token, tokenId: -1, addressKind: 'randomized', group: false, rssi, channel, sequence, signature: 'sig' };
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
