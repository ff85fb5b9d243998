/**
 * The composition root: wires capture sources, privacy/, the pipeline, the store and the
 * publisher into one sensor. `run`, `replay` and `demo` all build a Sensor; they differ only in
 * the sources they give it and in the clock (capture time or the wall clock).
 */
import type { PhoneMarker } from '../capture/phone-marker.js';
import type { CaptureSource, SourceKind } from '../capture/source.js';
import type { Config } from '../config/schema.js';
import type { EstimatorSet, SourceZones } from '../count/estimator.js';
import type { Logger } from '../log/logger.js';
import { IgnoreList } from '../privacy/ignore-list.js';
import { privacyManifest } from '../privacy/manifest.js';
import { MarkedPhoneTap, type MarkedSampleListener } from '../privacy/marked-phone-tap.js';
import { Pseudonymizer } from '../privacy/pseudonymizer.js';
import { WindowKeyStore } from '../privacy/window-keys.js';
import type { MqttPublisher, PublisherState } from '../publish/mqtt-publisher.js';
import type { HealthPayload, LivePayload, WindowReport } from '../payloads/payloads.js';
import { makeStateDirectory } from '../store/database.js';
import { DirectoryLock } from '../store/directory-lock.js';
import { isOutOfSpace } from '../store/storage-condition.js';
import { Store } from '../store/store.js';
import { HealthReporter } from './health.js';
import { LiveCountsCache } from './live-counts-cache.js';
import { MetricsTextfile } from './metrics-textfile.js';
import { Pipeline } from './pipeline.js';

export interface SensorOptions {
  config: Config;
  logger: Logger;
  /** Identifies the input (replayed files, `live`), so a restart continues only its own window. */
  input: string;
  /** The input as an operator runs it, named to another input that meets its open window (default: the daemon's). */
  inputDescription?: string;
  /** `capture`: frame timestamps are the clock (replay, demo); `wall`: the system clock (the daemon). */
  timeSource: 'capture' | 'wall';
  /** Publish to `mqtt.url` (which must be set). */
  publish: boolean;
  /**
   * Frames arrive while the event loop serves other work (live capture, a paced replay, the
   * demo), so checkpoints are kept small to keep its pauses short. A replay at full speed reads
   * in one blocking pass and is faster with few, large checkpoints.
   */
  interactive: boolean;
  /** The kinds of source the sensor counts; each window's report has a section for each that listened in it. */
  sourceKinds: readonly SourceKind[];
  /**
   * Makes the sources, one per kind, once the sensor knows how many frames of the input were
   * counted already (a replay reads one source and continues it; live sources start afresh).
   */
  createSources: (skipFrames: number) => CaptureSource[];
  versions: Record<string, string>;
  onReport?: (report: WindowReport) => void;
  /** Hold frames back while the clock is not synchronized (the daemon). */
  requireSync?: boolean;
  /** The device estimators (default: DEFAULT_ESTIMATORS); the evaluation harness runs others. */
  estimators?: EstimatorSet;
}

/** Finished reports no broker has acknowledged. */
export interface UnsentReports {
  /** In the outbox: a later run with the same state directory sends them. */
  stored: number;
  /** Held in memory because the database could not take them (a full disk): lost when the process ends. */
  inMemory: number;
}

/** What `footfall status` shows of a running sensor. */
export interface SensorSnapshot {
  health: HealthPayload;
  live: LivePayload | undefined;
  publisher: PublisherState | undefined;
}

/** A directory on a full file system, where the sensor cannot even start (EX_IOERR). */
export class OutOfSpaceError extends Error {
  override readonly name = 'OutOfSpaceError';
  readonly exitCode = 74;
}

/** A directory the sensor cannot use: an operator's fix, not a bug (EX_CANTCREAT). */
export class DirectoryError extends Error {
  override readonly name = 'DirectoryError';
  readonly exitCode = 73;
}

function openOrExplain<T>(key: string, dir: string, open: () => T): T {
  try {
    return open();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (isOutOfSpace(error)) throw new OutOfSpaceError(`the file system of ${dir} (${key}) is full (${code}); free space on it (footfall doctor shows how much), then start again`);
    if (code === undefined || !['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'ENOENT', 'SQLITE_CANTOPEN', 'SQLITE_READONLY'].includes(code)) throw error;
    throw new DirectoryError(`cannot use ${dir} (${code}); give a writable directory in ${key} or its command-line flag`);
  }
}

/** A paced replay takes a whole checkpoint early once this many entries changed: one transaction of some 10 ms. */
const INTERACTIVE_CHECKPOINT_ENTRIES = 1000;
/**
 * The daemon's checkpoints are written this many entries at a time, one transaction each: 1,000
 * took 12-17 ms on the development VM under a busy venue's load (a Raspberry Pi is slower).
 */
const CHECKPOINT_SLICE_ENTRIES = 250;
/** Write-ahead log pages an interactive run lets SQLite copy into the database at once (see Store.copyLogEvery). */
const INTERACTIVE_LOG_PAGES = 100;
/** How often the daemon's clock moves the pipeline when no frame does (closing windows on time). */
const TICK_MS = 1000;
/** Frames arrive up to a buffer timeout late: a window closes on the timer only after this. */
const LATE_FRAME_GRACE_MS = 2000;

export class Sensor {
  /** This process's hold on the state and runtime directories, for its whole life. */
  private locks: DirectoryLock[] = [];
  private store: Store | undefined;
  private privacy: Pseudonymizer | undefined;
  /** Where the sources deliver: the Pseudonymizer, behind the tap that `footfall calibrate` listens on. */
  private tap: MarkedPhoneTap | undefined;
  private pipeline: Pipeline | undefined;
  private sources: CaptureSource[] = [];
  private publisher: MqttPublisher | undefined;
  private health: HealthReporter | undefined;
  private metrics: MetricsTextfile | undefined;
  private clock = { synced: true, steps: 0 };
  private tickTimer: NodeJS.Timeout | undefined;
  /** When the pipeline last moved on the daemon's timer (monotonic ms), for the watchdog. */
  private lastTickMs = performance.now();
  /** The sources' drop counts already handed to the pipeline. */
  private droppedSeen = 0;
  private stopped = false;
  private stopping: Promise<void> | undefined;
  /** The config as it is now: the options' one, with what a reload changed. */
  private liveConfig: Config;
  private unsentAtStop: UnsentReports = { stored: 0, inMemory: 0 };
  /** The open window's counts for snapshot(), counted again as often as their cost allows. */
  private liveCounts: LiveCountsCache | undefined;
  /** The first step of stop() that failed, if one did. */
  stopError: unknown;

  constructor(private readonly options: SensorOptions) {
    this.liveConfig = options.config;
  }

  async start(): Promise<void> {
    const { config, logger } = this.options;
    logger.debug('starting', {
      sensor: config.sensor.id,
      input: this.options.input,
      window_minutes: config.privacy.window_minutes,
      token_bits: config.privacy.token_bits,
      state_dir: config.paths.state_dir,
      runtime_dir: config.paths.runtime_dir,
      publish: this.options.publish,
    });
    const stateDir = config.paths.state_dir;
    const runtimeDir = config.paths.runtime_dir;
    // Both directories are this process's alone before anything in them is read or changed: a
    // second writer would finish this one's window or destroy its key.
    openOrExplain('paths.state_dir', stateDir, () => makeStateDirectory(stateDir));
    this.locks.push(openOrExplain('paths.state_dir', stateDir, () => DirectoryLock.acquire(stateDir, { key: 'paths.state_dir', flag: '--state-dir' })));
    const keys = new WindowKeyStore(runtimeDir, logger.child('privacy'));
    openOrExplain('paths.runtime_dir', runtimeDir, () => keys.prepare());
    this.locks.push(openOrExplain('paths.runtime_dir', runtimeDir, () => DirectoryLock.acquire(runtimeDir, { key: 'paths.runtime_dir', flag: '--runtime-dir' })));
    const store = (this.store = openOrExplain('paths.state_dir', stateDir, () => Store.open(stateDir, { logger: logger.child('store') })));
    if (this.options.interactive) store.copyLogEvery(INTERACTIVE_LOG_PAGES);
    const ignore = new IgnoreList(config.capture.ignore);
    if (ignore.size > 0) logger.debug('ignoring devices (capture.ignore)', { entries: ignore.size });
    const privacy = (this.privacy = new Pseudonymizer({
      keys,
      tokenBits: config.privacy.token_bits,
      tokenCacheSize: config.privacy.token_cache_size,
      ignore,
      logger: logger.child('privacy'),
    }));
    this.tap = new MarkedPhoneTap(privacy);
    const pipeline = (this.pipeline = new Pipeline({
      sensorId: config.sensor.id,
      sources: this.options.sourceKinds,
      windowMinutes: config.privacy.window_minutes,
      tokenBits: config.privacy.token_bits,
      zones: config.zones,
      estimators: this.options.estimators,
      minCount: config.privacy.min_count,
      checkpointSeconds: config.store.checkpoint_seconds,
      // The daemon writes its checkpoints in slices; a paced replay, which must continue exactly
      // after a restart, takes them early and whole.
      checkpointMaxEntries: this.options.interactive && this.options.timeSource === 'capture' ? INTERACTIVE_CHECKPOINT_ENTRIES : undefined,
      checkpointSliceEntries: this.options.interactive && this.options.timeSource === 'wall' ? CHECKPOINT_SLICE_ENTRIES : undefined,
      finishInSlices: this.options.interactive,
      historyDays: config.store.history_days,
      requireSync: this.options.requireSync,
      timeSource: this.options.timeSource,
      input: this.options.input,
      inputDescription: this.options.inputDescription ?? 'footfall run',
      position: () => this.sources.reduce((frames, source) => frames + source.stats().frames, 0),
      listening: (kind) => {
        const source = this.sources.find((s) => s.kind === kind);
        return source !== undefined && !this.stopped && (source.listening?.() ?? true);
      },
      privacy,
      windows: store.windows,
      logger: logger.child('pipeline'),
      onReport: (report) => {
        this.options.onReport?.(report);
        this.publisher?.notify();
      },
    }));
    const startedAtMs = Date.now();
    const { skipFrames } = pipeline.start();
    if (skipFrames > 0) logger.info('continuing the input where the previous run stopped', { frames_done: skipFrames });
    const sources = (this.sources = this.options.createSources(skipFrames));

    const health = (this.health = new HealthReporter({
      sensorId: config.sensor.id,
      startedAtMs,
      totals: pipeline.totals,
      sources: () => new Map(sources.map((source) => [source.kind, { state: this.stopped ? 'stopped' : (source.state?.() ?? 'capturing'), stats: source.stats() }])),
      outboxDepth: () => store.queue.depth(),
      store: () => store.health(),
      lastPublish: () => this.publisher?.state().lastPublish ?? null,
      clock: () => this.clock,
      versions: { ...this.options.versions, sqlite: store.sqliteVersion() },
    }));
    if (config.metrics.textfile !== null) {
      this.metrics = new MetricsTextfile({ file: config.metrics.textfile, intervalMs: config.mqtt.health_seconds * 1000, health: () => health.payload(), logger: logger.child('metrics') });
      this.metrics.start();
    }
    if (this.options.publish) {
      const url = config.mqtt.url;
      if (url === null) throw new Error('publishing needs mqtt.url');
      // Loaded only to publish: the MQTT client takes longer to load than a replay of thousands of frames.
      const { MqttPublisher } = await import('../publish/mqtt-publisher.js');
      const { HomeAssistantDiscovery } = await import('../publish/homeassistant.js');
      this.publisher = new MqttPublisher({
        mqtt: { ...config.mqtt, url },
        sensorId: config.sensor.id,
        outbox: store.queue,
        live: () => (this.options.timeSource === 'wall' ? this.liveCountsCache().get(Date.now()) : pipeline.live()),
        health: () => health.payload(),
        privacy: () => privacyManifest(this.liveConfig, this.options.versions.footfall ?? 'unknown'),
        homeassistant: new HomeAssistantDiscovery({
          sensorId: config.sensor.id,
          topicPrefix: config.mqtt.topic_prefix,
          homeassistant: config.homeassistant,
          sources: this.options.sourceKinds,
          zones: config.zones,
          windowMinutes: config.privacy.window_minutes,
          version: this.options.versions.footfall ?? 'unknown',
        }),
        logger: logger.child('mqtt'),
      });
      await this.publisher.start();
      if (store.queue.depth() > 0) this.publisher.notify();
    }

    if (this.options.timeSource === 'wall') {
      this.tickTimer = setInterval(() => {
        pipeline.addDropped(this.newDrops());
        pipeline.tick(Date.now() - LATE_FRAME_GRACE_MS);
        health.sample();
        this.lastTickMs = performance.now();
      }, TICK_MS);
    }
  }

  /** Frames the capture lost since the last look: they count against the open window. */
  private newDrops(): number {
    const dropped = this.sources.reduce((sum, source) => sum + source.stats().dropped, 0);
    const fresh = dropped - this.droppedSeen;
    this.droppedSeen = dropped;
    return fresh;
  }

  /** Captures until stop() (live sources). Rejects with the first source's error if one fails. */
  async capture(): Promise<void> {
    await Promise.all(this.sources.map((source) => source.run(this.tap!)));
  }

  /**
   * Marks the installer's phone in the sources that can hear it and hands its samples (RSSI and
   * time) to `listener`, for `footfall calibrate` while the daemon runs; null ends that. Returns
   * the kinds of source that now look for it.
   */
  markPhone(marker: PhoneMarker | null, listener: MarkedSampleListener | null): SourceKind[] {
    const marking: SourceKind[] = [];
    for (const source of this.sources) {
      const wanted = marker !== null && (source.kind === 'wifi' ? marker.marksWifi : marker.marksBle);
      if (source.mark === undefined) continue;
      source.mark(wanted ? marker : null);
      if (wanted) marking.push(source.kind);
    }
    this.tap?.listen(marker === null ? null : listener);
    return marking;
  }

  /**
   * Settings that change while the sensor runs (the daemon's reload): the zones, the devices
   * never counted and the privacy contact. The privacy manifest, which states them, goes again.
   */
  reconfigure(settings: { zones: SourceZones; ignore: string[]; contact: string | null }): void {
    this.pipeline?.setZones(settings.zones);
    this.liveCounts?.invalidate();
    this.privacy?.setIgnoreList(new IgnoreList(settings.ignore));
    const { config } = this.options;
    this.liveConfig = {
      ...this.liveConfig,
      zones: settings.zones,
      capture: { ...config.capture, ignore: settings.ignore },
      privacy: { ...config.privacy, contact: settings.contact },
    };
    this.publisher?.publishPrivacy();
  }

  /** The clock monitor's news, for the pipeline. */
  clockSyncChanged(synced: boolean): void {
    this.clock = { ...this.clock, synced };
    this.pipeline?.setClockSynced(synced);
  }

  clockStepped(deltaMs: number): void {
    this.clock = { ...this.clock, steps: this.clock.steps + 1 };
    this.pipeline?.clockStepped(deltaMs);
  }

  /** Milliseconds since the pipeline last moved on the daemon's timer. */
  sinceLastTickMs(): number {
    return performance.now() - this.lastTickMs;
  }

  /** The daemon's state for its status file: the open window's counts as of now, or a few seconds ago on a busy window (LiveCountsCache). */
  snapshot(): SensorSnapshot {
    const nowMs = Date.now();
    return { health: this.health!.payload(nowMs), live: this.liveCountsCache().get(nowMs), publisher: this.publisher?.state() };
  }

  private liveCountsCache(): LiveCountsCache {
    const pipeline = this.pipeline!;
    this.liveCounts ??= new LiveCountsCache((asOfMs) => pipeline.liveSteps(asOfMs), () => pipeline.openWindowStartMs());
    return this.liveCounts;
  }

  /**
   * Reads the input to its end (files, a simulation) and finishes the last window: complete if
   * `endMs` reaches its end, partial otherwise. Does nothing more if the sensor was stopped.
   */
  async captureToEnd(endMs?: number): Promise<void> {
    await this.capture();
    if (this.stopped) return;
    const pipeline = this.pipeline!;
    // An interactive run goes on serving the broker and the status file while its last window is finished.
    pipeline.finishInput(endMs, this.options.interactive ? 'in slices' : 'at once');
    while (!this.stopped && pipeline.finishSlice()) await new Promise((resolve) => setImmediate(resolve));
  }

  /** Resolves when every report in the outbox has been acknowledged by the broker. */
  async waitUntilPublished(): Promise<void> {
    await this.publisher?.waitUntilDrained();
  }

  /** Reports not yet acknowledged by a broker: in the outbox, or held in memory. */
  outboxDepth(): number {
    const { stored, inMemory } = this.unsent();
    return stored + inMemory;
  }

  /** The same reports, told apart: those a later run sends, and those lost if the process ends now. */
  unsent(): UnsentReports {
    const queue = this.store?.queue;
    if (queue === undefined || !this.store!.db.open) return this.unsentAtStop;
    const inMemory = queue.inMemory();
    return { stored: queue.depth() - inMemory, inMemory };
  }

  /**
   * Stops capture, saves the open window for the next start, says offline and closes the store.
   * Calls after the first wait for the same stop. Never rejects: a step that fails is said in
   * one error line and the others still run, so that stopping never hides the error that led
   * to it; the first such failure is `stopError`, for a command that had no other.
   */
  stop(): Promise<void> {
    this.stopping ??= this.stopOnce();
    return this.stopping;
  }

  private async stopOnce(): Promise<void> {
    this.stopped = true;
    clearInterval(this.tickTimer);
    this.liveCounts?.stop();
    await this.stopStep('stopping capture', () => Promise.all(this.sources.map((source) => source.stop())));
    await this.stopStep('saving the open window', () => {
      if (this.store?.db.open) this.pipeline?.checkpoint();
    });
    await this.publisher?.stop();
    await this.stopStep('writing the metrics file', () => this.metrics?.stop());
    await this.stopStep('counting the reports left', () => {
      // Before the store closes, for the command to say what is left.
      this.unsentAtStop = this.unsent();
    });
    await this.stopStep('closing the database', () => this.store?.close());
    for (const lock of this.locks) lock.release();
  }

  private async stopStep(what: string, step: () => unknown): Promise<void> {
    try {
      await step();
    } catch (error) {
      this.stopError ??= error;
      this.options.logger.error(`${what} failed while stopping`, { error: error instanceof Error ? error.message : String(error) });
    }
  }
}
