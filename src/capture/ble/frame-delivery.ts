/**
 * From a captured BLE frame to the sink: parse, count the verdict, hand each advertiser the
 * frame names to the sink as the one reused Sighting.
 */
import type { PhoneMarker } from '../phone-marker.js';
import { emptySighting, type Sighting, type SightingSink } from '../sighting.js';
import { BleVerdict, LINKTYPE_BLUETOOTH_HCI_H4_WITH_PHDR, parseBleFrame } from './ble-frame.js';
import { BTSNOOP_DATALINK_H4, BTSNOOP_DATALINK_HCI } from './btsnoop-reader.js';

/** What became of the frames parsed so far. */
export interface BleVerdictCounts {
  accepted: number;
  ignored: number;
  malformed: number;
  badCrc: number;
}

/** The link type a frame is parsed as: btsnoop records come from the reader as LINKTYPE_BLUETOOTH_HCI_H4_WITH_PHDR. */
function frameLinkType(linkType: number): number {
  return linkType === BTSNOOP_DATALINK_H4 || linkType === BTSNOOP_DATALINK_HCI ? LINKTYPE_BLUETOOTH_HCI_H4_WITH_PHDR : linkType;
}

export class BleFrameDelivery {
  readonly counts: BleVerdictCounts = { accepted: 0, ignored: 0, malformed: 0, badCrc: 0 };
  private readonly sighting = emptySighting('ble');
  /** The installer's phone to mark while a calibration runs; null otherwise. */
  marker: PhoneMarker | null = null;
  private sink: SightingSink | undefined;
  private timeMs = 0;
  private buf: Uint8Array = new Uint8Array(0);
  private readonly emit = (sighting: Sighting): void => {
    sighting.timeMs = this.timeMs;
    sighting.marked = this.marker !== null && this.marker.matchesAdvertisingData(this.buf, sighting.payloadStart, sighting.payloadEnd);
    this.sink!.onSighting(sighting);
  };

  /**
   * Parses `buf[start, start + length)`, a frame of `linkType` (or of a btsnoop datalink), and
   * tells the sink what it was. A frame the snap length cut short is found by its own length fields.
   */
  deliver(linkType: number, buf: Buffer, start: number, length: number, _originalLength: number, timeMs: number, sink: SightingSink): void {
    this.sink = sink;
    this.timeMs = timeMs;
    this.buf = buf;
    switch (parseBleFrame(frameLinkType(linkType), buf, start, length, this.sighting, this.emit)) {
      case BleVerdict.Accepted:
        this.counts.accepted++;
        break;
      case BleVerdict.Ignored:
        this.counts.ignored++;
        break;
      case BleVerdict.Malformed:
        this.counts.malformed++;
        sink.onMalformed('ble', timeMs);
        break;
      case BleVerdict.BadCrc:
        this.counts.badCrc++;
        sink.onMalformed('ble', timeMs);
        break;
    }
  }
}
