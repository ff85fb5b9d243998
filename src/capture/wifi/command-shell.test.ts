import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CommandShell } from './command-shell.js';
import { CommandError } from './commands.js';

let dir: string;
let shell: CommandShell;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-shell-'));
  shell = new CommandShell(300);
});
afterEach(async () => {
  await shell.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function failure(running: Promise<string>): Promise<CommandError> {
  const error = await running.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(CommandError);
  return error as CommandError;
}

/** The pid of the shell that runs the commands: the parent of the command it runs. */
async function shellPid(): Promise<number> {
  return Number(await shell.run('sh', ['-c', 'echo $PPID']));
}

/** Whether the process is alive: a killed one may stay a zombie until its parent reaps it. */
function isRunning(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('CommandShell', () => {
  it('resolves with stdout, as it was, with or without a last newline', async () => {
    expect(await shell.run('echo', ['fine'])).toBe('fine\n');
    expect(await shell.run('printf', ['no newline; 0\\n%s', 'x'])).toBe('no newline; 0\nx');
    expect(await shell.run('sh', ['-c', 'echo on stderr >&2; echo ünïcødé'])).toBe('ünïcødé\n');
    expect(await shell.run('true', [])).toBe('');
  });

  it('passes arguments through byte for byte', async () => {
    const args = ['with space', `it's "quoted"`, '$HOME and $(id) and `id`', 'back\\slash\\n', '  spaces around  ', '', '-n', '*', '\ttab\r', 'ünïcødé'];
    expect(await shell.run('printf', ['[%s]', ...args])).toBe(args.map((arg) => `[${arg}]`).join(''));
  });

  it('rejects with stderr on one line without addresses, or the exit status', async () => {
    const error = await failure(shell.run('sh', ['-c', 'printf "failed for 02:ab:cd:ef:01:23\\n  twice\\n" >&2; exit 3']));
    expect(error.output).toBe('failed for <address> twice');
    expect(error.notFound).toBe(false);
    expect(error.message).toContain('`sh -c printf "failed for');
    expect((await failure(shell.run('sh', ['-c', 'exit 4']))).output).toBe('exit status 4');
    expect(await shell.run('echo', ['still here'])).toBe('still here\n');
  });

  it('says when the command is not on PATH, and not when a command exits 127 itself', async () => {
    expect(await failure(shell.run('footfall-no-such-command', ['x']))).toMatchObject({ notFound: true, output: 'footfall-no-such-command was not found on PATH' });
    expect(await failure(shell.run('sh', ['-c', 'exit 127']))).toMatchObject({ notFound: false, output: 'exit status 127' });
  });

  it('runs commands from PATH, never the shell’s builtins, with stdin of their own', async () => {
    expect(await failure(shell.run('read', ['line']))).toMatchObject({ notFound: false });
    expect(await shell.run('cat', [])).toBe('');
    expect(await shell.run('echo', ['after'])).toBe('after\n');
  });

  it('refuses an argument with a newline or NUL without running anything', async () => {
    const marker = path.join(dir, 'ran');
    const error = await failure(shell.run('touch', [marker, 'two\nlines']));
    expect(error.output).toMatch(/newline or a NUL/);
    await failure(shell.run('touch', [marker, 'nul\0']));
    expect(fs.existsSync(marker)).toBe(false);
    expect(await shell.run('echo', ['fine'])).toBe('fine\n');
  });

  it('kills a command that does not answer in time, with its shell, and starts another for the next call', async () => {
    const before = await shellPid();
    const started = Date.now();
    const error = await failure(shell.run('sh', ['-c', `echo $$ > ${dir}/pid; exec sleep 30`]));
    expect(error.output).toBe('no answer within 0.3 s');
    expect(Date.now() - started).toBeLessThan(5000);
    const after = await shellPid();
    expect(after).not.toBe(before);
    expect(isRunning(before)).toBe(false);
    expect(isRunning(Number(fs.readFileSync(path.join(dir, 'pid'), 'utf8')))).toBe(false);
  });

  it('rejects the call in flight when the shell is killed, and starts another for the next call', async () => {
    const idleShell = await shellPid();
    process.kill(idleShell, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const busyShell = await shellPid();
    expect(busyShell).not.toBe(idleShell);

    const longShell = new CommandShell(10_000);
    try {
      const pid = Number(await longShell.run('sh', ['-c', 'echo $PPID']));
      const running = longShell.run('sleep', ['30']);
      await new Promise((resolve) => setTimeout(resolve, 100));
      process.kill(pid, 'SIGKILL');
      expect((await failure(running)).output).toBe('the shell running it ended (SIGKILL)');
      expect(await longShell.run('echo', ['next'])).toBe('next\n');
    } finally {
      await longShell.close();
    }
  });

  it('runs concurrent calls one at a time, in the order asked', async () => {
    const log = path.join(dir, 'log');
    const step = (n: number) => shell.run('sh', ['-c', `echo start ${n} >> ${log}; sleep 0.05; echo end ${n} >> ${log}; echo ${n}`]);
    expect(await Promise.all([step(1), step(2), step(3)])).toEqual(['1\n', '2\n', '3\n']);
    expect(fs.readFileSync(log, 'utf8')).toBe('start 1\nend 1\nstart 2\nend 2\nstart 3\nend 3\n');
  });

  it('close() waits for the calls before it, ends the shell, and a later call starts another', async () => {
    await new CommandShell().close();
    const pid = await shellPid();
    const last = shell.run('sh', ['-c', 'sleep 0.1; echo last']);
    await shell.close();
    expect(await last).toBe('last\n');
    expect(isRunning(pid)).toBe(false);
    expect(await shellPid()).not.toBe(pid);
  });

  it('does not keep the process alive while idle', async () => {
    // The built module, as the daemon loads it (tests run after `npm run build`).
    const built = new URL('../../../dist/capture/wifi/command-shell.js', import.meta.url).href;
    const script = `const { CommandShell } = await import(${JSON.stringify(built)}); process.stdout.write(await new CommandShell().run('echo', ['ran']));`;
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--input-type=module', '-e', script], { timeout: 5000 }, (error, out) => (error ? reject(error) : resolve(out)));
    });
    expect(stdout).toBe('ran\n');
  });
});
