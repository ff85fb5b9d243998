/**
 * A capture source: where frames come from (a capture file, a monitor interface, a Bluetooth
 * controller, a simulation). The rest of footfall sees sources only through this interface.
 */
import type { PhoneMarker } from './phone-marker.js';
import type { SightingSink } from './sighting.js';

export type SourceKind = 'wifi' | 'ble';

export interface SourceStats {
  /** Frames read from the input so far, whatever became of them (also the replay position). */
  frames: number;
  /** Frames the capture itself lost (kernel or driver drops), as libpcap reports them. */
  dropped: number;
}

/** A stream of frames from a file, an interface, a Bluetooth controller or a simulation. */
export interface CaptureSource {
  readonly kind: SourceKind;
  /** Says what is read, for logs and errors; never contains an address. */
  readonly description: string;
  /** Delivers frames to the sink until the input ends or stop() is called. */
  run(sink: SightingSink): Promise<void>;
  stop(): Promise<void>;
  stats(): SourceStats;
  /**
   * Sources that can wait without hearing anything (a Bluetooth adapter that is missing or off)
   * say what they are doing, for status and health, and whether they can hear frames now: a
   * window reports a source only if it listened in it. Sources without these listen while they run.
   */
  state?(): string;
  listening?(): boolean;
  /** From now on, marks the frames of the installer's phone (null: none), for `footfall calibrate`. */
  mark?(marker: PhoneMarker | null): void;
}
