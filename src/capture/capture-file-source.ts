/**
 * Capture files read as one stream of frames: what every file source behind `replay` shares.
 * The files are read in order, the first `skipFrames` frames are passed over (a replay that was
 * stopped continues there), frames are delivered at once or paced at capture speed times
 * `speed`, a bad file is a one-line CaptureFileError, and what became of each file's frames is
 * logged. What differs by kind of capture (which files it reads, how a file is opened, what a
 * frame becomes) is its CaptureFileKind.
 *
 * A reader's packet buffer is reused for every frame and 65,535 bytes long: the frame is its
 * first caplen bytes, and anything kept must be copied.
 */
import type { Logger, LogFields } from '../log/logger.js';
import { CaptureFileError, EX_DATAERR, printablePath, type CaptureFileInfo } from './capture-file.js';
import { OfflinePcap, SNAP_LENGTH } from './libpcap.js';
import type { SightingSink } from './sighting.js';
import type { CaptureSource, SourceKind, SourceStats } from './source.js';

/** Frames delivered back to back before a paced replay lets other work run. */
const PACED_BURST = 1024;
/** setTimeout fires at once for longer delays; a longer wait is taken in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A capture file opened for one synchronous pass (libpcap's OfflinePcap is one): `packet`
 * holds the current frame's first capturedLength() bytes while onPacket runs.
 */
export interface OfflinePacketReader {
  readonly packet: Buffer;
  timeMs(): number;
  capturedLength(): number;
  originalLength(): number;
  /** Calls `onPacket` for every frame, until the end of the file or stop(). */
  readAll(onPacket: () => void): void;
  /** Ends a readAll in progress (call it from onPacket), or frees a file that was not read. */
  stop(): void;
}

/** From a captured frame to the sink, for one kind of capture. */
export interface FrameDelivery<Counts extends Record<keyof Counts, number>> {
  /** What became of the frames delivered so far, by verdict. */
  readonly counts: Counts;
  /** Parses `buf[0, length)`, a frame of `linkType`, and tells the sink what it was. */
  deliver(linkType: number, buf: Buffer, length: number, originalLength: number, timeMs: number, sink: SightingSink): void;
}

/** What a kind of capture file source does its own way. */
export interface CaptureFileKind<Counts extends Record<keyof Counts, number>> {
  readonly kind: SourceKind;
  /** The kind's name in descriptions: "Wi-Fi", "BLE". */
  readonly label: string;
  /** Checks a file before any frame is read; throws a CaptureFileError that says what it is otherwise. */
  sniff(path: string): CaptureFileInfo;
  /** Opens a sniffed file for reading; throws a CaptureFileError when it cannot be read. */
  open(path: string, info: CaptureFileInfo, logger: Logger): OfflinePacketReader;
  readonly delivery: FrameDelivery<Counts>;
  /** Says more about a file once it was read, from what became of its frames. */
  afterFile?(path: string, counts: Counts, logger: Logger): void;
}

export interface CaptureFileSourceOptions {
  /** Capture files, read in this order as one stream. */
  paths: readonly string[];
  /** Frames to pass over first (a checkpoint's `stats().frames`), so a replay continues. */
  skipFrames?: number;
  /** Deliver frames at capture pace divided by this (2 = twice as fast); unset = at once. */
  speed?: number;
  logger: Logger;
}

const SLAB_BYTES = 1 << 20;

/**
 * Frames of one file copied out of the reader's buffer, for paced delivery. The bytes go into
 * 1 MiB slabs rather than a Buffer per frame, which would double the memory a large file takes.
 */
class CopiedFrames {
  private readonly slabs: Buffer[] = [];
  private readonly slabIndex: number[] = [];
  private readonly offset: number[] = [];
  private readonly length: number[] = [];
  readonly originalLength: number[] = [];
  readonly timeMs: number[] = [];
  private used = SLAB_BYTES;

  get count(): number {
    return this.timeMs.length;
  }

  add(buf: Buffer, length: number, originalLength: number, timeMs: number): void {
    if (this.used + length > SLAB_BYTES) {
      this.slabs.push(Buffer.allocUnsafe(Math.max(SLAB_BYTES, length)));
      this.used = 0;
    }
    buf.copy(this.slabs.at(-1)!, this.used, 0, length);
    this.slabIndex.push(this.slabs.length - 1);
    this.offset.push(this.used);
    this.length.push(length);
    this.originalLength.push(originalLength);
    this.timeMs.push(timeMs);
    this.used += length;
  }

  /** Copies frame `index` to the start of `target`; returns its length. */
  copyTo(index: number, target: Buffer): number {
    const offset = this.offset[index]!;
    return this.slabs[this.slabIndex[index]!]!.copy(target, 0, offset, offset + this.length[index]!);
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Opens a file through libpcap with a BPF `filter` ('' for none); libpcap's errors become one line. */
export function openWithLibpcap(path: string, filter: string, logger: Logger): OfflinePcap {
  try {
    return new OfflinePcap(path, filter, (text) => logger.debug('libpcap warning', { text: String(text) }));
  } catch (error) {
    throw new CaptureFileError(`${printablePath(path)}: ${errorMessage(error).replace(/\s+/g, ' ')}`, EX_DATAERR);
  }
}

/** camelCase count names as the snake_case of log fields. */
function logFieldName(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

export class CaptureFileSource<Counts extends Record<keyof Counts, number>> implements CaptureSource {
  readonly kind: SourceKind;
  readonly description: string;

  private readonly paths: readonly string[];
  private readonly speed: number | undefined;
  private readonly logger: Logger;
  private framesRead = 0;
  private framesSkipped = 0;
  private skipRemaining: number;
  private started = false;
  private stopped = false;
  /** Ends the file read or paced wait in progress, if any. */
  private interrupt: (() => void) | undefined;
  /** What the sink threw; it ends the run. */
  private failure: { error: unknown } | undefined;
  /** Capture time and wall time of the first paced frame: the pace is kept across files. */
  private paceOrigin: { captureMs: number; wallMs: number } | undefined;

  constructor(
    private readonly fileKind: CaptureFileKind<Counts>,
    options: CaptureFileSourceOptions,
  ) {
    if (options.paths.length === 0) throw new RangeError(`${new.target.name} needs at least one capture file`);
    const skipFrames = options.skipFrames ?? 0;
    if (!Number.isSafeInteger(skipFrames) || skipFrames < 0) {
      throw new RangeError(`skipFrames must be a whole number of frames, not ${skipFrames}`);
    }
    if (options.speed !== undefined && !(Number.isFinite(options.speed) && options.speed > 0)) {
      throw new RangeError(`speed must be a positive number, not ${options.speed}`);
    }
    this.kind = fileKind.kind;
    this.paths = [...options.paths];
    this.skipRemaining = skipFrames;
    this.speed = options.speed;
    this.logger = options.logger;
    const first = printablePath(this.paths[0]!);
    const last = printablePath(this.paths.at(-1)!);
    const label = fileKind.label;
    this.description = this.paths.length === 1 ? `${label} capture file ${first}` : `${this.paths.length} ${label} capture files (${first} ... ${last})`;
  }

  stats(): SourceStats {
    return { frames: this.framesRead, dropped: 0 };
  }

  /** What became of the frames read so far; the parts add up to `stats().frames`. */
  frameCounts(): Counts & { skipped: number } {
    return { ...this.fileKind.delivery.counts, skipped: this.framesSkipped };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.interrupt?.();
  }

  /**
   * Checks every file first (a CaptureFileError names the first bad one before any frame is
   * delivered), then reads them in order. Rejects with what the sink threw, if it throws.
   */
  async run(sink: SightingSink): Promise<void> {
    if (this.started) throw new Error(`a ${this.constructor.name} runs once`);
    this.started = true;
    const files = this.paths.map((path) => ({ path, info: this.fileKind.sniff(path) }));

    for (const { path, info } of files) {
      if (this.stopped) break;
      this.logger.info('reading capture file', { path, format: info.format, link_type: info.linkType });
      const before = { ...this.frameCounts(), frames: this.framesRead };
      // Let timers and sockets run between files.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.stopped) break;
      if (this.speed === undefined) this.readAtOnce(path, info, sink);
      else await this.deliverPaced(info, this.copyFrames(path, info), sink, this.speed);
      if (this.failure) throw this.failure.error;
      this.logFileDone(path, before);
    }
  }

  private logFileDone(path: string, before: Counts & { skipped: number; frames: number }): void {
    const counts: Record<string, number> = this.fileKind.delivery.counts;
    const earlier: Record<string, number> = before;
    const fileCounts = Object.fromEntries(Object.entries(counts).map(([name, value]) => [name, value - earlier[name]!])) as Counts;
    const fields: LogFields = { path, frames: this.framesRead - before.frames };
    for (const [name, value] of Object.entries<number>(fileCounts)) fields[logFieldName(name)] = value;
    fields.skipped = this.framesSkipped - before.skipped;
    fields.stopped = this.stopped || undefined;
    this.logger.info('capture file read', fields);
    this.fileKind.afterFile?.(path, fileCounts, this.logger);
  }

  /** Counts a frame read from the input; false when it is one of the frames to pass over. */
  private takeFrame(): boolean {
    this.framesRead++;
    if (this.skipRemaining === 0) return true;
    this.skipRemaining--;
    this.framesSkipped++;
    return false;
  }

  /** Reads the file in one synchronous pass (libpcap's offline reading blocks anyway). */
  private readAtOnce(path: string, info: CaptureFileInfo, sink: SightingSink): void {
    const reader = this.fileKind.open(path, info, this.logger);
    const { delivery } = this.fileKind;
    this.interrupt = () => reader.stop();
    try {
      reader.readAll(() => {
        // A throw here would unwind through libpcap's callback and end the process.
        try {
          if (this.takeFrame()) {
            delivery.deliver(info.linkType, reader.packet, reader.capturedLength(), reader.originalLength(), reader.timeMs(), sink);
          }
        } catch (error) {
          this.failure = { error };
          reader.stop();
        }
      });
    } finally {
      this.interrupt = undefined;
    }
  }

  /** Reads the whole file, keeping copies of the frames that are not passed over. */
  private copyFrames(path: string, info: CaptureFileInfo): CopiedFrames {
    const frames = new CopiedFrames();
    const reader = this.fileKind.open(path, info, this.logger);
    this.interrupt = () => reader.stop();
    try {
      reader.readAll(() => {
        if (this.skipRemaining > 0) {
          this.takeFrame();
          return;
        }
        frames.add(reader.packet, Math.min(reader.capturedLength(), SNAP_LENGTH), reader.originalLength(), reader.timeMs());
      });
    } finally {
      this.interrupt = undefined;
    }
    return frames;
  }

  /** Delivers each frame when its capture time, scaled by `speed`, comes due on the wall clock. */
  private deliverPaced(info: CaptureFileInfo, frames: CopiedFrames, sink: SightingSink, speed: number): Promise<void> {
    const buf = Buffer.alloc(SNAP_LENGTH);
    const { delivery } = this.fileKind;
    return new Promise<void>((resolve) => {
      let next = 0;
      let cancelWait: (() => void) | undefined;
      const finish = () => {
        cancelWait?.();
        this.interrupt = undefined;
        resolve();
      };
      const step = () => {
        cancelWait = undefined;
        try {
          for (let burst = 0; next < frames.count && !this.stopped; burst++) {
            const timeMs = frames.timeMs[next]!;
            this.paceOrigin ??= { captureMs: timeMs, wallMs: performance.now() };
            const wait = this.paceOrigin.wallMs + (timeMs - this.paceOrigin.captureMs) / speed - performance.now();
            if (wait > 0) {
              const timer = setTimeout(step, Math.min(wait, MAX_TIMER_MS));
              cancelWait = () => clearTimeout(timer);
              return;
            }
            if (burst === PACED_BURST) {
              const immediate = setImmediate(step);
              cancelWait = () => clearImmediate(immediate);
              return;
            }
            const length = frames.copyTo(next, buf);
            this.takeFrame();
            delivery.deliver(info.linkType, buf, length, frames.originalLength[next]!, timeMs, sink);
            next++;
          }
        } catch (error) {
          this.failure = { error };
        }
        finish();
      };
      this.interrupt = finish;
      step();
    });
  }
}
