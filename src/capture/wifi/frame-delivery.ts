/**
 * From a captured frame to the sink, for every Wi-Fi source (files and live interfaces): parse,
 * count the verdict, hand an accepted frame to the sink as the one reused Sighting.
 */
import type { PhoneMarker } from '../phone-marker.js';
import { emptySighting, type SightingSink } from '../sighting.js';
import { FrameVerdict, parseWifiFrame, type WifiParseOptions } from './frame.js';

/** Compiles for all four Wi-Fi link types (and only for them: libpcap refuses it on others). */
export const PROBE_REQUEST_FILTER = 'type mgt subtype probe-req';

/** What became of the frames parsed so far. */
export interface WifiVerdictCounts {
  accepted: number;
  ignored: number;
  malformed: number;
  badFcs: number;
}

export class WifiFrameDelivery {
  readonly counts: WifiVerdictCounts = { accepted: 0, ignored: 0, malformed: 0, badFcs: 0 };
  private readonly sighting = emptySighting('wifi');
  /** The installer's phone to mark while a calibration runs; null otherwise. */
  marker: PhoneMarker | null = null;

  constructor(private readonly parseOptions: WifiParseOptions) {}

  /** Parses `buf[start, start + length)`, a frame of `linkType`, and tells the sink what it was. */
  deliver(linkType: number, buf: Buffer, start: number, length: number, originalLength: number, timeMs: number, sink: SightingSink): void {
    switch (parseWifiFrame(linkType, buf, start, length, this.sighting, this.parseOptions, originalLength)) {
      case FrameVerdict.Accepted:
        this.counts.accepted++;
        this.sighting.timeMs = timeMs;
        this.sighting.marked = this.marker !== null && this.marker.matchesProbeElements(buf, this.sighting.payloadStart, this.sighting.payloadEnd);
        sink.onSighting(this.sighting);
        break;
      case FrameVerdict.Ignored:
        this.counts.ignored++;
        break;
      case FrameVerdict.Malformed:
        this.counts.malformed++;
        sink.onMalformed('wifi', timeMs);
        break;
      case FrameVerdict.BadFcs:
        this.counts.badFcs++;
        sink.onMalformed('wifi', timeMs);
        break;
    }
  }
}
