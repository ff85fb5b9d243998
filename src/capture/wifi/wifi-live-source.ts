/**
 * Wi-Fi probe requests from a live interface in monitor mode, read through libpcap: the source
 * behind `footfall run`.
 *
 * With the link type on auto, libpcap must report one of the four 802.11 link types, and a BPF
 * filter in the kernel lets only probe requests through. A forced link type decodes every frame
 * as that type whatever libpcap reports (test benches feed radiotap frames through a virtual
 * Ethernet interface) and filters nothing: the parser ignores what is not a probe request.
 */
import fs from 'node:fs';
import { oneLine, type Logger } from '../../log/logger.js';
import { linkTypeName } from '../capture-file.js';
import { LivePcap, type LivePcapStats } from '../libpcap.js';
import type { PhoneMarker } from '../phone-marker.js';
import type { SightingSink } from '../sighting.js';
import type { CaptureSource, SourceStats } from '../source.js';
import { PROBE_REQUEST_FILTER, WifiFrameDelivery, type WifiVerdictCounts } from './frame-delivery.js';
import { LINKTYPE_IEEE802_11, LINKTYPE_IEEE802_11_AVS, LINKTYPE_IEEE802_11_PRISM, LINKTYPE_IEEE802_11_RADIOTAP } from './frame.js';

/** Exit codes from sysexits.h. */
export const EX_UNAVAILABLE = 69;
export const EX_NOPERM = 77;
export const EX_CONFIG = 78;

/** The config's `capture.wifi.link_type`. */
export type WifiLinkTypeChoice = 'auto' | 'radiotap' | 'ieee802_11' | 'prism' | 'avs';

const FORCED_LINK_TYPES: Readonly<Record<Exclude<WifiLinkTypeChoice, 'auto'>, number>> = {
  radiotap: LINKTYPE_IEEE802_11_RADIOTAP,
  ieee802_11: LINKTYPE_IEEE802_11,
  prism: LINKTYPE_IEEE802_11_PRISM,
  avs: LINKTYPE_IEEE802_11_AVS,
};
const WIFI_LINK_TYPES: ReadonlySet<number> = new Set(Object.values(FORCED_LINK_TYPES));

/** At most one warning about dropped frames in this long. */
const DROP_WARNING_INTERVAL_MS = 60_000;

/** An interface that cannot be captured on; one line that says what to do, and an exit code. */
export class CaptureInterfaceError extends Error {
  override readonly name = 'CaptureInterfaceError';
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** libpcap's reason for not opening `name`, as what the operator can do about it. */
export function openFailure(name: string, error: unknown): CaptureInterfaceError {
  const reason = oneLine(error);
  if (/no such device/i.test(reason)) {
    return new CaptureInterfaceError(
      `capture interface ${name} does not exist; check capture.wifi.interface (ip link lists the interfaces) and that the Wi-Fi adapter is plugged in`,
      EX_UNAVAILABLE,
    );
  }
  if (/permission|not permitted/i.test(reason)) {
    return new CaptureInterfaceError(
      `no permission to capture on ${name} (${reason}); run footfall as root or give it the capabilities CAP_NET_RAW and CAP_NET_ADMIN`,
      EX_NOPERM,
    );
  }
  if (/not up/i.test(reason)) {
    return new CaptureInterfaceError(`capture interface ${name} is down; bring it up with: ip link set ${name} up`, EX_UNAVAILABLE);
  }
  return new CaptureInterfaceError(`cannot capture on ${name}: ${reason}`, EX_UNAVAILABLE);
}

/** The interface delivers frames of a link type that is not 802.11 (`found`, as libpcap reports it). */
export function notWifiFailure(name: string, found: number): CaptureInterfaceError {
  return new CaptureInterfaceError(
    `${name} delivers ${linkTypeName(found)} frames (link type ${found}), not 802.11 frames: it is not in monitor mode; ` +
      `put the adapter in monitor mode, or set capture.wifi.create_monitor: true to have footfall make a monitor interface from it`,
    EX_CONFIG,
  );
}

/**
 * libpcap's drop counters as one total that only grows. The counters are unsigned 32-bit and
 * libpcap derives the interface's from sysfs counters that a driver reset sets back, which
 * shows as a jump of almost 2^32: a step is read as a signed 32-bit difference and a negative
 * one is no growth.
 */
export class DropTotal {
  total = 0;
  private last: LivePcapStats = { received: 0, dropped: 0, interfaceDropped: 0 };

  add(stats: LivePcapStats): void {
    this.total += growth(stats.dropped, this.last.dropped) + growth(stats.interfaceDropped, this.last.interfaceDropped);
    this.last = stats;
  }
}

function growth(now: number, before: number): number {
  return Math.max(0, (now - before) | 0);
}

export interface WifiLiveSourceOptions {
  /** The monitor interface (config `capture.wifi.interface`, or the monitor interface made from it). */
  interface: string;
  /** Config `capture.wifi.link_type`. */
  linkType: WifiLinkTypeChoice;
  /** Drop frames whose FCS is wrong (config `capture.wifi.check_fcs`). */
  checkFcs: boolean;
  /** Kernel capture buffer (config `capture.wifi.buffer_kb`). */
  bufferKb: number;
  logger: Logger;
}

export class WifiLiveSource implements CaptureSource {
  readonly kind = 'wifi' as const;
  readonly description: string;

  private readonly delivery: WifiFrameDelivery;
  private readonly drops = new DropTotal();
  private pcap: LivePcap | undefined;
  private framesRead = 0;
  private started = false;
  private stopped = false;
  /** Settles the run in progress: without a failure when stopped, with it otherwise. */
  private settle: ((failure?: { error: unknown }) => void) | undefined;
  private lastDropWarningMs = Number.NEGATIVE_INFINITY;
  private droppedAtWarning = 0;

  constructor(private readonly options: WifiLiveSourceOptions) {
    this.description = `Wi-Fi interface ${options.interface}`;
    this.delivery = new WifiFrameDelivery({ checkFcs: options.checkFcs });
  }

  /** Frames read and frames the kernel or the driver dropped, since run() began. */
  stats(): SourceStats {
    if (this.pcap) this.drops.add(this.pcap.stats());
    this.warnOfNewDrops();
    return { frames: this.framesRead, dropped: this.drops.total };
  }

  frameCounts(): WifiVerdictCounts {
    return { ...this.delivery.counts };
  }

  mark(marker: PhoneMarker | null): void {
    this.delivery.marker = marker;
  }

  /** Ends the run (it resolves); stop() before run() makes run() return at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.end();
  }

  /**
   * Opens the interface and delivers frames until stop(). Rejects with a CaptureInterfaceError
   * when the interface cannot be opened or goes away, or with what the sink threw.
   */
  async run(sink: SightingSink): Promise<void> {
    if (this.started) throw new Error('a WifiLiveSource runs once');
    this.started = true;
    if (this.stopped) return;
    const { pcap, linkType } = this.open();
    this.pcap = pcap;
    const { delivery } = this;
    const onPacket = () => {
      // A throw here would unwind through libpcap's callback and end the process.
      try {
        this.framesRead++;
        delivery.deliver(linkType, pcap.packet, 0, pcap.capturedLength(), pcap.originalLength(), pcap.timeMs(), sink);
      } catch (error) {
        this.end({ error });
      }
    };
    try {
      await new Promise<void>((resolve, reject) => {
        this.settle = (failure) => (failure ? reject(failure.error) : resolve());
        pcap.start(onPacket, () => this.end({ error: this.readFailure() }));
      });
    } finally {
      const counts = this.delivery.counts;
      this.options.logger.info('capture stopped', {
        interface: this.options.interface,
        frames: this.framesRead,
        accepted: counts.accepted,
        ignored: counts.ignored,
        malformed: counts.malformed,
        bad_fcs: counts.badFcs,
        dropped: this.drops.total,
      });
    }
  }

  private end(failure?: { error: unknown }): void {
    const settle = this.settle;
    if (!settle) return;
    this.settle = undefined;
    this.drops.add(this.pcap!.stats());
    this.pcap!.close();
    settle(failure);
  }

  private newPcap(filter: string): LivePcap {
    const { interface: name, bufferKb, logger } = this.options;
    return new LivePcap({ interface: name, filter, bufferKb, onWarning: (text) => logger.debug('libpcap warning', { interface: name, text }) });
  }

  private open(): { pcap: LivePcap; linkType: number } {
    const { interface: name, linkType: choice, bufferKb, logger } = this.options;
    if (choice === 'auto') {
      const opened = this.openWifi();
      logger.info('capturing', { interface: name, link_type: linkTypeName(opened.linkType), filter: PROBE_REQUEST_FILTER, buffer_kb: bufferKb });
      return opened;
    }
    const { pcap, reported } = this.openUnfiltered();
    const linkType = FORCED_LINK_TYPES[choice];
    logger.info('capturing', {
      interface: name,
      link_type: linkTypeName(linkType),
      reported_link_type: reported === linkType ? undefined : linkTypeName(reported),
      filter: 'none',
      buffer_kb: bufferKb,
    });
    return { pcap, linkType };
  }

  /** Opens without a filter; returns the link type libpcap reports. */
  private openUnfiltered(): { pcap: LivePcap; reported: number } {
    const pcap = this.newPcap('');
    try {
      return { pcap, reported: pcap.open() };
    } catch (error) {
      throw openFailure(this.options.interface, error);
    }
  }

  /** Opens with the probe-request filter; the link type libpcap reports has to be an 802.11 one. */
  private openWifi(): { pcap: LivePcap; linkType: number } {
    const name = this.options.interface;
    const pcap = this.newPcap(PROBE_REQUEST_FILTER);
    let reported: number;
    try {
      reported = pcap.open();
    } catch (filteredError) {
      // The filter compiles only for 802.11 link types: open without it to learn what the
      // interface is, or why it cannot be opened at all.
      const unfiltered = this.openUnfiltered();
      unfiltered.pcap.close();
      throw WIFI_LINK_TYPES.has(unfiltered.reported) ? openFailure(name, filteredError) : notWifiFailure(name, unfiltered.reported);
    }
    if (!WIFI_LINK_TYPES.has(reported)) {
      pcap.close();
      throw notWifiFailure(name, reported);
    }
    return { pcap, linkType: reported };
  }

  private readFailure(): CaptureInterfaceError {
    const name = this.options.interface;
    if (!fs.existsSync(`/sys/class/net/${name}`)) {
      return new CaptureInterfaceError(`capture interface ${name} disappeared (was the Wi-Fi adapter unplugged or reset?)`, EX_UNAVAILABLE);
    }
    return new CaptureInterfaceError(`libpcap stopped reading from ${name}; check the adapter (ip link show ${name}, dmesg)`, EX_UNAVAILABLE);
  }

  private warnOfNewDrops(): void {
    const dropped = this.drops.total;
    const nowMs = performance.now();
    if (dropped === this.droppedAtWarning || nowMs - this.lastDropWarningMs < DROP_WARNING_INTERVAL_MS) return;
    this.options.logger.warn('frames were dropped (the capture buffer was full, or the driver dropped them); raise capture.wifi.buffer_kb if this persists', {
      interface: this.options.interface,
      dropped: dropped - this.droppedAtWarning,
      buffer_kb: this.options.bufferKb,
    });
    this.droppedAtWarning = dropped;
    this.lastDropWarningMs = nowMs;
  }
}
