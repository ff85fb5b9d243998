/**
 * A command at a pseudo-terminal, for tests of what an installer types at a prompt: `script`
 * (util-linux, in every Debian) gives the command a pty, the test reads what it shows and types
 * answers. Output is kept with the terminal's escapes removed.
 */
import type { ChildProcess, SpawnOptions } from 'node:child_process';

export interface PtySession {
  /** Everything shown so far, escapes removed. */
  output(): string;
  /** Resolves when `pattern` shows after what earlier waits matched; rejects on timeout or exit. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Types `text` and Enter. */
  answer(text: string): void;
  done: Promise<{ code: number | null; output: string }>;
  child: ChildProcess;
}

/** Quotes an argument for the shell `script -c` runs it with. */
function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The CSI sequences a prompt or a readout that rewrites its line uses. */
const ESCAPES = /\x1b\[[0-9;?]*[A-Za-z]/g;

/** Starts `command` in a pty through `spawn` (e.g. a namespace's exec), which gets script's argv. */
export function startInPty(spawn: (args: readonly string[], options: SpawnOptions) => ChildProcess, command: readonly string[], env: NodeJS.ProcessEnv): PtySession {
  const child = spawn(['script', '--quiet', '--flush', '--return', '--command', command.map(shellQuote).join(' '), '/dev/null'], {
    env: { ...env, TERM: 'dumb', COLUMNS: '100', LINES: '40' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let raw = '';
  let cursor = 0;
  const listeners: Array<() => void> = [];
  const notify = () => listeners.slice().forEach((listener) => listener());
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    raw += chunk;
    notify();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    raw += chunk;
    notify();
  });
  const output = () => raw.replace(ESCAPES, '').replace(/\r\n/g, '\n');
  const done = new Promise<{ code: number | null; output: string }>((resolve) => {
    child.on('close', (code) => {
      notify();
      resolve({ code, output: output() });
    });
  });
  const waitFor = (pattern: RegExp, timeoutMs = 20_000) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const finish = (error?: Error, match?: RegExpExecArray) => {
        clearTimeout(timer);
        listeners.splice(listeners.indexOf(check), 1);
        if (error) reject(error);
        else resolve(match!);
      };
      const timer = setTimeout(() => finish(new Error(`timed out waiting for ${pattern}; shown:\n${output().slice(cursor)}`)), timeoutMs);
      const check = () => {
        const shown = output();
        const flags = pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`;
        const global = new RegExp(pattern.source, flags);
        global.lastIndex = cursor;
        const match = global.exec(shown);
        if (match !== null) {
          cursor = match.index + match[0].length;
          finish(undefined, match);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          finish(new Error(`exited (${child.exitCode ?? child.signalCode}) before ${pattern}; shown:\n${shown.slice(cursor)}`));
        }
      };
      listeners.push(check);
      check();
    });
  return { output, waitFor, answer: (text) => child.stdin!.write(`${text}\r`), done, child };
}
