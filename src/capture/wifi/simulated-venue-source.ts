/**
 * A simulated store as a capture source, for `footfall demo`: the venue model's probe requests
 * are encoded as radiotap frames and go through the same frame parser as real captures, at
 * simulated time sped up `speed` times against the wall clock.
 */
import type { Logger } from '../../log/logger.js';
import { encodeFrame, LINKTYPE, MAX_FRAME_BYTES } from '../../sim/frames.js';
import type { WindowTruth } from '../../sim/truth.js';
import { venueEmissions, type VenueOptions } from '../../sim/venue.js';
import { emptySighting, type SightingSink } from '../sighting.js';
import type { CaptureSource, SourceStats } from '../source.js';
import { FrameVerdict, parseWifiFrame } from './frame.js';

/** Frames delivered before the source lets timers and sockets (the MQTT client) run. */
const BURST = 512;

export interface SimulatedVenueSourceOptions {
  venue: VenueOptions & { startMs: number };
  /** Simulated seconds per wall-clock second. */
  speed: number;
  logger: Logger;
  /** What really happened in each window, for showing beside the reports. */
  onTruth?: (truth: WindowTruth) => void;
}

export class SimulatedVenueSource implements CaptureSource {
  readonly kind = 'wifi' as const;
  readonly description = 'simulated store';
  private readonly sighting = emptySighting('wifi');
  private readonly frame = Buffer.alloc(MAX_FRAME_BYTES);
  private frames = 0;
  private stopped = false;
  private wake: (() => void) | undefined;

  constructor(private readonly options: SimulatedVenueSourceOptions) {}

  stats(): SourceStats {
    return { frames: this.frames, dropped: 0 };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
  }

  async run(sink: SightingSink): Promise<void> {
    const { venue, speed } = this.options;
    const emissions = venueEmissions(venue, this.options.onTruth);
    const wallStart = performance.now();
    let burst = 0;
    for (const emission of emissions) {
      if (this.stopped) break;
      const dueInMs = wallStart + (emission.timeMs - venue.startMs) / speed - performance.now();
      if (dueInMs > 1 || ++burst === BURST) {
        burst = 0;
        await this.pause(Math.max(0, dueInMs));
        if (this.stopped) break;
      }
      this.frames++;
      const length = encodeFrame(emission, { linkType: LINKTYPE.IEEE802_11_RADIOTAP, layout: 'esp32' }, this.frame);
      const verdict = parseWifiFrame(LINKTYPE.IEEE802_11_RADIOTAP, this.frame, 0, length, this.sighting, { checkFcs: true });
      if (verdict === FrameVerdict.Accepted) {
        this.sighting.timeMs = emission.timeMs;
        sink.onSighting(this.sighting);
      } else {
        sink.onMalformed('wifi', emission.timeMs);
      }
    }
    this.options.logger.debug('simulation ended', { frames: this.frames, stopped: this.stopped });
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.wake?.(), ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }
}
