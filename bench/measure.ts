/** Running whole processes under GNU time, and the statistics the benchmark reports. */
import { spawn } from 'node:child_process';
import fs from 'node:fs';

export const GNU_TIME = '/usr/bin/time';

export interface ProcessRun {
  seconds: number;
  /** Peak resident set size in MB, as the kernel accounted it. */
  peakRssMb: number;
}

export function commandExists(command: string): boolean {
  const dirs = (process.env.PATH ?? '').split(':');
  return dirs.some((dir) => fs.existsSync(`${dir}/${command}`));
}

/**
 * Runs `command` with stdout discarded, under `/usr/bin/time` for its peak RSS; rejects on a
 * non-zero exit. The wall time is taken here, to the microsecond: GNU time gives it in
 * hundredths of a second, 10% of a run as short as tcpdump's.
 */
export function timeProcess(command: string, args: string[]): Promise<ProcessRun> {
  return new Promise((resolve, reject) => {
    const startedMs = performance.now();
    const child = spawn(GNU_TIME, ['-f', 'footfall-bench %M', command, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const match = /footfall-bench (\d+)/.exec(stderr);
      if (code !== 0 || match === null) {
        reject(new Error(`${command} exited with ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
        return;
      }
      resolve({ seconds: (performance.now() - startedMs) / 1000, peakRssMb: Number(match[1]) / 1024 });
    });
  });
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function formatRate(framesPerSecond: number): string {
  return framesPerSecond >= 1e6 ? `${(framesPerSecond / 1e6).toFixed(2)} M/s` : `${Math.round(framesPerSecond / 1000)} k/s`;
}

export function verdict(ok: boolean): string {
  return ok ? 'met' : 'NOT met';
}
