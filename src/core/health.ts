/** The health payload: how the sensor itself is doing, for the retained `health` topic. */
import type { SourceKind, SourceStats } from '../capture/source.js';
import { isoSeconds } from '../count/windows.js';
import { HEALTH_SCHEMA, type HealthPayload, type SourceHealth } from '../publish/payloads.js';
import type { PipelineTotals } from './pipeline.js';

export interface HealthInputs {
  sensorId: string;
  startedAtMs: number;
  totals: PipelineTotals;
  sources: () => ReadonlyMap<SourceKind, { state: string; stats: SourceStats }>;
  outboxDepth: () => number;
  lastPublish: () => string | null;
  versions: Record<string, string>;
}

/** Builds health payloads; frames per second are measured between two payloads. */
export class HealthReporter {
  private previous: { atMs: number; frames: Partial<Record<SourceKind, number>> };

  constructor(private readonly inputs: HealthInputs) {
    this.previous = { atMs: inputs.startedAtMs, frames: {} };
  }

  payload(nowMs = Date.now()): HealthPayload {
    const { inputs } = this;
    const seconds = Math.max((nowMs - this.previous.atMs) / 1000, 0.001);
    const sources: HealthPayload['sources'] = {};
    const frames: Partial<Record<SourceKind, number>> = {};
    for (const [kind, source] of inputs.sources()) {
      const counted = inputs.totals.frames[kind] ?? 0;
      frames[kind] = counted;
      const health: SourceHealth = {
        state: source.state,
        frames_per_second: Math.round(((counted - (this.previous.frames[kind] ?? 0)) / seconds) * 10) / 10,
        frames: counted,
        malformed: inputs.totals.malformed[kind] ?? 0,
        dropped: source.stats.dropped,
      };
      sources[kind] = health;
    }
    this.previous = { atMs: nowMs, frames };
    return {
      schema: HEALTH_SCHEMA,
      sensor: inputs.sensorId,
      time: isoSeconds(nowMs),
      uptime_seconds: Math.round((nowMs - inputs.startedAtMs) / 1000),
      sources,
      outbox_depth: inputs.outboxDepth(),
      last_publish: inputs.lastPublish(),
      versions: inputs.versions,
    };
  }
}
