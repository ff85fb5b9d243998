/**
 * `footfall run`, composed: the monitor interface and channel plan, the Sensor on live captures
 * (the Wi-Fi interface, the Bluetooth adapter) with the wall clock, the clock monitor, the status
 * file for `footfall status`, the answers to `footfall calibrate`, and systemd's readiness and
 * watchdog. Each part starts in that
 * order and stops in the reverse one. A reload (SIGHUP) applies the settings that can change
 * while it runs.
 *
 * Wi-Fi is the sensor's main source: an interface that cannot be opened stops the daemon.
 * Bluetooth is optional: without a usable adapter the daemon counts Wi-Fi alone and says why.
 */
import type { SourceKind } from '../capture/source.js';
import type { MonitorInterface } from '../capture/wifi/monitor-interface.js';
import { changedKeys, ConfigError, formatIssue } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { oneLine, type Logger } from '../log/logger.js';
import { displayUrl } from '../publish/broker-url.js';
import { CalibrationResponder } from './calibration-exchange.js';
import { ClockMonitor } from './clock.js';
import { liveSources, monitorInterfaceOf, type LiveSourceOptions } from './live-sources.js';
import { Sensor, type UnsentReports } from './sensor.js';
import { diskSpace, StatusFileWriter, type DaemonStatus } from './status-file.js';
import { SystemdNotifier } from './systemd-notify.js';

/** Keys a reload applies while the daemon runs; a change to any other waits for a restart. */
const LIVE_KEYS = new Set(['zones.wifi', 'zones.ble', 'capture.ignore', 'privacy.contact', 'log.level']);

/** The watchdog is fed only if the pipeline moved on its timer this recently. */
const STALL_MS = 5000;

export class Daemon {
  private monitor: MonitorInterface | undefined;
  private sensor: Sensor | undefined;
  private clock: ClockMonitor | undefined;
  private statusFile: StatusFileWriter | undefined;
  private calibration: CalibrationResponder | undefined;
  private notifier: SystemdNotifier | undefined;
  private watchdogTimer: NodeJS.Timeout | undefined;
  private capturing: Promise<void> | undefined;
  private captureFailed = false;
  private stopping: Promise<void> | undefined;
  /** Every part started: a reload may change them. */
  private started = false;

  constructor(
    private config: Config,
    private readonly logger: Logger,
    private readonly versions: Record<string, string>,
    private readonly sourceOptions: LiveSourceOptions = {},
  ) {}

  /** Starts every part; rejects (after undoing what started) when one cannot start. */
  async start(): Promise<void> {
    const { config, logger } = this;
    const { wifi, ble } = config.capture;
    const startedAt = new Date().toISOString();
    try {
      let captureInterface: string | null = null;
      if (wifi.enabled) {
        this.monitor = monitorInterfaceOf(config, logger);
        captureInterface = await this.monitor.start();
      }
      const sourceKinds: SourceKind[] = [...(wifi.enabled ? (['wifi'] as const) : []), ...(ble.enabled ? (['ble'] as const) : [])];
      const sensor = (this.sensor = new Sensor({
        config,
        logger,
        input: 'live',
        timeSource: 'wall',
        publish: config.mqtt.url !== null,
        interactive: true,
        requireSync: config.clock.require_sync,
        sourceKinds,
        createSources: () => liveSources(config, captureInterface, logger, this.sourceOptions),
        versions: this.versions,
      }));
      await sensor.start();
      this.capturing = sensor.capture();
      this.capturing.catch(() => {
        this.captureFailed = true;
      });
      // The Wi-Fi source opens its interface as soon as it runs: one turn of the event loop
      // tells whether it could, so that a missing interface fails start, before READY=1.
      await Promise.race([this.capturing, new Promise((resolve) => setImmediate(resolve))]);
      this.clock = new ClockMonitor({ syncCommand: config.clock.sync_command, checkSeconds: config.clock.check_seconds, logger: logger.child('clock') });
      await this.clock.start({ onSyncChange: (synced) => sensor.clockSyncChanged(synced), onStep: (delta) => sensor.clockStepped(delta) });
      this.statusFile = new StatusFileWriter(config.paths.runtime_dir, () => this.status(captureInterface, startedAt));
      this.statusFile.start();
      this.calibration = new CalibrationResponder(config.paths.runtime_dir, sensor, logger.child('calibrate'));
      this.calibration.start();
      const listeningOn = [captureInterface, ble.enabled ? `hci${ble.adapter}` : null].filter((name) => name !== null).join(' and ');
      this.notifier = SystemdNotifier.fromEnvironment(process.env, logger.child('systemd'));
      await this.notifier?.notify('READY=1', `STATUS=capturing on ${listeningOn}`);
      const watchdogMs = this.notifier?.watchdogIntervalMs;
      if (watchdogMs !== undefined) this.watchdogTimer = setInterval(() => void this.feedWatchdog(), watchdogMs);
      this.started = true;
      logger.info('capturing', {
        interface: captureInterface ?? undefined,
        channels: captureInterface === null ? undefined : wifi.channels.join(',') || 'unchanged',
        ble_adapter: ble.enabled ? `hci${ble.adapter}` : undefined,
        publish: config.mqtt.url !== null,
      });
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  /** Captures until stop(); rejects when capture fails (the interface went away, say). */
  async run(): Promise<void> {
    await this.capturing;
  }

  /**
   * Reloads the configuration (SIGHUP, systemctl reload) with `load`, which reads and validates it
   * as at start. What can change while running changes now: the zones (the open window is
   * reported with them), the devices never counted and the log level. Every other changed key is
   * named in a line of its own and waits for a restart. A configuration that does not pass is
   * refused with one line, and the daemon goes on with the one it has.
   */
  reload(load: () => Config): void {
    const { logger } = this;
    if (this.stopping !== undefined) return;
    if (!this.started || this.sensor === undefined) {
      logger.warn('configuration not reloaded: the daemon is still starting; reload again once it runs');
      return;
    }
    let next: Config;
    try {
      next = load();
    } catch (error) {
      const problems = error instanceof ConfigError ? error.issues.map(formatIssue).join('; ') : oneLine(error);
      logger.error(`configuration not reloaded, the daemon goes on with the one it has: ${problems}`);
      return;
    }
    const changed = changedKeys(this.config, next);
    if (changed.length === 0) {
      logger.info('configuration reloaded; nothing changed');
      return;
    }
    this.sensor.reconfigure({ zones: next.zones, ignore: next.capture.ignore, contact: next.privacy.contact });
    logger.setLevel(next.log.level);
    this.config = {
      ...this.config,
      zones: next.zones,
      log: next.log,
      capture: { ...this.config.capture, ignore: next.capture.ignore },
      privacy: { ...this.config.privacy, contact: next.privacy.contact },
    };
    for (const key of changed) {
      if (LIVE_KEYS.has(key)) logger.info('configuration reloaded: applied', { key });
      else logger.warn('configuration reloaded: changed, takes effect at the next restart', { key });
    }
  }

  /** The reports left unsent when it stopped (none before it started). */
  unsentAtStop(): UnsentReports {
    return this.sensor?.unsent() ?? { stored: 0, inMemory: 0 };
  }

  /** Stops in reverse order; concurrent calls share one stop. */
  stop(): Promise<void> {
    this.stopping ??= this.stopOnce();
    return this.stopping;
  }

  private async stopOnce(): Promise<void> {
    clearInterval(this.watchdogTimer);
    await this.notifier?.notify('STOPPING=1');
    this.calibration?.stop();
    this.statusFile?.stop();
    this.clock?.stop();
    await this.sensor?.stop();
    await this.monitor?.stop();
    this.notifier?.close();
  }

  private async feedWatchdog(): Promise<void> {
    const moving = !this.captureFailed && this.sensor !== undefined && this.sensor.sinceLastTickMs() < STALL_MS;
    if (moving) await this.notifier?.notify('WATCHDOG=1');
    else this.logger.warn('the pipeline is not moving; not feeding the watchdog');
  }

  private status(captureInterface: string | null, startedAt: string): DaemonStatus {
    const { config } = this;
    const snapshot = this.sensor!.snapshot();
    return {
      schema: 'footfall.status/1',
      pid: process.pid,
      sensor: config.sensor.id,
      started_at: startedAt,
      updated_at: new Date().toISOString(),
      capture: {
        interface: captureInterface,
        channels: config.capture.wifi.channels,
        ble_adapter: config.capture.ble.enabled ? `hci${config.capture.ble.adapter}` : null,
      },
      health: snapshot.health,
      window: snapshot.live ?? null,
      broker: {
        url: config.mqtt.url === null ? null : displayUrl(config.mqtt.url),
        connected: snapshot.publisher?.connected ?? false,
        last_error: snapshot.publisher?.lastError ?? null,
        last_error_at: snapshot.publisher?.lastErrorAt ?? null,
      },
      clock: { synced: snapshot.health.clock.synced, require_sync: config.clock.require_sync },
      disk: { state_dir: config.paths.state_dir, ...diskSpace(config.paths.state_dir) },
    };
  }
}
