import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../log/logger.js';
import { ClockMonitor, STEP_THRESHOLD_MS } from './clock.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function recorder() {
  const events: Array<['sync', boolean] | ['step', number]> = [];
  return { events, listener: { onSyncChange: (s: boolean) => events.push(['sync', s]), onStep: (d: number) => events.push(['step', d]) } };
}

describe('ClockMonitor', () => {
  it('asks the sync command and reports the answer, then changes', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-clock-'));
    dirs.push(dir);
    const flag = path.join(dir, 'synced');
    const clock = new ClockMonitor({ syncCommand: `test -e ${flag}`, checkSeconds: 1, logger: silentLogger });
    const { events, listener } = recorder();
    await clock.start(listener);
    expect(events).toEqual([['sync', false]]);
    fs.writeFileSync(flag, '');
    await expect.poll(() => events.length, { timeout: 5000 }).toBe(2);
    expect(events[1]).toEqual(['sync', true]);
    expect(clock.state().synced).toBe(true);
    clock.stop();
  });

  it('tells a step of the wall clock, forward and back, from drift', async () => {
    let wall = 1_000_000;
    let monotonic = 0;
    const clock = new ClockMonitor({ syncCommand: 'true', checkSeconds: 3600, logger: silentLogger, wallMs: () => wall, monotonicMs: () => monotonic });
    const { events, listener } = recorder();
    await clock.start(listener);
    wall += 1000 + STEP_THRESHOLD_MS / 2;
    monotonic += 1000;
    clock.checkStep();
    wall += 1000 + 60_000;
    monotonic += 1000;
    clock.checkStep();
    wall += 1000 - 3_600_000;
    monotonic += 1000;
    clock.checkStep();
    clock.stop();
    expect(events).toEqual([
      ['sync', true],
      ['step', 60_000],
      ['step', -3_600_000],
    ]);
    expect(clock.state().steps).toBe(2);
  });
});
