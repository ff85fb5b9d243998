/**
 * `npm run eval`: every device estimator of the registry, side by side, against the design's
 * accuracy targets on labelled crowds of real phones, whole lab days with the room's people per
 * slot, and the simulated store. Options:
 *   --crowds DIR        one-device captures, DIR/<device>/*.pcap or DIR/*.pcap (repeatable)
 *   --crowds-per-k N    crowds drawn for each k from 3 to 40 (default 10)
 *   --lab DIR|PCAP      lab days: each *.pcap with its *_occupancy_5min.csv (repeatable)
 *   --lab-config FILE   the lab's config (default config/eval/fryza-sc6-61.yaml)
 *   --lab-premises DBM  the premises threshold instead of the config's
 *   --lab-sweep         the lab's figures for premises thresholds from -90 to -50 dBm
 *   --seed S            draws and simulation (default footfall-eval)
 *   --skip-crowds, --skip-lab, --skip-sim
 * Without ../shared/captures the parts that need it are skipped, saying so. Writes every figure
 * to .cache/eval/results.json too.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { describeError, EXIT, exitCodeOf, OperatorError } from '../src/cli/errors.js';
import { describeCrowds, measureCrowds, type CrowdPart } from './crowd-accuracy.js';
import { describeLab, describeSweep, findLabDays, measureLab, SWEEP_DBM, type LabFigures, type SweepRow } from './lab-days.js';
import { describeSimulated, measureSimulated } from './simulated-store.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SHARED_WIFI = path.resolve(ROOT, '../shared/captures/wifi');
const DEFAULT_CROWDS = [path.join(SHARED_WIFI, 'baccichet_labelled_la')];
const DEFAULT_LAB = [path.join(SHARED_WIFI, 'fryza_days'), path.join(SHARED_WIFI, 'fryza_sc6-61_2024-04-18_pos1.pcap')];
const DEFAULT_LAB_CONFIG = path.join(ROOT, 'config/eval/fryza-sc6-61.yaml');
const log = (line: string) => process.stdout.write(`${line}\n`);

function parseOptions() {
  try {
    return parseArgs({
      options: {
        crowds: { type: 'string', multiple: true },
        lab: { type: 'string', multiple: true },
        'lab-config': { type: 'string', default: DEFAULT_LAB_CONFIG },
        'lab-premises': { type: 'string' },
        'lab-sweep': { type: 'boolean', default: false },
        seed: { type: 'string', default: 'footfall-eval' },
        'crowds-per-k': { type: 'string', default: '10' },
        'skip-crowds': { type: 'boolean', default: false },
        'skip-lab': { type: 'boolean', default: false },
        'skip-sim': { type: 'boolean', default: false },
      },
    }).values;
  } catch (error) {
    throw new OperatorError((error as Error).message, EXIT.usage);
  }
}

function wholeNumber(option: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) throw new OperatorError(`--${option} ${JSON.stringify(text)}: give a whole number from ${min} to ${max}`, EXIT.usage);
  return value;
}

/** The folders asked for (each must exist), or the shared ones when they are there; undefined: skip, with the reason logged. */
function inputs(option: string, given: string[] | undefined, defaults: string[], part: string): string[] | undefined {
  if (given !== undefined) {
    for (const target of given) if (!fs.existsSync(target)) throw new OperatorError(`--${option} ${target}: no such file or folder`, EXIT.noInput);
    return given;
  }
  const missing = defaults.filter((target) => !fs.existsSync(target));
  if (missing.length === 0) return defaults;
  log(`${part}: skipped, ${missing.join(' and ')} not found (give --${option})`);
  return undefined;
}

async function main(): Promise<void> {
  const values = parseOptions();
  const crowdsPerK = wholeNumber('crowds-per-k', values['crowds-per-k'], 1, 1000);
  const premisesDbm = values['lab-premises'] === undefined ? undefined : wholeNumber('lab-premises', values['lab-premises'], -120, 0);
  const started = performance.now();
  const results: Record<string, unknown> = { seed: values.seed, date: new Date().toISOString() };

  if (!values['skip-crowds']) {
    const dirs = inputs('crowds', values.crowds, DEFAULT_CROWDS, 'Labelled crowds');
    if (dirs !== undefined) {
      const parts: CrowdPart[] = [];
      for (const dir of dirs) {
        log(`Labelled crowds from ${dir} ...`);
        const part = await measureCrowds(dir, values.seed, crowdsPerK, log);
        describeCrowds(part).forEach(log);
        parts.push(part);
      }
      results.crowds = parts;
    }
  }
  if (!values['skip-lab']) {
    const targets = inputs('lab', values.lab, DEFAULT_LAB, 'Lab days');
    if (targets !== undefined) {
      const days = targets.flatMap(findLabDays);
      log(`Lab days: ${days.length} days, config ${values['lab-config']} ...`);
      const lab: { figures: LabFigures[]; sweep?: SweepRow[] } = { figures: await measureLab(days, values['lab-config'], premisesDbm) };
      describeLab(lab.figures).forEach(log);
      if (values['lab-sweep']) {
        lab.sweep = [];
        for (const dbm of SWEEP_DBM) lab.sweep.push({ premisesDbm: dbm, estimators: await measureLab(days, values['lab-config'], dbm) });
        describeSweep(lab.sweep).forEach(log);
      }
      results.lab = lab;
    }
  }
  if (!values['skip-sim']) {
    log('Simulated store: a working day (12 h), Wi-Fi and BLE ...');
    const simulated = await measureSimulated(values.seed, path.join(ROOT, '.cache/fixtures'));
    describeSimulated(simulated).forEach(log);
    results.simulated = simulated;
  }
  results.seconds = (performance.now() - started) / 1000;
  fs.mkdirSync(path.join(ROOT, '.cache/eval'), { recursive: true });
  fs.writeFileSync(path.join(ROOT, '.cache/eval/results.json'), `${JSON.stringify(results, null, 2)}\n`);
  log(`Figures written to .cache/eval/results.json (${(results.seconds as number).toFixed(0)} s)`);
}

try {
  await main();
} catch (error) {
  process.stderr.write(`${describeError(error)}\n`);
  if (exitCodeOf(error) === EXIT.software && error instanceof Error) process.stderr.write(`${error.stack ?? ''}\n`);
  process.exitCode = exitCodeOf(error);
}
