/**
 * What leaves the privacy boundary of the installer's marked phone during `footfall calibrate`:
 * its source, RSSI and time, nothing else. The tap sits between the capture sources and the
 * Pseudonymizer, passes every frame on unchanged (the installer is a device in the venue like
 * any other), and copies out the marked frames' signal strength while a listener wants it.
 */
import type { Sighting, SightingSink } from '../capture/sighting.js';
import type { SourceKind } from '../capture/source.js';

/** One frame of the marked phone: never its address. */
export interface MarkedSample {
  source: SourceKind;
  /** Capture time, milliseconds since the Unix epoch. */
  timeMs: number;
  rssi: number;
}

export type MarkedSampleListener = (sample: MarkedSample) => void;

export class MarkedPhoneTap implements SightingSink {
  private listener: MarkedSampleListener | null = null;

  /** `next` gets every frame; null when only the marked phone is wanted (calibrating with no daemon). */
  constructor(private readonly next: SightingSink | null) {}

  /** Hands the marked frames to `listener` from now on; null stops. */
  listen(listener: MarkedSampleListener | null): void {
    this.listener = listener;
  }

  onSighting(sighting: Sighting): void {
    // A frame without RSSI (some capture formats) says nothing about distance.
    if (sighting.marked && this.listener !== null && !Number.isNaN(sighting.rssi)) {
      this.listener({ source: sighting.source, timeMs: sighting.timeMs, rssi: sighting.rssi });
    }
    this.next?.onSighting(sighting);
  }

  onMalformed(source: SourceKind, timeMs: number): void {
    this.next?.onMalformed(source, timeMs);
  }
}
