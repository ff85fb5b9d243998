/**
 * Part 1: every Wi-Fi estimator's `devices` on labelled crowds of k = 3…40 real devices, whose
 * truth is k. Each crowd is built once and replayed by every estimator.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config/load.js';
import type { Config } from '../src/config/schema.js';
import { CROWD_HOUR_MS, drawCrowd, loadCrowdDevices, writeCrowd, type CrowdMember } from './crowds.js';
import { meanAbsolutePercentageError, signedError } from './metrics.js';
import { replayReports, wifiEstimatorSets } from './replay.js';
import { describeTargets, percent, table, type TargetCheck } from './table.js';
import type { Seed } from '../src/sim/random.js';

export const CROWD_SIZES = { smallest: 3, largest: 40 } as const;
const HOUR_MS = 3_600_000;
const TARGET_MAPE = 0.1;
const TARGET_WORST = 0.2;

export interface CrowdResult {
  k: number;
  estimate: number;
  error: number;
  members: CrowdMember[];
}

export interface CrowdFigures {
  estimator: string;
  crowds: CrowdResult[];
  mapeByK: { k: number; mape: number }[];
  mape: number;
  worst: CrowdResult;
  targets: TargetCheck[];
}

export interface CrowdPart {
  dir: string;
  devices: string[];
  crowdsPerK: number;
  estimators: CrowdFigures[];
}

/** The labelled files' FCS is wrong in every frame (their addresses were rewritten without it). */
function crowdConfig(): Config {
  return loadConfig({ file: '', fileExplicit: false, env: {}, flags: { 'capture.wifi.check_fcs': 'false' } });
}

function figures(estimator: string, crowds: CrowdResult[]): CrowdFigures {
  const ks = [...new Set(crowds.map((crowd) => crowd.k))];
  const mape = meanAbsolutePercentageError(crowds.map(({ estimate, k }) => ({ estimate, truth: k })));
  const worst = crowds.reduce((a, b) => (Math.abs(b.error) > Math.abs(a.error) ? b : a));
  return {
    estimator,
    crowds,
    mapeByK: ks.map((k) => ({ k, mape: meanAbsolutePercentageError(crowds.filter((c) => c.k === k).map(({ estimate }) => ({ estimate, truth: k }))) })),
    mape,
    worst,
    targets: [
      { target: `MAPE <= ${percent(TARGET_MAPE)}`, figure: percent(mape), met: mape <= TARGET_MAPE },
      { target: `every crowd within ${percent(TARGET_WORST)}`, figure: `worst ${percent(worst.error, true)}`, met: Math.abs(worst.error) <= TARGET_WORST },
    ],
  };
}

export async function measureCrowds(dir: string, seed: Seed, crowdsPerK: number, log: (line: string) => void): Promise<CrowdPart> {
  const devices = loadCrowdDevices(dir);
  const config = crowdConfig();
  const sets = wifiEstimatorSets();
  const results = new Map(sets.map(({ estimator }) => [estimator.name, [] as CrowdResult[]]));
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'footfall-eval-crowd-'));
  try {
    for (let k = CROWD_SIZES.smallest; k <= CROWD_SIZES.largest; k++) {
      for (let index = 0; index < crowdsPerK; index++) {
        const crowd = drawCrowd(devices, k, seed, index);
        const file = path.join(scratch, `crowd-${k}-${index}.pcap`);
        writeCrowd(file, devices, crowd);
        for (const { estimator, set } of sets) {
          const reports = await replayReports({ files: [file], config, estimators: set, endMs: CROWD_HOUR_MS + HOUR_MS });
          const estimate = reports.find((report) => Date.parse(report.window.start) === CROWD_HOUR_MS)?.wifi?.devices ?? 0;
          results.get(estimator.name)!.push({ k, estimate, error: signedError(estimate, k), members: crowd.members });
        }
        fs.rmSync(file);
      }
      if (k % 10 === 0) log(`  crowds up to k = ${k} replayed`);
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  return { dir, devices: devices.map((d) => d.name), crowdsPerK, estimators: [...results].map(([name, crowds]) => figures(name, crowds)) };
}

function describeMember(member: CrowdMember): string {
  return `${member.session} from ${new Date(member.cutStartMs).toISOString().slice(0, 19)}Z (${member.frames} frames)`;
}

export function describeCrowds(part: CrowdPart): string[] {
  const { estimators } = part;
  const lines = [
    `Labelled crowds: ${part.dir}, ${part.devices.length} devices, ${part.crowdsPerK} crowds per k, truth = k`,
    ...table(
      ['k', ...estimators.map((e) => `${e.estimator} MAPE`), ...estimators.map((e) => `${e.estimator} signed errors`)],
      estimators[0]!.mapeByK.map(({ k }, row) => [
        String(k),
        ...estimators.map((e) => percent(e.mapeByK[row]!.mape)),
        ...estimators.map((e) => e.crowds.filter((c) => c.k === k).map((c) => percent(c.error, true)).join(' ')),
      ]),
    ),
  ];
  for (const e of estimators) {
    lines.push(`${e.estimator}: overall MAPE ${percent(e.mape)}; worst crowd k = ${e.worst.k}, estimate ${e.worst.estimate}, error ${percent(e.worst.error, true)}, drew:`);
    lines.push(...e.worst.members.map((member) => `    ${describeMember(member)}`));
    lines.push(...describeTargets(e.targets));
  }
  return lines;
}
