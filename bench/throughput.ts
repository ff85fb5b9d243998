/**
 * Throughput side by side: footfall's whole pipeline (`footfall replay`, SQLite checkpoints, no
 * publishing) against what libpcap alone reads (`tcpdump -r FILE -w /dev/null`) and what
 * existing counters build on (`tshark -r FILE -T fields -e wlan.sa`), on the same file, whole
 * processes, interleaved A B C A B C ..., medians.
 */
import { fileURLToPath } from 'node:url';
import { commandExists, formatRate, median, timeProcess, verdict, type ProcessRun } from './measure.js';

const FOOTFALL = fileURLToPath(new URL('../../../dist/cli/main.js', import.meta.url));

interface Contender {
  name: string;
  command: string;
  args: (file: string) => string[];
  install: string;
}

const CONTENDERS: Contender[] = [
  { name: 'footfall', command: process.execPath, args: (file) => [FOOTFALL, 'replay', file, '--log-level', 'warn'], install: 'npm run build' },
  { name: 'tcpdump', command: 'tcpdump', args: (file) => ['-r', file, '-w', '/dev/null'], install: 'apt-get install tcpdump' },
  { name: 'tshark', command: 'tshark', args: (file) => ['-n', '-r', file, '-T', 'fields', '-e', 'wlan.sa'], install: 'apt-get install tshark' },
];

export interface ThroughputResult {
  frames: number;
  rounds: number;
  runs: Record<string, ProcessRun[]>;
  missing: string[];
  framesPerSecond: Record<string, number>;
  ratios: { tcpdump?: number; tshark?: number };
  footfallPeakRssMb: number;
}

export async function measureThroughput(file: string, frames: number, rounds: number, log: (line: string) => void): Promise<ThroughputResult> {
  const present = CONTENDERS.filter((c) => c.command === process.execPath || commandExists(c.command));
  const missing = CONTENDERS.filter((c) => !present.includes(c)).map((c) => `${c.name} (${c.install})`);
  const runs: Record<string, ProcessRun[]> = Object.fromEntries(present.map((c) => [c.name, []]));
  for (let round = 1; round <= rounds; round++) {
    for (const contender of present) {
      const run = await timeProcess(contender.command, contender.args(file));
      runs[contender.name]!.push(run);
      log(`  round ${round}/${rounds} ${contender.name.padEnd(8)} ${run.seconds.toFixed(3)} s, peak RSS ${run.peakRssMb.toFixed(0)} MB`);
    }
  }
  const framesPerSecond = Object.fromEntries(Object.entries(runs).map(([name, r]) => [name, frames / median(r.map((x) => x.seconds))]));
  const ours = framesPerSecond.footfall!;
  return {
    frames,
    rounds,
    runs,
    missing,
    framesPerSecond,
    ratios: {
      ...(framesPerSecond.tcpdump ? { tcpdump: ours / framesPerSecond.tcpdump } : {}),
      ...(framesPerSecond.tshark ? { tshark: ours / framesPerSecond.tshark } : {}),
    },
    footfallPeakRssMb: Math.max(...runs.footfall!.map((r) => r.peakRssMb)),
  };
}

export function describeThroughput(result: ThroughputResult): string[] {
  const lines = [`Throughput, ${result.frames.toLocaleString('en')} frames, median of ${result.rounds} interleaved runs:`];
  for (const [name, rate] of Object.entries(result.framesPerSecond)) {
    const seconds = median(result.runs[name]!.map((r) => r.seconds));
    lines.push(`  ${name.padEnd(9)} ${seconds.toFixed(3).padStart(7)} s  ${formatRate(rate).padStart(10)}`);
  }
  const { tcpdump, tshark } = result.ratios;
  if (tcpdump !== undefined) lines.push(`  footfall / tcpdump = ${tcpdump.toFixed(3)}   (target >= 0.20: ${verdict(tcpdump >= 0.2)})`);
  if (tshark !== undefined) lines.push(`  footfall / tshark  = ${tshark.toFixed(1)}   (target >= 25: ${verdict(tshark >= 25)})`);
  lines.push(`  footfall peak RSS  = ${result.footfallPeakRssMb.toFixed(0)} MB   (target < 150 MB: ${verdict(result.footfallPeakRssMb < 150)})`);
  for (const missing of result.missing) lines.push(`  not measured: ${missing} is not installed`);
  return lines;
}
