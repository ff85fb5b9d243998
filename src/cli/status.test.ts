import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../test/helpers/cli.js';

describe('footfall status with no daemon', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-status-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const dirs = ['--state-dir', path.join(dir, 'state'), '--runtime-dir', dir];

  it('--json answers in JSON on stdout, saying why, and exits 3', async () => {
    const result = await runCli(['status', '--json', ...dirs]);
    expect(result.code).toBe(3);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ running: false, reason: `no status in ${dir}` });
  });

  it('says so in one line on stderr without --json, and exits 3', async () => {
    const result = await runCli(['status', ...dirs]);
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`footfall: no footfall daemon is running: no status in ${dir}. Start it with: systemctl start footfall\n`);
  });
});
