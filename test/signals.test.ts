/**
 * SIGHUP (a terminal that closed) stops `replay` and `demo` as SIGTERM does: they finish cleanly
 * and leave no window key and no temporary directory behind. (The daemon reloads on SIGHUP
 * instead: test/daemon.test.ts.)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCli } from './helpers/cli.js';
import { GENERATED_CAPTURES, generatedCapture } from './helpers/generated-captures.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-signals-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Every file under `root`, relative to it. */
function filesUnder(root: string): string[] {
  return fs.readdirSync(root, { recursive: true, encoding: 'utf8' }).sort();
}

async function until(what: string, probe: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.each([
  ['replay', async () => ['replay', (await generatedCapture(GENERATED_CAPTURES['radiotap cut to a 96-byte snap length, 1 h']!)).path, '--speed', '1']],
  ['demo', async () => ['demo', '--hours', '2', '--speed', '60']],
])('footfall %s', (command, args) => {
  it.each(['SIGHUP', 'SIGTERM'] as const)('stops on %s with its window key and temporary directories gone', async (signal) => {
    const tmp = fs.mkdtempSync(path.join(dir, `${command}-${signal}-`));
    const running = startCli([...(await args()), '--config', '/dev/null'], { TMPDIR: tmp });
    // The open window's key is in the temporary runtime directory: the command is counting.
    await until('an open window', () => filesUnder(tmp).some((file) => /^footfall-run-[^/]+\/window-\w+\.key$/.test(file)));
    running.child.kill(signal);
    const result = await running.done;
    expect(result.signal).toBeNull();
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toMatch(/this is a bug|\n\s+at /);
    expect(filesUnder(tmp)).toEqual([]);
  });
});
