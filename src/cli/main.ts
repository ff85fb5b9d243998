#!/usr/bin/env node
/** The `footfall` command line: one file per command, errors turned into exit codes here. */
import { Command, CommanderError } from 'commander';
import { registerCalibrateCommand } from './calibrate.js';
import { registerConfigCommand } from './config-command.js';
import { registerDemoCommand } from './demo.js';
import { registerDoctorCommand } from './doctor.js';
import { registerHistoryCommand } from './history.js';
import { registerIgnoreCommand } from './ignore.js';
import { registerPrivacyCommand } from './privacy.js';
import { registerProvisionCommand } from './provision.js';
import { registerReplayCommand } from './replay.js';
import { registerRunCommand } from './run.js';
import { registerStatusCommand } from './status.js';
import { registerWatchCommand } from './watch.js';
import { describeError, EXIT, exitCodeOf } from './errors.js';
import { FOOTFALL_VERSION } from './version.js';

function buildProgram(): Command {
  const program = new Command('footfall')
    .description('Counts Wi-Fi and BLE devices privately and publishes aggregate counts over MQTT')
    .version(FOOTFALL_VERSION)
    .showHelpAfterError('(run footfall --help for usage)')
    .exitOverride();
  registerRunCommand(program);
  registerStatusCommand(program);
  registerDoctorCommand(program);
  registerReplayCommand(program);
  registerDemoCommand(program);
  registerCalibrateCommand(program);
  registerConfigCommand(program);
  registerIgnoreCommand(program);
  registerPrivacyCommand(program);
  registerHistoryCommand(program);
  registerWatchCommand(program);
  registerProvisionCommand(program);
  return program;
}

async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    process.stderr.write(`${describeError(error)}\n`);
    // An unexpected error is a bug: its stack helps whoever reports it.
    if (exitCodeOf(error) === EXIT.software && error instanceof Error) process.stderr.write(`${error.stack ?? ''}\n`);
    return exitCodeOf(error);
  }
}

const code = await main(process.argv);
// A command may have set its own non-zero exit status (doctor with a failed check) without an error.
if (code !== EXIT.ok || process.exitCode === undefined) process.exitCode = code;
