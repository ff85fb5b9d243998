/**
 * Where a guided calibration gets the marked phone's samples while it runs: from the radios
 * directly when no daemon holds them (CaptureSampleFeed, here), or from the running daemon
 * (DaemonSampleFeed, daemon-feed.ts). Either way only RSSI and time reach calibrate/.
 */
import type { PhoneMarker } from '../capture/phone-marker.js';
import type { SourceKind } from '../capture/source.js';
import type { MonitorInterface } from '../capture/wifi/monitor-interface.js';
import { EXIT, OperatorError } from '../cli/errors.js';
import type { Config } from '../config/schema.js';
import { liveSources, monitorInterfaceOf, type LiveSource } from '../core/live-sources.js';
import type { Logger } from '../log/logger.js';
import { MarkedPhoneTap, type MarkedSampleListener } from '../privacy/marked-phone-tap.js';

export interface SampleFeed {
  /** Where the samples come from, for the installer. */
  readonly description: string;
  /**
   * Starts sampling into `listener`; resolves with the radios that listen for the phone, rejects
   * when none can. `onFailure` hears of a failure after the start (the interface went away).
   */
  start(listener: MarkedSampleListener, onFailure: (error: unknown) => void): Promise<SourceKind[]>;
  stop(): Promise<void>;
}

/** Samples with footfall's own live sources, made from the config as the daemon makes them. */
export class CaptureSampleFeed implements SampleFeed {
  readonly description: string;
  private monitor: MonitorInterface | undefined;
  private sources: LiveSource[] = [];
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly config: Config,
    private readonly marker: PhoneMarker,
    private readonly logger: Logger,
  ) {
    const { wifi, ble } = config.capture;
    const radios = [
      this.wantsWifi() ? `Wi-Fi on ${wifi.create_monitor ? `${wifi.monitor_interface} (made from ${wifi.interface})` : wifi.interface}` : null,
      this.wantsBle() ? `BLE on hci${ble.adapter}` : null,
    ];
    this.description = radios.filter((radio) => radio !== null).join(' and ');
  }

  private wantsWifi(): boolean {
    return this.config.capture.wifi.enabled && this.marker.marksWifi;
  }

  private wantsBle(): boolean {
    return this.config.capture.ble.enabled && this.marker.marksBle;
  }

  async start(listener: MarkedSampleListener, onFailure: (error: unknown) => void): Promise<SourceKind[]> {
    if (!this.wantsWifi() && !this.wantsBle()) {
      throw new OperatorError(
        `nothing can hear the phone marked by ${this.marker.describe()}: capture.wifi.enabled and capture.ble.enabled say which radios footfall uses`,
        EXIT.config,
      );
    }
    let captureInterface: string | null = null;
    if (this.wantsWifi()) {
      this.monitor = monitorInterfaceOf(this.config, this.logger);
      captureInterface = await this.monitor.start();
    }
    const config = { ...this.config, capture: { ...this.config.capture, ble: { ...this.config.capture.ble, enabled: this.wantsBle() } } };
    this.sources = liveSources(config, captureInterface, this.logger);
    const tap = new MarkedPhoneTap(null);
    tap.listen(listener);
    for (const source of this.sources) source.mark(this.marker);
    const running = Promise.all(this.sources.map((source) => source.run(tap)));
    // A live Wi-Fi source opens its interface before its first await: a failure shows at once.
    const failed = await Promise.race([
      running.then(
        () => null,
        (error: unknown) => ({ error }),
      ),
      new Promise<null>((resolve) => setImmediate(() => resolve(null))),
    ]);
    if (failed !== null) {
      await this.stop();
      throw failed.error;
    }
    this.running = running.catch(onFailure);
    return this.sources.map((source) => source.kind);
  }

  async stop(): Promise<void> {
    await Promise.all(this.sources.map((source) => source.stop()));
    await this.running;
    await this.monitor?.stop();
  }
}
