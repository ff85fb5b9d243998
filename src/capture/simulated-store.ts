/**
 * A simulated store as capture sources, for `footfall demo` and the benchmark: the venue model's
 * probe requests and, with `ble`, the store's Bluetooth population's advertisements, merged in
 * time order and delivered at simulated time sped up `speed` times against the wall clock. Each
 * frame is encoded as its radio delivers it (a radiotap frame from the monitor interface, an HCI
 * LE Advertising Report from the controller) and goes through the same parsers as real frames.
 *
 * The two radios hear one store on one clock, so they are one stream behind two sources: the
 * Sensor sees a Wi-Fi and a BLE source as on a sensor, and no frame of one can arrive after the
 * other has moved the capture-time clock past it.
 */
import type { Logger } from '../log/logger.js';
import { h4WithPhdr, hciReportOf, leAdvertisingReport } from '../sim/ble-frames.js';
import { bleAdvertisements, type BleAdvertisement, type BleVenueOptions } from '../sim/ble-venue.js';
import type { Emission } from '../sim/device.js';
import { encodeFrame, LINKTYPE, MAX_FRAME_BYTES } from '../sim/frames.js';
import { OCCUPANCY_SLOT_MINUTES, type WindowTruth } from '../sim/truth.js';
import { resolveVenueOptions, venueEmissions, type VenueOptions } from '../sim/venue.js';
import { LINKTYPE_BLUETOOTH_HCI_H4_WITH_PHDR } from './ble/ble-frame.js';
import { BleFrameDelivery } from './ble/frame-delivery.js';
import { emptySighting, type SightingSink } from './sighting.js';
import type { CaptureSource, SourceKind, SourceStats } from './source.js';
import { FrameVerdict, parseWifiFrame } from './wifi/frame.js';

const SLOT_MS = OCCUPANCY_SLOT_MINUTES * 60_000;

/** Frames delivered before the store lets timers and sockets (the MQTT client) run. */
const BURST = 512;

export interface SimulatedStoreOptions {
  /** The Wi-Fi venue: who comes, stays and passes by, and when. */
  venue: VenueOptions & { startMs: number };
  /** The store's BLE population, over the same time; none: Wi-Fi only. */
  ble?: Omit<BleVenueOptions, 'startMs' | 'durationMs'>;
  /** Simulated seconds per wall-clock second. */
  speed: number;
  logger: Logger;
  /** What really happened in each Wi-Fi window, for showing beside the reports. */
  onTruth?: (truth: WindowTruth) => void;
  /** The BLE devices the sensor heard in each window (of the venue's window length), before any frame after it. */
  onBleTruth?: (truth: BleHeardTruth) => void;
}

export interface BleHeardTruth {
  startMs: number;
  /** Devices heard in the window. */
  devices: number;
  /** Devices heard in each 5-minute slot of the window (the store's BLE devices are all inside it). */
  occupancyHeard: number[];
}

/** One radio of the store, as the Sensor sees it. */
class SimulatedRadio implements CaptureSource {
  frames = 0;

  constructor(
    readonly kind: SourceKind,
    readonly description: string,
    private readonly store: SimulatedStore,
  ) {}

  run(sink: SightingSink): Promise<void> {
    return this.store.run(sink);
  }

  stop(): Promise<void> {
    return this.store.stop();
  }

  stats(): SourceStats {
    return { frames: this.frames, dropped: 0 };
  }
}

export class SimulatedStore {
  /** The Wi-Fi source, then the BLE one when the store has a BLE population. */
  readonly sources: readonly CaptureSource[];
  private readonly wifi: SimulatedRadio;
  private readonly ble: SimulatedRadio | undefined;
  private readonly sighting = emptySighting('wifi');
  private readonly frame = Buffer.alloc(MAX_FRAME_BYTES);
  private readonly bleDelivery = new BleFrameDelivery();
  private readonly durationMs: number;
  /** The length of the truth windows: the venue's. */
  private readonly windowMs: number;
  /** The BLE devices heard in the current truth window, and in each of its slots. */
  private bleTruth: { startMs: number; devices: Set<number>; slots: Set<number>[] } | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private wake: (() => void) | undefined;

  constructor(private readonly options: SimulatedStoreOptions) {
    const venue = resolveVenueOptions(options.venue);
    this.durationMs = venue.hours * 3_600_000;
    this.windowMs = venue.windowMinutes * 60_000;
    this.wifi = new SimulatedRadio('wifi', 'simulated store (Wi-Fi)', this);
    this.ble = options.ble === undefined ? undefined : new SimulatedRadio('ble', 'simulated store (BLE)', this);
    this.sources = this.ble === undefined ? [this.wifi] : [this.wifi, this.ble];
  }

  /** Runs the store once, whichever of its sources asks first; the other joins the same run. */
  run(sink: SightingSink): Promise<void> {
    this.running ??= this.simulate(sink);
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
  }

  private async simulate(sink: SightingSink): Promise<void> {
    const { venue, speed } = this.options;
    const wifiFrames = venueEmissions(venue, this.options.onTruth);
    const bleFrames = this.options.ble === undefined ? undefined : bleAdvertisements({ ...this.options.ble, startMs: venue.startMs, durationMs: this.durationMs });
    let nextWifi = wifiFrames.next();
    let nextBle = bleFrames?.next();
    const wallStart = performance.now();
    let burst = 0;
    while (!this.stopped) {
      const wifiFirst = !nextWifi.done && (nextBle === undefined || nextBle.done === true || nextWifi.value.timeMs <= nextBle.value.timeMs);
      const timeMs = wifiFirst ? nextWifi.value!.timeMs : nextBle?.done === false ? nextBle.value.timeMs : undefined;
      if (timeMs === undefined) break;
      // The sensor closes a window at the first frame after it: its truth is complete by then.
      if (this.bleTruth !== undefined && timeMs >= this.bleTruth.startMs + this.windowMs) this.reportBleTruth();
      const dueInMs = wallStart + (timeMs - venue.startMs) / speed - performance.now();
      if (dueInMs > 1 || ++burst === BURST) {
        burst = 0;
        await this.pause(Math.max(0, dueInMs));
        if (this.stopped) break;
      }
      if (wifiFirst) {
        this.deliverWifi(nextWifi.value as Emission, sink);
        nextWifi = wifiFrames.next();
      } else {
        this.deliverBle(nextBle!.value as BleAdvertisement, sink);
        nextBle = bleFrames!.next();
      }
    }
    this.reportBleTruth();
    this.options.logger.debug('simulation ended', { wifi_frames: this.wifi.frames, ble_frames: this.ble?.frames, stopped: this.stopped });
  }

  private deliverWifi(emission: Emission, sink: SightingSink): void {
    this.wifi.frames++;
    const length = encodeFrame(emission, { linkType: LINKTYPE.IEEE802_11_RADIOTAP, layout: 'esp32' }, this.frame);
    const verdict = parseWifiFrame(LINKTYPE.IEEE802_11_RADIOTAP, this.frame, 0, length, this.sighting, { checkFcs: true });
    if (verdict === FrameVerdict.Accepted) {
      this.sighting.timeMs = emission.timeMs;
      sink.onSighting(this.sighting);
    } else {
      sink.onMalformed('wifi', emission.timeMs);
    }
  }

  /** As the controller reports it to the host: an LE Advertising Report event. */
  private deliverBle(advertisement: BleAdvertisement, sink: SightingSink): void {
    this.ble!.frames++;
    const startMs = Math.floor(advertisement.timeMs / this.windowMs) * this.windowMs;
    this.bleTruth ??= { startMs, devices: new Set(), slots: Array.from({ length: Math.ceil(this.windowMs / SLOT_MS) }, () => new Set<number>()) };
    this.bleTruth.devices.add(advertisement.deviceId);
    this.bleTruth.slots[Math.floor((advertisement.timeMs - startMs) / SLOT_MS)]!.add(advertisement.deviceId);
    const event = h4WithPhdr(true, leAdvertisingReport([hciReportOf(advertisement, false)]));
    this.bleDelivery.deliver(LINKTYPE_BLUETOOTH_HCI_H4_WITH_PHDR, event, 0, event.length, event.length, advertisement.timeMs, sink);
  }

  private reportBleTruth(): void {
    if (this.bleTruth !== undefined) {
      const { startMs, devices, slots } = this.bleTruth;
      this.options.onBleTruth?.({ startMs, devices: devices.size, occupancyHeard: slots.map((slot) => slot.size) });
    }
    this.bleTruth = undefined;
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
