/** The health payload: how the sensor itself is doing, for the retained `health` topic and `footfall status`. */
import type { SourceKind, SourceStats } from '../capture/source.js';
import { isoSeconds } from '../count/windows.js';
import { HEALTH_SCHEMA, type HealthPayload, type SourceHealth, type StoreHealth } from '../payloads/payloads.js';
import type { PipelineTotals } from './pipeline.js';

export interface HealthInputs {
  sensorId: string;
  startedAtMs: number;
  totals: PipelineTotals;
  sources: () => ReadonlyMap<SourceKind, { state: string; stats: SourceStats }>;
  outboxDepth: () => number;
  store: () => StoreHealth;
  lastPublish: () => string | null;
  clock: () => { synced: boolean; steps: number };
  versions: Record<string, string>;
}

/** Frames per second are averaged over about this long. */
const RATE_WINDOW_MS = 60_000;

interface Sample {
  atMs: number;
  frames: Partial<Record<SourceKind, number>>;
}

/** Builds health payloads; `sample()` (called every second or so) keeps the rates current. */
export class HealthReporter {
  private readonly samples: Sample[] = [];

  constructor(private readonly inputs: HealthInputs) {}

  /** Remembers the frame counts now, for the rates; keeps about a minute of samples. */
  sample(nowMs = Date.now()): void {
    this.samples.push({ atMs: nowMs, frames: { ...this.inputs.totals.frames } });
    while (this.samples.length > 2 && nowMs - this.samples[1]!.atMs >= RATE_WINDOW_MS) this.samples.shift();
  }

  payload(nowMs = Date.now()): HealthPayload {
    const { inputs } = this;
    const since = this.samples[0] ?? { atMs: inputs.startedAtMs, frames: {} };
    const seconds = Math.max((nowMs - since.atMs) / 1000, 0.001);
    const sources: HealthPayload['sources'] = {};
    for (const [kind, source] of inputs.sources()) {
      const counted = inputs.totals.frames[kind] ?? 0;
      const health: SourceHealth = {
        state: source.state,
        frames_per_second: Math.round(((counted - (since.frames[kind] ?? 0)) / seconds) * 10) / 10,
        frames: counted,
        malformed: inputs.totals.malformed[kind] ?? 0,
        dropped: source.stats.dropped,
      };
      sources[kind] = health;
    }
    const clock = inputs.clock();
    return {
      schema: HEALTH_SCHEMA,
      sensor: inputs.sensorId,
      time: isoSeconds(nowMs),
      uptime_seconds: Math.round((nowMs - inputs.startedAtMs) / 1000),
      sources,
      outbox_depth: inputs.outboxDepth(),
      last_publish: inputs.lastPublish(),
      clock: { synced: clock.synced, steps: clock.steps, held_back_frames: inputs.totals.heldBack },
      store: inputs.store(),
      versions: inputs.versions,
    };
  }
}
