/**
 * Memory over a simulated week: a store's seven days of windows through the pipeline as fast as
 * it goes, heap and RSS sampled after a forced garbage collection at the end of every window.
 * Flat means less than 5% growth after the first day: the first day warms up (compiled code,
 * SQLite's page cache, the first busy windows), so growth is the largest value of the last day
 * over the largest value of the second day, like for like (busy hours against busy hours).
 */
import { runSimulated } from './in-process.js';
import { verdict } from './measure.js';

export interface SoakSample {
  window: string;
  frames: number;
  heapMb: number;
  rssMb: number;
}

export interface SoakResult {
  samples: SoakSample[];
  heapGrowth: number;
  rssGrowth: number;
}

const MB = 1024 * 1024;
const WEEK_START = Date.UTC(2026, 10, 23);

/** The largest value of the last day over the largest value of the second day, minus 1. */
function growthAfterFirstDay(values: number[]): number {
  const secondDay = Math.max(...values.slice(24, 48));
  return Math.max(...values.slice(-24)) / secondDay - 1;
}

export async function soak(days: number, log: (line: string) => void): Promise<SoakResult> {
  if (days < 3) throw new Error('the soak needs at least 3 days: the first warms up, the second is the baseline');
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('the soak needs node --expose-gc');
  const samples: SoakSample[] = [];
  await runSimulated({
    venue: { seed: 'footfall-soak', startMs: WEEK_START, hours: days * 24 },
    speed: Number.POSITIVE_INFINITY,
    onReport: (report) => {
      gc();
      const memory = process.memoryUsage();
      samples.push({ window: report.window.start, frames: report.wifi?.frames ?? 0, heapMb: memory.heapUsed / MB, rssMb: memory.rss / MB });
      if (samples.length % 24 === 0) {
        const day = samples.slice(-24);
        const frames = day.reduce((sum, s) => sum + s.frames, 0);
        log(`  day ${samples.length / 24}: ${frames.toLocaleString('en')} frames, heap ${Math.max(...day.map((s) => s.heapMb)).toFixed(1)} MB, RSS ${Math.max(...day.map((s) => s.rssMb)).toFixed(1)} MB`);
      }
    },
  });
  return { samples, heapGrowth: growthAfterFirstDay(samples.map((s) => s.heapMb)), rssGrowth: growthAfterFirstDay(samples.map((s) => s.rssMb)) };
}

export function describeSoak(result: SoakResult): string[] {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  return [
    `Memory over ${result.samples.length} windows (${result.samples.length / 24} simulated days), sampled after GC at each window's end:`,
    `  growth from the second day to the last: heap ${pct(result.heapGrowth)}, RSS ${pct(result.rssGrowth)}   (target < 5%: ${verdict(result.heapGrowth < 0.05 && result.rssGrowth < 0.05)})`,
  ];
}
