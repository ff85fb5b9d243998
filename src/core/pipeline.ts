/**
 * The counting pipeline: observations from privacy/ go into the open window's tally; windows
 * open and close with time (capture time in a replay, the wall clock live); the open window is
 * checkpointed every few seconds so a restart continues it; a finished window becomes a
 * report in the outbox, and its key and tokens are destroyed.
 *
 * The same pipeline runs for `run`, `replay` and `demo`; only the source and the clock differ.
 */
import type { SourceKind } from '../capture/source.js';
import { runSteps, runStepsFor, type EstimatorSet, type SourceZones, type Steps } from '../count/estimator.js';
import { reportSteps } from '../count/report.js';
import { WindowTally } from '../count/tally.js';
import { windowOf } from '../count/windows.js';
import type { Logger } from '../log/logger.js';
import type { Observation, ObservationSink } from '../privacy/observation.js';
import type { Pseudonymizer } from '../privacy/pseudonymizer.js';
import { LIVE_SCHEMA, type LivePayload, type WindowReport } from '../payloads/payloads.js';
import type { FinishOutcome, InputCursor, WindowStore } from '../store/window-store.js';
import { isoSeconds } from '../count/windows.js';

export interface PipelineOptions {
  sensorId: string;
  sources: readonly SourceKind[];
  windowMinutes: number;
  tokenBits: number;
  zones: SourceZones;
  /** The device estimators (default: DEFAULT_ESTIMATORS). */
  estimators?: EstimatorSet;
  /** `privacy.min_count`: counts of devices below it are reported as 0 (absent: none). */
  minCount?: number;
  checkpointSeconds: number;
  /**
   * Take a checkpoint early once this many entries changed (default: never early). One
   * checkpoint is one transaction, so this bounds the pause it makes in the event loop.
   */
  checkpointMaxEntries?: number;
  /**
   * Write a due checkpoint this many entries at a time, one transaction each, at least
   * CHECKPOINT_SLICE_GAP_MS apart (default: all at once). This bounds the pause without writing
   * entries more often than every checkpoint_seconds, as early checkpoints do for entries that
   * change all the time (a busy venue's beacons). Only for the daemon: a restart between two
   * slices continues entries of different moments, where a replay must continue exactly.
   */
  checkpointSliceEntries?: number;
  /**
   * Finish a window a slice at a time (about FINISH_SLICE_MS each, at most one every
   * CHECKPOINT_SLICE_GAP_MS) while the next window counts, instead of at once: a busy window's
   * report takes a few hundred milliseconds and deleting its token rows some hundred more,
   * which the event loop (and the frames waiting in the capture buffer) cannot spare. The report
   * is the same, its window's tally no longer changing, and so is what a restart continues.
   * Default: at once.
   */
  finishInSlices?: boolean;
  /** Reports stay in the local history this many days after their window ended. */
  historyDays: number;
  /**
   * `capture`: time comes from the frames (replay, demo), and a restarted run continues
   * exactly where the checkpoint left off. `wall`: time is the system clock (the daemon).
   */
  timeSource: 'capture' | 'wall';
  /** A monotonic clock in ms: checkpoints are due by real time, whatever the input's clock. */
  monotonicMs?: () => number;
  /** Identifies the input, so a restart continues only a window of the same input. */
  input: string;
  /** The input as an operator runs it (`footfall replay FILE...`): named when another input meets its open window. */
  inputDescription: string;
  /** Frames read from the input so far (the source's position), for the resume cursor. */
  position: () => number;
  privacy: Pseudonymizer;
  windows: WindowStore;
  /**
   * Whether a source can hear frames now (looked at when a window opens and at every tick); a
   * window reports only the sources that listened in it. Default: every source always listens.
   */
  listening?: (kind: SourceKind) => boolean;
  /** Hold frames back (count them, but open no window) while the clock is not synchronized. */
  requireSync?: boolean;
  logger: Logger;
  /** Called with each finished report, after it is safely in the outbox. */
  onReport?: (report: WindowReport) => void;
}

/** How many frames pass between two looks at the clocks (checkpoint due, clock synchronized). */
const CLOCK_CHECK_FRAMES = 64;
/** The least time between two slices of a checkpoint: what the event loop has for other work. */
export const CHECKPOINT_SLICE_GAP_MS = 20;
/** The longest a slice of finishing a window (its report, then its token rows) holds the event loop, in ms. */
export const FINISH_SLICE_MS = 10;

/** A finished window's token rows deleted per slice: some 5–10 ms of secure_delete's zeroing on the development VM. */
const FINISHED_TOKENS_PER_SLICE = 5000;


export interface PipelineTotals {
  frames: Partial<Record<SourceKind, number>>;
  malformed: Partial<Record<SourceKind, number>>;
  dropped: number;
  /** Frames not counted because the clock was not synchronized. */
  heldBack: number;
  reports: number;
}

export class Pipeline implements ObservationSink {
  private open: WindowTally | null = null;
  /** The open window was restored from a checkpoint and capture has not resumed in it yet. */
  private resumePending = false;
  /** The check value of the open window's key, saved with its checkpoints. */
  private keyCheck: string | null = null;
  /** The restored window's entries were another key's: its devices are counted from where capture resumes. */
  private countingAfresh = false;
  /** The saved entries are another key's: the next checkpoint replaces them all. */
  private entriesReplaced = false;
  private previousEndMs: number | null = null;
  /** When the open window was last saved, on the monotonic clock. */
  private lastCheckpointMs: number;
  /** Entries still to write of the sliced checkpoint in progress, and when its next slice may be. */
  private checkpointLeft = 0;
  private nextSliceMs = 0;
  /**
   * The window that ended, while it is finished in slices: its report made, then its token
   * rows deleted. Until they are gone the open window is not checkpointed: a restart while the
   * report is made continues the finished window from its last checkpoint and finishes it
   * again; a restart while its rows are deleted deletes the rest.
   */
  private finishing: Steps<void> | null = null;
  private nextFinishSliceMs = 0;
  private readonly monotonicMs: () => number;
  private clockSynced = true;
  /** The clock was synchronized, and did not jump, for all of the open window so far. */
  private clockSyncedInWindow = true;
  /** Set while a frame is being handed over: that frame is read but not yet counted. */
  private inFrame = false;
  readonly totals: PipelineTotals;
  /** Frames until the clocks are looked at again: reading them costs more than a frame's counting. */
  private framesUntilClockCheck = 0;

  constructor(private readonly options: PipelineOptions) {
    const perSource = () => Object.fromEntries(options.sources.map((kind) => [kind, 0]));
    this.totals = { frames: perSource(), malformed: perSource(), dropped: 0, heldBack: 0, reports: 0 };
    this.monotonicMs = options.monotonicMs ?? (() => performance.now());
    this.lastCheckpointMs = this.monotonicMs();
  }

  /**
   * Connects to privacy/ and continues what a previous run left: its open window (when it was
   * of the same input) and its cursor. Returns how many frames of the input were counted
   * already, for a replay to skip.
   */
  start(): { skipFrames: number } {
    const { options } = this;
    options.privacy.connect(this);
    // Throws, before a frame is read, when the window left open is another input's.
    const { window: saved, position, previousEndMs } = options.windows.resume(options.input);
    // On capture time a restart continues as if there had been none: a window that follows the
    // last one finished is captured from its start. (On the wall clock there was a gap.)
    if (options.timeSource === 'capture') this.previousEndMs = previousEndMs;
    if (saved !== undefined) {
      const tally = new WindowTally(saved.span, options.sources);
      options.privacy.beginWindow(saved.span.startMs);
      this.keyCheck = options.privacy.keyCheck();
      // Entries of another key cannot be continued: their devices would count again under new tokens.
      const sameKey = saved.keyCheck === null || saved.keyCheck === this.keyCheck;
      tally.restore(saved.counters, sameKey ? saved.entries : []);
      // A replay continues exactly where its checkpoint left off: its report is an uninterrupted
      // run's. The daemon lost the time it was down.
      if (options.timeSource === 'wall') tally.restarts++;
      this.open = tally;
      this.resumePending = true;
      options.logger.info('continuing the open window', { window: isoSeconds(saved.span.startMs), restarts: tally.restarts });
      if (!sameKey) {
        this.entriesReplaced = true;
        this.countingAfresh = true;
        options.logger.warn(
          "the open window's key is not the one its checkpoint was made with (lost, or replaced): its devices are counted afresh from here, and its report says so (quality.devices_counted_from)",
          { window: isoSeconds(saved.span.startMs) },
        );
      }
    }
    const stale = options.privacy.destroyStaleKeys();
    if (stale > 0) options.logger.info('destroyed keys of windows that ended', { keys: stale });
    return { skipFrames: position };
  }

  advanceTo(timeMs: number): boolean {
    this.inFrame = true;
    return this.moveClock(timeMs);
  }

  onObservation(observation: Observation): void {
    this.inFrame = false;
    this.open!.add(observation);
    this.totals.frames[observation.source]!++;
  }

  onMalformed(source: SourceKind): void {
    this.inFrame = false;
    this.open!.addMalformed(source);
    this.totals.malformed[source]!++;
  }

  /** Moves the clock without a frame (the daemon's timer): closes and opens windows on time. */
  tick(nowMs: number): void {
    this.inFrame = false;
    this.framesUntilClockCheck = 0;
    this.moveClock(nowMs);
    if (this.open !== null) this.markListening(this.open);
  }

  private markListening(tally: WindowTally): void {
    const { sources, listening } = this.options;
    for (const kind of sources) if (listening === undefined || listening(kind)) tally.markListening(kind);
  }

  /** The start of the open window; null when none is open. */
  openWindowStartMs(): number | null {
    return this.open?.span.startMs ?? null;
  }

  /** New zones (the daemon reloaded its configuration): the open window is reported with them, as every window after it. */
  setZones(zones: SourceZones): void {
    this.options.zones = zones;
  }

  /** Frames the capture lost, reported by the source; they count against the open window. */
  addDropped(frames: number): void {
    if (this.open !== null && frames > 0) this.open.dropped += frames;
    this.totals.dropped += frames;
  }

  /** The clock's synchronization changed (the daemon's clock monitor says so). */
  setClockSynced(synced: boolean): void {
    this.clockSynced = synced;
    if (!synced) this.clockSyncedInWindow = false;
  }

  /**
   * The wall clock jumped. Forward: the open window closes on the new time as usual, marked.
   * Back: the open window has seen later times than those to come, so it is finished here as a
   * partial, marked report, and frames of windows already finished are dropped until the clock
   * has caught up, so that no window is counted twice.
   */
  clockStepped(deltaMs: number): void {
    const open = this.open;
    if (open === null) return;
    this.clockSyncedInWindow = false;
    if (deltaMs > 0) return;
    this.inFrame = false;
    this.completeFinishing();
    this.finishReport(open, true, open.lastTimeMs, this.cursor());
    this.open = null;
  }

  /**
   * The input ended (a replay, the demo): the open window is finished, partial unless the input
   * ran to its end (`untilMs`), and the cursor is cleared. `in slices`, for an interactive run
   * whose event loop serves others meanwhile: the window is left finishing, a slice at each call
   * of finishSlice().
   */
  finishInput(untilMs?: number, how: 'at once' | 'in slices' = 'at once'): void {
    this.inFrame = false;
    this.completeFinishing();
    const open = this.open;
    this.open = null;
    if (open === null) return;
    const complete = untilMs !== undefined && untilMs >= open.span.endMs;
    const capturedUntilMs = complete ? open.span.endMs : open.lastTimeMs;
    if (how === 'in slices') this.beginFinishing(open, !complete, capturedUntilMs, null);
    else this.finishReport(open, !complete, capturedUntilMs, null);
  }

  /** Makes a slice of the window being finished; false when none is left to make. */
  finishSlice(): boolean {
    if (this.finishing === null) return false;
    this.nextFinishSliceMs = 0;
    this.continueFinishing();
    return this.finishing !== null;
  }

  /** Saves the open window now (before a clean shutdown), so the next start continues it. */
  checkpoint(): void {
    this.inFrame = false;
    this.completeFinishing();
    this.saveCheckpoint();
  }

  /**
   * The open window's counts so far, for the live topic, as of `asOfMs` (the daemon's wall
   * clock); without it, as of the last frame, for a replay whose clock is the capture's.
   */
  live(asOfMs?: number): LivePayload | undefined {
    const steps = this.liveSteps(asOfMs);
    return steps === undefined ? undefined : runSteps(steps);
  }

  /**
   * live() a step at a time, for a caller that lets frames be counted between steps (see
   * reportSteps); undefined when no window is open.
   */
  liveSteps(asOfMs?: number): Steps<LivePayload> | undefined {
    return this.open === null ? undefined : this.liveCountsOf(this.open, asOfMs);
  }

  private *liveCountsOf(open: WindowTally, asOfMs: number | undefined): Steps<LivePayload> {
    const { schema: _schema, partial: _partial, ...counts } = yield* this.reportSteps(open, false, open.lastTimeMs);
    return { schema: LIVE_SCHEMA, as_of: isoSeconds(asOfMs ?? open.lastTimeMs), ...counts };
  }

  private moveClock(timeMs: number): boolean {
    if (this.options.requireSync === true && !this.clockSynced) {
      if (this.inFrame) this.totals.heldBack++;
      this.inFrame = false;
      return false;
    }
    let open = this.open;
    // Before the window can close: a window restored just before its end was captured up to it.
    if (open !== null && this.resumePending) this.resumeCapture(open, timeMs);
    if (open !== null && timeMs >= open.span.endMs) {
      if (this.options.finishInSlices === true) this.beginFinishing(open, false, open.span.endMs, this.cursor());
      else this.finishReport(open, false, open.span.endMs, this.cursor());
      open = this.open = null;
    }
    if (open === null) {
      if (this.previousEndMs !== null && timeMs < this.previousEndMs) return this.dropLate();
      open = this.open = this.openWindow(timeMs);
    } else if (timeMs < open.span.startMs) {
      return this.dropLate();
    }
    open.advance(timeMs);
    if (this.finishing !== null) {
      this.continueFinishing();
      if (this.finishing !== null) return true;
    }
    if (this.checkpointLeft > 0) this.continueCheckpoint();
    if (--this.framesUntilClockCheck <= 0) {
      this.framesUntilClockCheck = CLOCK_CHECK_FRAMES;
      const due = this.monotonicMs() - this.lastCheckpointMs >= this.options.checkpointSeconds * 1000;
      if (due && this.options.checkpointSliceEntries !== undefined) this.beginSlicedCheckpoint(open);
      else if (due || open.changedEntries() >= (this.options.checkpointMaxEntries ?? Number.POSITIVE_INFINITY)) this.saveCheckpoint();
    }
    return true;
  }

  /** Capture resumes in the window restored from a checkpoint: where it left off on capture time, now on the wall clock. */
  private resumeCapture(open: WindowTally, timeMs: number): void {
    this.resumePending = false;
    const resumedAtMs = Math.min(this.options.timeSource === 'capture' ? open.lastTimeMs : timeMs, open.span.endMs);
    open.resumeCapture(resumedAtMs);
    if (this.countingAfresh) {
      this.countingAfresh = false;
      open.countedFromMs = resumedAtMs;
    }
  }

  /** A frame (or tick) of a window that is already finished. */
  private dropLate(): false {
    if (this.inFrame) {
      if (this.open !== null) this.open.dropped++;
      this.totals.dropped++;
    }
    this.inFrame = false;
    return false;
  }

  private openWindow(timeMs: number): WindowTally {
    const span = windowOf(timeMs, this.options.windowMinutes);
    const tally = new WindowTally(span, this.options.sources);
    this.options.privacy.beginWindow(span.startMs);
    this.keyCheck = this.options.privacy.keyCheck();
    this.entriesReplaced = false;
    this.checkpointLeft = 0;
    // A window that follows the one just closed was captured from its start.
    tally.resumeCapture(this.previousEndMs === span.startMs ? span.startMs : timeMs);
    this.markListening(tally);
    this.clockSyncedInWindow = this.clockSynced;
    this.options.logger.debug('window opened', { window: isoSeconds(span.startMs) });
    return tally;
  }

  /** Input frames fully counted: the frame being handed over is read but not counted yet. */
  private cursor(): InputCursor {
    const { input, inputDescription: description, position } = this.options;
    return { input, description, position: position() - (this.inFrame ? 1 : 0), previousEndMs: this.previousEndMs };
  }

  /**
   * Saves the open window (and writes the reports held in memory, if the database could not
   * take them before). A checkpoint that cannot be written leaves its entries changed, for the
   * next one: the window goes on in memory.
   */
  private saveCheckpoint(): void {
    this.lastCheckpointMs = this.monotonicMs();
    this.checkpointLeft = 0;
    this.saveEntries(Number.POSITIVE_INFINITY);
  }

  /** Starts a sliced checkpoint of the entries changed so far (those changed again meanwhile wait for the next). */
  private beginSlicedCheckpoint(open: WindowTally): void {
    this.lastCheckpointMs = this.monotonicMs();
    // At least one slice: a checkpoint with no changed entry still saves the counters and the cursor.
    this.checkpointLeft = Math.max(1, open.changedEntries());
    this.nextSliceMs = 0;
    this.continueCheckpoint();
  }

  /** Writes the sliced checkpoint's next slice, if its time has come. */
  private continueCheckpoint(): void {
    if (this.monotonicMs() < this.nextSliceMs) return;
    const slice = Math.min(this.checkpointLeft, this.options.checkpointSliceEntries!);
    this.checkpointLeft = this.saveEntries(slice) ? this.checkpointLeft - slice : 0;
    this.nextSliceMs = this.monotonicMs() + CHECKPOINT_SLICE_GAP_MS;
  }

  /** Saves the window's counters and up to `limit` of its changed entries; false if the store could not. */
  private saveEntries(limit: number): boolean {
    const open = this.open;
    if (open === null) return this.options.windows.writeHeld();
    const changed = open.takeDirty(limit);
    const checkpoint = { span: open.span, counters: open.counters(), changed, keyCheck: this.keyCheck!, replacesEntries: this.entriesReplaced };
    const saved = this.options.windows.checkpoint(checkpoint, this.cursor());
    if (saved) this.entriesReplaced = false;
    else open.returnDirty(changed);
    return saved;
  }

  private reportSteps(tally: WindowTally, partial: boolean, capturedUntilMs: number): Steps<WindowReport> {
    const { sensorId, zones, tokenBits, estimators, minCount } = this.options;
    return reportSteps(tally, { sensor: sensorId, zones, tokenBits, estimators, minCount, partial, capturedUntilMs, clockSynced: this.clockSyncedInWindow });
  }

  /**
   * Starts finishing a window in slices. The window is closed from here on: frames of its time
   * are late, and the next window opens as after it.
   */
  private beginFinishing(tally: WindowTally, partial: boolean, capturedUntilMs: number, cursor: InputCursor | null): void {
    this.completeFinishing();
    this.finishing = this.finishSteps(tally, partial, capturedUntilMs, cursor);
    this.previousEndMs = tally.span.endMs;
    this.nextFinishSliceMs = 0;
    this.checkpointLeft = 0;
    this.continueFinishing();
  }

  private *finishSteps(tally: WindowTally, partial: boolean, capturedUntilMs: number, cursor: InputCursor | null): Steps<void> {
    const report = yield* this.reportSteps(tally, partial, capturedUntilMs);
    this.storeReport(tally, partial, report, cursor, 'in slices');
    do yield;
    while (!this.options.windows.deleteFinishedTokens(FINISHED_TOKENS_PER_SLICE));
  }

  /** Does the next slice of finishing a window, if its time has come. */
  private continueFinishing(): void {
    if (this.monotonicMs() < this.nextFinishSliceMs) return;
    const step = runStepsFor(this.finishing!, FINISH_SLICE_MS, this.monotonicMs);
    this.nextFinishSliceMs = this.monotonicMs() + CHECKPOINT_SLICE_GAP_MS;
    if (step.done === true) this.finishing = null;
  }

  /** Finishes the window being finished at once (the input ended, the daemon stops, the clock went back). */
  private completeFinishing(): void {
    if (this.finishing === null) return;
    runSteps(this.finishing);
    this.finishing = null;
  }

  private finishReport(tally: WindowTally, partial: boolean, capturedUntilMs: number, cursor: InputCursor | null): void {
    this.storeReport(tally, partial, runSteps(this.reportSteps(tally, partial, capturedUntilMs)), cursor, 'at once');
  }

  /** Puts a finished window's report in the outbox, and destroys the window's key and (at once, or left to slices) its tokens. */
  private storeReport(tally: WindowTally, partial: boolean, report: WindowReport, cursor: InputCursor | null, tokens: 'at once' | 'in slices'): void {
    // The report's one serialization: every copy of it sent or kept is these bytes.
    const payload = JSON.stringify(report);
    let outcome: FinishOutcome;
    try {
      const next = cursor === null ? null : { ...cursor, previousEndMs: tally.span.endMs };
      outcome = this.options.windows.finish(report, payload, tally.span, Date.now(), next, this.options.historyDays, tokens);
    } finally {
      // The key goes at the window's end whatever became of the report.
      this.options.privacy.endWindow(tally.span.startMs);
    }
    if (outcome.pruned > 0) this.options.logger.debug('old reports removed from the history', { reports: outcome.pruned });
    this.previousEndMs = tally.span.endMs;
    this.totals.reports++;
    this.options.logger.info(partial ? 'partial window finished' : 'window finished', {
      window: report.window.start,
      wifi_frames: report.wifi?.frames,
      wifi_addresses: report.wifi?.addresses,
      wifi_devices: report.wifi?.devices,
      ble_frames: report.ble?.frames,
      ble_addresses: report.ble?.addresses,
      ble_devices: report.ble?.devices,
      held_in_memory: outcome.storedIn === 'memory' ? true : undefined,
    });
    this.options.onReport?.(report);
  }
}
