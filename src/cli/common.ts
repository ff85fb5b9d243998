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
import { createLogger, LOG_LEVELS, type Logger } from '../log/logger.js';

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

/**
 * `replay` and `demo` work in fresh temporary directories unless --state-dir / --runtime-dir
 * are given, so they never touch a running daemon's outbox or keys. Returns the config with
 * those paths and a function that removes what was made.
 */
export function withScratchDirs(config: Config, options: CommonOptions): { config: Config; cleanup: () => void } {
  const made: string[] = [];
  const scratch = (name: string) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `footfall-${name}-`));
    made.push(dir);
    return dir;
  };
  const paths = {
    state_dir: options.stateDir === undefined ? scratch('state') : config.paths.state_dir,
    runtime_dir: options.runtimeDir === undefined ? scratch('run') : config.paths.runtime_dir,
  };
  return {
    config: { ...config, paths },
    cleanup: () => {
      for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
