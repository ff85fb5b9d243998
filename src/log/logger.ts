/**
 * A small leveled logger that writes one line per event to stderr.
 *
 * It takes a message and flat primitive fields only, never objects: nothing can be dumped into
 * the log by accident, and a raw address can reach it only if someone formats one on purpose.
 * Under systemd (JOURNAL_STREAM set) each line carries a syslog priority prefix instead of a
 * timestamp, which journald understands.
 */

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  error(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
  isEnabled(level: LogLevel): boolean;
  /** A logger whose lines are prefixed with `scope:`. */
  child(scope: string): Logger;
  /** Changes the level of this logger, the one it is a child of and all their children (a reloaded log.level). */
  setLevel(level: LogLevel): void;
}

export interface LoggerOptions {
  level: LogLevel;
  write?: (line: string) => void;
  journald?: boolean;
  now?: () => Date;
}

const SYSLOG_PRIORITY: Record<LogLevel, number> = { error: 3, warn: 4, info: 6, debug: 7 };

function formatValue(value: string | number | boolean | null): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return String(value);
}

export function formatFields(fields: LogFields | undefined): string {
  if (!fields) return '';
  let out = '';
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    out += ` ${key}=${formatValue(value)}`;
  }
  return out;
}

export function createLogger(options: LoggerOptions, scope = '', shared = { threshold: LOG_LEVELS.indexOf(options.level) }): Logger {
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const journald = options.journald ?? Boolean(process.env.JOURNAL_STREAM);
  const now = options.now ?? (() => new Date());
  const enabled = (level: LogLevel) => LOG_LEVELS.indexOf(level) <= shared.threshold;

  const log = (level: LogLevel, message: string, fields?: LogFields) => {
    if (!enabled(level)) return;
    const prefix = journald ? `<${SYSLOG_PRIORITY[level]}>` : `${now().toISOString()} ${level.padEnd(5)} `;
    write(`${prefix}${scope ? `${scope}: ` : ''}${message}${formatFields(fields)}\n`);
  };

  return {
    error: (m, f) => log('error', m, f),
    warn: (m, f) => log('warn', m, f),
    info: (m, f) => log('info', m, f),
    debug: (m, f) => log('debug', m, f),
    isEnabled: enabled,
    child: (child) => createLogger(options, scope ? `${scope}.${child}` : child, shared),
    setLevel: (level) => {
      shared.threshold = LOG_LEVELS.indexOf(level);
    },
  };
}

/** An error's message on one line, for a log field or a one-line error of footfall's own. */
export function oneLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').trim();
}

/** A logger that drops everything, for library use and tests that do not look at logs. */
export const silentLogger: Logger = createLogger({ level: 'error', write: () => {} });
