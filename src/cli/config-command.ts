/** `footfall config check` and `footfall config example`. */
import type { Command } from 'commander';
import { directoryProblem } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { WindowKeyStore, type RuntimeDirectoryFinding } from '../privacy/window-keys.js';
import { addCommonOptions, loadCommandConfig, type CommonOptions } from './common.js';
import { EXIT, OperatorError } from './errors.js';

/**
 * What stops `footfall run` from using the directories the config names, as far as this user can
 * tell: the state directory, the runtime directory and the key files in it. Who owns them is left
 * to `run`, which knows its user.
 */
function directoryFindings(config: Config): RuntimeDirectoryFinding[] {
  const { state_dir: stateDir, runtime_dir: runtimeDir } = config.paths;
  const stateProblem = directoryProblem(stateDir);
  return [
    ...(stateProblem === undefined ? [] : [{ message: `paths.state_dir: ${stateDir} ${stateProblem}; give a directory footfall can write in`, exitCode: EXIT.cantCreate }]),
    ...new WindowKeyStore(runtimeDir).inspect({ owner: false }),
  ];
}

export function registerConfigCommand(program: Command): void {
  const config = program.command('config').description('check or show the configuration');

  addCommonOptions(
    config
      .command('check')
      .description('validate the config file and environment; name each bad key (exit 78) and each directory that cannot be used (exit 73)'),
  ).action((options: CommonOptions) => {
    const loaded = loadCommandConfig(options);
    const found = directoryFindings(loaded);
    for (const { message, correction } of found) {
      if (correction !== undefined) process.stderr.write(`footfall: warning: ${message}; footfall makes it ${correction.mode.toString(8).padStart(4, '0')} when it starts\n`);
    }
    const findings = found.filter((finding) => finding.correction === undefined);
    if (findings.length === 1) throw new OperatorError(findings[0]!.message, findings[0]!.exitCode);
    if (findings.length > 1) {
      throw new OperatorError(`these cannot be used; fix them and try again:\n${findings.map((f) => `  ${f.message}`).join('\n')}`, findings[0]!.exitCode);
    }
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
