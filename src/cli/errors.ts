/**
 * Exit codes (from sysexits.h, which systemd and scripts understand) and the one place that
 * turns an error into a one-line message and an exit code.
 */
import { ConfigError } from '../config/load.js';

export const EXIT = {
  ok: 0,
  software: 70,
  usage: 64,
  dataError: 65,
  noInput: 66,
  unavailable: 69,
  cantCreate: 73,
  ioError: 74,
  tempFail: 75,
  noPermission: 77,
  config: 78,
} as const;

/** An error an operator can fix; its message says how, and no stack trace is shown. */
export class OperatorError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'OperatorError';
  }
}

export function exitCodeOf(error: unknown): number {
  if (error instanceof ConfigError) return EXIT.config;
  if (error instanceof OperatorError) return error.exitCode;
  const code = (error as { exitCode?: unknown } | null)?.exitCode;
  if (typeof code === 'number') return code;
  return EXIT.software;
}

/** What the operator sees: the message alone for known errors, and a hint for bugs. */
export function describeError(error: unknown): string {
  if (error instanceof ConfigError) {
    const lines = error.issues.map((issue) => `  ${issue.key}: ${issue.message} (${issue.origin})`);
    return `footfall: bad configuration; fix these and try again:\n${lines.join('\n')}`;
  }
  if (typeof (error as { exitCode?: unknown } | null)?.exitCode === 'number') {
    return `footfall: ${(error as Error).message}`;
  }
  const text = error instanceof Error ? error.message : String(error);
  return `footfall: unexpected error: ${text} (this is a bug; please report it with the lines below)`;
}
