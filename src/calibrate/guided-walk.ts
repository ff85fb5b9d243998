/**
 * The installer's walk, guided at a terminal: the phone at 1 m, then at the distances asked for
 * (or wherever the installer says they stand), each sampled for a set time with a live readout,
 * and a warning with a choice whenever the samples cannot be trusted: the phone not heard, a
 * spread too wide, a median that does not fall with distance. The terminal and the feed are
 * injected, so the walk runs the same against the radios, the daemon or a test.
 */
import type { PhoneMarker } from '../capture/phone-marker.js';
import type { SourceKind } from '../capture/source.js';
import { OperatorError } from '../cli/errors.js';
import type { MarkedSample } from '../privacy/marked-phone-tap.js';
import { SOURCE_LABELS, type SamplesByDistance } from './calibration-result.js';
import { checkFalling, checkSpread, summarizeDistance, type DistanceSummary } from './path-loss.js';
import type { SampleFeed } from './sample-feed.js';
import { parseDistance, type ZoneRadius } from './zone-radii.js';

/** The installer's side of the walk. */
export interface WalkTerminal {
  say(text: string): void;
  /** Rewrites the live readout in place; null ends it (the last readout stays). */
  readout(text: string | null): void;
  /** Asks a question; resolves with the answer as typed, trimmed. */
  ask(question: string): Promise<string>;
}

export interface GuidedWalkOptions {
  feed: SampleFeed;
  marker: PhoneMarker;
  zones: readonly ZoneRadius[];
  /** How long each distance is sampled. */
  sampleSeconds: number;
  terminal: WalkTerminal;
  /** Ends the walk (Ctrl-C, SIGTERM): run() rejects with the signal's reason once the feed is stopped. */
  signal?: AbortSignal;
}

/** How often the live readout is redrawn. */
const READOUT_MS = 500;
/** Distances worth sampling whatever the zones: doublings from 1 m keep the points evenly spread on the fit's log scale. */
const DOUBLINGS_M = [1, 2, 4, 8, 16, 32];

/** The distances to ask for: the doublings up to the farthest zone, and each zone's radius (its edge). */
export function distancePlan(zones: readonly ZoneRadius[]): number[] {
  const farthest = Math.max(...zones.map((zone) => zone.radiusM), 2);
  const distances = new Set([...DOUBLINGS_M.filter((d) => d <= farthest), ...zones.map((zone) => zone.radiusM)]);
  return [...distances].sort((a, b) => a - b);
}

function summaryText(samples: readonly number[]): string {
  if (samples.length === 0) return 'not heard';
  const summary = summarizeDistance(1, samples);
  return `${samples.length} samples, median ${summary.medianDbm} dBm, spread ${Number(summary.iqrDb.toFixed(1))} dB`;
}

/** What to check on the phone when a radio does not hear it. */
function notHeardHint(source: SourceKind, marker: PhoneMarker): string {
  return source === 'wifi'
    ? `is the hidden network saved on the phone exactly as given (${marker.describe()}), Wi-Fi on, and its Wi-Fi settings screen open? Phones probe for hidden networks while they scan.`
    : `is the beacon app advertising exactly what was given (${marker.describe()}), with Bluetooth on and the screen awake?`;
}

export class GuidedWalk {
  private collecting: Map<SourceKind, number[]> | null = null;
  private failure: { error: unknown } | undefined;
  private readonly measured = new Map<SourceKind, SamplesByDistance>();

  constructor(private readonly options: GuidedWalkOptions) {}

  /** Walks until the plan is done or the installer says so; resolves with the samples kept, by radio and distance. */
  async run(): Promise<Map<SourceKind, SamplesByDistance>> {
    const { feed, terminal } = this.options;
    const sources = await feed.start(
      (sample) => this.onSample(sample),
      (error) => {
        this.failure = { error };
      },
    );
    try {
      terminal.say(`Sampling through ${feed.description}: ${sources.map((source) => SOURCE_LABELS[source]).join(' and ')}.`);
      await this.walk(sources);
    } finally {
      await feed.stop();
    }
    return this.measured;
  }

  private onSample(sample: MarkedSample): void {
    this.collecting?.get(sample.source)?.push(sample.rssi);
  }

  private async walk(sources: readonly SourceKind[]): Promise<void> {
    const { terminal } = this.options;
    const plan = distancePlan(this.options.zones);
    let next = 0;
    for (;;) {
      const suggested = plan[next];
      const answer = (await terminal.ask(this.question(suggested))).toLowerCase();
      if (answer === 'd' || (answer === '' && suggested === undefined)) {
        if (this.enoughDistances()) return;
        terminal.say('At least two distances are needed for a fit: sample one more.');
        continue;
      }
      if (answer === 's' && suggested !== undefined) {
        next++;
        continue;
      }
      let distance: number;
      try {
        distance = answer === '' ? suggested! : parseDistance(answer);
      } catch (error) {
        if (!(error instanceof OperatorError)) throw error;
        terminal.say(error.message);
        continue;
      }
      if (await this.sampleUntilKept(distance, sources)) next++;
    }
  }

  private question(suggested: number | undefined): string {
    if (suggested === undefined) return 'Type another distance in metres to sample there too, or press Enter to finish:';
    if (this.measured.size === 0 && suggested === 1) {
      return 'Hold the phone 1 m from the sensor, at the height people carry theirs, and press Enter (or type the distance in metres you are at):';
    }
    return `Walk to ${suggested} m from the sensor and press Enter (or type the distance in metres you are at; s skips it, d when done):`;
  }

  private enoughDistances(): boolean {
    return [...this.measured.values()].some((byDistance) => byDistance.size >= 2);
  }

  /** Samples at `distance` until the installer keeps the samples or drops them; true when kept. */
  private async sampleUntilKept(distance: number, sources: readonly SourceKind[]): Promise<boolean> {
    const { terminal, marker } = this.options;
    for (;;) {
      const samples = await this.sample(distance, sources);
      const warnings: string[] = [];
      for (const source of sources) {
        const label = SOURCE_LABELS[source];
        const values = samples.get(source)!;
        if (values.length === 0) {
          warnings.push(`${label}: the phone was not heard at ${distance} m: ${notHeardHint(source, marker)}`);
          continue;
        }
        const point = summarizeDistance(distance, values);
        const spread = checkSpread(point);
        if (spread !== undefined) warnings.push(`${label}: ${spread.message}`);
        const others = [...(this.measured.get(source) ?? new Map<number, number[]>())].filter(([d]) => d !== distance);
        const points: DistanceSummary[] = [...others.map(([d, v]) => summarizeDistance(d, v)), point];
        for (const rising of checkFalling(points)) {
          if (rising.kind === 'rising' && (rising.nearerM === distance || rising.fartherM === distance)) warnings.push(`${label}: ${rising.message}`);
        }
      }
      if (warnings.length > 0) {
        for (const warning of warnings) terminal.say(`warning: ${warning}`);
        const choice = (await terminal.ask('Press r to sample here again, k to keep these samples, or s to drop them:')).toLowerCase();
        if (choice === 'r') continue;
        if (choice !== 'k') return false;
      }
      for (const source of sources) {
        const values = samples.get(source)!;
        if (values.length === 0) continue;
        const byDistance = this.measured.get(source) ?? new Map<number, number[]>();
        this.measured.set(source, byDistance);
        byDistance.set(distance, values);
      }
      return true;
    }
  }

  /** Waits, or less when the walk is ended meanwhile. */
  private pause(ms: number): Promise<void> {
    const signal = this.options.signal;
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done);
    });
  }

  private async sample(distance: number, sources: readonly SourceKind[]): Promise<Map<SourceKind, number[]>> {
    const { terminal, sampleSeconds } = this.options;
    const samples = new Map(sources.map((source) => [source, [] as number[]]));
    const endMs = Date.now() + sampleSeconds * 1000;
    this.collecting = samples;
    try {
      for (;;) {
        if (this.failure !== undefined) throw this.failure.error;
        this.options.signal?.throwIfAborted();
        const leftMs = endMs - Date.now();
        const parts = sources.map((source) => `${SOURCE_LABELS[source]} ${summaryText(samples.get(source)!)}`);
        terminal.readout(`${distance} m, ${Math.max(0, Math.ceil(leftMs / 1000))} s left: ${parts.join(' | ')}`);
        if (leftMs <= 0) break;
        await this.pause(Math.min(READOUT_MS, leftMs));
      }
    } finally {
      this.collecting = null;
      terminal.readout(null);
    }
    return samples;
  }
}
