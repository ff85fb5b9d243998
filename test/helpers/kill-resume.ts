/**
 * A replay killed with -9 and started again must lose, repeat and change nothing: its reports are
 * an uninterrupted run's, byte for byte.
 */
import path from 'node:path';
import { expect } from 'vitest';
import type { WindowReport } from '../../src/payloads/payloads.js';
import { COMPARABLE_TOKENS, jsonLines, runCli, startCli, type CliResult } from './cli.js';

/**
 * Replays `file` (at least three windows long) at 600× (an hour in 6 s) with a checkpoint every
 * second, in state and runtime directories under `dir`, and kills it with -9 in the middle of its
 * second window, after it was checkpointed a few times. Returns the report it printed (the first
 * window's) and the directories' flags, for the run that continues it.
 */
export async function killReplayInSecondWindow(file: string, dir: string): Promise<{ before: WindowReport[]; dirs: string[] }> {
  const dirs = ['--state-dir', path.join(dir, 'state'), '--runtime-dir', path.join(dir, 'run')];
  const first = startCli(['replay', file, ...dirs, '--speed', '600', '--log-level', 'warn'], { ...COMPARABLE_TOKENS, FOOTFALL_STORE_CHECKPOINT_SECONDS: '1' });
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
  const reference = jsonLines<WindowReport>((await runCli(['replay', file, '--log-level', 'warn'], COMPARABLE_TOKENS)).stdout);
  expect(reference.length).toBeGreaterThan(2);
  const { before, dirs } = await killReplayInSecondWindow(file, dir);
  await whileKilled?.(dirs);

  const second = await runCli(['replay', file, ...dirs, '--log-level', 'info'], COMPARABLE_TOKENS);
  expect(second.code).toBe(0);
  expect(second.stderr).toContain('continuing the input where the previous run stopped');
  const after = jsonLines<WindowReport>(second.stdout);
  expect([...before, ...after]).toEqual(reference);
}

export interface CrashLoopOptions {
  /** The replay's arguments after `replay`: files and flags (--publish, --speed, ...). */
  args: string[];
  /** Holds the state and runtime directories, the same for every run. */
  dir: string;
  env: Record<string, string>;
  kills: number;
  /** Each run is killed after a delay drawn from [minDelayMs, maxDelayMs). */
  minDelayMs: number;
  maxDelayMs: number;
  random: () => number;
}

export interface CrashLoopResult {
  /** Runs killed with -9. */
  kills: number;
  /** Runs that ended on their own before their kill (they finished the input and delivered everything). */
  completed: number;
  /** Runs the replay once more with the same directories, to its end: it delivers what is left. */
  finish: () => Promise<CliResult>;
}

/**
 * Starts the replay, kills it with -9 after a random delay, and again and again `kills` times
 * with the same state and runtime directories: crashes at random moments in windows, between
 * them, with reports in flight and while waiting for the broker. `finish` then lets a last run
 * end on its own.
 */
export async function replayKilledRepeatedly(options: CrashLoopOptions): Promise<CrashLoopResult> {
  const { dir, env, random } = options;
  const args = ['replay', ...options.args, '--state-dir', path.join(dir, 'state'), '--runtime-dir', path.join(dir, 'run'), '--log-level', 'error'];
  let kills = 0;
  let completed = 0;
  while (kills < options.kills) {
    const run = startCli(args, env);
    const delayMs = options.minDelayMs + random() * (options.maxDelayMs - options.minDelayMs);
    const timer = new Promise<void>((resolve) => setTimeout(resolve, delayMs));
    await Promise.race([run.done, timer]);
    run.child.kill('SIGKILL');
    const result = await run.done;
    if (result.signal === 'SIGKILL') kills++;
    else {
      expect(result.code, result.stderr).toBe(0);
      completed++;
    }
  }
  return { kills, completed, finish: () => runCli(args, env) };
}
