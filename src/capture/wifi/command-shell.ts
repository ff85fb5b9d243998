/**
 * A CommandRunner that hands its commands to one long-lived /bin/sh instead of starting each
 * from this process.
 *
 * Node starts a command by forking itself: on the daemon (about 120 MB) each spawn holds the
 * event loop for about 7.5 ms, and the channel plan hops twice a second. Here the fork per
 * command happens in the small shell. The shell starts at the first call, runs one command at a
 * time and gets a new start after it dies or a command times out.
 *
 * The protocol: a call writes to the shell's stdin a random marker, the number of arguments and
 * one argument per line (so an argument may hold any character but a newline or NUL). The shell
 * runs the command with stdin from /dev/null and its own stdout and stderr as the command's, then
 * writes the marker to stderr, and the marker and the exit status to stdout. Whatever came before
 * the markers is the command's output, which cannot hold a marker the command never saw.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { COMMAND_TIMEOUT_MS, CommandError, printable, type CommandRunner } from './commands.js';

/**
 * Reads requests until stdin ends. Only builtins run in the loop itself; `exec` in a subshell
 * runs the command from PATH, as execFile would, never a builtin of the same name (`exit`,
 * `read`). `command -v` tells a missing command from one that exits 127 itself.
 */
const SHELL_LOOP = `
while IFS= read -r marker && IFS= read -r count; do
  set --
  while [ "$#" -lt "$count" ]; do
    IFS= read -r arg || exit 1
    set -- "$@" "$arg"
  done
  if command -v "$1" >/dev/null 2>&1; then
    (exec "$@") </dev/null
    status=$?
  else
    status=not-found
  fi
  printf '%s\\n' "$marker" >&2
  printf '%s %s\\n' "$marker" "$status"
done
`;

/** How long close() lets the shell finish before it is killed. */
const CLOSE_GRACE_MS = 1000;

interface Reply {
  status: number | 'not-found';
  stdout: string;
  stderr: string;
}

interface PendingReply {
  marker: string;
  commandLine: string;
  timer: NodeJS.Timeout;
  resolve(reply: Reply): void;
  reject(error: CommandError): void;
}

/** One /bin/sh running SHELL_LOOP, and the reply it is writing. */
class ShellProcess {
  private readonly child: ChildProcessWithoutNullStreams;
  private stdout = Buffer.alloc(0);
  private stderr = Buffer.alloc(0);
  private pending: PendingReply | undefined;
  /** Killed, ended or dead: it takes no more commands. */
  private ended = false;
  /** Resolves once the shell has exited and its pipes have closed. */
  private readonly closed: Promise<void>;

  constructor() {
    // Its own process group, so that killing the group kills the command it runs as well.
    this.child = spawn('/bin/sh', ['-c', SHELL_LOOP], { detached: true });
    this.child.stdout.on('data', (chunk: Buffer) => {
      this.stdout = Buffer.concat([this.stdout, chunk]);
      this.settleIfComplete();
    });
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.stderr = Buffer.concat([this.stderr, chunk]);
      this.settleIfComplete();
    });
    // Writing to a shell that died fails with EPIPE; its death is reported on 'close'.
    this.child.stdin.on('error', () => {});
    let spawnError: Error | undefined;
    this.child.on('error', (error) => {
      spawnError ??= error;
    });
    // A command still running would hold the pipes open, and 'close' would wait for it.
    this.child.on('exit', () => this.kill());
    this.closed = new Promise((resolve) => {
      this.child.on('close', (code, signal) => {
        this.ended = true;
        this.fail(spawnError ? `/bin/sh could not start: ${spawnError.message}` : `the shell running it ended (${signal ?? `exit status ${code}`})`);
        resolve();
      });
    });
    this.keepAlive(false);
  }

  get running(): boolean {
    return !this.ended;
  }

  /** Runs `argv` in the shell; rejects with a CommandError on a timeout or when the shell dies. */
  send(argv: readonly string[], commandLine: string, timeoutMs: number): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.kill();
        this.fail(`no answer within ${timeoutMs / 1000} s`);
      }, timeoutMs);
      this.pending = { marker: randomBytes(16).toString('hex'), commandLine, timer, resolve, reject };
      this.stdout = this.stderr = Buffer.alloc(0);
      this.keepAlive(true);
      this.child.stdin.write(`${[this.pending.marker, String(argv.length), ...argv].join('\n')}\n`);
    });
  }

  /** Ends the shell's input, and kills it if it has not exited within `graceMs`. */
  async end(graceMs: number): Promise<void> {
    this.ended = true;
    this.keepAlive(true);
    this.child.stdin.end();
    const grace = setTimeout(() => this.kill(), graceMs);
    await this.closed;
    clearTimeout(grace);
  }

  kill(): void {
    this.ended = true;
    if (this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, 'SIGKILL');
    } catch {
      // The group is gone already.
    }
  }

  private settleIfComplete(): void {
    const pending = this.pending;
    if (!pending) return;
    const statusAt = this.stdout.indexOf(`${pending.marker} `);
    const statusEnd = statusAt < 0 ? -1 : this.stdout.indexOf('\n', statusAt);
    const stderrAt = this.stderr.indexOf(`${pending.marker}\n`);
    if (statusEnd < 0 || stderrAt < 0) return;
    const status = this.stdout.toString('utf8', statusAt + pending.marker.length + 1, statusEnd);
    this.take()?.resolve({
      status: status === 'not-found' ? status : Number(status),
      stdout: this.stdout.toString('utf8', 0, statusAt),
      stderr: this.stderr.toString('utf8', 0, stderrAt),
    });
  }

  private fail(output: string): void {
    const pending = this.take();
    pending?.reject(new CommandError(pending.commandLine, output));
  }

  private take(): PendingReply | undefined {
    const pending = this.pending;
    if (pending) {
      clearTimeout(pending.timer);
      this.pending = undefined;
      this.keepAlive(false);
    }
    return pending;
  }

  /** An idle shell must not keep the daemon alive; one that is answering or ending must, as execFile's child would. */
  private keepAlive(on: boolean): void {
    const { child } = this;
    for (const handle of [child, child.stdin as Socket, child.stdout as Socket, child.stderr as Socket]) {
      if (on) handle.ref();
      else handle.unref();
    }
  }
}

/** Runs commands, one at a time in the order asked, through one /bin/sh started at the first. */
export class CommandShell {
  private shell: ShellProcess | undefined;
  /** The end of the last call or close() asked for; the next waits for it. */
  private queue: Promise<unknown> = Promise.resolve();

  /** `timeoutMs`: how long a command may run before the shell is killed with it. */
  constructor(private readonly timeoutMs = COMMAND_TIMEOUT_MS) {}

  readonly run: CommandRunner = (command, args) => {
    const argv = [command, ...args];
    const commandLine = argv.join(' ');
    if (argv.some((arg) => /[\n\0]/.test(arg))) {
      return Promise.reject(new CommandError(commandLine, 'an argument holds a newline or a NUL character, which cannot be passed to the shell'));
    }
    const result = this.queue.then(() => this.runNow(argv, commandLine));
    this.queue = result.catch(() => {});
    return result;
  };

  /** Ends the shell once the calls asked for before have run; a later call starts a new one. */
  close(): Promise<void> {
    const closing = this.queue.then(async () => {
      const shell = this.shell;
      this.shell = undefined;
      await shell?.end(CLOSE_GRACE_MS);
    });
    this.queue = closing;
    return closing;
  }

  private async runNow(argv: readonly string[], commandLine: string): Promise<string> {
    if (!this.shell?.running) this.shell = new ShellProcess();
    const reply = await this.shell.send(argv, commandLine, this.timeoutMs);
    if (reply.status === 0) return reply.stdout;
    if (reply.status === 'not-found') throw new CommandError(commandLine, `${argv[0]} was not found on PATH`, true);
    throw new CommandError(commandLine, printable(reply.stderr) || `exit status ${reply.status}`);
  }
}
