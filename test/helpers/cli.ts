/** Runs the built `footfall` command as a real child process, for end-to-end tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const FOOTFALL_BIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/**
 * For runs whose reports are compared with another run's, made with other window keys: 32-bit
 * tokens of two addresses collide by chance (about 3 in 1,000 windows of 5,000 addresses), which
 * merges them in one run and not the other; 64-bit ones practically never do.
 */
export const COMPARABLE_TOKENS = { FOOTFALL_PRIVACY_TOKEN_BITS: '64' } as const;

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunningCli {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves when stdout has `count` complete lines. */
  waitForLines: (count: number, timeoutMs?: number) => Promise<string[]>;
  done: Promise<CliResult>;
}

/** Environment for a child: the test's own, minus any FOOTFALL_* it happens to have, plus `env`. */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('FOOTFALL_')));
  return { ...base, ...env };
}

export function startCli(args: string[], env: Record<string, string> = {}): RunningCli {
  const child = spawn(process.execPath, [FOOTFALL_BIN, ...args], { env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const lineWaiters: Array<() => void> = [];
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    for (const waiter of lineWaiters.slice()) waiter();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const done = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => {
      resolve({ code, signal, stdout, stderr });
      for (const waiter of lineWaiters.slice()) waiter();
    });
  });
  const completeLines = () => stdout.split('\n').slice(0, -1);
  const waitForLines = (count: number, timeoutMs = 30_000) =>
    new Promise<string[]>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${count} lines; stderr:\n${stderr}`)), timeoutMs);
      const check = () => {
        if (completeLines().length >= count) {
          clearTimeout(timer);
          lineWaiters.splice(lineWaiters.indexOf(check), 1);
          resolve(completeLines());
        } else if (child.exitCode !== null || child.signalCode !== null) {
          clearTimeout(timer);
          lineWaiters.splice(lineWaiters.indexOf(check), 1);
          reject(new Error(`exited with ${child.exitCode ?? child.signalCode} before ${count} lines; stderr:\n${stderr}`));
        }
      };
      lineWaiters.push(check);
      check();
    });
  return { child, stdout: () => stdout, stderr: () => stderr, waitForLines, done };
}

export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return startCli(args, env).done;
}

/** The JSON lines a command printed on stdout. */
export function jsonLines<T = Record<string, unknown>>(stdout: string): T[] {
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);
}
