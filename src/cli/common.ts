/**
 * What every command shares: the common options, loading the config with flag overrides,
 * the logger, and temporary directories for the commands that must not touch a daemon's state.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_CONFIG_PATH, loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { UnsentReports } from '../core/sensor.js';
import { createLogger, LOG_LEVELS, type Logger } from '../log/logger.js';
import { EXIT, OperatorError } from './errors.js';

export interface CommonOptions {
  config?: string;
  stateDir?: string;
  runtimeDir?: string;
  logLevel?: string;
}

export function addCommonOptions(command: Command): Command {
  return command
    .option('--config <path>', `config file (default ${DEFAULT_CONFIG_PATH}; a missing default file means built-in defaults)`)
    .option('--state-dir <dir>', 'state directory (database: outbox, history, checkpoints)')
    .option('--runtime-dir <dir>', 'runtime directory (window keys; a tmpfs)')
    .option('--log-level <level>', `log level: ${LOG_LEVELS.join(', ')}`);
}

/** Loads the config: flags, then FOOTFALL_* variables, then the file, then defaults. */
export function loadCommandConfig(options: CommonOptions, flags: Record<string, string | undefined> = {}): Config {
  return loadConfig({
    file: options.config ?? DEFAULT_CONFIG_PATH,
    fileExplicit: options.config !== undefined,
    env: process.env,
    flags: {
      'paths.state_dir': options.stateDir,
      'paths.runtime_dir': options.runtimeDir,
      'log.level': options.logLevel,
      ...flags,
    },
  });
}

export function commandLogger(config: Config): Logger {
  return createLogger({ level: config.log.level });
}

/** The directories of a `replay` or `demo`, and what removes the temporary ones. */
export interface ScratchDirs {
  config: Config;
  /** The state directory is a temporary one, made for this run. */
  scratchState: boolean;
  /**
   * Removes the temporary directories; with `keepState`, all but the state directory, which
   * holds reports still to be sent.
   */
  cleanup: (keepState?: boolean) => void;
}

/**
 * `replay` and `demo` work in fresh temporary directories unless --state-dir / --runtime-dir
 * are given, so they never touch a running daemon's outbox or keys. Returns the config with
 * those paths and a function that removes what was made.
 */
export function withScratchDirs(config: Config, options: CommonOptions): ScratchDirs {
  const made: string[] = [];
  const scratch = (name: string) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `footfall-${name}-`));
    made.push(dir);
    return dir;
  };
  const scratchState = options.stateDir === undefined;
  const paths = {
    state_dir: scratchState ? scratch('state') : config.paths.state_dir,
    runtime_dir: options.runtimeDir === undefined ? scratch('run') : config.paths.runtime_dir,
  };
  return {
    config: { ...config, paths },
    scratchState,
    cleanup: (keepState = false) => {
      for (const dir of made) if (!(keepState && dir === paths.state_dir)) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The error any command that counted ends with when it stops holding `inMemory` finished reports
 * that a full disk kept out of the database and no broker acknowledged: they are lost (exit 74).
 */
export function lostReportsError(inMemory: number, stateDir: string): OperatorError | undefined {
  if (inMemory === 0) return undefined;
  return new OperatorError(
    `${inMemory} finished report(s) could not be written to ${stateDir} (its file system is full) nor delivered, and are lost; free space on it before the next run`,
    EXIT.ioError,
  );
}

/**
 * The error a `replay --publish` or `demo` ends with when reports were left unsent: exit 74
 * when some could not even be written (a full disk) and are lost, 75 when they wait in the
 * outbox, saying how many, where, and `resend`, the command that sends them.
 */
export function unsentReportsError(unsent: UnsentReports, stateDir: string, kept: boolean, resend: string): OperatorError | undefined {
  const lost = lostReportsError(unsent.inMemory, stateDir);
  if (lost !== undefined) return lost;
  if (unsent.stored === 0) return undefined;
  const where = kept ? `are kept in the temporary state directory ${stateDir}` : `wait in the outbox of ${stateDir}`;
  return new OperatorError(`stopped with ${unsent.stored} report(s) the broker has not acknowledged; they ${where}, and \`${resend}\` sends them`, EXIT.tempFail);
}
