/** `footfall config check` and `footfall config example`. */
import type { Command } from 'commander';
import { addCommonOptions, loadCommandConfig, type CommonOptions } from './common.js';

export function registerConfigCommand(program: Command): void {
  const config = program.command('config').description('check or show the configuration');

  addCommonOptions(
    config
      .command('check')
      .description('validate the config file and environment; name each bad key (exit 78)'),
  ).action((options: CommonOptions) => {
    const loaded = loadCommandConfig(options);
    process.stdout.write(`${options.config ?? 'the configuration'}: ok (sensor ${loaded.sensor.id})\n`);
  });

  config
    .command('example')
    .description('print a documented config file with every key and its default')
    .action(async () => {
      // The YAML writer takes longer to load than most commands take to run.
      const { renderExampleConfig } = await import('../config/example.js');
      process.stdout.write(renderExampleConfig());
    });
}
