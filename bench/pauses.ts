/**
 * Event-loop pauses while a live window is counted and checkpointed: the benchmark's crowd (a
 * million frames an hour from 50,000 addresses) paced through the pipeline, as a live capture
 * would deliver it but sped up, with the event loop's delay histogram watching.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { BENCHMARK_CAPTURE } from '../src/sim/generate.js';
import { venueForTarget } from '../src/sim/target.js';
import { schema } from '../src/config/schema.js';
import { runSimulated } from './in-process.js';
import { verdict } from './measure.js';

export interface PauseResult {
  speed: number;
  frames: number;
  maxMs: number;
  p99Ms: number;
}

export async function measurePauses(speed: number): Promise<PauseResult> {
  const { frames, addresses, path: _path, layout: _layout, ...venue } = { ...BENCHMARK_CAPTURE, path: '' };
  const tuned = venueForTarget(venue, { frames, addresses });
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  await runSimulated({ venue: { ...tuned, startMs: venue.startMs, hours: venue.hours }, speed });
  histogram.disable();
  return { speed, frames, maxMs: histogram.max / 1e6, p99Ms: histogram.percentile(99) / 1e6 };
}

export function describePauses(result: PauseResult): string[] {
  return [
    `Event-loop pauses, the benchmark's hour paced at ${result.speed}x (${Math.round(result.frames / (3600 / result.speed)).toLocaleString('en')} frames/s), checkpoints every ${schema.store.checkpoint_seconds.default as number} s or 1,000 changed entries:`,
    `  longest ${result.maxMs.toFixed(1)} ms, 99th percentile ${result.p99Ms.toFixed(1)} ms   (target < 50 ms: ${verdict(result.maxMs < 50)})`,
  ];
}
