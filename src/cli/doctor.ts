/**
 * `footfall doctor`: checks what a sensor needs (interface, monitor mode, capabilities,
 * Bluetooth, broker, clock, disk, database, runtime tmpfs, config) and says for each what fixes it.
 * Exits 1 when a check fails.
 */
import type { Command } from 'commander';
import { ConfigError, formatIssue } from '../config/load.js';
import { ALL_CHECKS, type CheckResult } from '../doctor/checks.js';
import { addCommonOptions, loadCommandConfig, type CommonOptions } from './common.js';

interface DoctorOptions extends CommonOptions {
  json?: boolean;
}

const LABEL = { pass: 'PASS', warn: 'WARN', fail: 'FAIL' } as const;

function describe(results: readonly CheckResult[]): string {
  return results
    .map((r) => `${LABEL[r.status]}  ${r.check.padEnd(12)} ${r.message}${r.fix === undefined ? '' : `\n      fix: ${r.fix}`}`)
    .join('\n');
}

async function doctor(options: DoctorOptions): Promise<void> {
  let results: CheckResult[];
  try {
    const config = loadCommandConfig(options);
    results = [{ check: 'config', status: 'pass', message: `${options.config ?? 'the configuration'} is valid` }];
    for (const check of ALL_CHECKS) results.push(await check(config));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // Nothing else can be checked against a config that does not load.
    results = error.issues.map((issue) => ({ check: 'config', status: 'fail', message: formatIssue(issue), fix: 'footfall config check; footfall config example' }));
  }
  process.stdout.write(options.json ? `${JSON.stringify({ results })}\n` : `${describe(results)}\n`);
  if (results.some((r) => r.status === 'fail')) process.exitCode = 1;
}

export function registerDoctorCommand(program: Command): void {
  addCommonOptions(
    program
      .command('doctor')
      .description('check the interface, monitor mode, capabilities, Bluetooth, broker, clock, disk, database and config; say how to fix each')
      .option('--json', 'machine-readable output'),
  ).action(doctor);
}
