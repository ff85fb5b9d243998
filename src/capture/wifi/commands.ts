/**
 * Running `iw` and `ip`: the runner's type, the error every runner rejects with, and the runner
 * that starts each command from this process (see command-shell.ts for the one that does not).
 */
import { execFile } from 'node:child_process';

/** Runs a command without a shell: resolves with its stdout, rejects with a CommandError. */
export type CommandRunner = (command: string, args: readonly string[]) => Promise<string>;

/** A command that could not run or failed; `output` is its own message, on one line. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
  constructor(
    readonly commandLine: string,
    readonly output: string,
    readonly notFound = false,
  ) {
    super(`\`${commandLine}\` failed: ${output}`);
  }
}

/** How long a command may take before it is killed and counted as failed. */
export const COMMAND_TIMEOUT_MS = 10_000;

/**
 * A command's message on one line. The adapter's own hardware address appears in some iw
 * output; no address goes into a message, whoever it belongs to.
 */
export function printable(text: string): string {
  return text
    .replace(/\b[0-9a-f]{2}(?:[:-][0-9a-f]{2}){5}\b/gi, '<address>')
    .replace(/\s+/g, ' ')
    .trim();
}

export const runCommand: CommandRunner = (command, args) =>
  new Promise((resolve, reject) => {
    execFile(command, args, { timeout: COMMAND_TIMEOUT_MS, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (!error) {
        resolve(stdout);
        return;
      }
      const commandLine = [command, ...args].join(' ');
      if (error.code === 'ENOENT') reject(new CommandError(commandLine, `${command} was not found on PATH`, true));
      else if (error.killed) reject(new CommandError(commandLine, `no answer within ${COMMAND_TIMEOUT_MS / 1000} s`));
      else reject(new CommandError(commandLine, printable(stderr) || `exit status ${error.code}`));
    });
  });
