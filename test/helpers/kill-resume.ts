/**
 * A replay killed with -9 and started again must lose, repeat and change nothing: its reports are
 * an uninterrupted run's, byte for byte.
 */
import path from 'node:path';
import { expect } from 'vitest';
import type { WindowReport } from '../../src/publish/payloads.js';
import { jsonLines, runCli, startCli } from './cli.js';

/**
 * Replays `file` (at least three windows long) at 600× (an hour in 6 s) with a checkpoint every
 * second, in state and runtime directories under `dir`, and kills it with -9 in the middle of its
 * second window, after it was checkpointed a few times. Returns the report it printed (the first
 * window's) and the directories' flags, for the run that continues it.
 */
export async function killReplayInSecondWindow(file: string, dir: string): Promise<{ before: WindowReport[]; dirs: string[] }> {
  const dirs = ['--state-dir', path.join(dir, 'state'), '--runtime-dir', path.join(dir, 'run')];
  const first = startCli(['replay', file, ...dirs, '--speed', '600', '--log-level', 'warn'], { FOOTFALL_STORE_CHECKPOINT_SECONDS: '1' });
  await first.waitForLines(1);
  await new Promise((resolve) => setTimeout(resolve, 2500));
  first.child.kill('SIGKILL');
  const killed = await first.done;
  expect(killed.signal).toBe('SIGKILL');
  const before = jsonLines<WindowReport>(killed.stdout);
  expect(before.length).toBe(1);
  return { before, dirs };
}

/**
 * A replay killed in its second window (killReplayInSecondWindow) and replayed again with the
 * same directories: the two runs' reports must be an uninterrupted run's, quality included.
 * `whileKilled` runs in between, given the directories' flags.
 */
export async function expectKilledReplayToResume(file: string, dir: string, whileKilled?: (dirs: string[]) => Promise<void>): Promise<void> {
  const reference = jsonLines<WindowReport>((await runCli(['replay', file, '--log-level', 'warn'])).stdout);
  expect(reference.length).toBeGreaterThan(2);
  const { before, dirs } = await killReplayInSecondWindow(file, dir);
  await whileKilled?.(dirs);

  const second = await runCli(['replay', file, ...dirs, '--log-level', 'info']);
  expect(second.code).toBe(0);
  expect(second.stderr).toContain('continuing the input where the previous run stopped');
  const after = jsonLines<WindowReport>(second.stdout);
  expect([...before, ...after]).toEqual(reference);
}
