/** `footfall run`: the daemon that systemd runs. */
import type { Command } from 'commander';
import type { LiveSourceOptions } from '../core/live-sources.js';
import { addCommonOptions, commandLogger, loadCommandConfig, lostReportsError, type CommonOptions } from './common.js';
import { onStopSignal } from './signals.js';
import { softwareVersions } from './version.js';

/**
 * Runs the daemon until a stop signal or a capture failure. `sourceOptions` and `started` are
 * for a benchmark that drives the same composition with stand-in Bluetooth bindings.
 */
export async function runDaemon(options: CommonOptions, sourceOptions: LiveSourceOptions = {}, started?: () => void): Promise<void> {
  const config = loadCommandConfig(options);
  const logger = commandLogger(config);
  // Live capture, the clock monitor and sd_notify load only for the daemon, not for every command.
  const { Daemon } = await import('../core/daemon.js');
  const daemon = new Daemon(config, logger, softwareVersions(), sourceOptions);
  const removeSignalHandler = onStopSignal(
    async (signal) => {
      logger.info('stopping', { signal });
      await daemon.stop();
    },
    // The file, environment and flags as at start, read again: flags still win.
    { reload: () => daemon.reload(() => loadCommandConfig(options)) },
  );
  try {
    await daemon.start();
    started?.();
    await daemon.run();
  } finally {
    await daemon.stop();
    removeSignalHandler();
  }
  // Reports in the outbox are sent by the next start; those a full disk held in memory are not.
  const lost = lostReportsError(daemon.unsentAtStop().inMemory, config.paths.state_dir);
  if (lost !== undefined) throw lost;
  logger.info('stopped');
}

export function registerRunCommand(program: Command): void {
  addCommonOptions(
    program.command('run').description('the daemon: capture on the monitor interface, count, publish (systemd runs this)'),
  ).action((options: CommonOptions) => runDaemon(options));
}
